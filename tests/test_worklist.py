"""worklist.xlsx at registry scale: who a capped worklist lists, and that every output says so."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from rich.console import Console
from test_report import _frames
from test_report_fixtures import PROVENANCE, REASONS, VALIDATION, small_trial

from prescreen.pipeline import print_counts
from prescreen.report import worklist as worklist_module
from prescreen.report import write_reports
from prescreen.report.worklist import SHEET_MAX_PATIENTS, worklist_selection

TRIAL = small_trial()
COMMON = {"validation": VALIDATION, "reasons": REASONS, "provenance": PROVENANCE}


def _patients(rows) -> pd.DataFrame:
    """(person_id, site, status) → a patients frame in person_id order."""
    frame = pd.DataFrame(rows, columns=["person_id", "site", "status"])
    frame[["n_fail", "n_unknown", "n_manual"]] = 0
    return frame.sort_values("person_id", ignore_index=True)


PATIENTS = _patients(
    [
        (1, "A", "needs_review"),
        (2, "B", "likely_eligible"),
        (3, "A", "ineligible"),
        (4, "A", "likely_eligible"),
        (5, "B", "needs_review"),
        (6, "A", "likely_eligible"),
    ]
)


def test_cap_takes_likely_eligible_first_then_needs_review_by_person_id():
    def listed(limit):
        return PATIENTS["person_id"].iloc[worklist_selection(PATIENTS, limit).rows].tolist()

    assert listed(0) == [1, 2, 4, 5, 6]  # no limit: every candidate, in patients order
    assert listed(3) == [2, 4, 6]  # the three likely_eligible
    assert listed(4) == [1, 2, 4, 6]  # then needs_review by person_id: 1 before 5
    capped = worklist_selection(PATIENTS, 4)
    assert (capped.shown, capped.candidates, capped.complete) == (4, 5, False)
    assert capped.note().startswith("worklist.xlsx shows 4 of 5 likely_eligible / needs_review")
    assert "the full list is patients.csv / criteria.csv" in capped.note()
    assert worklist_selection(PATIENTS, 5).complete and worklist_selection(PATIENTS, 50).complete
    with pytest.raises(ValueError, match="worklist limit -1"):
        worklist_selection(PATIENTS, -1)


def test_no_sheet_exceeds_excel_rows_even_without_a_limit(monkeypatch):
    assert SHEET_MAX_PATIENTS == 1_048_576 - 2  # Excel's rows, less the warning and header
    monkeypatch.setattr(worklist_module, "SHEET_MAX_PATIENTS", 2)
    selection = worklist_selection(PATIENTS, 0)
    # site A: likely_eligible 4 and 6 fill its two rows, needs_review 1 is left out
    assert PATIENTS["person_id"].iloc[selection.rows].tolist() == [2, 4, 5, 6]
    assert not selection.complete


def _book_text(path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for c in book["README"]["A"] if c.value)


def test_capped_worklist_says_so_in_workbook_and_report(tmp_path):
    results, patients = _frames()  # candidates: 1 likely_eligible, 5 needs_review
    selection = write_reports(
        tmp_path, trial=TRIAL, criterion_result=results, patients=patients, worklist_limit=1,
        **COMMON,
    )  # fmt: skip
    assert (selection.shown, selection.candidates) == (1, 2)
    book = openpyxl.load_workbook(tmp_path / "worklist.xlsx")
    assert book.sheetnames == ["README", "A"]  # patient 1 (site A) only
    assert [row[0].value for row in book["A"].iter_rows(min_row=3)] == [1]
    readme = _book_text(tmp_path / "worklist.xlsx")
    assert "1 patients (likely_eligible or needs_review)" in readme
    assert "NOT EVERY PATIENT IS LISTED: worklist.xlsx shows 1 of 2 likely_eligible" in readme
    assert "--worklist-limit 1" in readme and "patients.csv / criteria.csv" in readme
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    # the shared page names the cap, not the hidden counts (likely_eligible is `<5` here)
    assert 'id="worklist-note"' in html
    assert "worklist.xlsx shows 1 of the likely_eligible / needs_review patients" in html
    assert "1 of 2" not in html


def test_report_states_the_total_when_it_is_published(tmp_path):
    grid = {pid: ("pass", "pass", "pass", "manual") for pid in range(1, 13)}
    grid.update({pid: ("pass", "unknown", "pass", "manual") for pid in range(13, 19)})
    results, patients = _frames(grid, {pid: "A" for pid in grid})
    write_reports(
        tmp_path, trial=TRIAL, criterion_result=results, patients=patients, worklist_limit=10,
        **COMMON,
    )  # fmt: skip
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "worklist.xlsx shows 10 of 18 likely_eligible / needs_review patients" in html


def test_complete_worklist_adds_no_note(tmp_path):
    results, patients = _frames()
    selection = write_reports(
        tmp_path, trial=TRIAL, criterion_result=results, patients=patients, **COMMON
    )
    assert selection.complete
    assert "NOT EVERY PATIENT" not in _book_text(tmp_path / "worklist.xlsx")
    assert "worklist-note" not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_console_repeats_the_note(tmp_path):
    (tmp_path / "patients.csv").write_text("x", encoding="utf-8")
    console = Console(record=True, width=400)
    counts = {"screened": 3, "likely_eligible": 1, "needs_review": 1, "ineligible": 1}
    note = worklist_selection(PATIENTS, 2).note()
    print_counts(console, counts, tmp_path, note)
    assert "worklist.xlsx shows 2 of 5 likely_eligible / needs_review patients" in (
        console.export_text()
    )
