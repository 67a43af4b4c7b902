"""A CSV file's one read: its rows typed as they are read, then numbered, then ordered.

`_raw_<table>` is a view over the file (extract/csvread.py). Typing reads it once, in file
order, into `_typed_<table>`; only then are the reader's rejects known, so only then do
the rows get their file lines (`_line`, `_row_id`), and only then can their person order
be measured (extract/person_order.py). A file with mixed line endings is typed again from
an LF copy. DuckDB's read errors quote raw lines: they are rephrased, never passed on.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path

import duckdb

from prescreen.database import insertion_order
from prescreen.errors import ExtractError
from prescreen.extract.csvread import (
    CsvFile,
    define_csv_view,
    error_kind,
    lf_copy,
    number_rows,
    point_csv_view,
)
from prescreen.extract.person_order import sort_typed_by_person
from prescreen.extract.stage import RawTable
from prescreen.extract.validate import type_and_check_rows
from prescreen.sqltext import read_sql, render


def type_csv_rows(
    con: duckdb.DuckDBPyConnection,
    staged: RawTable,
    stored: Collection[str] | None,
    file_lines: int | None,
) -> bool:
    """Create `_typed_<table>` from a staged CSV file, numbered and with its rejects in
    `staged.rejects`; returns True when the rows were sorted into person order.

    `file_lines`: the file's line count (None for a compressed file, whose records are
    then taken to be a line each)."""
    csv_file, path = _csv_of(staged)
    if _read_once(con, staged, lambda: type_and_check_rows(con, staged, stored)):
        staged.notes.append("mixed line endings: CR LF read as LF")
    extra, exact = number_rows(
        con, staged.raw_name, f"_typed_{staged.table.name}", path, csv_file, file_lines
    )
    if extra:
        named = (
            "are its own lines, where each record starts"
            if exact
            else "count records, so from the first of those lines on they lie above the line "
            "in the file"
        )
        staged.notes.append(
            f"{extra} more line(s) than header + records (line breaks inside quoted values, "
            f"or blank lines): the lines quarantine.csv and findings.csv give for this file "
            f"{named}"
        )
    staged.rejects = csv_file.rejects
    return sort_typed_by_person(con, staged)


def numbered_copy(
    con: duckdb.DuckDBPyConnection, staged: RawTable, file_lines: int | None
) -> RawTable:
    """The staged CSV file read again into a numbered table of its text
    (`_raw_all_<table>`), for the one check that needs columns a load did not store
    (exact copies). The caller drops it (`RawTable.drop`)."""
    csv_file, path = _csv_of(staged)
    copy = f"_raw_all_{staged.table.name}"
    sql = render(read_sql("extract/csv_text_copy.sql"), copy=copy, raw=staged.raw_name)

    def read() -> None:
        with insertion_order(con):  # rowid follows file order
            con.execute(sql)

    _read_once(con, staged, read)
    number_rows(con, staged.raw_name, copy, path, csv_file, file_lines)
    return dataclasses.replace(staged, raw_name=copy, view=False, csv=None, notes=[])


def _csv_of(staged: RawTable) -> tuple[CsvFile, Path]:
    if staged.csv is None or staged.path is None:
        raise RuntimeError(f"{staged.source_file}: not a staged CSV view")
    return staged.csv, staged.path


def _read_once(con: duckdb.DuckDBPyConnection, staged: RawTable, read: Callable[[], None]) -> bool:
    """Run `read` (one statement reading the view); True when it read an LF copy."""
    csv_file, path = _csv_of(staged)
    try:
        read()
        return False
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise
    except duckdb.Error as exc:
        if "invalid state" not in str(exc):
            raise ExtractError(f"{path.name}: cannot be read as CSV ({error_kind(exc)})") from None
    with tempfile.TemporaryDirectory(prefix="prescreen-") as folder:
        define_csv_view(con, staged.raw_name, lf_copy(path, Path(folder)), csv_file)
        try:
            read()
        except (duckdb.OutOfMemoryException, duckdb.InterruptException):
            raise
        except duckdb.Error as again:
            raise ExtractError(
                f"{path.name}: cannot be read as CSV ({error_kind(again)})"
            ) from None
        finally:
            point_csv_view(con, staged.raw_name, path)  # the copy is removed next
    return True
