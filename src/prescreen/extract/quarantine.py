"""The `quarantine` table: where rows that fail a rule go, with where and why, never values."""

from __future__ import annotations

from importlib.resources import files

import duckdb
import pandas as pd

from prescreen.extract.stage import RawTable


def create_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    """An empty `quarantine(table_name, source_file, line, primary_key, column_name, …)`."""
    sql = (files("prescreen.sql") / "extract" / "quarantine.sql").read_text(encoding="utf-8")
    con.execute(sql)


def quarantine_rejects(con: duckdb.DuckDBPyConnection, staged: RawTable) -> None:
    """Rows the CSV reader could not parse: quarantined by line, without a key."""
    if staged.rejects is None or staged.rejects.empty:
        return
    rejects = staged.rejects.assign(table_name=staged.table.name, source_file=staged.source_file)
    con.register("_rejects_frame", rejects)
    try:
        con.execute(
            "insert into quarantine select table_name, source_file, line, null, column_name, "
            "check_name, reason from _rejects_frame"
        )
    finally:
        con.unregister("_rejects_frame")


def quarantine_failures(
    con: duckdb.DuckDBPyConnection, staged: RawTable, query: str, params: dict | None = None
) -> None:
    """Insert the rows `query` returns (_line, primary_key, column_name, check_name, reason)."""
    con.execute(
        f"""
        insert into quarantine
        select $table_name, $source_file, q._line, q.primary_key, q.column_name,
            q.check_name, q.reason
        from ({query}) as q
        """,
        {**(params or {}), "table_name": staged.table.name, "source_file": staged.source_file},
    )


def row_failures_sql(staged: RawTable, key_text: str) -> str:
    """The per-row schema failures collected in `_typed_<table>._failures`, one row each.

    `_failures` is NULL for a row that breaks no rule.
    """
    return f"""
        with failed as (
            select _line, {key_text} as primary_key, unnest(_failures) as f
            from _typed_{staged.table.name}
            where _failures is not null and len(_failures) > 0
        )
        select _line, primary_key, f.column_name, f.check_name, f.reason from failed
    """


def quarantined_lines(con: duckdb.DuckDBPyConnection, table_name: str) -> int:
    """Rows of a table quarantined, each counted once however many rules it broke."""
    return con.execute(
        "select count(distinct line) from quarantine where table_name = ?", [table_name]
    ).fetchone()[0]


def reason_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """table, check, column, reason, count (rows, each counted once per rule)."""
    return con.execute(
        """
        select table_name as "table", check_name as "check", column_name as "column",
            reason, count(distinct line) as "count"
        from quarantine
        group by all
        order by "table", "count" desc, "check", "column"
        """
    ).df()
