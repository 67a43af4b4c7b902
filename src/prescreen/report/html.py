"""report.html: one self-contained page (inline CSS and SVG, no network at view time)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from prescreen.report import charts
from prescreen.report.published import Published
from prescreen.report.worklist import WorklistSelection, truncation_note


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


def report_html(
    published: Published,
    *,
    trial,
    validation: pd.DataFrame,
    reasons: pd.DataFrame,
    provenance: dict[str, Any],
    worklist: WorklistSelection | None = None,
) -> str:
    """The rendered page; every number in it comes from `published` (already suppressed)."""
    criteria = {c.id: c for c in trial.criteria}
    template = _environment().get_template("report.html.j2")
    return template.render(
        trial=trial,
        criteria=criteria,
        p=published,
        mark=f"<{published.min_cell}",
        charts={
            "funnel": Markup(charts.funnel_chart(published)),
            "impact": Markup(charts.impact_chart(published)),
            "sites": Markup(charts.site_chart(published)),
        },
        quality=quarantine_summary(validation, reasons),
        evaluability=_evaluability_grid(published.evaluability),
        prov=provenance,
        worklist_note=worklist_note(worklist, published),
    )


def worklist_note(selection: WorklistSelection | None, published: Published) -> str | None:
    """What the page says about a capped worklist (None when it lists everyone).

    The page is shared, so the note names only what a reader knows already: the total as
    published likely_eligible + needs_review (left out when either is hidden) and the
    number listed only when it is the cap asked for (else the per-sheet cap bit first).
    """
    if selection is None or selection.complete:
        return None
    head = published.headline
    total = "the"
    if head["likely_eligible"].isdigit() and head["needs_review"].isdigit():
        total = f"{int(head['likely_eligible']) + int(head['needs_review']):,}"
    shown = f"{selection.shown:,}" if selection.shown == selection.limit else "a capped number"
    return truncation_note(shown, total, selection.limit)


def _evaluability_grid(table: pd.DataFrame) -> dict[str, Any]:
    """Sites × criteria cells for the heat table: text shown and a 0..1 shade (None = hidden)."""
    ids = list(dict.fromkeys(table["criterion_id"]))
    rows = []
    for site, group in table.groupby("site", sort=False):
        cells = []
        for rec in group.itertuples(index=False):
            share = rec.share_decided
            shade = float(share) if share not in ("", "*") else None
            text = f"{round(100 * shade)}%" if shade is not None else (share or "–")
            cells.append(
                {"text": text, "shade": shade, "title": f"{rec.n_decided} of {rec.n_screened}"}
            )
        rows.append({"site": site, "cells": cells})
    return {"ids": ids, "rows": rows}
