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
from collections.abc import Collection
from pathlib import Path

import duckdb

from prescreen.errors import ExtractError
from prescreen.extract.csvread import (
    CsvFile,
    define_csv_view,
    error_kind,
    lf_copy,
    number_typed_rows,
    point_csv_view,
    read_csv_table,
)
from prescreen.extract.person_order import sort_typed_by_person
from prescreen.extract.stage import RawTable
from prescreen.extract.validate import type_and_check_rows


def type_csv_rows(
    con: duckdb.DuckDBPyConnection, staged: RawTable, stored: Collection[str] | None
) -> bool:
    """Create `_typed_<table>` from a staged CSV file, numbered and with its rejects in
    `staged.rejects`; returns True when the rows were sorted into person order."""
    csv_file, path = staged.csv, staged.path
    if csv_file is None or path is None:
        raise RuntimeError(f"{staged.source_file}: not a staged CSV view")
    _read_once(con, staged, csv_file, path, stored)
    number_typed_rows(con, staged.raw_name, f"_typed_{staged.table.name}", path, csv_file)
    staged.rejects = csv_file.rejects
    return sort_typed_by_person(con, staged)


def _read_once(
    con: duckdb.DuckDBPyConnection,
    staged: RawTable,
    csv_file: CsvFile,
    path: Path,
    stored: Collection[str] | None,
) -> None:
    try:
        type_and_check_rows(con, staged, stored)
        return
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise
    except duckdb.Error as exc:
        if "invalid state" not in str(exc):
            raise ExtractError(f"{path.name}: cannot be read as CSV ({error_kind(exc)})") from None
    with tempfile.TemporaryDirectory(prefix="prescreen-") as folder:
        define_csv_view(con, staged.raw_name, lf_copy(path, Path(folder)), csv_file)
        try:
            type_and_check_rows(con, staged, stored)
        except (duckdb.OutOfMemoryException, duckdb.InterruptException):
            raise
        except duckdb.Error as again:
            raise ExtractError(
                f"{path.name}: cannot be read as CSV ({error_kind(again)})"
            ) from None
        finally:
            point_csv_view(con, staged.raw_name, path)  # the copy is removed next
    staged.notes.append("mixed line endings: CR LF read as LF")


def numbered_copy(con: duckdb.DuckDBPyConnection, staged: RawTable) -> RawTable:
    """The staged CSV file read again into a numbered text table (`_raw_all_<table>`), for
    the one check that needs columns a load did not store (exact copies)."""
    if staged.path is None:
        raise RuntimeError(f"{staged.source_file}: not a staged CSV view")
    raw = f"_raw_all_{staged.table.name}"
    read_csv_table(con, raw, staged.table, staged.path)
    return dataclasses.replace(staged, raw_name=raw, view=False, csv=None, notes=[])
