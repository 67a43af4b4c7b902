"""Tables the screen reads person by person are stored in person order.

The screen reads every clinical table once per batch of persons (a `person_id` range), and
DuckDB skips a block of rows only when its min/max person ids miss the range. Exports
written person by person (the OHDSI samples, our synthetic registry) need nothing. An
export in another order (by event id, by date, concatenated yearly files) makes every
batch read nearly every block: at 1,000,000 persons a status batch took 1.9 s instead of
1.1 s with measurement shuffled, and at 5,000,000 each of some 150 batches would read the
whole table. So the staged rows are measured before they are typed, and rows out of order
are typed and stored in person order in that one pass (`type_and_check_rows`), rather than
stored as they came and rewritten (which cost one more write of the table: at 1M, 18 s for
measurement). A CSV file is read only once, while typed (extract/csvpass.py), so its rows
are measured once stored and rewritten in person order when they need it.
"""

from __future__ import annotations

import logging

import duckdb

from prescreen.database import insertion_order
from prescreen.extract.stage import RawTable
from prescreen.extract.validate import typed_column
from prescreen.sqltext import read_sql, render

log = logging.getLogger("prescreen")

# DuckDB's row group: the block its scans skip by min/max statistics
BLOCK_ROWS = 122_880

# Sort when a pass over the table would read it this many times over. Measured at 1M
# persons: a whole-table scan in a batch costs about 0.8 s, and a screen makes 1.5-2
# passes. The threshold was set when sorting was a rewrite of the stored table (18 s,
# some 23 scans); sorting inside the typed copy adds about 10 s (measurement: 10.9 s →
# 20.4 s), so a lower threshold could pay too, which has not been measured.
MAX_SPREAD = 8.0


def store_by_person(con: duckdb.DuckDBPyConnection, staged: RawTable) -> bool:
    """True when the staged rows of a table the screen reads per person lie spread across
    blocks, so they are to be stored in person order.

    Measured on the staged rows in file order, which the typed copy keeps
    (`insertion_order`): their blocks are the stored table's blocks.
    """
    key = staged.table.person_key
    if not _per_person(staged) or key is None:
        return False
    slots = {"table": staged.raw_name, "position": "_line", "person": typed_column(staged, key)}
    return _spread_out(con, staged, slots)


def sort_typed_by_person(con: duckdb.DuckDBPyConnection, staged: RawTable) -> bool:
    """For a CSV file, typed in file order before its line numbers were known: measured on
    the stored rows, which are rewritten in person order when spread (True).

    One more write of the table, for a file out of person order only; reading the file
    twice, to measure it first, would cost every file that.
    """
    key = staged.table.person_key
    typed = f"_typed_{staged.table.name}"
    if not _per_person(staged) or key is None:
        return False
    slots = {"table": typed, "position": "_line", "person": f'"{key}"'}
    if not _spread_out(con, staged, slots):
        return False
    with insertion_order(con):
        con.execute(render(read_sql("extract/person_sorted_copy.sql"), typed=typed, person=key))
    return True


def _per_person(staged: RawTable) -> bool:
    table = staged.table
    return table.screened and table.person_key is not None and table.person_key in staged.columns


def _spread_out(con: duckdb.DuckDBPyConnection, staged: RawTable, slots: dict[str, str]) -> bool:
    spread, blocks = con.execute(
        render(read_sql("extract/person_spread.sql"), **slots), {"block_rows": BLOCK_ROWS}
    ).fetchall()[0]
    if spread <= MAX_SPREAD:
        return False
    log.info("%s: rows not in person order (spread %.0f over %d blocks): sorted",
             staged.source_file, spread, blocks)  # fmt: skip
    return True


def sorted_note(staged: RawTable) -> str:
    """The load report's note for a table stored in person order."""
    key = staged.table.person_key
    return f"rows not in {key} order: sorted by {key} for the screen"
