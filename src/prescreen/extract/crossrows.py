"""Rules across rows and tables: keys, unknown persons, dates against birth and the extract.

Each rule is an SQL file of sql/extract/ rendered strictly (prescreen.sqltext) and run with
bound values; it returns (_line, primary_key, column_name, check_name, reason) rows that go
to `quarantine` (unusable) or `finding` (kept) as `CrossRule.outcome` says.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from prescreen.extract.quarantine import DEDUPLICATED
from prescreen.extract.tables import OmopTable
from prescreen.extract.validate import key_text
from prescreen.sqltext import read_sql, render

# Event dates up to this many days after the extract date are a finding (clocks, time
# zones, a record dated the day it was planned); later dates are unusable.
LATE_DAYS = 7


@dataclass(frozen=True)
class CrossRule:
    """One rendered rule query, its bound values and where its rows go."""

    outcome: str  # "quarantine" or "finding"
    sql: str
    params: dict[str, object] = field(default_factory=dict)


def _rule(outcome: str, name: str, check: str, reason: str, slots: dict, **values) -> CrossRule:
    sql = render(read_sql(f"extract/{name}.sql"), **slots)
    return CrossRule(outcome, sql, {"check_name": check, "reason": reason, **values})


def row_rules_across(table: OmopTable, extract_date: date | None) -> list[CrossRule]:
    """Unknown persons and implausible dates of `_typed_<table>` (keys: `key_rules`)."""
    typed = {"typed": f"_typed_{table.name}", "key_text": key_text(table, "s")}
    rules = []
    if table.name == "person" and extract_date is not None:
        reason = "year of birth after the extract date"
        rules.append(
            _rule(
                "quarantine",
                "birth_not_after_extract",
                "plausibleValueHigh",
                reason,
                {},
                extract_date=extract_date,
            )
        )
    if table.person_linked:
        reason = "person_id not in person"
        if table.orphans == "finding":
            reason += ": row kept (the screen does not read this table per person)"
        rules.append(_rule(table.orphans, "orphan_person", "isForeignKey", reason, typed))
    if table.event_date and table.person_linked:
        dated = {**typed, "date_column": table.event_date}
        column = {"column_name": table.event_date}
        rules.append(
            _rule(
                "quarantine",
                "date_before_birth",
                "plausibleAfterBirth",
                "date before year of birth",
                dated,
                **column,
            )
        )
        if extract_date is not None:
            rules += _after_extract(dated, column, extract_date)
    if table.end_date:
        slots = {
            "typed": typed["typed"],
            "key_text": key_text(table),
            "end_column": table.end_date,
            "start_column": table.event_date,
        }
        reason = "end date before start date"
        column = {"column_name": table.end_date}
        rules.append(
            _rule(
                "quarantine", "end_before_start", "plausibleStartBeforeEnd", reason, slots, **column
            )
        )
    return rules


def _after_extract(dated: dict, column: dict, extract_date: date) -> list[CrossRule]:
    """A few days after the extract date: finding; later: unusable (quarantined)."""
    last_late = extract_date + timedelta(days=LATE_DAYS)
    return [
        _rule(
            "finding",
            "date_after_extract",
            "plausibleValueHigh",
            f"date at most {LATE_DAYS} days after the extract date: row kept",
            dated,
            **column,
            after_date=extract_date,
            last_date=last_late,
        ),
        _rule(
            "quarantine",
            "date_after_extract",
            "plausibleValueHigh",
            f"date more than {LATE_DAYS} days after the extract date",
            dated,
            **column,
            after_date=last_late,
            last_date=date.max,
        ),
    ]


def key_rules(
    table: OmopTable, whole: str | None = None, *, copies: bool = True
) -> list[CrossRule]:
    """Exact copies (kept once), then keys repeated with different content.

    A repeated identity key (person, care_site) is unusable: every copy is quarantined.
    Any other repeated source id is a finding: rows are kept, each has its own `_row_id`.
    `whole`: a relation with every column typed (validate.typed_view) where
    `_typed_<table>` stores only some; copies are compared on it. `copies=False` leaves
    the exact-copy rule out (`copies_in_stored_columns` proved there are none).
    """
    if not table.primary_key:
        return []
    label = "+".join(table.primary_key)
    slots = _key_slots(table)
    copy_rule = _rule(
        "finding",
        "exact_duplicate",
        DEDUPLICATED,
        "exact copy of a row on an earlier line: kept once",
        {
            **slots,
            "typed": whole or slots["typed"],
            "all_columns": ", ".join(f's."{c}"' for c in table.columns),
        },
        column_name=label,
    )
    if table.identity_key:
        outcome, reason = (
            "quarantine",
            f"{label} repeated with different content: every copy set aside",
        )
    else:
        outcome, reason = "finding", f"{label} repeated with different content: rows kept"
    repeats = _rule(
        outcome,
        "duplicate_key",
        "isPrimaryKey",
        reason,
        slots,
        column_name=label,
        deduplicated=DEDUPLICATED,
    )
    return [copy_rule, repeats] if copies else [repeats]


def _key_slots(table: OmopTable) -> dict[str, str]:
    return {
        "typed": f"_typed_{table.name}",
        "key_text": key_text(table, "s"),
        "key_columns": ", ".join(table.primary_key),
        "key_not_null": " and ".join(f"{k} is not null" for k in table.primary_key),
    }


def copies_in_stored_columns(
    con: duckdb.DuckDBPyConnection, table: OmopTable, stored: Collection[str]
) -> bool:
    """True when some rows of `_typed_<table>` with a repeated key are equal in every
    stored column: only they can be exact copies, which the unstored columns decide."""
    compared = ", ".join(f's."{c}"' for c in table.columns if c in stored)
    sql = render(read_sql("extract/exact_duplicate.sql"), **_key_slots(table), all_columns=compared)
    params = {"table_name": table.name, "column_name": "", "check_name": "", "reason": ""}
    return bool(con.execute(f"select count(*) from ({sql})", params).fetchall()[0][0])


def keys_proven_unique(con: duckdb.DuckDBPyConnection, table: OmopTable) -> bool:
    """True when no key of `_typed_<table>` repeats, proven with one bit per possible key.

    A bitmap of the key range (bitstring_agg, one streaming pass) replaces the hash
    aggregates of the key rules: 23M measurement ids take ~0.5 s instead of ~5 s.
    False (so the key rules run) for composite keys, sparse ranges (wider than 8 bits per
    row) and whenever a key does repeat.
    """
    if len(table.primary_key) != 1:
        return False
    slots = {"key": table.primary_key[0], "typed": f"_typed_{table.name}"}
    low, high, keys = con.execute(render(read_sql("extract/key_range.sql"), **slots)).fetchall()[0]
    if keys == 0:
        return True
    if high - low + 1 > min(8 * keys, 2**31):
        return False
    bitmap = render(read_sql("extract/key_bitmap.sql"), **slots)
    marked = con.execute(bitmap, {"low": int(low), "high": int(high)}).fetchall()[0][0]
    return marked == keys
