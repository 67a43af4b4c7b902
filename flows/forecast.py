"""The `forecast` flow: load the extract once, screen it at monthly index dates.

One DuckDB connection is shared in-process by the tasks (they run one after another in
this process): the load task fills it, one evaluate task per index date reads it
(`evaluate_sql(con, trial, index_date)`), so the extract is read and validated once.
The extract is loaded with as-of = the last index date; earlier index dates see only
what the criteria windows allow before them.
"""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prescreen.flows.screen import _TASK, _artifact_key, load_validate

from prescreen import pipeline
from prescreen.database import database_file, open_database
from prescreen.forecast import (
    forecast_chart_svg,
    forecast_html,
    index_dates,
    newly_eligible,
    suppressed_forecast,
)
from prescreen.outputs import MANIFEST, staged_output


@task(name="evaluate-at", **_TASK)
def statuses_at(
    con: duckdb.DuckDBPyConnection, trial_ref: str, index_date: date, engine: str
) -> pd.DataFrame:
    """person_id, site, status of every person at one index date."""
    from prescreen.criteria.parse import load_trial

    return pipeline.statuses_stage(con, load_trial(trial_ref), index_date, engine)


@flow(name="forecast", persist_result=False)
def forecast(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    as_of: date,
    months: int = 12,
    include_review: bool = False,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
) -> pd.DataFrame:
    """forecast.csv, forecast.svg and run.json in `out_dir`; returns the published table."""
    from prescreen.criteria.parse import load_trial, trial_hash

    started = datetime.now(UTC)
    trial_def = load_trial(trial)
    dates = index_dates(as_of, months)
    with staged_output(out_dir) as folder:
        with database_file(None) as db_file:
            con = open_database(db_file)
            try:
                load = load_validate(con, extract_dir, as_of, max_quarantine, folder, out_dir)
                statuses = {d: statuses_at(con, trial, d, engine) for d in dates}
            finally:
                con.close()
        published = suppressed_forecast(
            newly_eligible(statuses, include_review=include_review), min_cell
        )
        published.to_csv(folder / "forecast.csv", index=False)
        title = f"{trial_def.id}: newly {'eligible or review' if include_review else 'likely eligible'} per month"
        chart = forecast_chart_svg(published, title)
        (folder / "forecast.svg").write_text(chart, encoding="utf-8")
        what = "likely eligible or needs review" if include_review else "likely eligible"
        page = forecast_html(published, title, chart, what=what, min_cell=min_cell)
        (folder / "forecast.html").write_text(page, encoding="utf-8")
        manifest = {
            "trial": {
                "id": trial_def.id,
                "version": trial_def.version,
                "criteria_sha256": trial_hash(trial_def),
            },
            "as_of": as_of.isoformat(),
            "months": months,
            "index_dates": [d.isoformat() for d in dates],
            "eligible_statuses": ["likely_eligible", "needs_review"]
            if include_review
            else ["likely_eligible"],
            "engine": engine,
            "min_cell": min_cell,
            "input_files_sha256": dict(sorted(load.input_files.items())),
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    create_table_artifact(
        table=published.to_dict(orient="records"),
        key=_artifact_key(f"{trial_def.id}-forecast"),
        description=f"newly eligible per site and month, {months} months to {as_of} (suppressed)",
    )
    get_run_logger().info("forecast over %d index dates written to %s", len(dates), out_dir)
    return published
