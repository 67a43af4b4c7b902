"""A sweep recomputes, for each value, only the rule instances that value changes, on a
kept status pass (the run's, else its first value's: criteria/swept.py): every person's
status must be what a full status pass gives, for thresholds, windows, counts, category
values and rule-tree limits alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from sample_screen import D, loaded_sample

from prescreen.criteria.parse import load_trial
from prescreen.criteria.plan import build_plan
from prescreen.criteria.sql_engine import person_statuses
from prescreen.criteria.swept import SweptStatuses
from prescreen.errors import CriteriaError
from prescreen.extract import load_extract
from prescreen.pipeline import sweep_stage
from prescreen.request import parsed_trial

TRIAL = "nl003-cli-iii-2"
SYNTHEA = Path(__file__).parent / "fixtures" / "synthea27nj"


@pytest.fixture(scope="module")
def sample():
    con, trial = loaded_sample()
    yield con, len(build_plan(trial, D).insts)
    con.close()


@pytest.mark.parametrize(
    ("name", "values", "changed"),
    [
        ("E14.hemoglobin_min", ["70", "120", "80"], 1),  # one lab threshold
        ("I2.assessment_lookback_days", ["90", "30", "400"], 8),  # a window, both limbs
        ("E8.antihypertensive_classes_min", ["3", "1", "2"], 1),  # a count of classes
        ("I2.rutherford_grade", ["5", "4", "6"], 2),  # a category value, both limbs
        ("I1.age_min", ["20", "60", "75"], 0),  # the rule tree only
    ],
)
def test_each_value_gives_the_statuses_of_a_full_screen(sample, name, values, changed):
    con, n_insts = sample
    persons = con.execute("select count(*) from person").fetchall()[0][0]
    codes = set()
    with SweptStatuses(con, D) as swept:
        for value in values:
            trial = parsed_trial(TRIAL, {name: value})
            reused = swept.statuses(trial).sort_values("person_id", ignore_index=True)
            codes.add(_result_codes(con))
            full = person_statuses(con, trial, D).sort_values("person_id", ignore_index=True)
            assert reused.equals(full), (name, value)
        # the first value is screened in full, the others recompute only what they change
        assert swept.recomputed == [n_insts, changed, changed]
        # and run the rule tree over the persons whose words that changes (or, for an
        # age limit, whose age test it decides otherwise): some, never everyone
        first, *others = swept.retreed
        assert first == persons
        for retreed in others:
            assert 0 < retreed < persons, swept.retreed
    assert len(codes) == len(values)  # each value changes someone's results


def test_a_values_counts_are_those_of_its_full_screen(sample):
    """What sweep.csv holds per value: the counts a full status pass gives over the persons
    of person_site, for a value screened in full, one re-deciding some persons, the run's
    own and one changing the rule tree."""
    from prescreen.pipeline import statuses_stage
    from prescreen.status import status_counts

    con, _ = sample
    values = [("E14.hemoglobin_min", "120"), ("E14.hemoglobin_min", "70"),
              ("E14.hemoglobin_min", "120"), ("I1.age_min", "60")]  # fmt: skip
    seen = []
    with SweptStatuses(con, D) as swept:
        for name, value in values:
            trial = parsed_trial(TRIAL, {name: value})
            counts = swept.counts(trial)
            assert counts == status_counts(statuses_stage(con, trial, D, "sql")), (name, value)
            seen.append(counts)
        # in full; one instance, some persons; nothing; an age limit (and hemoglobin's
        # default): the persons whose words or age test change
        assert swept.recomputed[1:] == [1, 0, 1]
        assert 0 < swept.retreed[1] < swept.retreed[0]
        assert swept.retreed[1] < swept.retreed[3] < swept.retreed[0]
    assert seen[0] == seen[2] != seen[1]  # the values change the counts


@pytest.mark.parametrize(
    ("name", "value", "low", "high"),
    [
        ("I1.age_min", "60", 20, 59),  # I1: 20 <= age <= 80 becomes 60 <= age <= 80
        ("I5.reproductive_age_max", "45", 46, 55),  # I5's female age limit, 55 → 45
    ],
)
def test_an_age_limit_re_decides_only_the_ages_it_moves(sample, name, value, low, high):
    """An age sweep value re-decides exactly the persons whose age at the index date lies
    between the kept and the new limit (ages computed here in Python, not by the engine's
    SQL), and every status still equals a full screen's."""
    con, _ = sample
    with SweptStatuses(con, D) as swept:
        swept.statuses(parsed_trial(TRIAL, {}))  # kept: the trial's own limits
        births = con.execute("select birth_date from stg_person").df()["birth_date"]
        ages = [D.year - b.year - ((D.month, D.day) < (b.month, b.day)) for b in births.dropna()]
        expected = sum(low <= a <= high for a in ages)
        assert expected > 0
        trial = parsed_trial(TRIAL, {name: value})
        reused = swept.statuses(trial).sort_values("person_id", ignore_index=True)
        assert swept.recomputed[1] == 0
        assert swept.retreed[1] == expected
    full = person_statuses(con, trial, D).sort_values("person_id", ignore_index=True)
    assert reused.equals(full)


def _result_codes(con) -> str:
    """Every person's result code per reported row, of the status pass just run."""
    return str(con.execute("select list(codes order by person_id) from ps_status").fetchall())


def _other_trial(folder: Path):
    rule = {"event": "measurement", "codes": {"codes": ["718-7"]}, "value": ">= 100 g/L"}
    doc = {
        "trial": {"id": "OTHER", "title": "another trial", "version": "1"},
        "criteria": [
            {"id": "I1", "kind": "inclusion", "text": "hemoglobin at least 100 g/L", "rule": rule},
            {"id": "E1", "kind": "exclusion", "text": "deceased", "rule": {"event": "death"}},
        ],
    }
    path = folder / "other.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_trial(str(path), {})


def test_another_plan_is_screened_in_full_and_kept(sample, tmp_path):
    """A trial whose instances are not those of the kept words (another trial, another
    parameter changing more than bound values) is screened in full."""
    con, _ = sample
    other = _other_trial(tmp_path)
    with SweptStatuses(con, D) as swept:
        swept.statuses(parsed_trial(TRIAL, {}))
        got = swept.statuses(other).sort_values("person_id", ignore_index=True)
        assert swept.recomputed[-1] == len(build_plan(other, D).insts)
        full = person_statuses(con, other, D).sort_values("person_id", ignore_index=True)
        assert got.equals(full)
    assert not con.execute(
        "select count(*) from duckdb_tables() where table_name = 'ps_sweep_states'"
    ).fetchall()[0][0]  # leaving the sweep drops the kept words


def test_a_sweep_on_an_extract_without_concept_ancestor_takes_exact_concepts(tmp_path):
    """`--exact-concepts --sweep`: the sweep matched descendants as the run did not and
    stopped, telling the user to rerun with the option they had given."""
    con = duckdb.connect()
    load_extract(SYNTHEA, con, max_quarantine=1.0)
    sweeps = {"E14.hemoglobin_min": ["70", "90"]}
    with pytest.raises(CriteriaError, match="--exact-concepts"):
        sweep_stage(con, TRIAL, {}, sweeps, D, "sql")
    table = sweep_stage(con, TRIAL, {}, sweeps, D, "sql", exact_concepts=True)
    assert table is not None
    assert table["value"].tolist() == ["70", "90"]
    assert (table["screened"] == 28).all()


def test_a_run_keeps_its_status_pass_for_the_sweep(sample):
    """`run --sweep`: the screen keeps its status pass, so every swept value (the first
    too) recomputes only what it changes."""
    from prescreen.criteria.sql_engine import screen_into

    con, _ = sample
    tables = screen_into(con, parsed_trial(TRIAL, {}), D, evidence="none", keep_states=True)
    assert tables.kept is not None
    with SweptStatuses(con, D, kept=tables.kept) as swept:
        for value in ["70", "120"]:
            trial = parsed_trial(TRIAL, {"E14.hemoglobin_min": value})
            reused = swept.statuses(trial).sort_values("person_id", ignore_index=True)
            full = person_statuses(con, trial, D).sort_values("person_id", ignore_index=True)
            assert reused.equals(full), value
        assert swept.recomputed == [1, 1]


def test_a_value_that_changes_nothing_keeps_every_status(sample):
    """The run's own value again: no instance recomputed, no rule tree run, the kept
    statuses as they are."""
    from prescreen.criteria.sql_engine import screen_into

    con, _ = sample
    trial = parsed_trial(TRIAL, {"E14.hemoglobin_min": "100"})
    tables = screen_into(con, trial, D, evidence="none", keep_states=True)
    with SweptStatuses(con, D, kept=tables.kept) as swept:
        again = parsed_trial(TRIAL, {"E14.hemoglobin_min": "100"})
        reused = swept.statuses(again).sort_values("person_id", ignore_index=True)
        assert (swept.recomputed, swept.retreed) == ([0], [0])
    full = person_statuses(con, trial, D).sort_values("person_id", ignore_index=True)
    assert reused.equals(full)


@pytest.mark.usefixtures("prefect_harness")
def test_the_screen_flow_sweeps_on_its_own_status_pass(tmp_path, monkeypatch):
    """sweep.csv of `prescreen run --sweep`: the counts of full status passes, each value
    recomputing one instance on the run's kept pass."""
    import pandas as pd
    from prescreen.flows.screen import screen
    from sample_screen import SAMPLE

    from prescreen.request import screen_request

    seen: list[int] = []
    real = SweptStatuses.counts

    def recording(self, trial):
        found = real(self, trial)
        seen.append(self.recomputed[-1])
        return found

    monkeypatch.setattr(SweptStatuses, "counts", recording)
    values = ["70", "120"]
    made = screen_request(
        trial=TRIAL, extract_dir=SAMPLE, out_dir=tmp_path / "out", index_date=D.isoformat(),
        sweeps=[f"E14.hemoglobin_min={','.join(values)}"], min_cell=1, worklist=False,
    )  # fmt: skip
    screen(**made.parameters())
    assert seen == [1, 1]
    swept = pd.read_csv(tmp_path / "out" / "sweep.csv", dtype={"value": str})
    con, _ = loaded_sample()
    for value in values:
        full = person_statuses(con, parsed_trial(TRIAL, {"E14.hemoglobin_min": value}), D)
        row = swept[swept["value"] == value].iloc[0]
        counts = full["status"].value_counts()
        for status in ("likely_eligible", "needs_review", "ineligible"):
            assert int(row[status]) == int(counts.get(status, 0)), (value, status)
    con.close()
