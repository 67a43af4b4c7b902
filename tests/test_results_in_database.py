"""Large registries keep results in DuckDB: the files must not change because of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from prescreen import pipeline
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = date(2026, 11, 1)


def test_in_database_results_write_the_same_files(tmp_path):
    con = open_database(None)
    try:
        load_extract(SAMPLE, con, as_of=AS_OF, max_quarantine=0.05)
        trial = load_trial("nl003-cli-iii-2", {})
        in_memory = pipeline.screen_stage(con, trial, AS_OF, "sql")
        in_database = pipeline.screen_stage(con, trial, AS_OF, "sql", in_database=True)
        assert in_database.results_table == "criterion_result"
        pd.testing.assert_frame_equal(in_memory.patients, in_database.patients)
        # the worklist rows carry the evidence of every likely_eligible / needs_review patient
        shown = in_memory.patients.loc[
            in_memory.patients["status"] != "ineligible", "person_id"
        ]
        assert set(in_database.worklist_result["person_id"]) == set(shown)
        assert in_database.worklist_result["evidence"].notna().any()
        for name, screen in (("memory", in_memory), ("database", in_database)):
            (tmp_path / name).mkdir()
            pipeline.write_patient_files(tmp_path / name, screen, con)
    finally:
        con.close()
    for file in ("criteria.csv", "patients.csv"):
        assert (tmp_path / "memory" / file).read_bytes() == (tmp_path / "database" / file).read_bytes()
