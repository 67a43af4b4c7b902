"""The bitmap shortcut of the duplicate-key rule: it may only skip the query when keys are unique."""

from __future__ import annotations

import duckdb
import pytest

from prescreen.extract.crossrows import keys_proven_unique
from prescreen.extract.tables import TABLES


@pytest.mark.parametrize(
    ("keys", "proven"),
    [
        ([1, 2, 3, 5], True),  # dense and unique: proven, duplicate query skipped
        ([1, 2, 2, 5], False),  # a repeat: not proven, the query finds and quarantines both
        ([-3, -1, None, None, 4], True),  # missing keys are not_null's business, not repeats
        ([1, 10**12], False),  # sparse (range ≫ 8 bits per row): left to the query
        ([-(2**63), 2**63 - 1], False),  # the whole bigint range: no overflow, left to the query
        ([], True),  # an empty table has no repeats
    ],
)
def test_keys_proven_unique(keys: list[int | None], proven: bool) -> None:
    con = duckdb.connect()
    con.execute("create table _typed_measurement (measurement_id bigint)")
    if keys:
        con.executemany("insert into _typed_measurement values (?)", [[k] for k in keys])
    assert keys_proven_unique(con, TABLES["measurement"]) is proven


def test_composite_keys_are_left_to_the_query() -> None:
    con = duckdb.connect()
    con.execute("create table _typed_concept_ancestor as select 1 as a")
    assert keys_proven_unique(con, TABLES["concept_ancestor"]) is False
