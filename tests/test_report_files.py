"""The output files' contract: columns, sizes, encodings, and what may be shared (#13.4,
#14.6, #14.9)."""

from __future__ import annotations

from datetime import date

import duckdb
import openpyxl
import pandas as pd
import pytest
from test_report_fixtures import PROVENANCE, screen_connection, small_trial

from prescreen.report import ReportOptions, write_patient_files, write_reports
from prescreen.report import options as options_module
from prescreen.report.csv_files import BOM

TRIAL = small_trial()
IDS = TRIAL.criterion_ids()


def _connection(n: int = 60):
    """n patients over sites A and B: every third needs review, every fifth is ineligible."""
    rows, sites = [], {}
    for pid in range(1, n + 1):
        sites[pid] = "Zürich – Hôpital" if pid % 2 else "B"
        results = ["pass", "pass", "pass", "manual"]
        if pid % 5 == 0:
            results[0] = "fail"
        elif pid % 3 == 0:
            results[1] = "unknown"
        rows += list(zip([pid] * 4, IDS, results, strict=True))
        rows.append((pid, "I2.check", "manual"))
    return screen_connection(rows, sites, TRIAL)


def test_patients_csv_keeps_its_columns_and_adds_the_target_limb_last(tmp_path):
    con = _connection()
    con.execute("create table person_limb as select 1::bigint as person_id, 'L' as target_limb")
    from prescreen.status import patient_status

    patient_status(con, IDS)
    write_patient_files(tmp_path, con)
    lines = (tmp_path / "patients.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "person_id,site,status,n_fail,n_unknown,n_manual,target_limb"
    assert lines[1] == "1,Zürich – Hôpital,likely_eligible,0,0,1,L"
    assert lines[2] == "2,B,likely_eligible,0,0,1,"


def test_patient_files_leave_the_connections_insertion_order_setting_as_it_was(tmp_path):
    """The files keep the tables' row order; the statements after them (the report stage)
    run with the connection's own setting again (open_database: off, less memory)."""
    con = _connection()
    from prescreen.status import patient_status

    patient_status(con, IDS)
    setting = "select current_setting('preserve_insertion_order')"
    for kept in (False, True):
        con.execute(f"set preserve_insertion_order = {kept}")
        write_patient_files(tmp_path, con)
        assert con.execute(setting).fetchall()[0][0] is kept


def test_funnel_csv_names_each_criterion_by_its_label(tmp_path):
    write_reports(tmp_path, _connection(), trial=TRIAL, provenance=PROVENANCE,
                  options=ReportOptions(worklist=False))  # fmt: skip
    header = (tmp_path / "funnel.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "step,criterion_id,kind,remaining_before,fail,unknown,remaining_after,fail_any,"
        "fail_only,gained_if_dropped,unknown_any,manual_any,label"
    )
    funnel = pd.read_csv(tmp_path / "funnel.csv", dtype=str)
    assert funnel["label"].iloc[0] == "<b>I1</b> text & more"


def test_csv_files_for_excel_on_windows_start_with_a_byte_order_mark(tmp_path):
    plain, excel = tmp_path / "plain", tmp_path / "excel"
    for folder, bom in ((plain, False), (excel, True)):
        folder.mkdir()
        con = _connection()
        options = ReportOptions(csv_bom=bom, worklist=False)
        write_patient_files(folder, con, options)
        write_reports(folder, con, trial=TRIAL, provenance=PROVENANCE, options=options)
    names = sorted(p.name for p in excel.glob("*.csv"))
    assert names == ["criteria.csv", "evaluability.csv", "funnel.csv", "patients.csv", "sites.csv"]
    for name in names:
        with_bom, without = (excel / name).read_bytes(), (plain / name).read_bytes()
        assert with_bom.startswith(BOM) and not without.startswith(BOM), name
        assert with_bom[len(BOM) :] == without, name  # the same UTF-8 text after the mark
    assert "Zürich – Hôpital" in (excel / "sites.csv").read_text(encoding="utf-8-sig")


def test_criteria_parquet_holds_everyone_and_criteria_csv_stays_readable(tmp_path, monkeypatch):
    con = _connection(60)
    everyone = 60 * (len(IDS) + 1)  # each criterion and the sub-rule I2.check

    def rows(path):
        return duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]

    small = tmp_path / "small"
    small.mkdir()
    assert write_patient_files(small, con, ReportOptions()) is True  # auto: a small run
    assert rows(small / "criteria.parquet") == everyone
    assert rows(small / "criteria.csv") == everyone
    # above the auto threshold only the worklist's persons are in criteria.csv
    monkeypatch.setattr(options_module, "CRITERIA_CSV_ALL_MAX_PERSONS", 10)
    from prescreen.report import patient_files

    monkeypatch.setattr(patient_files, "CRITERIA_CSV_ALL_MAX_PERSONS", 10)
    large = tmp_path / "large"
    large.mkdir()
    assert write_patient_files(large, con, ReportOptions(worklist_limit=7)) is False
    assert rows(large / "criteria.parquet") == everyone
    listed = duckdb.sql(f"select distinct person_id from '{large / 'criteria.csv'}'").fetchall()
    assert len(listed) == 7 and rows(large / "criteria.csv") == 7 * (len(IDS) + 1)
    # person, then protocol order (the order the results were written), in both forms
    written = con.sql(
        "select person_id, criterion_id from criterion_result order by person_id, ord"
    ).fetchall()
    kept = {pid for (pid,) in listed}
    order = pd.read_csv(large / "criteria.csv")[["person_id", "criterion_id"]]
    assert list(order.itertuples(index=False, name=None)) == [r for r in written if r[0] in kept]
    order = pd.read_csv(small / "criteria.csv")[["person_id", "criterion_id"]]
    assert list(order.itertuples(index=False, name=None)) == written
    every = tmp_path / "all"
    every.mkdir()
    write_patient_files(every, con, ReportOptions(criteria_csv="all", worklist_limit=7))
    assert rows(every / "criteria.csv") == everyone
    with pytest.raises(Exception, match="--criteria-csv 'some'"):
        ReportOptions(criteria_csv="some")


def test_feasibility_workbook_holds_suppressed_counts_only(tmp_path):
    con = _connection(60)
    write_patient_files(tmp_path, con)
    write_reports(tmp_path, con, trial=TRIAL, provenance=PROVENANCE)
    book = openpyxl.load_workbook(tmp_path / "feasibility.xlsx")
    assert book.sheetnames == [
        "About", "Headline", "Funnel", "Impact", "Sites", "Evaluability", "Assumptions",
    ]  # fmt: skip
    sites = pd.read_csv(tmp_path / "sites.csv", dtype=str, keep_default_na=False)
    sheet = [[c.value for c in row] for row in book["Sites"].iter_rows()]
    assert sheet[0][:4] == ["site", "screened", "likely eligible", "% likely eligible"]
    for shared, row in zip(sites.itertuples(index=False), sheet[1:], strict=True):
        assert str(row[1]) == shared.screened and str(row[2]) == shared.likely_eligible
    funnel = [[c.value for c in row] for row in book["Funnel"].iter_rows()]
    assert funnel[1][:3] == [1, "I1", "<b>I1</b> text & more"]
    # no person-level value: no person id column, no registry number anywhere
    text = " ".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert "R000" not in text and "person_id" not in text
    count_columns = {"Headline": "B", "Funnel": "EFGH", "Impact": "CDEFG", "Sites": "BCEF"}
    counts = [
        cell.value
        for title, columns in count_columns.items()
        for column in columns
        for cell in book[title][column][1:]
    ]
    assert counts and all(isinstance(v, int) or v in ("<5", "*") for v in counts)
    assert not any(isinstance(v, int) and 1 <= v < 5 for v in counts)


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("bad", ["0", "-3"])
def test_a_threshold_below_one_is_refused_before_any_data_is_read(tmp_path, bad):
    from test_flows_support import tiny_extract
    from typer.testing import CliRunner

    from prescreen.cli import app
    from prescreen.errors import PrescreenError

    extract = tiny_extract(tmp_path / "registry", [(1, date(1960, 1, 1), 1, "R1")])
    args = ["run", "--trial", "nl003-cli-iii-2", "--extract", str(extract)]
    args += ["--as-of", "2026-11-01", "--out", str(tmp_path / "out"), "--min-cell", bad]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    # a PrescreenError: prescreen.cli.main prints it as one line and exits 1
    assert isinstance(result.exception, PrescreenError)
    assert str(result.exception).startswith(f"--min-cell {bad}: give 1 or more")
    assert not (tmp_path / "out").exists()
