"""The load report: per-table counts, reasons and findings, its files and its console summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from rich.console import Console
from rich.table import Table

from prescreen.errors import ExtractError
from prescreen.extract.extract_date import ExtractDate
from prescreen.extract.quarantine import outcome_counts
from prescreen.extract.tables import TABLES

VALIDATION_COLUMNS = [
    "table",
    "source_file",
    "rows_in",
    "loaded",
    "quarantined",
    "notes",
    "deduplicated",
    "findings",
]
COUNT_COLUMNS = ["table", "check", "column", "reason", "count"]
_ROW_COLUMNS = "table_name, source_file, line, primary_key, column_name, check_name, reason"


@dataclass(frozen=True)
class TableCounts:
    """Row conservation of one file: rows_in = loaded + quarantined + deduplicated.

    `findings` counts rows listed in `finding` (surplus exact copies included).
    """

    table: str
    source_file: str
    rows_in: int
    loaded: int
    quarantined: int
    notes: str = ""
    deduplicated: int = 0
    findings: int = 0


@dataclass
class LoadReport:
    """What the load stage read, kept, quarantined and found (counts only, no patient data).

    `reasons` counts quarantined rows and `findings` rows with findings, both per table,
    check, column and reason. `extract_date` is the date validation used, and
    `extract_date_source` where it came from ("cdm_source.source_release_date",
    "cdm_source.cdm_release_date", "--extract-date" or "run date").
    """

    validation: pd.DataFrame
    reasons: pd.DataFrame
    input_files: dict[str, str] = field(default_factory=dict)
    unknown_files: list[str] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COUNT_COLUMNS))
    extract_date: date = field(default_factory=date.today)
    extract_date_source: str = "run date"
    cdm_source_abbreviation: str | None = None


def build_report(
    con: duckdb.DuckDBPyConnection,
    counts: list[TableCounts],
    *,
    input_files: dict[str, str],
    unknown_files: list[str],
    extract_date: ExtractDate,
) -> LoadReport:
    """Assemble the report from per-table counts and the quarantine and finding tables."""
    validation = pd.DataFrame([c.__dict__ for c in counts], columns=VALIDATION_COLUMNS)
    return LoadReport(
        validation,
        outcome_counts(con, "quarantine"),
        input_files,
        list(unknown_files),
        findings=outcome_counts(con, "finding"),
        extract_date=extract_date.value,
        extract_date_source=extract_date.source,
        cdm_source_abbreviation=extract_date.cdm_source_abbreviation,
    )


def check_threshold(report: LoadReport, max_quarantine: float) -> None:
    """Raise ExtractError (carrying the report) when a table quarantines > max_quarantine.

    Only quarantined (unusable) rows count: findings and de-duplicated copies lose nothing.
    Only tables the screen reads per person (person, clinical events) can stop a run; the
    losses of the others (cdm_source, visits, vocabulary, …) are reported, never fatal.
    """
    for row in report.validation.itertuples(index=False):
        share = row.quarantined / row.rows_in if row.rows_in else 0.0
        if share <= max_quarantine or not TABLES[row.table].screened:
            continue
        top = report.reasons[report.reasons["table"] == row.table].head(3)
        reasons = "; ".join(f"{r.column}: {r.reason} ({r.count} rows)" for r in top.itertuples())
        error = ExtractError(
            f"{row.source_file}: {row.quarantined} of {row.rows_in} rows of table {row.table} "
            f"cannot be used ({share:.1%} > {max_quarantine:.1%}); top reasons: {reasons}. "
            f"Dates were checked against the extract date {report.extract_date.isoformat()} "
            f"({report.extract_date_source}). Fix the extract or raise --max-quarantine"
        )
        error.report = report  # type: ignore[attr-defined]
        raise error


def write_validation_outputs(
    report: LoadReport, con: duckdb.DuckDBPyConnection, folder: Path
) -> None:
    """validation.csv, validation_reasons.csv; quarantine.csv and findings.csv (patient-level:
    keys and line numbers, keep them local)."""
    folder.mkdir(parents=True, exist_ok=True)
    report.validation.to_csv(folder / "validation.csv", index=False)
    report.reasons.to_csv(folder / "validation_reasons.csv", index=False)
    for outcome, file_name in (("quarantine", "quarantine.csv"), ("finding", "findings.csv")):
        con.execute(
            f"copy (select {_ROW_COLUMNS} from {outcome} order by table_name, line, check_name) "
            "to $path (header, delimiter ',')",
            {"path": str(folder / file_name)},
        )


def print_validation_summary(report: LoadReport, console: Console) -> None:
    """A rich table: per file rows in, loaded, quarantined, findings and the top reason; then
    the extract date, each table's top finding, notes and ignored files."""
    table = Table(title="Extract validation", show_header=True)
    for name, justify in [
        ("table", "left"),
        ("file", "left"),
        ("rows in", "right"),
        ("loaded", "right"),
        ("quarantined", "right"),
        ("findings", "right"),
        ("top reason", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in report.validation.itertuples(index=False):
        top = report.reasons[report.reasons["table"] == row.table].head(1)
        reason = "" if top.empty else f"{top.iloc[0]['column']}: {top.iloc[0]['reason']}"
        table.add_row(
            row.table,
            row.source_file,
            f"{row.rows_in:,}",
            f"{row.loaded:,}",
            f"{row.quarantined:,}",
            f"{row.findings:,}",
            reason,
        )
    console.print(table, markup=False)
    console.print(
        f"extract date {report.extract_date.isoformat()} ({report.extract_date_source})",
        markup=False,
        highlight=False,
    )
    for finding in report.findings.groupby("table", sort=False).head(1).itertuples():
        console.print(
            f"finding (rows kept): {finding.table}: {finding.check} {finding.column}: "
            f"{finding.reason} ({finding.count:,} rows; all in findings.csv)",
            markup=False,
            highlight=False,
        )
    for row in report.validation.itertuples(index=False):
        if row.notes:
            console.print(f"note: {row.source_file}: {row.notes}", markup=False, highlight=False)
    if report.unknown_files:
        console.print(
            "ignored (not OMOP tables prescreen loads): " + ", ".join(report.unknown_files),
            markup=False,
            highlight=False,
        )
