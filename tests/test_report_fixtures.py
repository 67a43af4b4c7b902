"""Hand-made trials and result sets for the report tests (no extract, no engine)."""

from __future__ import annotations

import pandas as pd

from prescreen.criteria.model import Criterion, Parameter, SubRule, Trial


def small_trial(ids=("I1", "I2", "E1", "E2"), manual=("E2",)) -> Trial:
    """A trial whose criteria are only ids, kinds and texts (reports never read rules)."""
    criteria = [
        Criterion(
            id=cid,
            kind="inclusion" if cid.startswith("I") else "exclusion",
            text=f"<b>{cid}</b> text & more",  # markup must be escaped in the HTML
            rule=None,
            manual=cid in manual,
            subrules=(SubRule(id=f"{cid}.check", rule=None, manual=True),) if cid == "I2" else (),
        )
        for cid in ids
    ]
    return Trial(
        id="T-1",
        title="Test trial <script>alert(1)</script>",
        version="1.0",
        registry_id="NCT0000",
        source_text="",
        parameters={"I1.age_min": Parameter("I1.age_min", 20, 20, "years", "min age")},
        assumptions=[
            {"id": "A1", "criteria": ["I1"], "text_says": "20", "assumed": ">= 20", "why": "usual"}
        ],
        codesets={},
        criteria=criteria,
    )


def results_frame(rows) -> pd.DataFrame:
    """(person_id, criterion_id, result) triples → a criterion_result frame."""
    frame = pd.DataFrame(rows, columns=["person_id", "criterion_id", "result"])
    frame["evidence"] = "ev " + frame["criterion_id"]
    frame["reason"] = frame["result"].map({"unknown": "no_data"}).fillna("")
    return frame


def patients_frame(results: pd.DataFrame, sites: dict[int, str], trial: Trial) -> pd.DataFrame:
    from prescreen.status import patient_status

    person_site = pd.DataFrame({"person_id": list(sites), "site": list(sites.values())})
    return patient_status(results, trial.criterion_ids(), person_site)


VALIDATION = pd.DataFrame(
    {
        "table": ["person", "measurement"],
        "source_file": ["person.csv", "measurement.csv"],
        "rows_in": [100, 1000],
        "loaded": [100, 990],
        "quarantined": [0, 10],
    }
)
REASONS = pd.DataFrame(
    {
        "table": ["measurement"],
        "check": ["date_plausible"],
        "column": ["measurement_date"],
        "reason": ["date after extract"],
        "count": [10],
    }
)
PROVENANCE = {
    "prescreen_version": "0.1.0",
    "trial": {"id": "T-1", "version": "1.0", "criteria_sha256": "ab" * 32},
    "as_of": "2026-11-01",
    "engine": "sql",
    "parameters": {"I1.age_min": 20},
    "overrides": {},
    "input_files_sha256": {"person.csv": "cd" * 32},
    "counts": {"screened": 0},
}
