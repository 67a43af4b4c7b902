"""One partition of persons evaluated from a read-only DuckDB file.

A partition is the persons with `person_id % parts = part`; every table with a
`person_id` column is narrowed to them through views in a fresh in-memory connection,
so the criteria SQL runs unchanged and each worker holds only its share in memory.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from prescreen.pipeline import screen_stage
from prescreen.request import ScreenRequest
from prescreen.sqltext import read_sql

PartitionResult = tuple[pd.DataFrame, pd.DataFrame]  # (criterion_result with ord, person_limb)


def partition_result(db_file: Path, request: ScreenRequest, part: int) -> PartitionResult:
    """criterion_result rows (with `ord`) and person_limb of the persons with
    person_id % partitions == part (0-based part).

    The request travels to the worker with its trial already parsed. Every partition
    writes every row's evidence (unless --evidence none): the worklist is chosen over all
    partitions, after they return.
    """
    con = partition_connection(db_file, part, request.partitions)
    try:
        screen_stage(
            con, request.trial, request.index_date, request.engine,
            evidence="none" if request.evidence == "none" else "all",
            exact_concepts=request.exact_concepts,
        )  # fmt: skip
        results = con.execute(read_sql("marts/partition_rows.sql")).df()
        limbs = con.execute(read_sql("marts/partition_limbs.sql")).df()
        return results, limbs
    finally:
        con.close()


def partition_connection(db_file: Path, part: int = 0, parts: int = 1) -> duckdb.DuckDBPyConnection:
    """In-memory connection whose tables are views on `db_file` (read-only), one partition.

    parts=1 gives every person; the connection itself is writable, so the engine's macros
    and temp tables work while the file stays untouched.
    """
    con = duckdb.connect()
    con.execute(f"attach '{_quoted(db_file)}' as src (read_only)")
    for table, has_person in _source_tables(con):
        where = (
            f" where abs(person_id) % {int(parts)} = {int(part)}"
            if has_person and parts > 1
            else ""
        )
        con.execute(f'create view "{table}" as select * from src.main."{table}"{where}')
    return con


def combined_result(parts: list[PartitionResult]) -> PartitionResult:
    """Partitions → one criterion_result in the single-process order (person, protocol)
    and one person_limb (by person)."""
    results = pd.concat([r for r, _ in parts if len(r)] or [parts[0][0]], ignore_index=True)
    limbs = pd.concat([lb for _, lb in parts if len(lb)] or [parts[0][1]], ignore_index=True)
    results = results.sort_values(["person_id", "ord"], kind="stable", ignore_index=True)
    return results, limbs.sort_values("person_id", kind="stable", ignore_index=True)


def _source_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    rows = con.execute(
        """
        select t.table_name,
               bool_or(c.column_name = 'person_id') as has_person
        from information_schema.tables as t
        join information_schema.columns as c
          on c.table_catalog = t.table_catalog
         and c.table_schema = t.table_schema
         and c.table_name = t.table_name
        where t.table_catalog = 'src' and t.table_schema = 'main'
        group by t.table_name
        order by t.table_name
        """
    ).fetchall()
    return [(name, bool(has)) for name, has in rows]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
