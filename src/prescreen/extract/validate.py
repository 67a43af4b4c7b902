"""Type a staged table in SQL, marking per row the rules it breaks and the findings it carries.

Row rules come from the pandera schema of the table (schemas/, via extract/rowrules.py),
compiled to DuckDB predicates so 50M-row tables are checked in one streaming pass (see
docs/validation.md for why not pandas). Each rule gets a number for this table:
`_typed_<table>._failures` lists the numbers of the quarantine rules a row breaks,
`_findings` those of the findings it carries (both NULL for a clean row), and the temp
table `_row_rules(rule_no, column_name, check_name, reason)` says what each number means.
Values of rules are bound parameters; nothing from the data is ever pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb

from prescreen.database import insertion_order
from prescreen.errors import ExtractError
from prescreen.extract.cast import cast_can_fail, parsed
from prescreen.extract.rowrules import RowRule, cleaned, cleaning_rules, schema_checks, type_rule
from prescreen.extract.stage import RawTable, unreadable_parquet
from prescreen.extract.tables import OmopTable
from prescreen.sqltext import read_sql, render


def key_text(table: OmopTable, alias: str = "") -> str:
    """SQL for the row's primary key as text ('1|2' for composite keys, NULL without a key)."""
    prefix = f"{alias}." if alias else ""
    parts = [f"cast({prefix}{k} as varchar)" for k in table.primary_key]
    if not parts:
        return "cast(null as varchar)"
    return parts[0] if len(parts) == 1 else " || '|' || ".join(parts)


def row_rules(staged: RawTable) -> list[RowRule]:
    """Type rules for the columns whose cast can fail, schema rules, then cleaning rules."""
    rules = []
    for column, sql_type in staged.table.columns.items():
        fallback = staged.table.datetime_for.get(column)
        if column in staged.columns and cast_can_fail(staged.source_type(column), sql_type):
            rules.append(type_rule(column, sql_type))
        elif fallback in staged.columns:  # the date only comes from its datetime
            rules.append(type_rule(column, sql_type))
    return rules + list(schema_checks(staged.table.name)) + list(cleaning_rules(staged.table.name))


def type_and_check_rows(
    con: duckdb.DuckDBPyConnection,
    staged: RawTable,
    stored: Collection[str] | None = None,
    *,
    by_person: bool = False,
) -> None:
    """Create `_typed_<table>` (`_line`, typed cleaned columns, `_row_id`, `_findings`,
    `_failures`) and `_row_rules`.

    `_row_id` is the row's position among the file's data rows (line − 1; 1 = first row).
    `stored`: keep only these columns (None: all). Every column is typed and checked all
    the same, so a row's failures and findings do not depend on it. `by_person`: store the
    rows ordered by person, then line (extract/person_order.py), else in file order.
    """
    table = staged.table
    rules = row_rules(staged)
    _write_rule_table(con, rules)
    params: dict[str, object] = {}
    for rule in rules:
        params.update(rule.params)
    sql = render(
        read_sql("extract/typed_rows.sql"),
        typed=f"_typed_{table.name}",
        raw=staged.raw_name,
        parsed_columns=_parsed_columns(staged),
        columns=_cleaned_columns(table, stored),
        order=f'order by "{table.person_key}", _line' if by_person else "",
        findings=_listed([(n, r) for n, r in enumerate(rules, 1) if r.finding]),
        failures=_listed([(n, r) for n, r in enumerate(rules, 1) if not r.finding]),
    )
    # the file's order (or the sort's) survives: a parallel copy would interleave row
    # groups of different persons, and the line numbers of the blocks person_order.py
    # measured would not be the stored blocks
    try:
        with insertion_order(con):
            con.execute(sql, params)
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise
    except duckdb.Error as exc:
        if not staged.view or staged.csv is not None:
            raise  # a CSV file's read errors are rephrased by extract/csvpass.py
        # a Parquet file is first read here (staging made a view): a corrupt page shows now
        raise ExtractError(unreadable_parquet(staged.source_file, exc)) from None


def typed_view(con: duckdb.DuckDBPyConnection, staged: RawTable) -> str:
    """Create the temp view `_typed_all_<table>` (`_line` and every column, typed and
    cleaned as `_typed_<table>` stores them) over the staged rows; returns its name.

    For the checks that compare columns a load does not store (exact copies): reading the
    staged rows again costs less than storing every column of every row."""
    name = f"_typed_all_{staged.table.name}"
    sql = render(
        read_sql("extract/typed_view.sql"),
        view=name,
        raw=staged.raw_name,
        parsed_columns=_parsed_columns(staged),
        columns=_cleaned_columns(staged.table, None),
    )
    con.execute(sql)
    return name


def typed_column(staged: RawTable, column: str) -> str:
    """SQL for one column of the staged rows typed as `_typed_<table>` stores it, before
    cleaning (for checks on the staged rows, which have only the file's values)."""
    return _typed_expr(staged, column, staged.table.columns[column])


def _parsed_columns(staged: RawTable) -> str:
    """`_line`, each column typed, and `_raw_<column>` (NULL when the file gives none)."""
    selects = ["_line"]
    for column, sql_type in staged.table.columns.items():
        selects.append(f'{_typed_expr(staged, column, sql_type)} as "{column}"')
        selects.append(f'{_given(staged, column)} as "_raw_{column}"')
    return ", ".join(selects)


def _cleaned_columns(table: OmopTable, stored: Collection[str] | None) -> str:
    """The stored columns (all when `stored` is None), cleaning rules applied."""
    kept = [c for c in table.columns if stored is None or c in stored]
    return ", ".join(f'{cleaned(table, c)} as "{c}"' for c in kept)


def _listed(numbered: list[tuple[int, RowRule]]) -> str:
    """SQL for the list of rule numbers a row meets: NULL when it meets none (built lazily)."""
    if not numbered:
        return "cast(null as integer[])"
    anyone = " or ".join(f"({r.failing})" for _, r in numbered)
    items = ", ".join(f"case when {r.failing} then {n} end" for n, r in numbered)
    return f"case when {anyone} then list_filter([{items}], lambda n: n is not null) end"


def _write_rule_table(con: duckdb.DuckDBPyConnection, rules: list[RowRule]) -> None:
    con.execute(
        "create or replace temp table _row_rules "
        "(rule_no integer, column_name varchar, check_name varchar, reason varchar)"
    )
    if rules:
        con.executemany(
            "insert into _row_rules values (?, ?, ?, ?)",
            [[n, r.column, r.check_name, r.reason] for n, r in enumerate(rules, 1)],
        )


def _raw_source(staged: RawTable, column: str) -> str:
    return f'"{column}"' if column in staged.columns else "null"


def _given(staged: RawTable, column: str) -> str:
    """SQL that is NULL exactly when the file gives no value for the column.

    A date with a datetime beside it is given when either is: an unreadable datetime
    behind an empty date is a type failure of the date, not a missing value.
    """
    fallback = staged.table.datetime_for.get(column)
    if fallback not in staged.columns:
        return _raw_source(staged, column)
    given = f'"{fallback}" is not null'
    if column in staged.columns:
        given = f'"{column}" is not null or {given}'
    return f"case when {given} then true end"


def _typed_expr(staged: RawTable, column: str, sql_type: str) -> str:
    raw = _raw_source(staged, column)
    typed = "null" if raw == "null" else parsed(raw, sql_type, staged.source_type(column))
    fallback = staged.table.datetime_for.get(column)
    if fallback and fallback in staged.columns:
        from_datetime = parsed(f'"{fallback}"', "date", staged.source_type(fallback))
        typed = (
            from_datetime
            if raw == "null"
            else f"coalesce({typed}, case when {raw} is null then {from_datetime} end)"
        )
    return f"cast({typed} as {sql_type})"
