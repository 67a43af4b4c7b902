"""One result form: whichever engine screened, the results are the DuckDB table
criterion_result and every output is SQL over it, so the files do not depend on the engine."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from prescreen import pipeline
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract
from prescreen.report import ReportOptions, write_patient_files, write_reports

AS_OF = date(2026, 11, 1)
TRIAL = "nl003-cli-iii-2"
FILES = (
    "patients.csv",
    "criteria.csv",
    "funnel.csv",
    "sites.csv",
    "evaluability.csv",
    "summary.json",
    "report.html",
)


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    from prescreen.synth import generate_extract

    folder = tmp_path_factory.mktemp("generated") / "registry"
    generate_extract(
        out_dir=folder, persons=400, sites=3, seed=11, fmt="csv", extract_date=AS_OF, console=None
    )
    return folder


def _outputs(extract, engine: str, folder) -> pd.DataFrame:
    con = open_database(None)
    try:
        report = load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
        trial = load_trial(TRIAL, {})
        screen = pipeline.screen_stage(con, trial, AS_OF, engine)
        options = ReportOptions(worklist_limit=30)
        write_patient_files(folder, con, options)
        write_reports(folder, con, trial=trial, provenance={"as_of": str(AS_OF)},
                      load_report=report, options=options)  # fmt: skip
        screen.reasons = pipeline.patient_reasons(screen, con)
        return screen
    finally:
        con.close()


@pytest.mark.slow
def test_both_engines_write_the_same_files(extract, tmp_path):
    screens = {}
    for engine in ("sql", "pandas"):
        (tmp_path / engine).mkdir()
        screens[engine] = _outputs(extract, engine, tmp_path / engine)
    assert set(screens["sql"].patients["status"]) == {
        "likely_eligible",
        "needs_review",
        "ineligible",
    }
    pd.testing.assert_frame_equal(screens["sql"].patients, screens["pandas"].patients)
    pd.testing.assert_frame_equal(screens["sql"].reasons, screens["pandas"].reasons)
    for name in FILES:
        assert (tmp_path / "sql" / name).read_bytes() == (
            tmp_path / "pandas" / name
        ).read_bytes(), name
    parquet = [
        duckdb.sql(f"select * from '{tmp_path / e / 'criteria.parquet'}'").df() for e in screens
    ]
    pd.testing.assert_frame_equal(parquet[0], parquet[1])


@pytest.mark.parametrize("override", [{}, {"E14.hemoglobin_min": "140"}])
def test_statuses_only_screen_matches_the_full_screen(extract, override):
    """Sweeps and forecasts count from statuses_stage: one row per person, no evidence."""
    con = open_database(None)
    try:
        load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
        trial = load_trial(TRIAL, override)
        full = pipeline.screen_stage(con, trial, AS_OF, "sql").patients
        expected = full[["person_id", "site", "status"]]
        for engine in ("sql", "pandas"):
            got = pipeline.statuses_stage(con, trial, AS_OF, engine)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
        assert set(expected["status"]) == {"likely_eligible", "needs_review", "ineligible"}
    finally:
        con.close()
