"""Rules one row can be checked against on its own, as SQL predicates with bound values.

Three kinds, each named after the OHDSI DataQualityDashboard check it matches where one
does (docs/validation.md lists them all):
- type rules (`cdmDatatype`): a present value that cannot be read as its OMOP type;
- schema rules compiled from the table's pandera model (`isRequired`, `plausibleValueLow`,
  `plausibleValueHigh`, `fkDomain`, …), checked on the cleaned values;
- cleaning rules: findings about a value that is read but cannot be used (NaN, infinity, a
  birth_datetime contradicting year_of_birth). The value is set to empty, the row is kept.
Predicates see the parsed row: `"<column>"` (typed) and `"_raw_<column>"` (as staged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from prescreen.extract.tables import TABLES, OmopTable
from prescreen.schemas import SCHEMAS

_CAST_REASON = {
    "bigint": "not a whole number",
    "double": "not a number",
    "date": "not a valid date",
    "timestamp": "not a valid datetime",
}


@dataclass(frozen=True)
class RowRule:
    """One rule: `failing` is true for the rows it catches; `params` are its bound values."""

    column: str
    check_name: str
    reason: str
    failing: str
    params: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    finding: bool = False  # a finding about a kept row, not a reason to quarantine it
    nulls: bool = False  # (findings) the column's value is set to empty in the loaded row


def type_rule(column: str, sql_type: str) -> RowRule:
    """A value is present in the file but is no value of the column's type."""
    failing = f'"_raw_{column}" is not null and "{column}" is null'
    return RowRule(column, "cdmDatatype", _CAST_REASON[sql_type], failing)


@cache
def cleaning_rules(table_name: str) -> tuple[RowRule, ...]:
    """Findings that empty a value: non-finite numbers; a birth_datetime off its birth year."""
    table = TABLES[table_name]
    rules = [
        RowRule(
            column,
            "isFiniteNumber",
            "NaN or infinite number: value set to empty, row kept",
            f'not isfinite("{column}")',
            finding=True,
            nulls=True,
        )
        for column, sql_type in table.columns.items()
        if sql_type == "double"
    ]
    if table_name == "person":
        rules.append(
            RowRule(
                "birth_datetime",
                "plausibleBirthDatetime",
                "birth_datetime not in year_of_birth: birth_datetime set to empty, "
                "year_of_birth used",
                'year("birth_datetime") <> "year_of_birth"',
                finding=True,
                nulls=True,
            )
        )
    return tuple(rules)


def cleaned(table: OmopTable, column: str) -> str:
    """SQL for the column's value once the cleaning rules have emptied what they catch."""
    emptying = [r.failing for r in cleaning_rules(table.name) if r.column == column]
    if not emptying:
        return f'"{column}"'
    return f'case when {" or ".join(f"({e})" for e in emptying)} then null else "{column}" end'


@cache
def schema_checks(table_name: str) -> tuple[RowRule, ...]:
    """The table's pandera schema as SQL row rules over the catalogue's columns."""
    table = TABLES[table_name]
    catalogue = table.columns
    schema = SCHEMAS[table_name].to_schema()
    rules: list[RowRule] = []
    for key, spec in schema.columns.items():
        targets = [c for c in catalogue if re.match(key, c)] if spec.regex else [key]
        for column in (t for t in targets if t in catalogue):
            if not spec.nullable:
                failing = f'"{column}" is null and "_raw_{column}" is null'
                rules.append(RowRule(column, "isRequired", "missing value", failing))
            value = cleaned(table, column)
            for check in spec.checks:
                rules += _check_rules(column, value, check.name, check.statistics)
    return tuple(rules)


def _check_rules(column: str, value: str, name: str, stats: dict) -> list[RowRule]:
    """One pandera check as rules; in_range becomes a low and a high rule."""
    bound = f"{column}_{name}"
    if name == "in_range":
        low = ">=" if stats.get("include_min", True) else ">"
        high = "<=" if stats.get("include_max", True) else "<"
        lo, hi = stats["min_value"], stats["max_value"]
        return [
            _bounded(column, value, "plausibleValueLow", f"below {lo}", low, f"{bound}_min", lo),
            _bounded(column, value, "plausibleValueHigh", f"above {hi}", high, f"{bound}_max", hi),
        ]
    if name in ("greater_than_or_equal_to", "greater_than"):
        op, lo = (">=" if name.endswith("equal_to") else ">"), stats["min_value"]
        reason = f"below minimum {lo}" if op == ">=" else f"not above {lo}"
        return [_bounded(column, value, "plausibleValueLow", reason, op, bound, lo)]
    if name in ("less_than_or_equal_to", "less_than"):
        op, hi = ("<=" if name.endswith("equal_to") else "<"), stats["max_value"]
        reason = f"above maximum {hi}" if op == "<=" else f"not below {hi}"
        return [_bounded(column, value, "plausibleValueHigh", reason, op, bound, hi)]
    if name == "isin":
        failing = f"{value} is not null and not list_contains(${bound}, {value})"
        params: dict[str, object] = {bound: list(stats["allowed_values"])}
        return [RowRule(column, "fkDomain", "not an allowed code", failing, params)]
    if name == "str_matches":
        failing = f"{value} is not null and not regexp_matches({value}, ${bound})"
        params = {bound: "^(?:" + stats["pattern"] + ")"}
        return [RowRule(column, "str_matches", "wrong code format", failing, params)]
    raise NotImplementedError(f"pandera check {name} on {column} has no SQL translation")


def _bounded(
    column: str, value: str, check: str, reason: str, op: str, param: str, limit: object
) -> RowRule:
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        raise TypeError(f"schema check value {limit!r} on {column} is not a number")
    failing = f"{value} is not null and not ({value} {op} ${param})"
    return RowRule(column, check, reason, failing, {param: limit})
