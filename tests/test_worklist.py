"""The worklist: who a capped worklist lists, what a coordinator reads in it, and that every
output says when patients are left out."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from rich.console import Console
from test_report_fixtures import PROVENANCE, screen_connection, small_trial

from prescreen import outputs
from prescreen.pipeline import print_counts
from prescreen.report import ReportOptions, write_reports
from prescreen.report import worklist as worklist_module
from prescreen.report.worklist import (
    CHECK_VALUES,
    select_worklist,
    sheet_name,
    workbook_name,
)

TRIAL = small_trial()
RESULTS = {  # criteria I1, I2, E1, E2 (E2 manual)
    "likely_eligible": ("pass", "pass", "pass", "manual"),
    "needs_review": ("pass", "unknown", "pass", "manual"),
    "ineligible": ("fail", "pass", "pass", "manual"),
}
PATIENTS = [
    (1, "A", "needs_review"),
    (2, "B", "likely_eligible"),
    (3, "A", "ineligible"),
    (4, "A", "likely_eligible"),
    (5, "B", "needs_review"),
    (6, "A", "likely_eligible"),
]


def _connection(patients=PATIENTS, trial=TRIAL):
    ids = trial.criterion_ids()
    rows = [
        (pid, cid, result)
        for pid, _, status in patients
        for cid, result in zip(ids, RESULTS[status], strict=True)
    ]
    return screen_connection(rows, {pid: site for pid, site, _ in patients}, trial)


def _listed(con, limit):
    select_worklist(con, limit)
    return [
        pid for (pid,) in con.sql("select person_id from worklist_person order by 1").fetchall()
    ]


def test_cap_takes_likely_eligible_first_then_needs_review_by_person_id():
    con = _connection()
    assert _listed(con, 0) == [1, 2, 4, 5, 6]  # no limit: every candidate
    assert _listed(con, 3) == [2, 4, 6]  # the three likely_eligible
    assert _listed(con, 4) == [1, 2, 4, 6]  # then needs_review by person_id: 1 before 5
    capped = select_worklist(con, 4)
    assert (capped.shown, capped.candidates, capped.complete) == (4, 5, False)
    assert capped.note().startswith("worklist.xlsx shows 4 of 5 likely_eligible / needs_review")
    assert "the full list is patients.csv / criteria.csv" in capped.note()
    assert select_worklist(con, 5).complete and select_worklist(con, 50).complete
    with pytest.raises(ValueError, match="worklist limit -1"):
        select_worklist(con, -1)


def test_a_capped_worklist_gives_every_site_its_share_however_persons_are_numbered():
    """A registry that numbers its persons site by site (A 1-10, B 11-20, C 21-23) still
    gets every site's patients on a capped list: the sites take turns."""
    patients = [(pid, "A", "likely_eligible") for pid in range(1, 11)]
    patients += [(pid, "B", "likely_eligible") for pid in range(11, 21)]
    patients += [(21, "C", "likely_eligible"), (22, "C", "likely_eligible")]
    patients += [(23, "C", "needs_review"), (24, "A", "needs_review")]
    con = _connection(patients)
    # turns: (1, 11, 21), (2, 12, 22), (3, 13), (4, 14), ...; person_id order within a turn
    assert _listed(con, 1) == [1]
    assert _listed(con, 6) == [1, 2, 11, 12, 21, 22]
    assert _listed(con, 9) == [1, 2, 3, 4, 11, 12, 13, 21, 22]
    # every likely_eligible before any needs_review; then the needs_review take turns
    assert _listed(con, 23) == [*range(1, 24)]
    assert _listed(con, 0) == [*range(1, 25)]


def test_no_sheet_exceeds_excel_rows_even_without_a_limit(monkeypatch):
    assert outputs.WORKLIST_SHEET_MAX == 1_048_576 - 2  # Excel's rows, less warning and header
    monkeypatch.setattr(outputs, "WORKLIST_SHEET_MAX", 2)
    con = _connection()
    # site A: likely_eligible 4 and 6 fill its two rows, needs_review 1 is left out
    assert _listed(con, 0) == [2, 4, 5, 6]
    assert not select_worklist(con, 0).complete


def _book_text(path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for c in book["README"]["A"] if c.value)


def _write(tmp_path, con, **options):
    return write_reports(
        tmp_path, con, trial=TRIAL, provenance=PROVENANCE, options=ReportOptions(**options)
    )


def test_capped_worklist_says_so_in_workbook_and_report(tmp_path):
    written = _write(tmp_path, _connection(), worklist_limit=1)
    assert (written.worklist.shown, written.worklist.candidates) == (1, 5)
    book = openpyxl.load_workbook(tmp_path / "worklist.xlsx")
    assert book.sheetnames == ["README", "B"]  # patient 2 (site B) only
    assert [row[0].value for row in book["B"].iter_rows(min_row=3)] == [2]
    readme = _book_text(tmp_path / "worklist.xlsx")
    assert "1 patients (likely_eligible or needs_review)" in readme
    assert "NOT EVERY PATIENT IS LISTED: worklist.xlsx shows 1 of 5 likely_eligible" in readme
    assert "--worklist-limit 1" in readme and "patients.csv / criteria.csv" in readme
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    # the shared page names the cap, not the hidden counts (likely_eligible is `<5` here)
    assert 'id="worklist-note"' in html
    assert "worklist.xlsx shows 1 of the likely_eligible / needs_review patients" in html
    assert "1 of 5" not in html


def test_report_states_the_total_when_it_is_published(tmp_path):
    patients = [(pid, "A", "likely_eligible") for pid in range(1, 13)]
    patients += [(pid, "A", "needs_review") for pid in range(13, 19)]
    _write(tmp_path, _connection(patients), worklist_limit=10)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "worklist.xlsx shows 10 of 18 likely_eligible / needs_review patients" in html


def test_complete_worklist_adds_no_note(tmp_path):
    written = _write(tmp_path, _connection())
    assert written.worklist.complete
    assert "NOT EVERY PATIENT" not in _book_text(tmp_path / "worklist.xlsx")
    assert "worklist-note" not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_console_repeats_the_note(tmp_path):
    (tmp_path / "patients.csv").write_text("x", encoding="utf-8")
    console = Console(record=True, width=400)
    counts = {"screened": 3, "likely_eligible": 1, "needs_review": 1, "ineligible": 1}
    note = select_worklist(_connection(), 2).note()
    print_counts(console, counts, tmp_path, note)
    assert "worklist.xlsx shows 2 of 5 likely_eligible / needs_review patients" in (
        console.export_text()
    )


def _sheet_rows(sheet):
    header = [c.value for c in sheet[2]]
    return header, [
        dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=3)
    ]


def test_coordinator_reads_registry_number_limb_and_evidence_per_criterion(tmp_path):
    # #14.7: person_source_value beside person_id, the target limb, evidence in a column
    # per criterion (not one cell of every line), drop-downs on the check columns
    con = _connection()
    con.execute(
        "update criterion_code set evidence = 'right: ABI 0.42 (R) on 2026-10-02; TcPO2 25"
        " mmHg (R) | left: ABI 0.9 (L)' where person_id = 2 and ord = (select code from"
        " result_label where kind = 'criterion' and label = 'I2')"
    )
    con.execute("create table person_limb as select 2::bigint as person_id, 'R' as target_limb")
    from prescreen.status import patient_status

    patient_status(con, TRIAL.criterion_ids())
    _write(tmp_path, con)
    book = openpyxl.load_workbook(tmp_path / "worklist.xlsx")
    header, rows = _sheet_rows(book["B"])
    assert header[:2] == ["person_id", "person_source_value"]
    row = next(r for r in rows if r["person_id"] == 2)
    assert row["person_source_value"] == "R00002"
    assert row["target_limb"] == "R"
    # each part on its own line of the (wrapped) cell
    assert row["evidence I2"] == (
        "right: ABI 0.42 (R) on 2026-10-02;\nTcPO2 25 mmHg (R)\nleft: ABI 0.9 (L)"
    )
    assert row["evidence I1"] == "ev I1"
    assert "evidence" not in header  # no single cell of every criterion's evidence
    validations = book["B"].data_validations.dataValidation
    checks = [v for v in validations if v.type == "list"]
    assert checks and checks[0].formula1 == '"' + ",".join(CHECK_VALUES) + '"'
    column = header.index("check E2") + 1
    assert any(openpyxl.utils.get_column_letter(column) in str(v.sqref) for v in checks), (
        "the check column has the drop-down"
    )


def test_single_workbook_is_for_the_coordinator_and_per_site_workbooks_for_each_team(tmp_path):
    single = tmp_path / "single"
    single.mkdir()
    _write(single, _connection())
    banner = openpyxl.load_workbook(single / "worklist.xlsx")["A"]["A1"].value
    assert "site's screening team only" not in banner  # it holds every site's patients
    assert "every site" in banner and "--worklist-per-site" in banner
    per_site = tmp_path / "per-site"
    per_site.mkdir()
    written = _write(per_site, _connection(), worklist_per_site=True)
    assert written.worklist_files == [workbook_name("A", 1), workbook_name("B", 2)]
    assert not (per_site / "worklist.xlsx").exists()
    book = openpyxl.load_workbook(per_site / workbook_name("B", 2))
    assert book.sheetnames == ["README", "B"]
    assert "for the screening team of B only" in book["B"]["A1"].value
    assert [row[0].value for row in book["B"].iter_rows(min_row=3)] == [2, 5]


def _cells(path):
    book = openpyxl.load_workbook(path)
    return {
        name: [[c.value for c in row] for row in book[name].iter_rows()] for name in book.sheetnames
    }


def _parts(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.mark.parametrize("per_site", [False, True])
def test_small_and_large_workbooks_hold_the_same_cells(tmp_path, monkeypatch, per_site):
    # up to SHARED_STRINGS_MAX_ROWS patients a workbook writes each distinct text once
    # (shared strings, cells in memory); above it the rows stream to disk as in-line
    # strings, so an uncapped worklist's memory stays bounded. What a coordinator reads is
    # the same either way, texts that look like formulas included.
    def written(folder, bound):
        monkeypatch.setattr(worklist_module, "SHARED_STRINGS_MAX_ROWS", bound)
        folder.mkdir()
        con = _connection()
        con.execute(
            "update criterion_code set evidence = '=HYPERLINK(\"x\")' where person_id = 4"
            " and ord = (select code from result_label where kind = 'criterion' and label = 'I1')"
        )
        files = _write(folder, con, worklist_per_site=per_site).worklist_files
        return {name: folder / name for name in files}

    shared = written(tmp_path / "shared", 5)  # 5 patients listed: at the bound
    streamed = written(tmp_path / "streamed", 4)
    assert shared.keys() == streamed.keys()
    for name in shared:
        assert _cells(shared[name]) == _cells(streamed[name])
        small, large = _parts(shared[name]), _parts(streamed[name])
        sheets = [part for part in small if part.startswith("xl/worksheets/sheet")]
        assert (
            "xl/sharedStrings.xml" in small and ">likely_eligible<" in small["xl/sharedStrings.xml"]
        )
        assert not any('t="inlineStr"' in small[part] for part in sheets)
        assert (
            "xl/sharedStrings.xml" not in large
            or "likely_eligible" not in large["xl/sharedStrings.xml"]
        )
        assert any('t="inlineStr"' in large[part] for part in sheets)
    book = openpyxl.load_workbook(shared["worklist.xlsx" if not per_site else next(iter(shared))])
    cell = next(
        c
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows()
        for c in row
        if c.value == '=HYPERLINK("x")'
    )
    assert cell.data_type == "s" and cell.quotePrefix  # text, not a formula


def test_sheet_names_are_cut_at_a_word_boundary():
    used: set[str] = set()
    name = sheet_name("Site 01 – Amsterdam University Hospital", used)
    assert name == "Site 01 – Amsterdam University"
    assert len(sheet_name("Site 01 – Amsterdam University Hospital", used)) <= 31
    assert sheet_name("Site 01 – Amsterdam University Hospital", used).endswith(" (3)")
    assert workbook_name("Site 01 – Amsterdam University Hospital", 1) == (
        "worklist-site-01-amsterdam-university-hospital-1.xlsx"
    )
