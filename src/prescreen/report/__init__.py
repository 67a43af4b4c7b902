"""Everything a screen's results turn into: local person-level files, shareable aggregates
(suppressed or rounded), a coordinator's worklist and an HTML report.

The results live in the screen's DuckDB connection, whichever engine produced them:
`criterion_result`, `person_site`, `person` and the tables `prescreen.status.patient_status`
derives (`top_result`, `patient_status`). Every output is SQL in `sql/marts/` over them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from prescreen.report.csv_files import write_frame
from prescreen.report.feasibility import write_feasibility
from prescreen.report.marts import ReportCounts, report_counts
from prescreen.report.options import ReportOptions
from prescreen.report.patient_files import write_patient_files as _write_patient_files
from prescreen.report.published import Published, published_tables
from prescreen.report.summary import summary
from prescreen.report.worklist import WorklistSelection, select_worklist, write_worklists

__all__ = [
    "Published",
    "ReportCounts",
    "ReportOptions",
    "ReportResult",
    "WorklistSelection",
    "published_tables",
    "report_counts",
    "write_patient_files",
    "write_reports",
]


@dataclass(frozen=True)
class ReportResult:
    """What the report stage wrote: who the worklist lists and in which files."""

    worklist: WorklistSelection
    worklist_files: list[str] = field(default_factory=list)


def write_patient_files(
    folder: Path, con: duckdb.DuckDBPyConnection, options: ReportOptions | None = None
) -> bool:
    """patients.csv, criteria.parquet and criteria.csv (local: identifiers) into `folder`.

    Returns True when criteria.csv lists every person (else the worklist's persons).
    """
    options = options or ReportOptions()
    select_worklist(con, options.worklist_limit)  # leaves worklist_person for criteria.csv
    screened = con.table("patient_status").aggregate("count(*)").fetchall()[0][0]
    return _write_patient_files(con, Path(folder), options, int(screened))


def write_reports(
    folder: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    trial: Any,
    provenance: dict[str, Any],
    load_report: Any = None,
    sweep: pd.DataFrame | None = None,
    options: ReportOptions | None = None,
) -> ReportResult:
    """funnel/sites/evaluability(/sweep).csv, summary.json, feasibility.xlsx, report.html
    and the worklist(s) into `folder`.

    `load_report`: the loader's report (its `validation`, `reasons` and, when present,
    `findings` frames appear in report.html). `sweep`: status counts per swept value.
    """
    from prescreen.report.html import report_html  # matplotlib: imported only to report

    options = options or ReportOptions()
    folder = Path(folder)
    published = published_tables(
        report_counts(con, trial),
        trial,
        min_cell=options.min_cell,
        round_to=options.round_to,
        sweep=sweep,
    )
    tables = {"funnel": published.funnel, "sites": published.sites}
    tables["evaluability"] = published.evaluability
    if published.sweep is not None:
        tables["sweep"] = published.sweep
    for name, table in tables.items():
        write_frame(con, table, folder / f"{name}.csv", bom=options.csv_bom)
    document = summary(published, trial, provenance)
    (folder / "summary.json").write_text(
        json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
    )
    write_feasibility(folder / "feasibility.xlsx", published, trial, provenance)
    selection = select_worklist(con, options.worklist_limit)
    html = report_html(
        published,
        trial=trial,
        validation=getattr(load_report, "validation", None),
        reasons=getattr(load_report, "reasons", None),
        findings=getattr(load_report, "findings", None),
        provenance=provenance,
        worklist=selection if options.worklist else None,
    )
    (folder / "report.html").write_text(html, encoding="utf-8")
    files: list[str] = []
    if options.worklist:
        files = write_worklists(con, folder, trial, selection, per_site=options.worklist_per_site)
    return ReportResult(worklist=selection, worklist_files=files)
