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


def test_dated_statuses_reusing_codes_match_a_full_screen_at_each_date(extract):
    """newly-eligible keeps each index date's statuses in DuckDB (date_status) and the
    later dates reuse the first date's distinct codes: each date's statuses must equal a
    full screen's at that date, with either engine, and the counts follow from them."""
    from prescreen.forecast import newly_eligible

    dates = [date(2026, 5, 1), date(2026, 8, 1), AS_OF]
    trial = load_trial(TRIAL, {})
    expected = {}
    con = open_database(None)
    try:
        load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
        for day in dates:
            full = pipeline.screen_stage(con, trial, day, "sql").patients
            expected[day] = full[["person_id", "status"]].reset_index(drop=True)
        counted = {}
        for engine in ("sql", "pandas"):
            for k, day in enumerate(dates):
                if k == 0:
                    pipeline.dated_statuses_table(con)
                pipeline.statuses_dated(con, trial, day, engine, reuse_codes=k > 0)
            for day in dates:
                got = con.execute(
                    "select person_id, status from date_status where index_date = ?"
                    " order by person_id",
                    [day],
                ).df()
                pd.testing.assert_frame_equal(got, expected[day], check_dtype=False)
            counted[engine] = newly_eligible(con)
        sites = con.execute("select person_id, site from person_site").df()
    finally:
        con.close()
    # the mart's counts, recomputed here from the full screens' statuses
    rows = []
    for before, now in zip(dates, dates[1:], strict=False):
        was = expected[before].set_index("person_id")["status"] == "likely_eligible"
        is_ = expected[now].set_index("person_id")["status"] == "likely_eligible"
        new = sites.set_index("person_id").loc[is_[is_ & ~was].index, "site"].value_counts()
        rows += [[s, f"{now:%Y-%m}", int(new.get(s, 0))] for s in sorted(set(sites["site"]))]
    assert counted["sql"].values.tolist() == rows
    assert counted["pandas"].values.tolist() == rows
    assert sum(r[2] for r in rows) > 0  # the dates are far enough apart for new patients


def test_results_are_stored_in_person_and_protocol_order_whatever_order_the_passes_left(
    extract, tmp_path
):
    """criteria.parquet and criteria.csv list criterion_code as it is stored, and the docs
    promise person then protocol order. The passes leave ps_status and ps_evidence in the
    order their threads finished (at 1M persons thousands of persons were out of place),
    so the assembly must not depend on it: here both tables are rebuilt in reverse and
    shuffled order on a connection that does not keep insertion order."""
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_engine import assemble_results

    trial = load_trial(TRIAL, {})
    con = open_database(None)  # preserve_insertion_order = false, as in a run
    try:
        load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
        pipeline.screen_stage(con, trial, AS_OF, "sql")
        expected = con.execute("select * from criterion_code order by person_id, ord").fetchall()
        con.execute(
            "create or replace temp table ps_status as"
            " select * from ps_status order by person_id desc"
        )
        con.execute(
            "create or replace temp table ps_evidence as"
            " select * from ps_evidence order by hash(person_id)"
        )
        assemble_results(con, build_plan(trial, AS_OF))
        stored = con.execute("select * from criterion_code order by rowid").fetchall()
        assert write_patient_files(tmp_path, con)  # criteria.csv lists every person
    finally:
        con.close()
    assert len(expected) == 400 * 67
    assert stored == expected
    in_order = [(person, ord_) for person, ord_, *_ in expected]
    parquet = pd.read_parquet(tmp_path / "criteria.parquet")
    csv = pd.read_csv(tmp_path / "criteria.csv")
    for written in (parquet, csv):
        assert list(written["person_id"]) == [person for person, _ in in_order]
    ids = list(dict.fromkeys(csv["criterion_id"]))  # protocol order, as first listed
    assert list(csv["criterion_id"]) == [ids[ord_ - 1] for _, ord_ in in_order]
