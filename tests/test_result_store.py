"""criterion_result is stored as integers with their labels beside them (result_store):
every reader sees the contract's columns and values, and the files read in table order."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from prescreen.result_store import create_label_types, read_labels, store_frame
from prescreen.sqltext import read_sql

COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _view(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        f"select {', '.join(COLUMNS)}, ord from criterion_result order by person_id, ord"
    ).fetchall()


def test_the_view_gives_back_every_value_with_the_contracts_types():
    rows = [
        (1, "I1", "pass", "age 70", None),
        (1, "I2", "unknown", None, "stale"),
        (1, "I2.abi", "manual", None, None),
        (2, "I1", "fail", "age 12", None),
        (2, "I2", "unknown", "", "side_unknown"),
        (2, "I2.abi", "odd", None, "a reason of its own"),
    ]
    con = duckdb.connect()
    store_frame(con, _frame(rows))
    assert _view(con) == [(*r, k % 3 + 1) for k, r in enumerate(rows)]
    types = {name: t for name, t, *_ in con.execute("describe criterion_result").fetchall()}
    assert types == {
        "person_id": "BIGINT",
        "criterion_id": "VARCHAR",
        "result": "VARCHAR",
        "evidence": "VARCHAR",
        "reason": "VARCHAR",
        "ord": "INTEGER",
    }
    # what a status check counts: the odd value as it was given
    assert con.execute(read_sql("marts/unexpected_results.sql")).fetchall() == [("odd", 1)]


def test_without_ord_a_criterion_keeps_its_position_when_a_person_lacks_a_row():
    # person 2 has no I1 row: numbering rows per person would call its E1 row I1
    rows = [(1, "I1", "pass", None, None), (1, "E1", "fail", None, None)]
    rows.append((2, "E1", "pass", None, None))
    con = duckdb.connect()
    store_frame(con, _frame(rows))
    assert [(p, c, o) for p, c, _, _, _, o in _view(con)] == [
        (1, "I1", 1),
        (1, "E1", 2),
        (2, "E1", 2),
    ]


def test_two_criteria_at_one_position_are_an_engine_bug():
    frame = _frame([(1, "I1", "pass", None, None), (2, "E1", "pass", None, None)])
    with pytest.raises(RuntimeError, match="E1, I1 at one output position"):
        store_frame(duckdb.connect(), frame.assign(ord=[1, 1]))


def test_the_files_read_the_table_with_the_labels_bound():
    # criteria.parquet / criteria.csv are projections of criterion_code with the labels as
    # bound lists (the view's join keeps no order): every row labelled, in stored order
    rows = [(p, c, r, None, None) for p in (30, 4, 17) for c, r in (("I1", "pass"), ("E1", "fail"))]
    con = duckdb.connect()
    frame = _frame(rows).assign(ord=[1, 2] * 3)
    store_frame(con, frame)
    create_label_types(con, read_labels(con))
    got = con.execute(read_sql("marts/result_rows.sql"), read_labels(con).params()).fetchall()
    assert got == sorted(rows, key=lambda r: (r[0], r[1] != "I1"))


def test_criteria_parquet_holds_the_labels_as_strings(tmp_path):
    """criteria.parquet is written through ENUM types of the labels (label_type.sql): the
    file holds the same strings, odd ones and a result outside the known four included,
    and a kept database gets no types."""
    rows = [
        (1, "I1", "pass", "age 70", None),
        (1, "E'1 ü", "odd", None, "a reason of its own"),
        (2, "I1", "unknown", None, "stale"),
    ]
    con = duckdb.connect(str(tmp_path / "kept.duckdb"))
    store_frame(con, _frame(rows))
    create_label_types(con, read_labels(con))
    parquet = tmp_path / "criteria.parquet"
    labels = read_labels(con).params()
    con.sql(read_sql("marts/result_rows.sql"), params=labels).write_parquet(str(parquet))
    back = duckdb.connect()
    assert back.execute("select * from read_parquet(?)", [str(parquet)]).fetchall() == rows
    kinds = back.execute("describe select * from read_parquet(?)", [str(parquet)]).fetchall()
    assert [t for _, t, *_ in kinds] == ["BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"]
    con.close()
    reopened = duckdb.connect(str(tmp_path / "kept.duckdb"))
    assert (
        reopened.execute(
            "select count(*) from duckdb_types() where type_name like 'ps_%_label'"
        ).fetchall()[0][0]
        == 0
    )
