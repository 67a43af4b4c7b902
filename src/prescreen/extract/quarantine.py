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
from prescreen.sqltext import read_sql

OUTCOMES = ("quarantine", "finding")
DEDUPLICATED = "exactDuplicate"  # the check of surplus copies: counted as de-duplicated


def create_outcome_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty `quarantine` and `finding` tables (same shape)."""
    con.execute(read_sql("extract/quarantine.sql"))
    con.execute("create or replace table finding as select * from quarantine limit 0")


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


def record(
    con: duckdb.DuckDBPyConnection,
    outcome: str,
    staged: RawTable,
    query: str,
    params: dict | None = None,
) -> None:
    """Insert into `outcome` the rows `query` returns (_line, primary_key, column_name, …)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome table {outcome}")
    con.execute(
        f"""
        insert into {outcome}
        select $table_name, $source_file, q._line, q.primary_key, q.column_name,
            q.check_name, q.reason
        from ({query}) as q
        """,
        {**(params or {}), "table_name": staged.table.name, "source_file": staged.source_file},
    )


def row_outcomes_sql(staged: RawTable, key_text: str, column: str) -> str:
    """The rules listed in `_typed_<table>.<column>` (`_failures` or `_findings`), one row each.

    Findings are listed only for rows not quarantined and not surplus exact copies.
    """
    set_aside = ""
    if column == "_findings":
        set_aside = (
            "anti join (select line from quarantine where table_name = $table_name "
            "union all select line from finding where table_name = $table_name "
            f"and check_name = '{DEDUPLICATED}') as a on t._line = a.line"
        )
    return f"""
        with listed as (
            select t._line, {key_text} as primary_key, unnest(t.{column}) as rule_no
            from _typed_{staged.table.name} as t {set_aside}
            where t.{column} is not null
        )
        select l._line, l.primary_key, r.column_name, r.check_name, r.reason
        from listed as l join _row_rules as r using (rule_no)
    """


def forget_findings_of_quarantined(con: duckdb.DuckDBPyConnection, table_name: str) -> None:
    """A quarantined row is not loaded: findings about it would describe nothing."""
    con.execute(
        "delete from finding where table_name = $t and line in "
        "(select line from quarantine where table_name = $t)",
        {"t": table_name},
    )


def lines_in(con: duckdb.DuckDBPyConnection, outcome: str, table_name: str, check: str = "") -> int:
    """Rows of a table in `outcome`, each counted once however many rules it met.

    `check` counts only that check's rows.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome table {outcome}")
    return con.execute(
        f"select count(distinct line) from {outcome} where table_name = $t "
        "and ($check = '' or check_name = $check)",
        {"t": table_name, "check": check},
    ).fetchone()[0]


def outcome_counts(con: duckdb.DuckDBPyConnection, outcome: str) -> pd.DataFrame:
    """table, check, column, reason, count (rows, each counted once per rule)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome table {outcome}")
    return con.execute(
        f"""
        select table_name as "table", check_name as "check", column_name as "column",
            reason, count(distinct line) as "count"
        from {outcome}
        group by all
        order by "table", "count" desc, "check", "column"
        """
    ).df()
