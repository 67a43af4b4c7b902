"""Every command's exit codes through the real entry point: 0 ok, 1 the user's input, 2 a bug.

The "bug" cases replace the library call a command makes with one that raises a
RuntimeError, as a defect in prescreen would.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from test_flows_support import age_trial, run_cli, tiny_extract

pytestmark = pytest.mark.usefixtures("prefect_harness")

PEOPLE = [(1, date(1960, 1, 1), 1, "P1"), (2, date(1990, 1, 1), 2, "P2")]
BAD_TRIAL = "trial:\n  id: BAD\ncriteria: []\nunknown_key: 1\n"


def _boom(*args, **kwargs):
    raise RuntimeError("a defect")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    bad = folder / "bad.yaml"
    bad.write_text(BAD_TRIAL, encoding="utf-8")
    return {
        "extract": tiny_extract(folder / "extract", PEOPLE),
        "trial": Path(age_trial(folder)),
        "bad_trial": bad,
        "missing": folder / "no-such-folder",
    }


def _cases(i: dict[str, Path], tmp: Path) -> dict[str, tuple[list[str], list[str], str]]:
    """command → (arguments that work, arguments with a user error, library call to break)."""
    ex, tr = str(i["extract"]), str(i["trial"])
    screen = ["--trial", tr, "--extract", ex, "--as-of", "2026-11-01"]
    store = ["--store", str(tmp / "runs.duckdb")]
    return {
        "generate": (
            ["generate", "--persons", "20", "--sites", "2", "--out", str(tmp / "gen")],
            ["generate", "--format", "xml", "--out", str(tmp / "gen-bad")],
            "prescreen.synth.generate_extract",
        ),
        "load": (
            ["load", "--extract", ex, "--out", str(tmp / "load")],
            ["load", "--extract", str(i["missing"]), "--out", str(tmp / "load-bad")],
            "prescreen.stages.loaded",
        ),
        "run": (
            ["run", *screen, "--out", str(tmp / "run")],
            ["run", "--trial", str(i["bad_trial"]), "--extract", ex, "--as-of", "2026-11-01"],
            "prescreen.flows.runs.screened",
        ),
        "scan": (
            ["scan", *screen, *store, "--out", str(tmp / "scan")],
            ["scan", "--trial", tr, "--extract", str(i["missing"]), *store],
            "prescreen.flows.runs.scanned",
        ),
        "history": (
            ["history", *store],
            ["history", "--store", str(tmp / "none.duckdb")],
            "prescreen.store.run_history",
        ),
        "newly-eligible": (
            ["newly-eligible", *screen, "--months", "1", "--out", str(tmp / "ne")],
            ["newly-eligible", *screen, "--months", "0", "--out", str(tmp / "ne-bad")],
            "prescreen.flows.runs.newly_eligible",
        ),
        "forecast": (
            ["forecast", *screen, "--months", "1", "--out", str(tmp / "fc")],
            ["forecast", *screen, "--as-of", "2026-13-01", "--out", str(tmp / "fc-bad")],
            "prescreen.flows.runs.newly_eligible",
        ),
        "compile": (
            ["compile", "--trial", tr, "--out", str(tmp / "screen.sql")],
            ["compile", "--trial", "no-such-trial"],
            "prescreen.pipeline.compile_command",
        ),
        "criteria check": (
            ["criteria", "check", tr],
            ["criteria", "check", str(i["bad_trial"])],
            "prescreen.criteria.check.check_files",
        ),
        "schedule": (
            [],  # serving never ends by itself: exit 0 is in test_schedule.py
            ["schedule", "--trial", tr, "--extract", ex, *store, "--cron", "not a cron"],
            "prescreen.flows.schedule.serve_scans",
        ),
    }


COMMANDS = ["generate", "load", "run", "scan", "history", "newly-eligible", "forecast",
            "compile", "criteria check", "schedule"]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_exit_codes(command, inputs, tmp_path, capsys, monkeypatch):
    ok, user_error, library_call = _cases(inputs, tmp_path)[command]
    if ok:
        if command == "history":  # a store to list
            scan = _cases(inputs, tmp_path)["scan"][0]
            assert run_cli(scan, capsys)[0] == 0
        code, out, err = run_cli(ok, capsys)
        assert code == 0, err
    code, out, err = run_cli(user_error, capsys)
    assert code == 1, err
    assert "internal error" not in err
    arguments = ok or user_error[:-2] + ["--cron", "0 6 * * 1"]
    monkeypatch.setattr(library_call, _boom)
    code, out, err = run_cli(arguments, capsys)
    assert code == 2
    assert "internal error: RuntimeError: a defect" in " ".join(err.split())
    assert "This is a bug in prescreen" in err


def test_criteria_check_fails_on_an_invalid_file(inputs, capsys):
    # issue #14.4: `criteria check` printed the problems and exited 0
    code, out, _ = run_cli(["criteria", "check", str(inputs["bad_trial"])], capsys)
    assert code == 1
    assert "unknown_key" in out


def test_usage_errors_are_the_users(capsys):
    code, _, err = run_cli(["run", "--extract", "x"], capsys)  # --trial missing
    assert code == 1 and "--trial" in err


def test_a_bad_cron_is_the_users_input(inputs, tmp_path, capsys):
    # issue #14.12: `schedule --cron "not a cron"` exited 2 ('bug')
    args = ["schedule", "--trial", str(inputs["trial"]), "--extract", str(inputs["extract"])]
    code, _, err = run_cli([*args, "--cron", "not a cron", "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "is not a cron schedule" in " ".join(err.split())


def test_an_invalid_trial_fails_before_prefect_starts(inputs, tmp_path, capsys, monkeypatch):
    started = []
    monkeypatch.setattr("prescreen.flows.runs.screened", lambda *a, **k: started.append(1))
    args = ["run", "--trial", str(inputs["bad_trial"]), "--extract", str(inputs["extract"])]
    code, _, err = run_cli([*args, "--as-of", "2026-11-01", "--out", str(tmp_path / "o")], capsys)
    assert code == 1 and started == []
    # each error printed once (the console may wrap a long path's line anywhere)
    assert " ".join(err.split()).count("unknown key 'unknown_key'") == 1
    assert not (tmp_path / "o").exists()


def test_too_small_a_memory_limit_is_advice_not_a_bug(inputs, tmp_path, capsys, monkeypatch):
    # issue #16.11: too low a PRESCREEN_MEMORY_LIMIT reported 'bug'
    monkeypatch.setenv("PRESCREEN_MEMORY_LIMIT", "1MB")
    args = ["run", "--trial", str(inputs["trial"]), "--extract", str(inputs["extract"])]
    code, _, err = run_cli([*args, "--as-of", "2026-11-01", "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "PRESCREEN_MEMORY_LIMIT=1MB is too small" in " ".join(err.split())


def test_duckdb_running_out_of_memory_is_advice_not_a_bug(inputs, tmp_path, capsys, monkeypatch):
    import duckdb

    def out_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr("prescreen.flows.runs.screened", out_of_memory)
    args = ["run", "--trial", str(inputs["trial"]), "--extract", str(inputs["extract"])]
    code, _, err = run_cli([*args, "--as-of", "2026-11-01", "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    said = " ".join(err.split())
    assert "DuckDB ran out of memory" in said and "PRESCREEN_MEMORY_LIMIT=8GB" in said


SYNTHEA = Path(__file__).parent / "fixtures" / "synthea27nj"


def _screening(command: str, tmp: Path) -> list[str]:
    """`command` screening the real export (concept ids, no concept_ancestor rows) with NL003,
    whose code sets ask for descendants."""
    screen = ["--trial", "nl003-cli-iii-2", "--extract", str(SYNTHEA), "--as-of", "2026-11-01"]
    return {
        "run --sweep": ["run", *screen, "--out", str(tmp / "run"), "--no-worklist",
                        "--sweep", "E14.hemoglobin_min=70,90"],
        "scan": ["scan", *screen, "--out", str(tmp / "scan"), "--store", str(tmp / "s.duckdb")],
        "newly-eligible": ["newly-eligible", *screen, "--months", "1", "--out", str(tmp / "ne")],
        "explain": ["explain", *screen, "--person", "3"],
    }[command]  # fmt: skip


@pytest.mark.parametrize("command", ["run --sweep", "scan", "newly-eligible", "explain"])
def test_every_screening_command_takes_exact_concepts(command, tmp_path, capsys):
    """The error names --exact-concepts as the way on; every command that screens takes it
    (scan, newly-eligible and explain did not; a run's sweep ignored it)."""
    args = _screening(command, tmp_path / "without")
    code, _, err = run_cli(args, capsys)
    assert code == 1
    assert "--exact-concepts" in " ".join(err.split())
    code, out, err = run_cli([*_screening(command, tmp_path / "with"), "--exact-concepts"], capsys)
    assert code == 0, err
    if command == "run --sweep":
        assert (tmp_path / "with" / "run" / "sweep.csv").exists()
    if command == "newly-eligible":
        assert "warning: --exact-concepts:" in " ".join(err.split())
        run = json.loads((tmp_path / "with" / "ne" / "run.json").read_text(encoding="utf-8"))
        assert "lower_limb_ischemic_disease" in run["codesets_without_descendants"]
    if command == "explain":
        assert "warning: --exact-concepts:" in " ".join(err.split())
    if command in ("run --sweep", "scan"):
        # said on the console and recorded: which code sets lost their descendants
        assert "warning: --exact-concepts:" in " ".join(err.split())
        folder = tmp_path / "with" / command.split()[0]
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert "lower_limb_ischemic_disease" in run["codesets_without_descendants"]
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "Code sets matched without their descendants" in html
        assert "<code>lower_limb_ischemic_disease</code>" in html
