"""The load report: per-table counts and reasons, its files and its console summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from rich.console import Console
from rich.table import Table

from prescreen.errors import ExtractError
from prescreen.extract.quarantine import reason_counts

VALIDATION_COLUMNS = ["table", "source_file", "rows_in", "loaded", "quarantined", "notes"]


@dataclass(frozen=True)
class TableCounts:
    """Row conservation of one file: rows_in = loaded + quarantined."""

    table: str
    source_file: str
    rows_in: int
    loaded: int
    quarantined: int
    notes: str = ""


@dataclass
class LoadReport:
    """What the load stage read, kept and quarantined (counts only, no patient data)."""

    validation: pd.DataFrame
    reasons: pd.DataFrame
    input_files: dict[str, str] = field(default_factory=dict)
    unknown_files: list[str] = field(default_factory=list)


def build_report(
    con: duckdb.DuckDBPyConnection,
    counts: list[TableCounts],
    *,
    input_files: dict[str, str],
    unknown_files: list[str],
) -> LoadReport:
    """Assemble the report from per-table counts and the quarantine table."""
    validation = pd.DataFrame([c.__dict__ for c in counts], columns=VALIDATION_COLUMNS)
    return LoadReport(validation, reason_counts(con), input_files, list(unknown_files))


def check_threshold(report: LoadReport, max_quarantine: float) -> None:
    """Raise ExtractError (carrying the report) when a table quarantines > max_quarantine."""
    for row in report.validation.itertuples(index=False):
        share = row.quarantined / row.rows_in if row.rows_in else 0.0
        if share <= max_quarantine:
            continue
        top = report.reasons[report.reasons["table"] == row.table].head(3)
        reasons = "; ".join(f"{r.column}: {r.reason} ({r.count} rows)" for r in top.itertuples())
        error = ExtractError(
            f"{row.source_file}: {row.quarantined} of {row.rows_in} rows of table {row.table} "
            f"failed validation ({share:.1%} > {max_quarantine:.1%}); top reasons: {reasons}. "
            "Fix the extract or raise --max-quarantine"
        )
        error.report = report  # type: ignore[attr-defined]
        raise error


def write_validation_outputs(
    report: LoadReport, con: duckdb.DuckDBPyConnection, folder: Path
) -> None:
    """validation.csv, validation_reasons.csv and quarantine.csv (patient-level, local only)."""
    folder.mkdir(parents=True, exist_ok=True)
    report.validation.to_csv(folder / "validation.csv", index=False)
    report.reasons.to_csv(folder / "validation_reasons.csv", index=False)
    target = str(folder / "quarantine.csv").replace("'", "''")
    con.execute(
        f"copy (select * from quarantine order by table_name, line, check_name) to '{target}' "
        "(header, delimiter ',')"
    )


def print_validation_summary(report: LoadReport, console: Console) -> None:
    """A rich table: per file rows in, loaded, quarantined and the top reason."""
    table = Table(title="Extract validation", show_header=True)
    for name, justify in [
        ("table", "left"),
        ("file", "left"),
        ("rows in", "right"),
        ("loaded", "right"),
        ("quarantined", "right"),
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
            reason,
        )
    console.print(table, markup=False)
    for row in report.validation.itertuples(index=False):
        if row.notes:
            console.print(f"note: {row.source_file}: {row.notes}", markup=False, highlight=False)
    if report.unknown_files:
        console.print(
            "ignored (not OMOP tables prescreen loads): " + ", ".join(report.unknown_files),
            markup=False,
            highlight=False,
        )
