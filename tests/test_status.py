"""Patient status is derived from top-level criteria only; manual never changes it.

The rule is written once, in SQL (sql/marts/macros.sql); these cases hold it to the
definition, whichever way the results reach DuckDB.
"""

import duckdb
import pandas as pd
import pytest

from prescreen.status import (
    PATIENT_COLUMNS,
    patient_status,
    patient_status_of,
    status_counts,
    store_results,
)


def _results(rows):
    return pd.DataFrame(rows, columns=["person_id", "criterion_id", "result", "reason", "evidence"])


SITES = pd.DataFrame({"person_id": [1, 2, 3, 4], "site": ["A", "A", "B", "unknown site"]})
ROWS = [
    (1, "I1", "pass", "", ""),
    (1, "E1", "manual", "", ""),  # manual: counted, status unchanged
    (2, "I1", "pass", "", ""),
    (2, "E1", "unknown", "no_data", ""),  # unknown, no fail → needs_review
    (3, "I1", "fail", "", ""),
    (3, "E1", "unknown", "stale", ""),  # any fail wins → ineligible
    (4, "I1", "pass", "", ""),
    (4, "E1", "pass", "", ""),
    (4, "I1.sub", "fail", "", ""),  # sub-rule rows never count
]


def test_status_rules_by_hand():
    patients = patient_status_of(_results(ROWS), ["I1", "E1"], SITES)
    assert list(patients.columns) == PATIENT_COLUMNS
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
    assert patients["target_limb"].isna().all()  # no person_limb: no limb


def test_missing_row_is_unknown_and_stray_results_are_a_bug():
    # person 4 has no E1 row: no data to decide, so needs_review (as the funnel counts it)
    rows = [r for r in ROWS if not (r[0] == 4 and r[1] == "E1")]
    patients = patient_status_of(_results(rows), ["I1", "E1"], SITES)
    assert patients.loc[patients.person_id == 4, ["status", "n_unknown"]].values.tolist() == [
        ["needs_review", 1]
    ]
    with pytest.raises(RuntimeError, match="'odd' \\(1 rows\\)"):
        patient_status_of(_results([*ROWS, (1, "I2", "odd", "", "")]), ["I1", "E1"], SITES)


def test_target_limb_comes_from_person_limb_when_the_engine_writes_it():
    con = duckdb.connect()
    store_results(con, _results(ROWS))
    con.register("site_frame", SITES)
    con.execute("create table person_site as select *, null::bigint as site_id from site_frame")
    con.execute(
        "create table person_limb as select * from (values (1, 'R'), (3, 'R,L')) t(person_id, target_limb)"
    )
    patients = patient_status(con, ["I1", "E1"])
    limbs = [v if isinstance(v, str) else None for v in patients["target_limb"]]
    assert limbs == ["R", None, "R,L", None]


def test_status_counts_include_zero_statuses():
    patients = pd.DataFrame({"person_id": [1], "site": ["A"], "status": ["ineligible"]})
    assert status_counts(patients) == {
        "screened": 1,
        "likely_eligible": 0,
        "needs_review": 0,
        "ineligible": 1,
    }


def test_a_duplicated_row_does_not_hide_a_missing_one():
    """Two I1 rows and no E1 row make as many rows as criteria: E1 is still unknown."""
    rows = [r for r in ROWS if not (r[0] == 4 and r[1] == "E1")] + [(4, "I1", "pass", "", "")]
    patients = patient_status_of(_results(rows), ["I1", "E1"], SITES)
    assert patients.loc[patients.person_id == 4, ["status", "n_unknown"]].values.tolist() == [
        ["needs_review", 1]
    ]
    # persons of person_site with no row at all: every criterion unknown
    patients = patient_status_of(_results([r for r in ROWS if r[0] != 2]), ["I1", "E1"], SITES)
    assert patients.loc[patients.person_id == 2, ["status", "n_unknown"]].values.tolist() == [
        ["needs_review", 2]
    ]
