"""Large registries keep results in DuckDB: the files and reports must not change because of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from prescreen import pipeline, results_db
from prescreen.changes import patient_reasons
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract
from prescreen.report import published_tables, write_reports
from prescreen.report.evaluability import evaluability_counts
from prescreen.report.funnel import funnel_counts
from prescreen.report.results import result_matrix
from prescreen.report.sites import site_counts, site_fail_counts
from prescreen.status import patient_status

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = date(2026, 11, 1)
TRIAL = "nl003-cli-iii-2"


def test_in_database_results_write_the_same_files(tmp_path):
    con = open_database(None)
    try:
        load_extract(SAMPLE, con, extract_date=AS_OF, max_quarantine=0.05)
        trial = load_trial(TRIAL, {})
        in_memory = pipeline.screen_stage(con, trial, AS_OF, "sql")
        in_database = pipeline.screen_stage(con, trial, AS_OF, "sql", in_database=True)
        assert in_database.results_table == "criterion_result"
        assert in_database.criterion_result is None  # no long frame in pandas
        pd.testing.assert_frame_equal(in_memory.patients, in_database.patients)
        expected = result_matrix(in_memory.criterion_result, in_memory.patients, trial.criterion_ids())
        np.testing.assert_array_equal(in_database.codes.codes, expected)
        for name, screen in (("memory", in_memory), ("database", in_database)):
            (tmp_path / name).mkdir()
            pipeline.write_patient_files(tmp_path / name, screen, con)
    finally:
        con.close()
    for file in ("criteria.csv", "patients.csv"):
        assert (tmp_path / "memory" / file).read_bytes() == (tmp_path / "database" / file).read_bytes()


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    """A generated extract screened three ways: in DuckDB, in memory (SQL and pandas engine)."""
    from prescreen.synth import generate_extract

    extract = tmp_path_factory.mktemp("generated") / "registry"
    generate_extract(
        out_dir=extract, persons=400, sites=3, seed=11, fmt="csv", extract_date=AS_OF, console=None
    )
    con = open_database(None)
    load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
    trial = load_trial(TRIAL, {})
    in_memory = {
        engine: pipeline.screen_stage(con, trial, AS_OF, engine) for engine in ("sql", "pandas")
    }
    in_database = pipeline.screen_stage(con, trial, AS_OF, "sql", in_database=True)
    yield con, trial, in_memory, in_database
    con.close()


@pytest.mark.parametrize("engine", ["sql", "pandas"])
def test_in_database_path_gives_the_in_memory_reports(screens, engine):
    con, trial, in_memory, in_database = screens
    memory = in_memory[engine]
    pd.testing.assert_frame_equal(memory.patients, in_database.patients)
    assert set(memory.patients["status"]) == {"likely_eligible", "needs_review", "ineligible"}
    frame, codes = memory.criterion_result, in_database.codes
    patients = memory.patients
    pd.testing.assert_frame_equal(
        funnel_counts(frame, patients, trial), funnel_counts(codes, patients, trial)
    )
    pd.testing.assert_frame_equal(site_counts(patients), site_counts(in_database.patients))
    pd.testing.assert_frame_equal(
        site_fail_counts(frame, patients, trial), site_fail_counts(codes, patients, trial)
    )
    pd.testing.assert_frame_equal(
        evaluability_counts(frame, patients, trial), evaluability_counts(codes, patients, trial)
    )
    shared, database = published_tables(frame, patients, trial), published_tables(codes, patients, trial)
    for table in ("funnel", "sites", "evaluability"):
        pd.testing.assert_frame_equal(getattr(shared, table), getattr(database, table))
    reasons = pipeline.patient_reasons(in_database, con)
    pd.testing.assert_frame_equal(pipeline.patient_reasons(memory, con), reasons)


def test_in_database_worklist_matches_the_in_memory_one(screens, tmp_path):
    con, trial, in_memory, in_database = screens
    common = {
        "trial": trial,
        "validation": None,
        "reasons": None,
        "provenance": {"as_of": AS_OF.isoformat()},
        "worklist_limit": 30,
    }
    memory, database = tmp_path / "memory", tmp_path / "database"
    memory.mkdir()
    database.mkdir()
    shown = write_reports(
        memory,
        criterion_result=in_memory["sql"].criterion_result,
        patients=in_memory["sql"].patients,
        **common,
    )
    write_reports(
        database,
        criterion_result=in_database.codes,
        patients=in_database.patients,
        con=con,
        **common,
    )
    assert shown.shown == 30 < shown.candidates
    for name in ("funnel.csv", "sites.csv", "evaluability.csv", "report.html"):
        assert (memory / name).read_bytes() == (database / name).read_bytes(), name
    books = [openpyxl.load_workbook(folder / "worklist.xlsx") for folder in (memory, database)]
    assert books[0].sheetnames == books[1].sheetnames
    for name in books[0].sheetnames:
        cells = [[[c.value for c in row] for row in book[name].iter_rows()] for book in books]
        assert cells[0] == cells[1], name
    evidence = [row[-1] for name in books[1].sheetnames[1:] for row in _rows(books[1][name])]
    assert len(evidence) == 30 and any(e and "I1: age" in e for e in evidence)


def _rows(sheet):
    header = [c.value for c in sheet[2]]
    column = header.index("evidence")
    return [[c.value for c in row][: column + 1] for row in sheet.iter_rows(min_row=3)]


def test_results_db_matches_its_pandas_twins_on_hand_built_rows():
    # person 1: every row; 2: no I2 row (missing → unknown in the matrix, not in the counts);
    # 3: no rows at all (counts 0, likely_eligible); 4: an unexpected result value;
    # 9: rows but not in person_site (never reported); I2.abi: a sub-rule, never counted
    rows = [
        (1, "I1", "pass"),
        (1, "I2", "unknown"),
        (1, "I2.abi", "fail"),
        (1, "E1", "fail"),
        (1, "E2", "manual"),
        (2, "I1", "pass"),
        (2, "E1", "pass"),
        (2, "E2", "manual"),
        (4, "I1", "pass"),
        (4, "I2", "odd"),
        (4, "E1", "pass"),
        (4, "E2", "manual"),
        (9, "I1", "fail"),
    ]
    result = pd.DataFrame(rows, columns=["person_id", "criterion_id", "result"])
    result["evidence"] = "ev " + result["criterion_id"]
    result["reason"] = ""
    person_site = pd.DataFrame({"person_id": [1, 2, 3, 4], "site": ["A", "B", "A", "B"]})
    ids = ["I1", "I2", "E1", "E2"]
    con = duckdb.connect()
    try:
        con.execute("create table criterion_result as select * from result")
        con.execute("create table person_site as select * from person_site")
        patients = results_db.patient_status(con, ids)
        pd.testing.assert_frame_equal(patients, patient_status(result, ids, person_site))
        assert patients["status"].tolist() == [
            "ineligible",
            "likely_eligible",
            "likely_eligible",
            "likely_eligible",
        ]
        codes = results_db.result_codes(con, patients, ids)
        np.testing.assert_array_equal(codes.codes, result_matrix(result, patients, ids))
        assert codes.codes[1].tolist() == [0, 2, 0, 1]  # missing I2 row: unknown
        assert codes.codes[2].tolist() == [2, 2, 2, 2]  # no rows: all unknown
        reasons = results_db.patient_reasons(con, ids)
        expected = patients[["person_id"]].merge(
            patient_reasons(result, ids), on="person_id", how="left"
        )
        assert reasons["reasons"].tolist() == expected["reasons"].fillna("").tolist()
        assert reasons["reasons"].tolist() == ["I2 unknown; E1 fail", "", "", ""]
    finally:
        con.close()


@pytest.mark.parametrize("override", [{}, {"E14.hemoglobin_min": "140"}])
def test_statuses_only_screen_matches_the_full_screen(override):
    """Sweeps and forecasts count from statuses_stage: one row per person, no evidence."""
    con = open_database(None)
    try:
        load_extract(SAMPLE, con, extract_date=AS_OF, max_quarantine=0.05)
        trial = load_trial(TRIAL, override)
        full = pipeline.screen_stage(con, trial, AS_OF, "sql").patients
        expected = full[["person_id", "site", "status"]]
        for engine in ("sql", "pandas"):
            got = pipeline.statuses_stage(con, trial, AS_OF, engine)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
        assert set(expected["status"]) == {"likely_eligible", "needs_review", "ineligible"}
    finally:
        con.close()
