"""`prescreen schedule` on a fresh machine: a one-minute cron really produces a stored scan.

Issue #14.1: the documented command printed "serving … Ctrl-C stops" and never ran a
scan (Prefect's in-process API has no scheduler). Here it runs as a user would start it —
no PREFECT_API_URL, an empty home folder — and the test waits (generously: the next
minute boundary plus server start) for the scan's outputs, its row in the store and its
artifacts on the server, then stops it with SIGTERM as systemd would. It asserts events,
never how long they took.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_flows_support import age_trial, tiny_extract

from prescreen.store import run_history

GENEROUS_SECONDS = 600
SCHEDULE_KEY = pytest.StashKey["ScheduleChild"]()
PEOPLE = [(1, date(1960, 1, 1), 1, "P1"), (2, date(1990, 1, 1), 2, "P2")]


def _fresh_machine_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"))
    env.pop("PRESCREEN_SERVER_HOME", None)
    return env


def _wait_for(condition, what: str, child: subprocess.Popen, log: Path):  # noqa: ANN001
    deadline = time.monotonic() + GENEROUS_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value is not None and value is not False:
            return value
        if child.poll() is not None:
            raise AssertionError(f"schedule exited ({child.returncode}) before {what}:\n"
                                 + log.read_text(errors="replace")[-3000:])  # fmt: skip
        time.sleep(1)
    raise AssertionError(f"no {what} after {GENEROUS_SECONDS} s:\n" + log.read_text()[-3000:])


def _stored_runs(store: Path) -> pd.DataFrame | None:  # None: not yet
    if not store.exists():
        return None
    try:
        runs = run_history(store)
    except Exception:  # noqa: BLE001 - being written right now: look again
        return None
    return runs if len(runs) else None


@dataclass
class ScheduleChild:
    """A `prescreen schedule` started as a user would, and what it was given."""

    process: subprocess.Popen
    folder: Path
    log: Path
    store: Path
    out: Path
    home: Path


def start_schedule(folder: Path) -> ScheduleChild:
    """Start `prescreen schedule --cron "* * * * *"` on a tiny registry in `folder`.

    conftest.py starts it when the session begins (the test runs last), so the wait for
    the next minute boundary overlaps the other tests instead of adding to the suite.
    """
    extract = tiny_extract(folder / "registry", PEOPLE)
    trial, store, out = age_trial(folder), folder / "runs.duckdb", folder / "latest"
    home, log = folder / "home", folder / "schedule.log"
    command = [sys.executable, "-m", "prescreen.cli", "schedule", "--trial", trial]
    command += ["--extract", str(extract), "--store", str(store), "--out", str(out)]
    command += ["--cron", "* * * * *", "--registry", "nightly"]
    with log.open("wb") as handle:
        process = subprocess.Popen(command, env=_fresh_machine_env(home), stdout=handle,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    return ScheduleChild(process, folder, log, store, out, home)


def stop_schedule(child: ScheduleChild) -> int:
    """SIGTERM, as systemd stops a service; the exit code."""
    if child.process.poll() is None:
        child.process.send_signal(signal.SIGTERM)
    return child.process.wait(timeout=GENEROUS_SECONDS)


@pytest.fixture
def schedule_child(request, tmp_path) -> ScheduleChild:
    started = request.config.stash.get(SCHEDULE_KEY, None)
    if started is None:  # not started with the session (e.g. a plugin reordered things)
        started = start_schedule(tmp_path)
    yield started
    stop_schedule(started)


def test_a_one_minute_cron_produces_a_stored_scan(schedule_child):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    child, log, out, store = schedule_child.process, schedule_child.log, schedule_child.out, schedule_child.store
    said = lambda: " ".join(log.read_text(errors="replace").split())  # noqa: E731
    url = _wait_for(lambda: re.search(r"Prefect API (http://127\.0\.0\.1:\d+/api)", said()),
                    "serving message", child, log)[1]  # fmt: skip
    runs = _wait_for(lambda: _stored_runs(store), "stored scan", child, log)
    assert runs["registry"].tolist()[:1] == ["nightly"]
    assert str(runs["as_of"].iloc[0])[:10] == date.today().isoformat()  # its run day
    present = _wait_for(lambda: {p.name for p in out.iterdir()} if out.exists() else None,
                        "output folder", child, log)  # fmt: skip
    assert {"patients.csv", "changes.csv", "report.html", "run.json"} <= present
    with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        keys = {a.key for a in client.read_artifacts()}
        deployments = [d.name for d in client.read_deployments()]
    assert {"age-50-funnel", "age-50-sites", "age-50-summary"} <= keys
    assert deployments == ["prescreen-scan"]
    assert stop_schedule(schedule_child) == 0, log.read_text(errors="replace")[-3000:]
    server_home = schedule_child.home / "data" / "prescreen" / "prefect-server"
    assert (server_home / "prefect.db").exists()  # the server's database: in the user's folder
    assert stat.S_IMODE(server_home.stat().st_mode) == 0o700  # … and private
    from prescreen.flows.server import api_healthy

    assert not api_healthy(url)  # the supervised server stopped with it
