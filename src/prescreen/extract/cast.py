"""SQL that reads one staged value as its OMOP type, and never reinterprets it on the way.

DuckDB's own text casts are generous: `'1.5'` → bigint 2, `'0x10'` → 16, `'1_000'` → 1000,
`'4.9999999999999999'` → 5, `'infinity'` → a date. An identifier read that way would point
at another patient, so ids and counts accept only plain decimal digits (an all-zero
fraction such as `6.0` allowed), numbers no digit-group underscores, and dates and
datetimes only finite values. Anything else is NULL here and quarantined by the type rule.
Non-finite numbers (NaN, inf) are read as such; the cleaning rules empty them, keeping the row.
"""

from __future__ import annotations

# ids and counts: digits, optionally signed, spaces around, an all-zero fraction allowed
_WHOLE = r"\s*[+-]?[0-9]+(\.0*)?\s*"


def parsed(expr: str, sql_type: str, source_type: str = "VARCHAR") -> str:
    """`expr` (text, or a native Parquet type that fits) → sql_type; NULL when unreadable."""
    if source_type == sql_type.upper():
        return _finite_only(expr, sql_type)
    if source_type != "VARCHAR":  # a Parquet type that fits (stage._NATIVE): cast directly
        return _finite_only(f"try_cast({expr} as {sql_type})", sql_type)
    if sql_type == "bigint":
        exact = f"try_cast({expr} as bigint)"
        return (
            f"case when cast({exact} as varchar) = {expr} then {exact} "
            f"when regexp_full_match({expr}, '{_WHOLE}') "
            f"then try_cast(regexp_extract({expr}, '[+-]?[0-9]+') as bigint) end"
        )
    if sql_type == "double":
        return f"case when not contains({expr}, '_') then try_cast({expr} as double) end"
    if sql_type == "date":
        return _finite_only(
            f"coalesce(try_cast({expr} as date), try_cast(try_cast({expr} as timestamp) as date), "
            f"try_cast(try_strptime({expr}, '%Y%m%d') as date))",
            "date",
        )
    if sql_type == "timestamp":
        return _finite_only(
            f"coalesce(try_cast({expr} as timestamp), "
            f"try_cast(try_cast({expr} as date) as timestamp))",
            "timestamp",
        )
    return expr


def _finite_only(expr: str, sql_type: str) -> str:
    """Dates and datetimes `infinity` / `-infinity` are no dates: NULL (quarantined as type)."""
    if sql_type in ("date", "timestamp"):
        return f"case when isfinite({expr}) then {expr} end"
    return expr


def cast_can_fail(source_type: str, sql_type: str) -> bool:
    """False when every value of `source_type` has a `sql_type` value (no type rule needed)."""
    if source_type == "VARCHAR":
        return sql_type != "varchar"
    if sql_type in ("date", "timestamp"):
        return True  # a native date may still be infinity
    return source_type != sql_type.upper() and not (
        sql_type in ("bigint", "double") and source_type in ("TINYINT", "SMALLINT", "INTEGER")
    )
