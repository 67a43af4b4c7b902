"""Cohort reports: suppressed aggregates to share, a worklist and an HTML report to act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from prescreen.report.html import report_html
from prescreen.report.published import Published, funnel_table, published_tables, site_table
from prescreen.report.summary import summary
from prescreen.report.worklist import write_worklist

__all__ = ["Published", "funnel_table", "published_tables", "site_table", "write_reports"]


def write_reports(
    folder: Path,
    *,
    trial,
    criterion_result: pd.DataFrame,
    patients: pd.DataFrame,
    validation: pd.DataFrame,
    reasons: pd.DataFrame,
    provenance: dict[str, Any],
    min_cell: int = 5,
    sweep: pd.DataFrame | None = None,
    worklist: bool = True,
    worklist_result: pd.DataFrame | None = None,
) -> None:
    """funnel/sites/evaluability(/sweep).csv, summary.json, report.html and worklist.xlsx.

    `worklist=False` skips worklist.xlsx: writing an Excel cell costs microseconds in Python,
    which at hundreds of thousands of eligible patients dominates the report stage.
    `worklist_result`: the rows (with evidence) the worklist shows, when `criterion_result`
    carries no evidence (results kept in DuckDB for large registries).
    """
    folder = Path(folder)
    published = published_tables(criterion_result, patients, trial, min_cell, sweep)
    published.funnel.to_csv(folder / "funnel.csv", index=False)
    published.sites.to_csv(folder / "sites.csv", index=False)
    published.evaluability.to_csv(folder / "evaluability.csv", index=False)
    if published.sweep is not None:
        published.sweep.to_csv(folder / "sweep.csv", index=False)
    document = summary(published, trial, provenance)
    (folder / "summary.json").write_text(
        json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
    )
    html = report_html(
        published, trial=trial, validation=validation, reasons=reasons, provenance=provenance
    )
    (folder / "report.html").write_text(html, encoding="utf-8")
    if worklist:
        rows = criterion_result if worklist_result is None else worklist_result
        write_worklist(folder / "worklist.xlsx", rows, patients, trial)
