"""`prescreen explain --person` (#13.2): any person's full evidence on demand, the same
rows a run with every evidence text writes for that person; several persons with one load
and one screen of exactly them."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_screen import COLUMNS, SAMPLE, D, loaded_sample
from typer.testing import CliRunner

from prescreen.cli import app
from prescreen.criteria.sql_engine import screen_into
from prescreen.errors import PrescreenError
from prescreen.explain import explain_person, explain_persons, person_ids


@pytest.fixture(scope="module")
def loaded():
    con, trial = loaded_sample()
    screen_into(con, trial, D, evidence="all")
    full = con.execute(f"select {COLUMNS}, ord from criterion_result order by person_id, ord").df()
    limbs = dict(con.execute("select person_id, target_limb from person_limb").fetchall())
    yield con, trial, full, limbs
    con.close()


@pytest.mark.parametrize("person_id", [2, 4, 1, 3])  # ineligible, eligible, review, limb L
def test_explain_gives_the_rows_of_a_full_run(loaded, person_id):
    con, trial, full, limbs = loaded
    expected = full[full["person_id"] == person_id].drop(columns="ord").reset_index(drop=True)
    rows, limb, exact_only = explain_person(con, trial, D, person_id)
    assert exact_only == []  # the sample codes events by source code: nothing to descend
    rows["person_id"] = rows["person_id"].astype(expected["person_id"].dtype)
    assert rows.to_dict("records") == expected.to_dict("records")
    assert limb == limbs[person_id]


def test_several_persons_in_one_screen_give_each_their_full_run_rows(loaded):
    """One listed screen of four persons: each gets exactly the rows a full run wrote for
    them (no row of another person), in the order asked, a repeated id once."""
    con, trial, full, limbs = loaded
    explained, exact_only = explain_persons(con, trial, D, [3, 2, 4, 3, 1])
    assert exact_only == []
    assert [pid for pid, _, _ in explained] == [3, 2, 4, 1]
    for pid, rows, limb in explained:
        expected = full[full["person_id"] == pid].drop(columns="ord").reset_index(drop=True)
        rows["person_id"] = rows["person_id"].astype(expected["person_id"].dtype)
        assert rows.to_dict("records") == expected.to_dict("records")
        assert limb == limbs[pid]


def test_person_values_are_repeated_or_comma_lists():
    assert person_ids(["4", "2, 17", "3,"]) == [4, 2, 17, 3]
    with pytest.raises(PrescreenError, match=r"--person 2,x: 'x' is not a person_id"):
        person_ids(["2,x"])
    with pytest.raises(PrescreenError, match="at least one"):
        person_ids([" , "])


def test_explain_leaves_the_database_as_it_was(loaded):
    """A kept database (a run's, with its results) is not changed by explaining someone."""
    con, trial, full, _ = loaded
    explain_person(con, trial, D, 3)
    after = con.execute(f"select {COLUMNS}, ord from criterion_result order by person_id, ord")
    assert after.df().equals(full)
    tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "criterion_code" in tables


def test_a_listed_screen_screens_only_those_persons(loaded):
    """`persons=`: the listed persons' rows, the same as in a screen of everyone, and no
    one else's (explaining one person at 1M does not screen the other 999,999)."""
    con, trial, full, _ = loaded
    con.execute("begin transaction")
    try:
        tables = screen_into(con, trial, D, persons=[1, 4])
        got = con.execute(f"select {COLUMNS}, ord from criterion_result order by person_id, ord")
        got = got.df()
        states = con.execute("select count(distinct person_id) from ps_states").fetchall()[0][0]
    finally:
        con.execute("rollback")
    assert tables.persons == 2 and states <= 2
    expected = full[full["person_id"].isin([1, 4])].reset_index(drop=True)
    got["person_id"] = got["person_id"].astype(expected["person_id"].dtype)
    pd.testing.assert_frame_equal(got, expected)


def _explain(*persons: str):
    return CliRunner().invoke(
        app,
        ["explain", "--trial", "nl003-cli-iii-2", "--extract", str(SAMPLE), "--as-of",
         "2026-11-01", *(arg for p in persons for arg in ("--person", p))],
    )  # fmt: skip


def test_explain_command_prints_status_limb_and_evidence():
    result = _explain("4")
    assert result.exit_code == 0, result.output
    assert "person 4: likely_eligible; target limb: left" in result.output
    # the table folds long evidence into its column at any terminal width: read it unfolded
    unfolded = "".join(ch for ch in result.output if not ch.isspace() and ch not in "│┃")
    assert "left:Rutherfordcategory5(L)on2026-09-28" in unfolded


def test_explain_command_prints_each_person_in_the_order_given():
    result = _explain("2,4", "1")
    assert result.exit_code == 0, result.output
    heads = [line for line in result.output.splitlines() if line.startswith("person ")]
    assert heads == [
        "person 2: ineligible; target limb: none",
        "person 4: likely_eligible; target limb: left",
        "person 1: needs_review; target limb: right",
    ]


def test_an_unknown_person_is_a_user_error():
    result = _explain("999999")
    assert result.exit_code == 1
    assert "no such person_id" in str(result.exception) + result.output


def test_every_unknown_person_is_named_before_anything_is_screened():
    result = _explain("4,999999", "888888")
    assert result.exit_code == 1
    message = str(result.exception) + result.output
    assert "--person 999999, 888888: no such person_id" in message
