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
import threading
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


def _wait_for(condition, what: str, child: ScheduleChild):  # noqa: ANN001
    deadline = time.monotonic() + GENEROUS_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value is not None and value is not False:
            return value
        if child.exit_code() is not None:
            raise AssertionError(f"schedule exited ({child.exit_code()}) before {what}:\n"
                                 + child.log.read_text(errors="replace")[-3000:])  # fmt: skip
        time.sleep(1)
    raise AssertionError(f"no {what} after {GENEROUS_SECONDS} s:\n" + child.log.read_text()[-3000:])


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
    """A `prescreen schedule` started as a user would, in `folder` with what it was given.

    `process` is None in a pytest-xdist worker: the controller started it (conftest.py),
    and only a parent can wait for a child, so the controller writes its exit code to
    `exit_file` when it ends."""

    folder: Path
    pid: int
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.folder / "schedule.log"

    @property
    def store(self) -> Path:
        return self.folder / "runs.duckdb"

    @property
    def out(self) -> Path:
        return self.folder / "latest"

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def exit_file(self) -> Path:
        return self.folder / "exit_code"

    def exit_code(self) -> int | None:
        """None while it runs."""
        if self.process is not None:
            return self.process.poll()
        return int(self.exit_file.read_text()) if self.exit_file.exists() else None


def start_schedule(folder: Path, *, record_exit: bool = False) -> ScheduleChild:
    """Start `prescreen schedule --cron "* * * * *"` on a tiny registry in `folder`.

    conftest.py starts it when the session begins (the test runs last), so the wait for
    the next minute boundary overlaps the other tests instead of adding to the suite.
    `record_exit`: write the exit code to `exit_file` when it ends (for a test run in
    another process: pytest-xdist's workers).
    """
    extract = tiny_extract(folder / "registry", PEOPLE)
    child = ScheduleChild(folder, pid=0)  # its file names, before it runs
    command = [sys.executable, "-m", "prescreen.cli", "schedule", "--trial", age_trial(folder)]
    command += ["--extract", str(extract), "--store", str(child.store), "--out", str(child.out)]
    command += ["--cron", "* * * * *", "--registry", "nightly"]
    with child.log.open("wb") as handle:
        process = subprocess.Popen(command, env=_fresh_machine_env(child.home), stdout=handle,
                                   stderr=subprocess.STDOUT, preexec_fn=die_with_parent)  # fmt: skip
    if record_exit:
        threading.Thread(target=_record_exit, args=(process, child.exit_file), daemon=True).start()
        (folder / "pid").write_text(str(process.pid))
    return ScheduleChild(folder, process.pid, process)


def die_with_parent() -> None:
    """In the child before it runs: SIGTERM when the test session that started it dies.

    pytest_sessionfinish stops the schedule, but a session killed by a signal (a CI
    timeout, `kill`) never gets there, and the child went on scanning every minute on the
    machine, its Prefect server with it. SIGTERM is how the schedule is stopped anyway: it
    then stops its server. Linux only (prctl); elsewhere nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _record_exit(process: subprocess.Popen, exit_file: Path) -> None:
    code = process.wait()
    partial = exit_file.with_suffix(".partial")
    partial.write_text(str(code))
    partial.replace(exit_file)  # whole or absent, never half written


def started_elsewhere(folder: Path) -> ScheduleChild | None:
    """The schedule pytest-xdist's controller started in `folder`, if it did."""
    pid = folder / "pid"
    return ScheduleChild(folder, int(pid.read_text())) if pid.exists() else None


def stop_schedule(child: ScheduleChild) -> int:
    """SIGTERM, as systemd stops a service; the exit code."""
    if child.exit_code() is None:
        try:
            os.kill(child.pid, signal.SIGTERM)
        except ProcessLookupError:  # ended just now; its exit code follows
            pass
    if child.process is not None:
        return child.process.wait(timeout=GENEROUS_SECONDS)
    deadline = time.monotonic() + GENEROUS_SECONDS
    while (code := child.exit_code()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"schedule (pid {child.pid}) still running {GENEROUS_SECONDS} s after SIGTERM"
            )
        time.sleep(0.2)
    return code


@pytest.fixture
def schedule_child(request, tmp_path) -> ScheduleChild:
    started = request.config.stash.get(SCHEDULE_KEY, None)
    workerinput = getattr(request.config, "workerinput", {})
    if started is None and "schedule_folder" in workerinput:  # a pytest-xdist worker
        started = started_elsewhere(Path(workerinput["schedule_folder"]))
    if started is None:  # not started with the session (e.g. a plugin reordered things)
        started = start_schedule(tmp_path)
    yield started
    stop_schedule(started)


def test_a_one_minute_cron_produces_a_stored_scan(schedule_child):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    child, log, out, store = (
        schedule_child,
        schedule_child.log,
        schedule_child.out,
        schedule_child.store,
    )
    said = lambda: " ".join(log.read_text(errors="replace").split())  # noqa: E731
    url = _wait_for(lambda: re.search(r"Prefect API (http://127\.0\.0\.1:\d+/api)", said()),
                    "serving message", child)[1]  # fmt: skip
    runs = _wait_for(lambda: _stored_runs(store), "stored scan", child)
    assert runs["registry"].tolist()[:1] == ["nightly"]
    assert str(runs["as_of"].iloc[0])[:10] == date.today().isoformat()  # its run day
    present = _wait_for(lambda: {p.name for p in out.iterdir()} if out.exists() else None,
                        "output folder", child)  # fmt: skip
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_killed_session_does_not_leave_its_child_running(tmp_path):
    """The guard start_schedule gives its child: a parent killed outright (SIGKILL, no
    cleanup at all) takes the child with it."""
    parent = subprocess.Popen(
        [sys.executable, "-c", (
            "import subprocess, sys, time\n"
            "sys.path.insert(0, sys.argv[1])\n"
            "from test_schedule import die_with_parent\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
            " preexec_fn=die_with_parent)\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(600)\n"
        ), str(Path(__file__).parent)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child_pid = int(parent.stdout.readline())
    assert Path(f"/proc/{child_pid}").exists()
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + GENEROUS_SECONDS
    while _alive(child_pid):
        assert time.monotonic() < deadline, f"child {child_pid} outlived its killed parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped (init reaps an orphan's)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
