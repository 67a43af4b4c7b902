"""Patient status is derived from top-level criteria only; manual never changes it."""

import pandas as pd

from prescreen.status import patient_status, status_counts


def _results(rows):
    return pd.DataFrame(rows, columns=["person_id", "criterion_id", "result", "reason", "evidence"])


SITES = pd.DataFrame({"person_id": [1, 2, 3, 4], "site": ["A", "A", "B", "unknown site"]})


def test_status_rules_by_hand():
    results = _results(
        [
            (1, "I1", "pass", "", ""),
            (1, "E1", "manual", "", ""),  # manual: counted, status unchanged
            (2, "I1", "pass", "", ""),
            (2, "E1", "unknown", "no_data", ""),  # unknown, no fail → needs_review
            (3, "I1", "fail", "", ""),
            (3, "E1", "unknown", "stale", ""),  # any fail wins → ineligible
            (4, "I1", "pass", "", ""),
            (4, "I1.sub", "fail", "", ""),  # sub-rule rows never count
        ]
    )
    patients = patient_status(results, ["I1", "E1"], SITES)
    assert list(patients.columns) == [
        "person_id",
        "site",
        "status",
        "n_fail",
        "n_unknown",
        "n_manual",
    ]
    assert patients["status"].tolist() == [
        "likely_eligible",
        "needs_review",
        "ineligible",
        "likely_eligible",
    ]
    assert patients["n_fail"].tolist() == [0, 0, 1, 0]
    assert patients["n_unknown"].tolist() == [0, 1, 1, 0]
    assert patients["n_manual"].tolist() == [1, 0, 0, 0]
    assert patients["site"].tolist() == ["A", "A", "B", "unknown site"]


def test_status_counts_include_zero_statuses():
    patients = pd.DataFrame({"person_id": [1], "site": ["A"], "status": ["ineligible"]})
    assert status_counts(patients) == {
        "screened": 1,
        "likely_eligible": 0,
        "needs_review": 0,
        "ineligible": 1,
    }
