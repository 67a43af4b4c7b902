"""Statuses at several index dates in one pass (`prescreen newly-eligible`) are each
date's own screen: criteria/dated.py shares the scan and the (person, rule instance)
groups across dates, and must not share anything that depends on the date."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from sample_screen import loaded_sample
from test_differential import D, _connection, _load, extracts, trials

from prescreen.criteria.dated import statuses_over
from prescreen.criteria.plan import build_plan
from prescreen.criteria.sql_compile import compile_statuses_over
from prescreen.criteria.sql_engine import person_statuses
from prescreen.forecast import index_dates

# dates on and around the differential extracts' window edges (their events sit at
# offsets such as -91, -90, -30, -1, 0, 1 days from D)
EDGE_DATES = [D - timedelta(days=31), D - timedelta(days=1), D, D + timedelta(days=1)]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values("person_id").reset_index(drop=True)
    frame["person_id"] = frame["person_id"].astype("int64")
    return frame


@pytest.fixture(scope="module")
def sample():
    con, trial = loaded_sample()
    yield con, trial
    con.close()


def test_monthly_statuses_are_each_months_own_screen(sample):
    """The sample at newly-eligible's 13 monthly dates: every person's status equals a
    status pass at that date alone, and the statuses do change across the months (the
    comparison is not between 13 copies of one answer)."""
    con, trial = sample
    dates = index_dates(date(2026, 11, 1), 12)
    together = statuses_over(con, trial, dates)
    assert list(together) == dates
    for day in dates:
        pd.testing.assert_frame_equal(
            _sorted(together[day]), _sorted(person_statuses(con, trial, day))
        )
    counts = {day: tuple(sorted(together[day]["status"].value_counts().items())) for day in dates}
    assert len(set(counts.values())) > 1


def test_batches_of_any_size_give_the_same_statuses(sample):
    con, trial = sample
    dates = [date(2026, 5, 1), date(2026, 11, 1)]
    whole = statuses_over(con, trial, dates)
    small = statuses_over(con, trial, dates, batch_persons=7)
    for day in dates:
        pd.testing.assert_frame_equal(_sorted(small[day]), _sorted(whole[day]))


def test_plans_of_two_trials_are_refused():
    from prescreen.request import parsed_trial

    one = build_plan(parsed_trial("nl003-cli-iii-2", {}), date(2026, 11, 1))
    other = build_plan(parsed_trial("nl003-cli-iii-2", {"E14.hemoglobin_min": "70"}), D)
    with pytest.raises(ValueError, match="not one trial"):
        compile_statuses_over([one, other])


@settings(
    max_examples=12,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(trial_doc=trials(), rows=extracts())
def test_random_trials_at_window_edges(tmp_path_factory, trial_doc, rows):
    """Random trials (every construct: limb groups, counts, groups, picks, active windows,
    missing-if-examined) and extracts whose events sit on the window edges, at dates a day
    apart: each date's statuses are its own status pass's."""
    trial = _load(tmp_path_factory, trial_doc)
    con = _connection(rows)
    try:
        together = statuses_over(con, trial, EDGE_DATES, batch_persons=3)
        for day in EDGE_DATES:
            alone = person_statuses(con, trial, day)
            pd.testing.assert_frame_equal(_sorted(together[day]), _sorted(alone))
    finally:
        con.close()
