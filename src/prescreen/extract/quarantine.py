"""The `quarantine` and `finding` tables: where and why, per source row, never a value.

`quarantine` holds rows that cannot be used (they are not loaded); `finding` holds
data-quality findings about rows that are loaded (or, for exact duplicates, kept once).
Both have the same columns: table_name, source_file, line, primary_key, column_name,
check_name, reason.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from prescreen.extract.stage import RawTable
from prescreen.sqltext import read_sql, render

OUTCOMES = ("quarantine", "finding")
DEDUPLICATED = "exactDuplicate"  # the check of surplus copies: counted as de-duplicated


def _outcome(name: str) -> str:
    if name not in OUTCOMES:
        raise ValueError(f"unknown outcome table {name}")
    return name


def create_outcome_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty `quarantine` and `finding` tables (same shape)."""
    con.execute(read_sql("extract/quarantine.sql"))


def quarantine_rejects(con: duckdb.DuckDBPyConnection, staged: RawTable) -> None:
    """Rows the CSV reader could not parse: quarantined by line, without a key."""
    if staged.rejects is None or staged.rejects.empty:
        return
    con.register("_rejects_frame", staged.rejects)
    try:
        record(
            con,
            "quarantine",
            staged,
            "select line as _line, cast(null as varchar) as primary_key, column_name, "
            "check_name, reason from _rejects_frame",
        )
    finally:
        con.unregister("_rejects_frame")


def record(
    con: duckdb.DuckDBPyConnection,
    outcome: str,
    staged: RawTable,
    query: str,
    params: dict | None = None,
) -> None:
    """Insert into `outcome` the rows `query` returns (_line, primary_key, column_name, …)."""
    sql = render(
        read_sql("extract/record_outcome.sql"), outcome=_outcome(outcome), rule_query=query
    )
    con.execute(
        sql,
        {**(params or {}), "table_name": staged.table.name, "source_file": staged.source_file},
    )


def row_outcomes_sql(staged: RawTable, key_text: str, listed: str) -> tuple[str, dict]:
    """The rules listed in `_typed_<table>.<listed>` (`_failures` or `_findings`), one row each,
    with its bound values; rows already quarantined and surplus copies are left out.
    """
    if listed not in ("_failures", "_findings"):
        raise ValueError(f"no rule list {listed}")
    sql = render(
        read_sql("extract/row_outcomes.sql"),
        typed=f"_typed_{staged.table.name}",
        key_text=key_text,
        listed=listed,
    )
    return sql, {"deduplicated": DEDUPLICATED}


def forget_findings_of_quarantined(con: duckdb.DuckDBPyConnection, table_name: str) -> None:
    """A quarantined row is not loaded: findings about it would describe nothing."""
    con.execute(read_sql("extract/forget_findings.sql"), {"table_name": table_name})


def set_aside(con: duckdb.DuckDBPyConnection, table_name: str) -> None:
    """Delete quarantined rows and surplus exact copies from `_typed_<table>`."""
    sql = render(read_sql("extract/set_aside_rows.sql"), typed=f"_typed_{table_name}")
    con.execute(sql, {"table_name": table_name, "deduplicated": DEDUPLICATED})


def lines_in(con: duckdb.DuckDBPyConnection, outcome: str, table_name: str, check: str = "") -> int:
    """Rows of a table in `outcome` (only `check`'s, when given), each counted once."""
    sql = render(read_sql("extract/outcome_lines.sql"), outcome=_outcome(outcome))
    return con.execute(sql, {"table_name": table_name, "check": check}).fetchall()[0][0]


def outcome_counts(con: duckdb.DuckDBPyConnection, outcome: str) -> pd.DataFrame:
    """table, check, column, reason, count (rows, each counted once per rule)."""
    sql = render(read_sql("extract/outcome_counts.sql"), outcome=_outcome(outcome))
    return con.execute(sql).df()
