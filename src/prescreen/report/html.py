"""report.html: one self-contained page (inline CSS and SVG, no network at view time)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from prescreen.report import charts
from prescreen.report.labels import criterion_label, percent, share
from prescreen.report.published import Published
from prescreen.report.worklist import WorklistSelection, truncation_note

# evaluability heat bins: lowest whole percent of the bin (inclusive), colour, text colour,
# legend; steps chosen so 85 % and 100 % look different at a glance (a smooth scale did not)
HEAT_BINS = (
    (100, "#173f63", "#ffffff", "100 %"),
    (95, "#3d6f9e", "#ffffff", "95–99 %"),
    (80, "#9dbfe0", "#1f2933", "80–94 %"),
    (50, "#fde2b8", "#1f2933", "50–79 %"),
    (0, "#f4a582", "#1f2933", "0–49 %"),
)
FINDINGS_SHOWN = 50  # data-quality findings listed on the page (the rest: counted)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("prescreen.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def quarantine_summary(validation: pd.DataFrame, reasons: pd.DataFrame) -> dict[str, list[dict]]:
    """Rows loaded/quarantined per table and quarantined rows by table, check and reason."""
    tables = validation.to_dict(orient="records") if validation is not None else []
    by_reason = []
    if reasons is not None and len(reasons):
        by_reason = reasons.sort_values(["table", "count"], ascending=[True, False]).to_dict(
            orient="records"
        )
    return {"tables": tables, "reasons": by_reason}


def findings_summary(findings: pd.DataFrame | None) -> dict[str, Any] | None:
    """The load report's data-quality findings (usable but odd rows, counted), or None."""
    if findings is None or not isinstance(findings, pd.DataFrame) or findings.empty:
        return None
    shown = findings.head(FINDINGS_SHOWN).astype(str)
    return {
        "columns": list(shown.columns),
        "rows": shown.to_numpy().tolist(),
        "total": len(findings),
    }


def dates(provenance: dict[str, Any]) -> dict[str, str]:
    """Index date and extract date as the header shows them (run.json, else as_of)."""
    as_of = str(provenance.get("as_of") or "?")
    source = provenance.get("extract_date_source")
    return {
        "index": str(provenance.get("index_date") or as_of),
        "extract": str(provenance.get("extract_date") or as_of),
        "extract_source": str(source) if source else "",
    }


def report_html(
    published: Published,
    *,
    trial: Any,
    validation: pd.DataFrame | None,
    reasons: pd.DataFrame | None,
    provenance: dict[str, Any],
    findings: pd.DataFrame | None = None,
    worklist: WorklistSelection | None = None,
) -> str:
    """The rendered page; every number in it comes from `published` (already protected)."""
    criteria = {c.id: c for c in trial.criteria}
    template = _environment().get_template("report.html.j2")
    screened = published.headline["screened"]
    return template.render(
        trial=trial,
        criteria=criteria,
        labels={c.id: criterion_label(c) for c in trial.criteria},
        p=published,
        pct=lambda n, d=screened: percent(share(n, d)),
        percent=percent,
        charts={
            "funnel": Markup(charts.funnel_chart(published)),
            "impact": Markup(charts.impact_chart(published)),
            "sites": Markup(charts.site_chart(published)),
        },
        quality=quarantine_summary(validation, reasons),
        findings=findings_summary(findings),
        evaluability=evaluability_grid(published.evaluability, trial),
        heat_bins=HEAT_BINS,
        dates=dates(provenance),
        unmatched=list(provenance.get("unmatched_codesets") or []),
        without_descendants=list(provenance.get("codesets_without_descendants") or []),
        prov=provenance,
        worklist_note=worklist_note(worklist, published),
    )


def worklist_note(selection: WorklistSelection | None, published: Published) -> str | None:
    """What the page says about a capped worklist (None when it lists everyone).

    The page is shared, so the note names only what a reader knows already: the total as
    published likely_eligible + needs_review (left out when either is hidden or rounded)
    and the number listed only when it is the cap asked for (else the per-sheet cap bit
    first, and the number would reveal site counts).
    """
    if selection is None or selection.complete:
        return None
    head = published.headline
    total = "the"
    exact = not published.round_to
    if exact and head["likely_eligible"].isdigit() and head["needs_review"].isdigit():
        total = f"{int(head['likely_eligible']) + int(head['needs_review']):,}"
    shown = f"{selection.shown:,}" if selection.shown == selection.limit else "a capped number"
    return truncation_note(shown, total, selection.limit)


def whole_percent(share_value: float) -> int:
    """A share as the whole percent shown, rounded down: 999 of 1,000 is 99 %, not 100 %."""
    return math.floor(100 * share_value + 1e-9)


def heat_colour(percent_value: int) -> tuple[str, str]:
    """(background, text colour) of an evaluability cell showing this whole percent."""
    for low, background, ink, _ in HEAT_BINS:
        if percent_value >= low:
            return background, ink
    return HEAT_BINS[-1][1], HEAT_BINS[-1][2]


def evaluability_grid(table: pd.DataFrame, trial: Any) -> dict[str, Any]:
    """Criteria × sites cells for the heat table (criteria as rows: sites are fewer)."""
    labels = {c.id: criterion_label(c) for c in trial.criteria}
    sites = list(dict.fromkeys(table["site"]))
    cells = {(r.site, r.criterion_id): r for r in table.itertuples(index=False)}
    rows = []
    for cid in dict.fromkeys(table["criterion_id"]):
        row = []
        for site in sites:
            rec = cells[(site, cid)]
            text, background, ink = rec.share_decided or "–", "", ""
            if rec.share_decided not in ("", "*"):
                value = whole_percent(float(rec.share_decided))
                text = f"{value} %"
                background, ink = heat_colour(value)
            row.append(
                {
                    "text": text,
                    "background": background,
                    "ink": ink,
                    "title": f"{rec.n_decided} of {rec.n_screened} decided",
                }
            )
        rows.append({"id": cid, "label": labels.get(cid, ""), "cells": row})
    return {"sites": sites, "rows": rows}
