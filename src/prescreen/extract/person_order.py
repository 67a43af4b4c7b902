"""Tables the screen reads person by person are stored in person order.

The screen reads every clinical table once per batch of persons (a `person_id` range), and
DuckDB skips a block of rows only when its min/max person ids miss the range. Exports
written person by person (the OHDSI samples, our synthetic registry) need nothing. An
export in another order (by event id, by date, concatenated yearly files) makes every
batch read nearly every block: at 1,000,000 persons a status batch took 1.9 s instead of
1.1 s with measurement shuffled, and at 5,000,000 each of some 150 batches would read the
whole table. Sorting once at load costs about one write of the table.
"""

from __future__ import annotations

import logging

import duckdb

from prescreen.extract.tables import OmopTable
from prescreen.sqltext import read_sql, render

log = logging.getLogger("prescreen")

# DuckDB's row group: the block its scans skip by min/max statistics
BLOCK_ROWS = 122_880

# Sort when a pass over the table would read it this many times over. Measured at 1M
# persons: a whole-table scan in a batch costs about 0.8 s, the sort about 18 s (some 23
# scans), and a screen makes 1.5-2 passes; below this the extra reading costs less than
# the sort, above it more.
MAX_SPREAD = 8.0


def keep_person_order(con: duckdb.DuckDBPyConnection, table: OmopTable, name: str) -> str | None:
    """Rewrite `name` (the loaded rows of `table`) in person order when its rows are spread
    across blocks; return a note for the load report when it did, else None.

    Only tables the screen reads per person (`table.screened`) are checked. Row ids
    (`_row_id`) stay with their rows, so evidence and findings still point at file lines.
    """
    if not table.screened or table.person_key is None:
        return None
    slots = {"table": name, "person_key": table.person_key}
    spread, blocks = con.execute(
        render(read_sql("extract/person_spread.sql"), **slots), {"block_rows": BLOCK_ROWS}
    ).fetchall()[0]
    if spread <= MAX_SPREAD:
        return None
    con.execute(render(read_sql("extract/person_order.sql"), **slots))
    log.info(
        "%s: rows not in person order (spread %.0f over %d blocks): sorted", name, spread, blocks
    )
    return f"rows not in {table.person_key} order: sorted by {table.person_key} for the screen"
