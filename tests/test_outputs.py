"""Staged output folders: complete or absent, never mixed; foreign folders untouched."""

import os

import pytest

from prescreen.errors import PrescreenError
from prescreen.outputs import MANIFEST, OUTPUTS_MANIFEST, staged_output
from prescreen.request import parse_assignments


def test_new_output_appears_only_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as folder:
        (folder / "a.csv").write_text("1")
        assert not out.exists()  # nothing visible while the run is under way
        (folder / MANIFEST).write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUTS_MANIFEST, "a.csv", MANIFEST]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failed_run_leaves_previous_output(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as folder:
        (folder / MANIFEST).write_text("old")
    with pytest.raises(RuntimeError), staged_output(out) as folder:
        (folder / MANIFEST).write_text("new")
        raise RuntimeError("killed")
    assert (out / MANIFEST).read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_refuses_folder_with_user_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(PrescreenError, match="did not write .*thesis.docx"):
        with staged_output(out):
            pass
    assert (out / "thesis.docx").read_text() == "precious"


def test_refuses_a_folder_that_only_pretends_to_be_an_output(tmp_path):
    # issue #16.2: a run.json was the only guard; notes.txt and sub/ were deleted
    out = tmp_path / "v"
    (out / "sub").mkdir(parents=True)
    (out / MANIFEST).write_text("{}")
    (out / "notes.txt").write_text("k")
    (out / "sub" / "d.csv").write_text("k")
    with pytest.raises(
        PrescreenError, match=r"did not write .*notes\.txt, sub/.*nothing was deleted"
    ):
        with staged_output(out) as folder:
            (folder / MANIFEST).write_text("new")
    assert (out / "notes.txt").read_text() == "k" and (out / "sub" / "d.csv").read_text() == "k"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]  # no staging folder left


def test_replaces_its_own_output_but_not_one_changed_or_added_to(tmp_path):
    out = tmp_path / "out"
    for _ in range(2):  # its own output is replaced, run after run
        with staged_output(out) as folder:
            (folder / MANIFEST).write_text("{}")
            (folder / "worklist.xlsx").write_text("list")
    (out / "worklist.xlsx").write_text("list, annotated by the coordinator")
    with pytest.raises(PrescreenError, match="worklist.xlsx"):
        with staged_output(out):
            pass
    assert (out / "worklist.xlsx").read_text() == "list, annotated by the coordinator"


def test_refuses_an_out_folder_that_contains_an_input(tmp_path):
    # issue #16.2: --out data with --extract data/sample deleted the extract
    extract = tmp_path / "data" / "sample"
    extract.mkdir(parents=True)
    (extract / "person.csv").write_text("person_id\n1\n")
    for out in (tmp_path / "data", extract):
        with pytest.raises(PrescreenError, match="contains the input"):
            with staged_output(out, inputs=(extract,)):
                pass
    assert (extract / "person.csv").exists()


def test_an_output_of_an_earlier_version_is_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in (MANIFEST, "patients.csv", "report.html"):
        (out / name).write_text("old")
    with staged_output(out) as folder:
        (folder / MANIFEST).write_text("new")
    assert (out / MANIFEST).read_text() == "new" and not (out / "patients.csv").exists()


def test_recovers_output_retired_by_a_killed_run(tmp_path):
    # a run killed between its two renames: no out/, a complete retired folder
    retired = tmp_path / ".prescreen-retired-out-999999999"
    retired.mkdir()
    (retired / MANIFEST).write_text("last complete")
    staging = tmp_path / ".prescreen-staging-out-999999998"
    staging.mkdir()
    (staging / "half.csv").write_text("partial")
    with staged_output(tmp_path / "out") as folder:
        assert (tmp_path / "out" / MANIFEST).read_text() == "last complete"
        (folder / MANIFEST).write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert os.path.exists(tmp_path / "out" / MANIFEST)


def test_run_refuses_a_foreign_out_folder_before_screening(tmp_path):
    """The command itself: exit 1, a message, every user file still there."""
    import subprocess
    import sys

    out = tmp_path / "v"
    (out / "sub").mkdir(parents=True)
    (out / MANIFEST).write_text("{}")
    (out / "notes.txt").write_text("k")
    (out / "sub" / "d.csv").write_text("k")
    extract = tmp_path / "extract"
    extract.mkdir()
    (extract / "person.csv").write_text("person_id\n1\n")
    command = [sys.executable, "-m", "prescreen.cli", "run", "--trial", "nl003-cli-iii-2"]
    command += ["--extract", str(extract), "--as-of", "2026-11-01", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "did not write" in done.stderr and "notes.txt" in done.stderr
    assert (out / "notes.txt").exists() and (out / "sub" / "d.csv").exists()


def test_parse_assignments():
    assert parse_assignments(["E14.hb=70,80", "I1.age_min=18"], "--sweep") == {
        "E14.hb": ["70", "80"],
        "I1.age_min": ["18"],
    }
    with pytest.raises(PrescreenError, match="write NAME=VALUE"):
        parse_assignments(["E14.hb"], "--set")


def test_console_lists_the_files_really_written(tmp_path):
    from rich.console import Console

    from prescreen.console import print_counts

    for name in ("report.html", "patients.csv", "criteria.csv", "run.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    console = Console(record=True, width=300)
    counts = {"screened": 3, "likely_eligible": 1, "needs_review": 1, "ineligible": 1}
    print_counts(console, counts, tmp_path)
    text = console.export_text()
    assert "report.html (open it first), criteria.csv, patients.csv, run.json" in text
    assert "worklist.xlsx" not in text
