"""Staged output folders: complete or absent, never mixed; foreign folders untouched."""

import os

import pytest

from prescreen.errors import PrescreenError
from prescreen.outputs import MANIFEST, staged_output
from prescreen.pipeline import parse_assignments


def test_new_output_appears_only_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as folder:
        (folder / "a.csv").write_text("1")
        assert not out.exists()  # nothing visible while the run is under way
        (folder / MANIFEST).write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
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


def test_parse_assignments():
    assert parse_assignments(["E14.hb=70,80", "I1.age_min=18"], "--sweep") == {
        "E14.hb": ["70", "80"],
        "I1.age_min": ["18"],
    }
    with pytest.raises(PrescreenError, match="write NAME=VALUE"):
        parse_assignments(["E14.hb"], "--set")


def test_console_lists_the_files_really_written(tmp_path):
    from rich.console import Console

    from prescreen.pipeline import print_counts

    for name in ("report.html", "patients.csv", "criteria.csv", "run.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    console = Console(record=True, width=300)
    counts = {"screened": 3, "likely_eligible": 1, "needs_review": 1, "ineligible": 1}
    print_counts(console, counts, tmp_path)
    text = console.export_text()
    assert "report.html (open it first), criteria.csv, patients.csv, run.json" in text
    assert "worklist.xlsx" not in text
