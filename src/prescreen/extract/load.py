"""Load an OMOP extract folder into DuckDB: usable rows loaded, findings listed, the rest quarantined."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console

from prescreen import progress
from prescreen.errors import ExtractError
from prescreen.extract.crossrows import (
    copies_in_stored_columns,
    key_rules,
    keys_proven_unique,
    row_rules_across,
)
from prescreen.extract.csvpass import numbered_copy, type_csv_rows
from prescreen.extract.discover import Fingerprints, discover_files, hashed_meanwhile
from prescreen.extract.extract_date import ExtractDate, resolve_extract_date
from prescreen.extract.person_order import sorted_note, store_by_person
from prescreen.extract.quarantine import (
    DEDUPLICATED,
    create_outcome_tables,
    forget_findings_of_quarantined,
    lines_in,
    quarantine_rejects,
    record,
    row_outcomes_sql,
    set_aside,
)
from prescreen.extract.stage import RawTable, stage_file
from prescreen.extract.summary import LoadReport, TableCounts, build_report, check_threshold
from prescreen.extract.tables import ALWAYS_PRESENT, LOAD_ORDER, TABLES, OmopTable
from prescreen.extract.validate import key_text, type_and_check_rows, typed_view
from prescreen.sqltext import read_sql

log = logging.getLogger("prescreen")


def load_extract(
    extract_dir: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    extract_date: date | None = None,
    max_quarantine: float = 0.05,
    console: Console | None = None,
    columns: Mapping[str, Collection[str]] | None = None,
) -> LoadReport:
    """Load every OMOP table of `extract_dir` into `con`; raise ExtractError on unusable input.

    `extract_date` is used only when the extract has no cdm_source release date (default:
    the run date); dates are checked against it. `max_quarantine` is a share (0.05 = 5 %):
    person or a clinical event table quarantining more stops the load; findings never do.
    `columns` (table → column names): store only these columns of the tables named, plus
    the keys, person and dates the load's own checks read. Every column is still typed and
    checked, so quarantine and findings do not change; a database nobody keeps (a run's
    temporary one) is written faster. None stores every column.
    """
    found = discover_files(extract_dir)
    if "person" not in found.files:
        raise ExtractError(
            f"{extract_dir}: no person table (person.csv, person.csv.gz or person.parquet); "
            "every extract needs one"
        )
    for name in found.unknown:
        log.info("ignored %s: not an OMOP table prescreen loads", name)
    create_outcome_tables(con)
    in_load_order = [found.files[name] for name in LOAD_ORDER if name in found.files]
    with hashed_meanwhile(in_load_order) as hashes:
        counts, dated = _load_tables(con, found.files, extract_date, console, columns or {}, hashes)
        if con.execute("select count(*) from person").fetchall()[0][0] == 0:
            raise ExtractError(
                f"{found.files['person'].name}: no valid person rows; nothing to screen"
            )
        con.execute(read_sql("extract/person_site.sql"))
        fingerprints = hashes.all()
    report = build_report(
        con,
        counts,
        input_files={name: f.sha256 for name, f in fingerprints.items()},
        unknown_files=found.unknown,
        extract_date=dated,
    )
    check_threshold(report, max_quarantine)
    return report


def _load_tables(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, Path],
    given: date | None,
    console: Console | None,
    columns: Mapping[str, Collection[str]],
    hashes: Fingerprints,
) -> tuple[list[TableCounts], ExtractDate]:
    """Every table in load order; the extract date is settled once cdm_source is loaded."""
    counts: list[TableCounts] = []
    dated: ExtractDate | None = None
    for name in LOAD_ORDER:
        if name != "cdm_source" and dated is None:
            dated = resolve_extract_date(con, has_cdm_source="cdm_source" in files, given=given)
            log.info("extract date %s (%s)", dated.value.isoformat(), dated.source)
        path = files.get(name)
        if path is None:
            if name in ALWAYS_PRESENT:
                _create_empty(con, TABLES[name])
            continue
        started = time.perf_counter()
        progress.note(f"loading and validating {path.name} ({len(counts) + 1} of {len(files)})")
        status = console.status(f"loading {path.name}") if console else nullcontext()
        with status:
            table = TABLES[name]
            stored = _stored_columns(table, columns.get(name))
            day = dated.value if dated else None
            counts.append(_load_table(con, table, path, day, stored, hashes))
        log.info("loaded %s in %.2fs", path.name, time.perf_counter() - started)
    if dated is None:  # no table but cdm_source in LOAD_ORDER: a catalogue bug
        raise RuntimeError("the load order has no table after cdm_source")
    return counts, dated


def _stored_columns(table: OmopTable, wanted: Collection[str] | None) -> list[str] | None:
    """The columns of `table` to store (None: all): those `wanted`, and the primary key,
    person and dates that the checks across rows read from the stored table."""
    if wanted is None:
        return None
    checked = {*table.primary_key, table.person_key, table.event_date, table.end_date}
    return [c for c in table.columns if c in wanted or c in checked]


def _load_table(
    con: duckdb.DuckDBPyConnection,
    table: OmopTable,
    path: Path,
    extract_date: date | None,
    stored: list[str] | None,
    hashes: Fingerprints,
) -> TableCounts:
    staged = stage_file(con, table, path)
    if staged.csv is not None:  # read once, while typed; numbered and ordered after
        by_person = type_csv_rows(con, staged, stored, hashes.of(path).lines)
        quarantine_rejects(con, staged)
    else:
        quarantine_rejects(con, staged)
        by_person = store_by_person(con, staged)
        type_and_check_rows(con, staged, stored, by_person=by_person)
    record(con, "quarantine", staged, *row_outcomes_sql(staged, key_text(table, "t"), "_failures"))
    for rule in row_rules_across(table, extract_date):
        record(con, rule.outcome, staged, rule.sql, rule.params)
    if not keys_proven_unique(con, table):
        _record_key_rules(con, staged, stored, hashes.of(path).lines)
    record(con, "finding", staged, *row_outcomes_sql(staged, key_text(table, "t"), "_findings"))
    forget_findings_of_quarantined(con, table.name)
    staged.drop(con)
    rows_read = con.execute(f"select count(*) from _typed_{table.name}").fetchall()[0][0]
    quarantined = lines_in(con, "quarantine", table.name)
    deduplicated = lines_in(con, "finding", table.name, DEDUPLICATED)
    _keep_usable_rows(con, staged, quarantined + deduplicated)
    notes = staged.notes + ([sorted_note(staged)] if by_person else [])
    counts = TableCounts(
        table=table.name,
        source_file=path.name,
        rows_in=rows_read + staged.rejected_rows,
        loaded=con.execute(f"select count(*) from {table.name}").fetchall()[0][0],
        quarantined=quarantined,
        notes="; ".join(notes),
        deduplicated=deduplicated,
        findings=lines_in(con, "finding", table.name),
    )
    if counts.rows_in != counts.loaded + counts.quarantined + counts.deduplicated:
        raise RuntimeError(
            f"{path.name}: rows in {counts.rows_in} != loaded + quarantined + deduplicated"
        )
    return counts


def _record_key_rules(
    con: duckdb.DuckDBPyConnection,
    staged: RawTable,
    stored: list[str] | None,
    file_lines: int | None,
) -> None:
    """Exact copies and repeated keys. An exact copy is equal in every column, also in
    those not stored: where only some are stored, copies are compared on a view typing
    the staged rows whole. A CSV file was read once, into the stored columns; it is read
    again (numbered, `numbered_copy`) only when those columns show candidate copies."""
    table = staged.table
    whole, copy_table = None, None
    copies = True
    if stored is not None and table.primary_key:
        if staged.csv is None:
            whole = typed_view(con, staged)
        elif copies_in_stored_columns(con, table, stored):
            copy_table = numbered_copy(con, staged, file_lines)
            whole = typed_view(con, copy_table)
        else:
            copies = False
    for rule in key_rules(table, whole, copies=copies):
        record(con, rule.outcome, staged, rule.sql, rule.params)
    if whole is not None:
        con.execute(f"drop view {whole}")
    if copy_table is not None:
        copy_table.drop(con)


def _keep_usable_rows(
    con: duckdb.DuckDBPyConnection, staged: RawTable, rows_set_aside: int
) -> None:
    """`_typed_<table>` becomes `<table>`: quarantined rows and surplus copies deleted, helper
    columns dropped, `_row_id` declared NOT NULL.

    No copy: deleting the few rows set aside, dropping columns and renaming are cheap in
    DuckDB, where an anti-joined copy of a 23M-row table took seconds and twice the memory.
    """
    name = staged.table.name
    if rows_set_aside > 0:
        set_aside(con, name)
    for helper in ("_line", "_findings", "_failures"):
        con.execute(f"alter table _typed_{name} drop column {helper}")
    con.execute(f"alter table _typed_{name} alter column _row_id set not null")
    con.execute(f"drop table if exists {name}")
    con.execute(f"alter table _typed_{name} rename to {name}")


def _create_empty(con: duckdb.DuckDBPyConnection, table: OmopTable) -> None:
    columns = ", ".join(f'"{c}" {t}' for c, t in table.columns.items())
    con.execute(f"create or replace table {table.name} ({columns}, _row_id bigint not null)")
