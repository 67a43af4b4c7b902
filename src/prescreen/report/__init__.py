"""Cohort reports: suppressed aggregates to share, a worklist and an HTML report to act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from prescreen.report.html import report_html
from prescreen.report.published import Published, funnel_table, published_tables, site_table
from prescreen.report.results import ResultCodes, Results, as_result_codes, result_codes
from prescreen.report.summary import summary
from prescreen.report.worklist import (
    DEFAULT_LIMIT,
    WorklistSelection,
    worklist_selection,
    write_worklist,
)

__all__ = [
    "Published",
    "ResultCodes",
    "WorklistSelection",
    "funnel_table",
    "published_tables",
    "result_codes",
    "site_table",
    "write_reports",
]


def write_reports(
    folder: Path,
    *,
    trial,
    criterion_result: Results,
    patients: pd.DataFrame,
    validation: pd.DataFrame,
    reasons: pd.DataFrame,
    provenance: dict[str, Any],
    min_cell: int = 5,
    sweep: pd.DataFrame | None = None,
    worklist: bool = True,
    worklist_limit: int = DEFAULT_LIMIT,
    con: duckdb.DuckDBPyConnection | None = None,
) -> WorklistSelection | None:
    """funnel/sites/evaluability(/sweep).csv, summary.json, report.html and worklist.xlsx.

    `criterion_result`: the long frame, or `ResultCodes` aligned with `patients` computed in
    DuckDB (then `con` must hold the table `criterion_result` for the worklist's evidence).
    `worklist=False` skips worklist.xlsx; `worklist_limit` caps its patients (0 = only
    Excel's per-sheet limit): writing an Excel cell costs microseconds in Python, which at
    hundreds of thousands of eligible patients dominates the report stage.
    Returns who the worklist lists (None without a worklist).
    """
    folder = Path(folder)
    codes = as_result_codes(criterion_result, patients, trial.criterion_ids())
    published = published_tables(codes, patients, trial, min_cell, sweep)
    published.funnel.to_csv(folder / "funnel.csv", index=False)
    published.sites.to_csv(folder / "sites.csv", index=False)
    published.evaluability.to_csv(folder / "evaluability.csv", index=False)
    if published.sweep is not None:
        published.sweep.to_csv(folder / "sweep.csv", index=False)
    document = summary(published, trial, provenance)
    (folder / "summary.json").write_text(
        json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
    )
    selection = worklist_selection(patients, worklist_limit) if worklist else None
    html = report_html(
        published,
        trial=trial,
        validation=validation,
        reasons=reasons,
        provenance=provenance,
        worklist=selection,
    )
    (folder / "report.html").write_text(html, encoding="utf-8")
    if selection is None:
        return None
    # the frame (when given) also carries the evidence; codes alone need `con` for it
    rows = codes if con is not None else criterion_result
    write_worklist(folder / "worklist.xlsx", rows, patients, trial, con=con, selection=selection)
    return selection
