"""`prescreen explain --person` (#13.2): any one person's full evidence on demand, the
same rows a run with every evidence text writes for that person."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_screen import COLUMNS, SAMPLE, D, loaded_sample
from typer.testing import CliRunner

from prescreen.cli import app
from prescreen.criteria.sql_engine import screen_into
from prescreen.explain import explain_person


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


def _explain(person: str):
    return CliRunner().invoke(
        app,
        ["explain", "--trial", "nl003-cli-iii-2", "--extract", str(SAMPLE), "--as-of",
         "2026-11-01", "--person", person],
    )  # fmt: skip


def test_explain_command_prints_status_limb_and_evidence():
    result = _explain("4")
    assert result.exit_code == 0, result.output
    assert "person 4: likely_eligible; target limb: left" in result.output
    # the table folds long evidence into its column at any terminal width: read it unfolded
    unfolded = "".join(ch for ch in result.output if not ch.isspace() and ch not in "│┃")
    assert "left:Rutherfordcategory5(L)on2026-09-28" in unfolded


def test_an_unknown_person_is_a_user_error():
    result = _explain("999999")
    assert result.exit_code == 1
    assert "no such person_id" in str(result.exception) + result.output
