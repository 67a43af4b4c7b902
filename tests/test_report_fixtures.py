"""Hand-made trials and result sets for the report tests (no extract, no engine)."""

from __future__ import annotations

import duckdb
import pandas as pd

from prescreen.criteria.model import Criterion, Parameter, SubRule, Trial
from prescreen.status import patient_status, store_results


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


def screen_connection(
    rows, sites: dict[int, str], trial: Trial, site_ids: dict[str, int | None] | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding what a screen leaves: criterion_result (from
    (person_id, criterion_id, result) triples), person_site, person (registry numbers
    `R<person_id>`), and the status tables derived from them.

    `site_ids`: care_site_id per site name (default: 1, 2, … in name order; 'unknown site'
    has none)."""
    if site_ids is None:
        named = sorted(set(sites.values()) - {"unknown site"})
        site_ids = {name: i for i, name in enumerate(named, start=1)} | {"unknown site": None}
    con = duckdb.connect()
    frame = rows if isinstance(rows, pd.DataFrame) else results_frame(rows)
    store_results(con, frame)
    person_site = pd.DataFrame(
        {
            "person_id": pd.Series(list(sites), dtype="int64"),
            "site": pd.Series(list(sites.values()), dtype="str"),
            "site_id": pd.Series([site_ids.get(s) for s in sites.values()], dtype="Int64"),
        }
    )
    person = pd.DataFrame(
        {
            "person_id": pd.Series(list(sites), dtype="int64"),
            "person_source_value": [f"R{pid:05d}" for pid in sites],
        }
    )
    for name, frame in (("person_site", person_site), ("person", person)):
        con.register(f"{name}_frame", frame)
        con.execute(f"create table {name} as select * from {name}_frame")
        con.unregister(f"{name}_frame")
    patient_status(con, trial.criterion_ids())
    return con


def patients_of(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The patient_status rows as the patients frame (by person_id)."""
    return con.sql("select * from patient_status order by person_id").df()


VALIDATION = pd.DataFrame(
    {
        "table": ["person", "measurement"],
        "source_file": ["person.csv", "measurement.csv"],
        "rows_in": [100, 1000],
        "loaded": [100, 990],
        "quarantined": [0, 10],
    }
)
FINDINGS = pd.DataFrame(
    {
        "table": ["visit_occurrence"],
        "finding": ["repeated visit_source_value"],
        "rows": [12],
    }
)


class LoadReport:
    """The parts of the loader's report the report stage reads."""

    def __init__(self, validation, reasons, findings=None) -> None:
        self.validation, self.reasons = validation, reasons
        if findings is not None:
            self.findings = findings


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
    "index_date": "2026-11-01",
    "extract_date": "2026-10-28",
    "extract_date_source": "latest event date",
    "trial": {"id": "T-1", "version": "1.0", "criteria_sha256": "ab" * 32},
    "as_of": "2026-11-01",
    "engine": "sql",
    "parameters": {"I1.age_min": 20},
    "overrides": {},
    "input_files_sha256": {"person.csv": "cd" * 32},
    "counts": {"screened": 0},
}
LOAD_REPORT = LoadReport(VALIDATION, REASONS)
