"""Staging views: every OMOP table the criteria read, in one shape both engines share.

`stg_<domain>` (sql/staging/) gives each event row its row id, person, code, concept,
dates, value, unit, upper limit of normal and qualitative reading, so the SQL and pandas
engines agree on column mapping and differ only in logic. The small `ps_*` tables hold
what the views look up: unit spellings, unit concept ids and qualitative result values
(prescreen.vocabulary), bound from Python, never pasted.
"""

from __future__ import annotations

import re
from functools import cache

import duckdb

from prescreen import vocabulary
from prescreen.criteria import units
from prescreen.sqltext import read_sql

DOMAIN_TABLES = {
    "condition": "condition_occurrence",
    "procedure": "procedure_occurrence",
    "drug": "drug_exposure",
    "measurement": "measurement",
    "observation": "observation",
    "death": "death",
}
STAGED = ("person", *DOMAIN_TABLES)


# Loaded and checked (their findings are reported: orphan observation periods, visits of
# unknown persons) but read by neither engine nor any report
UNREAD_TABLES = ("observation_period", "visit_occurrence")


@cache
def columns_read() -> dict[str, frozenset[str]]:
    """Table → the columns a screen reads of it: for an event table those its staging view
    names (both engines read it only through `stg_<domain>`), for `UNREAD_TABLES` none.

    A load into a temporary database stores only these (prescreen.extract.load_extract's
    `columns`, which adds what its own checks read): writing measurement's 22 columns at
    1M persons took 13.5 s, the 11 a run keeps 8.9 s. The names are read from the view's
    SQL, so a view that starts reading a column keeps it without a second list to update;
    a name in a comment keeps one column too many, never one too few.
    """
    from prescreen.extract.tables import TABLES

    read = {table: frozenset[str]() for table in UNREAD_TABLES}
    for domain, table in DOMAIN_TABLES.items():
        words = set(re.findall(r"\w+", read_sql(f"staging/stg_{domain}.sql").lower()))
        read[table] = frozenset(c for c in TABLES[table].columns if c in words)
    return read


def prepare_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Create the lookup tables and the `stg_*` views in `con` (idempotent)."""
    tables = _table_names(con)
    _ensure_row_ids(con, tables)
    aliases = [
        {"alias": u.lower(), "unit": units.canonical(u)} for u in units.recorded_units() if u
    ]
    con.execute(
        "create or replace temp table ps_unit_alias as "
        "select distinct cast(alias as varchar) as alias, cast(unit as varchar) as unit "
        "from (select unnest($rows, recursive := true))",
        {"rows": aliases},
    )
    builtin = [
        {"concept_id": cid, "unit": units.canonical(code) or code}
        for cid, code in vocabulary.UCUM_CONCEPTS.items()
    ]
    con.execute(read_sql(_unit_concept_sql(tables)), {"builtin": builtin})
    qual = [{"concept_id": c, "qual": 1.0} for c in vocabulary.POSITIVE_CONCEPTS]
    qual += [{"concept_id": c, "qual": 0.0} for c in vocabulary.NEGATIVE_CONCEPTS]
    con.execute(
        "create or replace temp table ps_value_concept as "
        "select cast(concept_id as bigint) as concept_id, cast(qual as double) as qual "
        "from (select unnest($rows, recursive := true))",
        {"rows": qual},
    )
    texts = [{"alias": t, "qual": 1.0} for t in vocabulary.POSITIVE_TEXTS]
    texts += [{"alias": t, "qual": 0.0} for t in vocabulary.NEGATIVE_TEXTS]
    con.execute(
        "create or replace temp table ps_value_text as "
        "select cast(alias as varchar) as alias, cast(qual as double) as qual "
        "from (select unnest($rows, recursive := true))",
        {"rows": texts},
    )
    for name in STAGED:
        if DOMAIN_TABLES.get(name, name) in tables:
            con.execute(
                f"create or replace temp view stg_{name} as\n{read_sql(f'staging/stg_{name}.sql')}"
            )


def _unit_concept_sql(tables: set[str]) -> str:
    """The extract's own UCUM concepts win over the built-in table when it has them."""
    return "staging/unit_concept.sql" if "concept" in tables else "staging/unit_concept_builtin.sql"


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view name in `con` (one catalog query, not one per table)."""
    return {
        row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()
    }


def _ensure_row_ids(con: duckdb.DuckDBPyConnection, tables: set[str]) -> None:
    """Tables loaded by prescreen carry `_row_id`; tables built by hand (tests, a kept
    database of an older version) get one in their stored order."""
    for table in ("person", *DOMAIN_TABLES.values()):
        if table not in tables:
            continue
        columns = {r[0] for r in con.execute(f"describe {table}").fetchall()}
        if "_row_id" not in columns:
            con.execute(f"alter table {table} add column _row_id bigint")
            con.execute(f"update {table} set _row_id = rowid + 1")
