"""`prescreen explain --run OUT`: a person explained exactly as a finished run screened
(its dates, overrides and --exact-concepts from run.json), or a refusal that says why:
the criteria file or an extract file is not the one the run read (SHA-256), or an option
given beside --run says otherwise than the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sample_screen import SAMPLE
from test_flows_support import run_cli

from prescreen.database import open_database
from prescreen.explain import explain_persons
from prescreen.extract import load_extract
from prescreen.request import parsed_trial
from prescreen.run_record import check_extract, check_trial, read_run

pytestmark = pytest.mark.usefixtures("prefect_harness")

TRIAL = "nl003-cli-iii-2"
PERSON = 11  # E14.hemoglobin fails at the run's 120 g/L, passes at the default 80 g/L
AS_OF = "2026-10-01"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A run on the sample with another index date and a parameter override."""
    return tmp_path_factory.mktemp("explain-run") / "run"  # written by the first test (_run)


def _run(out: Path, capsys) -> None:  # noqa: ANN001
    if not (out / "run.json").exists():
        code, _, err = run_cli(
            ["run", "--trial", TRIAL, "--extract", str(SAMPLE), "--as-of", AS_OF,
             "--set", "E14.hemoglobin_min=120", "--out", str(out)],
            capsys,
        )  # fmt: skip
        assert code == 0, err


def _explain(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    return run_cli(["explain", "--trial", TRIAL, "--person", str(PERSON), *args], capsys)


def _unfolded(text: str) -> str:
    """The table's text without the column folding of a narrow terminal."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "│┃")


def test_the_explanation_is_the_runs_rows(finished, capsys):
    """Every row of the person (result, reason, evidence) as the run's criteria.csv has it;
    the same person explained with the defaults differs, so the run's settings applied."""
    _run(finished, capsys)
    record = read_run(finished)
    trial = parsed_trial(TRIAL, record.overrides)
    check_trial(record, trial, TRIAL)
    check_extract(record, SAMPLE)
    con = open_database(None)
    try:
        load_extract(SAMPLE, con, extract_date=record.extract_date)
        [(_, rows, _)], _ = explain_persons(
            con, trial, record.index_date, [PERSON], exact_concepts=record.exact_concepts
        )
        [(_, plain, _)], _ = explain_persons(
            con, parsed_trial(TRIAL, {}), record.index_date, [PERSON]
        )
    finally:
        con.close()
    written = pd.read_csv(finished / "criteria.csv", dtype=str, keep_default_na=False)
    written = written[written["person_id"] == str(PERSON)].reset_index(drop=True)
    got = rows.astype(object).where(rows.notna(), "").astype(str)
    got["person_id"] = got["person_id"].str.removesuffix(".0")
    assert got[written.columns.tolist()].to_dict("records") == written.to_dict("records")
    assert not rows["result"].equals(plain["result"])


def test_explain_run_takes_the_runs_settings(finished, capsys):
    _run(finished, capsys)
    code, out, err = _explain(capsys, "--extract", str(SAMPLE), "--run", str(finished))
    assert code == 0, err
    assert f"index date {AS_OF}, overrides E14.hemoglobin_min=120" in " ".join(err.split())
    assert "E14.hemoglobinfail" in _unfolded(out)
    code, out, err = _explain(capsys, "--extract", str(SAMPLE), "--as-of", "2026-11-01")
    assert code == 0, err
    assert "E14.hemoglobinpass" in _unfolded(out)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--as-of", "2026-11-01"], "--as-of 2026-11-01: the run in"),
        (["--set", "E14.hemoglobin_min=90"], "--set E14.hemoglobin_min=90: the run in"),
        (["--extract-date", "2026-10-15"], "--extract-date 2026-10-15: the run in"),
    ],
)
def test_an_option_the_run_contradicts_is_refused(finished, capsys, extra, message):
    _run(finished, capsys)
    code, _, err = _explain(capsys, "--extract", str(SAMPLE), "--run", str(finished), *extra)
    assert code == 1
    assert message in " ".join(err.split())


def test_an_edited_criteria_file_is_refused(finished, capsys, tmp_path):
    _run(finished, capsys)
    from prescreen.criteria.parse import resolve_trial

    edited = tmp_path / "nl003.yaml"
    edited.write_text(resolve_trial(TRIAL).read_text(encoding="utf-8") + "# edited\n", "utf-8")
    code, _, err = run_cli(
        ["explain", "--trial", str(edited), "--person", str(PERSON), "--extract", str(SAMPLE),
         "--run", str(finished)],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert "not the criteria the run in" in " ".join(err.split())


def test_a_changed_or_missing_extract_file_is_named(finished, capsys, tmp_path):
    _run(finished, capsys)
    extract = tmp_path / "extract"
    shutil.copytree(SAMPLE, extract)
    with (extract / "measurement.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    (extract / "death.csv").unlink(missing_ok=True)
    code, _, err = _explain(capsys, "--extract", str(extract), "--run", str(finished))
    assert code == 1
    said = " ".join(err.split())
    assert "measurement.csv differs from the file the run read" in said
    assert "death.csv is missing" in said


def test_a_folder_without_a_runs_record_is_refused(capsys, tmp_path):
    code, _, err = _explain(capsys, "--extract", str(SAMPLE), "--run", str(tmp_path))
    assert code == 1
    assert "no run.json there" in " ".join(err.split())
    (tmp_path / "run.json").write_text(json.dumps({"command": "forecast"}), encoding="utf-8")
    code, _, err = _explain(capsys, "--extract", str(SAMPLE), "--run", str(tmp_path))
    assert code == 1
    assert "not a run.json prescreen wrote" in " ".join(err.split())


def test_a_newly_eligible_record_explains_no_one(capsys, tmp_path):
    doc = {
        "command": "forecast", "index_date": "2026-11-01", "extract_date": "2026-11-01",
        "overrides": {}, "trial": {"criteria_sha256": "x"}, "input_files_sha256": {},
    }  # fmt: skip
    (tmp_path / "run.json").write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = _explain(capsys, "--extract", str(SAMPLE), "--run", str(tmp_path))
    assert code == 1
    assert "written by `prescreen newly-eligible`" in " ".join(err.split())
