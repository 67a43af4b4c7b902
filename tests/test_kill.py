"""Crash safety: `prescreen scan` SIGKILLed at random moments never leaves half outputs.

After every kill the out folder is absent, the previous complete output, or the new
complete one; the store holds whole runs only (runs and patient_status agree). A final
uninterrupted run completes and leaves no staging folders behind. No wall-clock bound:
how fast a scan is belongs in bench/, not here.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_flows_support import age_trial

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

CONTRACT = (
    "run.json",
    "patients.csv",
    "criteria.csv",
    "funnel.csv",
    "sites.csv",
    "report.html",
    "validation.csv",
    "quarantine.csv",
    "changes.csv",
)
KILLS = 4  # each kill costs one scan start-up (Python + Prefect imports)
SEED = 20261101


def _scan(
    extract: Path, out: Path, store: Path, env: dict[str, str], trial: str
) -> subprocess.Popen:
    command = [sys.executable, "-c", "from prescreen.cli import main; main()", "scan"]
    command += ["--trial", trial, "--extract", str(extract), "--as-of", "2026-11-01"]
    command += ["--out", str(out), "--store", str(store)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _assert_whole(out: Path, store: Path) -> None:
    if out.exists():
        present = {p.name for p in out.iterdir()}
        missing = [name for name in CONTRACT if name not in present]
        assert not missing, f"{out} is incomplete: missing {missing}"
    if store.exists():
        con = duckdb.connect(str(store))  # read-write: replays a killed run's WAL like a rerun
        try:
            tables = {
                r[0]
                for r in con.execute("select table_name from information_schema.tables").fetchall()
            }
            if {"runs", "patient_status"} <= tables:
                half = con.execute(
                    """
                    select r.run_id from runs r left join patient_status p using (run_id)
                    group by r.run_id, r.screened having count(p.person_id) <> r.screened
                    union all
                    select distinct p.run_id from patient_status p anti join runs r using (run_id)
                    """
                ).fetchall()
                assert half == [], f"half-written runs in the store: {half}"
        finally:
            con.close()


def test_sigkill_at_random_points_leaves_whole_outputs(tmp_path):
    from prefect.settings import PREFECT_API_URL

    from prescreen.synth import generate_extract

    extract = tmp_path / "registry"
    generate_extract(
        out_dir=extract,
        persons=200,
        sites=3,
        seed=3,
        fmt="csv",
        extract_date=date(2026, 11, 1),
        console=None,
    )
    trial = age_trial(tmp_path)  # one criterion: a whole run takes a few seconds
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    work = tmp_path / "work"
    work.mkdir()
    out, store = work / "out", work / "runs.duckdb"
    rng = random.Random(SEED)
    started = time.monotonic()
    first = _scan(extract, out, store, env, trial)  # a complete previous output to protect
    assert first.wait(timeout=600) == 0  # a hang guard, not a speed bound
    duration = time.monotonic() - started
    _assert_whole(out, store)
    for k in range(KILLS):
        # one kill in each quarter of a run (stratified, so few kills still cover it all):
        # imports, load and screen, staging, swap and store commit
        delay = max(0.3, rng.uniform(k / KILLS, (k + 1) / KILLS) * duration)
        process = _scan(extract, out, store, env, trial)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        _assert_whole(out, store)
        assert out.exists()  # the previous complete output survives every kill
    final = _scan(extract, out, store, env, trial)
    _, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr.decode(errors="replace")[-2000:]
    _assert_whole(out, store)
    assert out.exists()
    leftovers = sorted(p.name for p in work.iterdir() if p.name.startswith(".prescreen-"))
    assert leftovers == []
