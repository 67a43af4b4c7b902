"""Scans: history keyed on the registry's name, upper-case files, a store held by a reader."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from test_flows_support import age_trial, run_cli, tiny_extract, with_cdm_source

from prescreen.store import run_history

pytestmark = pytest.mark.usefixtures("prefect_harness")

PEOPLE = [
    (1, date(1960, 1, 1), 1, "P1"),  # eligible
    (2, date(1990, 1, 1), 2, "P2"),  # not eligible
]


def _scan_args(trial: str, extract, out, store, *more: str) -> list[str]:
    args = ["scan", "--trial", trial, "--extract", str(extract), "--as-of", "2026-11-01"]
    return [*args, "--out", str(out), "--store", str(store), *more]


def test_a_copied_registry_keeps_its_history(tmp_path, capsys):
    # issue #14.2: a copy in a differently named folder started a new history and listed
    # every patient as new; keyed on cdm_source_abbreviation, the rescan the same day
    # compares with the first scan
    first = with_cdm_source(tiny_extract(tmp_path / "drop-a", PEOPLE), "PADREG")
    copy = tmp_path / "copied-elsewhere"
    shutil.copytree(first, copy)
    trial, store = age_trial(tmp_path), tmp_path / "runs.duckdb"
    code, out, err = run_cli(_scan_args(trial, first, tmp_path / "out", store), capsys)
    assert code == 0, err
    assert "registry: PADREG (from cdm_source.cdm_source_abbreviation)" in err
    assert "no previous run" in out
    code, out, err = run_cli(_scan_args(trial, copy, tmp_path / "out", store), capsys)
    assert code == 0, err
    assert pd.read_csv(tmp_path / "out" / "changes.csv").empty  # nobody listed as new
    history = run_history(store)
    assert history["registry"].tolist() == ["PADREG", "PADREG"]
    assert f"changes since run {history['run_id'].iloc[0]}: none" in " ".join(out.split())


def test_registry_option_names_the_history(tmp_path, capsys):
    extract = tiny_extract(tmp_path / "2026-11-01", PEOPLE)  # no cdm_source: folder name
    trial, store = age_trial(tmp_path), tmp_path / "runs.duckdb"
    code, _, err = run_cli(_scan_args(trial, extract, tmp_path / "o1", store), capsys)
    assert code == 0 and "registry: 2026-11-01 (from extract folder name)" in err
    more = ("--registry", "Vascular registry")
    code, _, err = run_cli(_scan_args(trial, extract, tmp_path / "o2", store, *more), capsys)
    assert code == 0 and "registry: Vascular registry (from --registry)" in err
    assert run_history(store)["registry"].tolist() == ["2026-11-01", "Vascular registry"]


def test_scan_reads_upper_case_file_names(tmp_path, capsys):
    # issue #14.12: `run` accepted PERSON.csv, `scan` said there was no person table
    drops = tmp_path / "drops"
    extract = tiny_extract(drops / "2026-11-01", PEOPLE)
    for path in list(extract.iterdir()):
        path.rename(path.with_name(path.name.upper().replace(".CSV", ".csv")))
    assert (extract / "PERSON.csv").exists()
    trial, store = age_trial(tmp_path), tmp_path / "runs.duckdb"
    code, _, err = run_cli(_scan_args(trial, drops, tmp_path / "out", store), capsys)
    assert code == 0, err
    assert pd.read_csv(tmp_path / "out" / "patients.csv")["person_id"].tolist() == [1, 2]


def test_a_store_open_elsewhere_stops_the_scan_before_it_screens(tmp_path, capsys):
    # issue #16.7: the whole screen ran, then 'internal error … This is a bug'
    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    trial, store = age_trial(tmp_path), tmp_path / "runs.duckdb"
    assert run_cli(_scan_args(trial, extract, tmp_path / "out", store), capsys)[0] == 0
    code = f"import duckdb, time; c = duckdb.connect({str(store)!r}, read_only=True); "
    holder = subprocess.Popen(
        [sys.executable, "-c", code + "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        args = _scan_args(trial, extract, tmp_path / "again", store, "--store-wait", "1")
        code, _, err = run_cli(args, capsys)
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    said = " ".join(err.split())
    assert f"PID {holder.pid}" in said and "internal error" not in said
    assert "Close that program" in said
    assert not (tmp_path / "again").exists()  # nothing was screened


@pytest.mark.parametrize(
    ("extract_date", "quarantined"), [(date(2026, 11, 1), 0), (date(2025, 12, 31), 1)]
)
def test_the_extract_date_is_not_the_index_date(tmp_path, extract_date, quarantined):
    # issue #11.1: the screen's --as-of doubled as the data's date, so a screen as of a past
    # day quarantined everything recorded after it (here: a child born in 2026)
    import json

    from prescreen.flows.screen import screen

    people = [*PEOPLE, (3, date(2026, 5, 1), 1, "P3")]
    extract = tiny_extract(tmp_path / "extract", people)
    out = tmp_path / "out"
    screen(trial=age_trial(tmp_path), extract_dir=extract, out_dir=out,
           index_date=date(2025, 6, 1), extract_date=extract_date, max_quarantine=1.0)  # fmt: skip
    validation = pd.read_csv(out / "validation.csv").set_index("table")
    assert validation.loc["person", "quarantined"] == quarantined
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["index_date"] == manifest["as_of"] == "2025-06-01"
    assert manifest["extract_date"] == extract_date.isoformat()
    assert manifest["extract_date_source"] == "--extract-date"
