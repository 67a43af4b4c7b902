"""Type a staged table in SQL and find the rows that break the table's rules.

Row rules come from the pandera schema of the table (schemas/): each column check is
compiled to a DuckDB predicate so 50M-row tables are checked in one streaming pass
(see docs/validation.md for why not pandas). Rules across rows or tables (duplicate
keys, unknown persons, dates against birth and the extract date) are SQL files in
sql/extract/. Every failure becomes quarantine rows: line, key, column, rule, never a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

import duckdb

from prescreen.errors import ExtractError
from prescreen.extract.stage import RawTable, unreadable_parquet
from prescreen.extract.tables import OmopTable
from prescreen.schemas import SCHEMAS

_CAST_REASON = {
    "bigint": "not a whole number",
    "double": "not a number",
    "date": "not a valid date",
    "timestamp": "not a valid datetime",
}


@dataclass(frozen=True)
class RowCheck:
    """One compiled schema rule: the SQL predicate is true for FAILING rows."""

    column: str
    check_name: str
    reason: str
    failing: str


def _cast(expr: str, sql_type: str, source_type: str = "VARCHAR") -> str:
    """`expr` (text, or a native type that fits) → sql_type; NULL when not a valid value."""
    if source_type == sql_type.upper():
        return expr
    if source_type != "VARCHAR":  # a Parquet type that fits (stage._NATIVE): cast directly
        return f"try_cast({expr} as {sql_type})"
    if sql_type == "bigint":
        # DuckDB's text → bigint cast rounds ('1.5' → 2): a fraction is no whole number
        as_double = f"try_cast({expr} as double)"
        return (
            f"case when {as_double} <> trunc({as_double}) then null "
            f"else coalesce(try_cast({expr} as bigint), "
            f"case when {as_double} = trunc({as_double}) then try_cast({as_double} as bigint) end) "
            "end"
        )
    if sql_type == "date":
        return (
            f"coalesce(try_cast({expr} as date), try_cast(try_cast({expr} as timestamp) as date), "
            f"try_cast(try_strptime({expr}, '%Y%m%d') as date))"
        )
    if sql_type == "timestamp":
        return f"coalesce(try_cast({expr} as timestamp), try_cast(try_cast({expr} as date) as timestamp))"
    if sql_type == "double":
        return f"try_cast({expr} as double)"
    return expr


def _literal(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"schema check value {value!r} cannot be compiled to SQL")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _check_sql(column: str, name: str, stats: dict) -> tuple[str, str]:
    """(predicate true when the value passes, reason when it fails) for one pandera check."""
    c = f'"{column}"'
    if name == "greater_than_or_equal_to":
        return f"{c} >= {_literal(stats['min_value'])}", f"below minimum {stats['min_value']}"
    if name == "greater_than":
        return f"{c} > {_literal(stats['min_value'])}", f"not above {stats['min_value']}"
    if name == "less_than_or_equal_to":
        return f"{c} <= {_literal(stats['max_value'])}", f"above maximum {stats['max_value']}"
    if name == "less_than":
        return f"{c} < {_literal(stats['max_value'])}", f"not below {stats['max_value']}"
    if name == "in_range":
        low = ">=" if stats.get("include_min", True) else ">"
        high = "<=" if stats.get("include_max", True) else "<"
        lo, hi = _literal(stats["min_value"]), _literal(stats["max_value"])
        return (
            f"{c} {low} {lo} and {c} {high} {hi}",
            f"outside {stats['min_value']}–{stats['max_value']}",
        )
    if name == "isin":
        allowed = ", ".join(_literal(v) for v in stats["allowed_values"])
        return f"{c} in ({allowed})", "not an allowed code"
    if name == "str_matches":
        pattern = _literal("^(?:" + stats["pattern"] + ")")
        return f"regexp_matches({c}, {pattern})", "wrong code format"
    raise NotImplementedError(f"pandera check {name} on {column} has no SQL translation")


@cache
def schema_checks(table_name: str) -> tuple[RowCheck, ...]:
    """The table's pandera schema as SQL row checks over the catalogue's columns."""
    from prescreen.extract.tables import TABLES

    catalogue = TABLES[table_name].columns
    schema = SCHEMAS[table_name].to_schema()
    checks: list[RowCheck] = []
    for key, spec in schema.columns.items():
        targets = [c for c in catalogue if re.match(key, c)] if spec.regex else [key]
        for column in (t for t in targets if t in catalogue):
            if not spec.nullable:
                checks.append(
                    RowCheck(
                        column,
                        "not_null",
                        "missing value",
                        f'"{column}" is null and "_raw_{column}" is null',
                    )
                )
            for check in spec.checks:
                passing, reason = _check_sql(column, check.name, check.statistics)
                checks.append(
                    RowCheck(
                        column, check.name, reason, f'"{column}" is not null and not ({passing})'
                    )
                )
    return tuple(checks)


def key_text(table: OmopTable, alias: str = "") -> str:
    """SQL for the row's primary key as text ('1|2' for composite keys)."""
    prefix = f"{alias}." if alias else ""
    parts = [f"cast({prefix}{k} as varchar)" for k in table.primary_key]
    return parts[0] if len(parts) == 1 else " || '|' || ".join(parts)


def type_and_check_rows(con: duckdb.DuckDBPyConnection, staged: RawTable) -> None:
    """Create `_typed_<table>`: `_line`, typed OMOP columns and `_failures`.

    `_failures` lists the rules a row breaks (column_name, check_name, reason); it is NULL
    for rows that break none, so the list is only built for the few rows that need it.
    """
    table = staged.table
    selects = ["_line"]
    for column, sql_type in table.columns.items():
        selects.append(f'{_typed_expr(staged, column, sql_type)} as "{column}"')
        selects.append(f'{_raw_source(staged, column)} as "_raw_{column}"')
    rules = _row_rules(staged)
    structs = ", ".join(
        f"case when {r.failing} then {{'column_name': '{r.column}', "
        f"'check_name': '{r.check_name}', 'reason': {_literal(r.reason)}}} end"
        for r in rules
    )
    broken = " or ".join(f"({r.failing})" for r in rules) or "false"
    try:
        con.execute(
            f"""
            create or replace table _typed_{table.name} as
            with cast_rows as (select {", ".join(selects)} from {staged.raw_name})
            select _line, {", ".join(f'"{c}"' for c in table.columns)},
                case when {broken}
                    then list_filter([{structs}], lambda f: f is not null)
                end as _failures
            from cast_rows
            """
        )
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise
    except duckdb.Error as exc:
        if not staged.view:
            raise
        # a Parquet file is first read here (staging made a view): a corrupt page shows now
        raise ExtractError(unreadable_parquet(staged.source_file, exc)) from None


def _row_rules(staged: RawTable) -> list[RowCheck]:
    """Type checks for the columns whose cast can fail, then the schema's row checks."""
    rules = []
    for column, sql_type in staged.table.columns.items():
        if column in staged.columns and _cast_can_fail(staged.source_type(column), sql_type):
            failing = f'"_raw_{column}" is not null and "{column}" is null'
            rules.append(RowCheck(column, "type", _CAST_REASON[sql_type], failing))
    return rules + list(schema_checks(staged.table.name))


def _cast_can_fail(source_type: str, sql_type: str) -> bool:
    """False when every value of `source_type` has a `sql_type` value (no type check needed)."""
    if source_type == "VARCHAR":
        return sql_type != "varchar"
    return source_type != sql_type.upper() and not (
        sql_type in ("bigint", "double") and source_type in ("TINYINT", "SMALLINT", "INTEGER")
    )


def _raw_source(staged: RawTable, column: str) -> str:
    return f'"{column}"' if column in staged.columns else "null"


def _typed_expr(staged: RawTable, column: str, sql_type: str) -> str:
    raw = _raw_source(staged, column)
    typed = "null" if raw == "null" else _cast(raw, sql_type, staged.source_type(column))
    fallback = staged.table.datetime_for.get(column)
    if fallback and fallback in staged.columns:
        from_datetime = _cast(f'"{fallback}"', "date", staged.source_type(fallback))
        typed = (
            from_datetime
            if raw == "null"
            else f"coalesce({typed}, case when {raw} is null then {from_datetime} end)"
        )
    return f"cast({typed} as {sql_type})"


def _sql(name: str) -> str:
    return (files("prescreen.sql") / "extract" / f"{name}.sql").read_text(encoding="utf-8")


def keys_proven_unique(con: duckdb.DuckDBPyConnection, table: OmopTable) -> bool:
    """True when no key of `_typed_<table>` repeats, proven with one bit per possible key.

    A bitmap of the key range (bitstring_agg, one streaming pass) replaces the hash
    aggregate of duplicate_key.sql: 23M measurement ids take ~0.5 s instead of ~5 s.
    False (so the duplicate query runs) for composite keys, sparse ranges (wider than
    8 bits per row) and whenever a key does repeat.
    """
    if len(table.primary_key) != 1:
        return False
    key, typed = table.primary_key[0], f"_typed_{table.name}"
    low, high, keys = con.execute(
        f"select min({key}), max({key}), count({key}) from {typed}"
    ).fetchone()
    if keys == 0:
        return True
    if high - low + 1 > min(8 * keys, 2**31):
        return False
    marked = con.execute(
        f"select bit_count(bitstring_agg({key}, {int(low)}, {int(high)})) from {typed}"
    ).fetchone()[0]
    return marked == keys


def cross_checks_sql(
    table: OmopTable, extract_date: date, *, keys_unique: bool = False
) -> list[tuple[str, dict]]:
    """Rule queries (duplicate key, orphan person, dates) over `_typed_<table>`, with params.

    `keys_unique` (see `keys_proven_unique`) leaves out the duplicate-key query.
    """
    fields = {
        "staged": f"_typed_{table.name}",
        "key_text": key_text(table, "s"),
        "key_columns": ", ".join(table.primary_key),
        "key_label": "+".join(table.primary_key),
        "key_not_null": " and ".join(f"{k} is not null" for k in table.primary_key),
    }
    plain = {**fields, "key_text": key_text(table)}
    dated = {"extract_date": extract_date}
    queries = [] if keys_unique else [(_sql("duplicate_key").format(**fields), {})]
    if table.name == "person":
        queries.append((_sql("birth_not_after_extract"), dated))
    if table.person_linked:
        queries.append((_sql("orphan_person").format(**fields), {}))
    if table.event_date and table.person_linked:
        queries.append(
            (_sql("date_plausible").format(**fields, date_column=table.event_date), dated)
        )
    if table.end_date:
        sql = _sql("end_before_start").format(
            **plain, end_column=table.end_date, start_column=table.event_date
        )
        queries.append((sql, {}))
    return queries
