"""Newly likely-eligible patients per site and past month (`prescreen newly-eligible`).

This is a count of what happened, not a forecast: it shows how many patients a site
gained per month in the past, the incidence a feasibility team extrapolates from. (The
command was called `forecast` first; that name stays as an alias, and the files keep
their names: forecast.csv, forecast.html, forecast.svg.)

The trial is evaluated at monthly index dates (as-of minus k months, k = N..0) against
one loaded extract. A patient counts as *newly eligible* in month m when they are
likely_eligible at m's index date and were not at the previous index date (with
`include_review`, likely_eligible or needs_review counts as eligible). The first index
date is the baseline and is not reported, so N months give N rows per site.

Counts 1..min_cell-1 print as `<min_cell` (prescreen.report.suppression's primary mark).
The table publishes no totals, so no cell can be recovered from others and primary
suppression is enough. The chart plots only published counts: a suppressed cell is a gap.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from prescreen.provenance import RunManifest
from prescreen.report.suppression import primary_mark
from prescreen.request import ForecastRequest, screen_request
from prescreen.sqltext import read_sql

FORECAST_COLUMNS = ["site", "month", "newly_eligible"]
ELIGIBLE = ("likely_eligible",)
ELIGIBLE_WITH_REVIEW = ("likely_eligible", "needs_review")


def forecast_request(
    *,
    trial: str,
    extract_dir: str | Path,
    out_dir: str | Path,
    index_date: str | date,
    extract_date: str | date | None = None,
    months: int = 12,
    include_review: bool = False,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    exact_concepts: bool = False,
) -> ForecastRequest:
    """The monthly screens of `prescreen newly-eligible`, checked and with the trial parsed."""
    from prescreen.errors import PrescreenError

    if months < 1:
        raise PrescreenError(f"--months {months}: give 1 or more")
    screen = screen_request(
        trial=trial,
        extract_dir=extract_dir,
        out_dir=out_dir,
        index_date=index_date,
        extract_date=extract_date,
        engine=engine,
        min_cell=min_cell,
        max_quarantine=max_quarantine,
        exact_concepts=exact_concepts,
    )
    return ForecastRequest(screen=screen, months=int(months), include_review=bool(include_review))


def index_dates(last: date, months: int) -> list[date]:
    """`last` minus k months for k = months..0, oldest first; day clamped to month end."""
    dates = []
    for k in range(months, -1, -1):
        total = last.year * 12 + (last.month - 1) - k
        year, month = divmod(total, 12)
        day = min(last.day, calendar.monthrange(year, month + 1)[1])
        dates.append(date(year, month + 1, day))
    return dates


def newly_eligible_written(
    folder: Path,
    forecast: ForecastRequest,
    counts: pd.DataFrame,
    manifest: RunManifest,
) -> pd.DataFrame:
    """forecast.csv, forecast.svg, forecast.html and run.json in `folder` from the counts
    (`newly_eligible`); the published table."""
    eligible = ELIGIBLE_WITH_REVIEW if forecast.include_review else ELIGIBLE
    min_cell = forecast.screen.min_cell
    published = suppressed_forecast(counts, min_cell)
    published.to_csv(folder / "forecast.csv", index=False)
    what = "likely eligible or needs review" if forecast.include_review else "likely eligible"
    trial_id = forecast.screen.trial.id
    title = f"{trial_id}: newly {what}, per site and past month (a count, not a projection)"
    chart = forecast_chart_svg(published, title)
    (folder / "forecast.svg").write_text(chart, encoding="utf-8")
    page = forecast_html(published, title, chart, what=what, min_cell=min_cell)
    (folder / "forecast.html").write_text(page, encoding="utf-8")
    manifest.extra.update(
        {
            "months": forecast.months,
            "index_dates": [d.isoformat() for d in forecast.index_dates],
            "eligible_statuses": list(eligible),
            "min_cell": min_cell,
            "what": "count of patients newly eligible per past month (not a projection)",
        }
    )
    manifest.write(folder)
    return published


def newly_eligible(con: duckdb.DuckDBPyConnection, *, include_review: bool = False) -> pd.DataFrame:
    """site, month (YYYY-MM of the index date), newly_eligible (int), every site × month,
    over the statuses per index date in the table `date_status` (pipeline.statuses_dated)
    and the sites of `person_site` (sql/marts/newly_eligible.sql)."""
    eligible = ELIGIBLE_WITH_REVIEW if include_review else ELIGIBLE
    found = con.execute(read_sql("marts/newly_eligible.sql"), {"eligible": list(eligible)}).df()
    found["newly_eligible"] = found["newly_eligible"].astype("int64")
    return found[FORECAST_COLUMNS]


def suppressed_forecast(forecast: pd.DataFrame, min_cell: int = 5) -> pd.DataFrame:
    """The table as published: counts 1..min_cell-1 replaced by the primary mark."""
    mark = primary_mark(min_cell)
    out = forecast.copy()
    out["newly_eligible"] = [
        mark if 0 < n < min_cell else str(n) for n in forecast["newly_eligible"]
    ]
    return out


def forecast_chart_svg(published: pd.DataFrame, title: str) -> str:
    """A line per site of published monthly counts, as SVG text (byte-stable)."""
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": "prescreen-forecast", "svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(9, 4))
        months = sorted(published["month"].unique())
        for site, rows in published.groupby("site", sort=True):
            values = rows.set_index("month").reindex(months)["newly_eligible"]
            numbers = pd.to_numeric(values, errors="coerce")  # `<5` → gap
            ax.plot(months, numbers.to_numpy(), marker="o", label=site)
        ax.set_title(title)
        ax.set_ylabel("newly likely eligible")
        ax.set_xlabel("month (index date)")
        ax.tick_params(axis="x", rotation=45)
        if len(published):
            ax.legend(fontsize=7)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return re.sub(r"<metadata>.*?</metadata>", "", buffer.getvalue(), flags=re.S)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1c2733; }
h1 { font-size: 1.4rem; color: #1f4e79; } p { color: #4a5868; }
table { border-collapse: collapse; font-size: .85rem; margin-top: 1rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #e3e8ee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { max-width: 100%; height: auto; }
</style></head><body>
<h1>{{ title }}</h1>
<p>Patients who became {{ what }} at each past monthly index date, per site: what happened,
counted from the extract, not a projection of what will happen. It is the monthly incidence
a site recruited from; extrapolate it with care. Counts from 1 to {{ min_cell - 1 }} are
shown as {{ mark }}. Aggregates only: no patient-level data.</p>
{{ chart | safe }}
<table><thead><tr><th>site</th>{% for m in months %}<th>{{ m }}</th>{% endfor %}</tr></thead>
<tbody>{% for site, row in rows %}<tr><td>{{ site }}</td>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
</body></html>
"""


def forecast_html(
    published: pd.DataFrame, title: str, chart_svg: str, *, what: str, min_cell: int
) -> str:
    """forecast.html: one self-contained page with the chart and the published table."""
    from jinja2 import Environment

    months = sorted(published["month"].unique())
    wide = published.pivot(index="site", columns="month", values="newly_eligible").reindex(
        columns=months
    )
    rows = [(site, ["" if pd.isna(v) else v for v in values]) for site, values in wide.iterrows()]
    svg = chart_svg[chart_svg.find("<svg") :]  # drop the XML prolog when inlined
    template = Environment(autoescape=True).from_string(_PAGE)
    return template.render(
        title=title, what=what, min_cell=min_cell, mark=primary_mark(min_cell),
        chart=svg, months=months, rows=rows,
    )  # fmt: skip
