"""changes.csv: what changed per patient between two runs (hand-built runs)."""

from __future__ import annotations

import pandas as pd
from test_report_fixtures import screen_connection, small_trial

from prescreen.changes import CHANGE_COLUMNS, patient_reasons, status_changes


def _frame(rows):
    return pd.DataFrame(rows, columns=["person_id", "site", "status", "reasons"])


def test_each_change_kind():
    previous = _frame(
        [
            (1, "A", "ineligible", "E3 fail"),
            (2, "A", "likely_eligible", ""),
            (3, "B", "likely_eligible", ""),
            (4, "B", "ineligible", "E3 fail"),
            (5, "B", "needs_review", "I2 unknown"),
            (9, "B", "ineligible", "E1 fail"),  # left the extract: not listed
        ]
    )
    current = _frame(
        [
            (1, "A", "likely_eligible", ""),  # newly likely eligible
            (2, "A", "ineligible", "E1 fail"),  # newly ineligible
            (3, "B", "needs_review", "I2 unknown"),  # newly needs review
            (4, "B", "ineligible", "E1 fail; E3 fail"),  # same status, other reasons
            (5, "B", "needs_review", "I2 unknown"),  # unchanged: not listed
            (7, "A", "likely_eligible", ""),  # new patient
        ]
    )
    changes = status_changes(previous, current)
    assert list(changes.columns) == CHANGE_COLUMNS
    assert changes[["person_id", "previous_status", "change"]].values.tolist() == [
        [1, "ineligible", "newly_likely_eligible"],
        [2, "likely_eligible", "newly_ineligible"],
        [3, "likely_eligible", "newly_needs_review"],
        [4, "ineligible", "reasons_changed"],
        [7, "", "newly_likely_eligible"],
    ]
    assert changes.loc[changes.person_id == 4, "previous_reasons"].item() == "E3 fail"


def test_first_run_lists_everyone_as_new():
    current = _frame([(1, "A", "ineligible", "E3 fail"), (2, "A", "likely_eligible", "")])
    changes = status_changes(None, current)
    assert changes["change"].tolist() == ["newly_ineligible", "newly_likely_eligible"]
    assert changes["previous_status"].tolist() == ["", ""]


def test_reasons_are_failing_or_unknown_top_level_criteria_in_protocol_order():
    rows = [
        (1, "I1", "pass"),
        (1, "E9", "fail"),
        (1, "I2", "unknown"),
        (1, "I2.abi", "fail"),  # sub-rule: evidence only, never a reason
        (1, "I6", "manual"),  # manual never a reason
        (2, "I1", "pass"),
        (2, "I2", "pass"),
        (2, "I6", "manual"),
        (2, "E9", "pass"),
    ]
    con = screen_connection(rows, {1: "A", 2: "A"}, small_trial(("I1", "I2", "I6", "E9"), ()))
    reasons = patient_reasons(con, ["I1", "I2", "I6", "E9"])
    assert reasons.values.tolist() == [[1, "I2 unknown; E9 fail"], [2, ""]]


def test_a_site_name_that_is_a_formula_is_written_as_text():
    current = _frame([(1, '=HYPERLINK("http://x")', "likely_eligible", "")])
    changes = status_changes(None, current)
    assert changes["site"].tolist() == ['\'=HYPERLINK("http://x")']
