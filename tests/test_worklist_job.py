"""worklist.xlsx written in a thread beside the later stages of a run: the same workbook as
written in-process, its errors reach the report stage, and a run that fails stops it
before the run's folders are removed."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import openpyxl
import pytest
from test_report_fixtures import PROVENANCE, screen_connection, small_trial

from prescreen import stages
from prescreen.report import ReportOptions, write_reports
from prescreen.report.worklist import (
    WorklistStopped,
    select_worklist,
    worklist_rows,
    write_worklist_books,
)
from prescreen.report.worklist_job import WorklistJob

TRIAL = small_trial()
RESULTS = {  # criteria I1, I2, E1, E2 (E2 manual)
    "likely_eligible": ("pass", "pass", "pass", "manual"),
    "needs_review": ("pass", "unknown", "pass", "manual"),
    "ineligible": ("fail", "pass", "pass", "manual"),
}
STATUSES = list(RESULTS)


def _connection(n: int = 60):
    """n patients over three sites and all three statuses."""
    ids = TRIAL.criterion_ids()
    patients = [(pid, f"Site {pid % 3}", STATUSES[pid % 3]) for pid in range(1, n + 1)]
    rows = [
        (pid, cid, result)
        for pid, _, status in patients
        for cid, result in zip(ids, RESULTS[status], strict=True)
    ]
    return screen_connection(rows, {pid: site for pid, site, _ in patients}, TRIAL)


def _cells(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {name: [tuple(c.value for c in row) for row in book[name].iter_rows()]
            for name in book.sheetnames}  # fmt: skip


def _reports(folder, con, **kwargs):
    return write_reports(
        folder, con, trial=TRIAL, provenance=PROVENANCE, options=ReportOptions(), **kwargs
    )


@pytest.mark.parametrize("per_site", [False, True])
def test_the_thread_writes_the_workbook_written_in_process(tmp_path, per_site):
    con = _connection()
    here, beside, scratch = (tmp_path / name for name in ("here", "beside", "scratch"))
    for folder in (here, beside, scratch):
        folder.mkdir()
    selection = select_worklist(con, 0)
    batches = worklist_rows(con, TRIAL).to_arrow_reader(7)
    expected = write_worklist_books(batches, here, TRIAL, selection, per_site=per_site)
    job = WorklistJob(con, beside, TRIAL, selection, scratch=scratch, per_site=per_site)
    assert job.result() == expected
    assert len(expected) == (2 if per_site else 1)  # sites 0 and 1 list patients
    for name in expected:
        assert _cells(beside / name) == _cells(here / name)
    assert list(scratch.iterdir()) == []  # the exported rows are gone once written


def test_the_report_stage_waits_for_the_job_and_writes_no_second_workbook(tmp_path):
    con = _connection()
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    out.mkdir()
    scratch.mkdir()
    job = WorklistJob(con, out, TRIAL, select_worklist(con, 10), scratch=scratch)
    written = _reports(out, con, worklist_job=job)
    assert written.worklist_files == ["worklist.xlsx"]
    assert written.worklist == job.selection and written.worklist.shown == 10
    sheets = _cells(out / "worklist.xlsx")
    assert list(sheets) == ["README", "Site 0"]
    assert [row[0] for row in sheets["Site 0"][2:]] == list(range(3, 31, 3))  # likely_eligible


def test_an_error_of_the_thread_is_raised_by_the_report_stage(tmp_path):
    con = _connection()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    missing = tmp_path / "no such folder"
    job = WorklistJob(con, missing, TRIAL, select_worklist(con, 0), scratch=scratch)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Exception, match="no such folder"):
        _reports(out, con, worklist_job=job)
    assert list(scratch.iterdir()) == []


def test_a_stop_request_ends_the_writing_at_the_next_batch(tmp_path):
    con = _connection()
    stop = threading.Event()
    stop.set()
    selection = select_worklist(con, 0)
    batches = worklist_rows(con, TRIAL).to_arrow_reader(5)
    with pytest.raises(WorklistStopped):
        write_worklist_books(batches, tmp_path, TRIAL, selection, stop=stop)


def _run(worklist: bool = True):
    request = SimpleNamespace(
        worklist=worklist, worklist_limit=0, trial=TRIAL, worklist_per_site=False
    )
    return SimpleNamespace(request=request, worklist_job=None)


def test_a_failing_stage_stops_the_job_before_the_folders_go(tmp_path):
    con = _connection(3000)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    out.mkdir()
    scratch.mkdir()
    run = _run()
    with pytest.raises(RuntimeError, match="write_results failed"):
        with stages.worklist_beside(run, out, con, scratch):
            job = run.worklist_job
            assert job is not None
            raise RuntimeError("write_results failed")
    assert run.worklist_job is None
    assert not job._thread.is_alive()  # waited for: nothing writes into removed folders
    assert list(scratch.iterdir()) == []


def test_no_job_without_a_worklist(tmp_path):
    run = _run(worklist=False)
    with stages.worklist_beside(run, tmp_path, _connection(), tmp_path):
        assert run.worklist_job is None
    assert list(tmp_path.iterdir()) == []
