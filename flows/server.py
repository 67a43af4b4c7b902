"""The Prefect API a `prescreen` command reports to.

- One-off commands (`run`, `scan`, `newly-eligible`): the user's server when
  `PREFECT_API_URL` is set, else Prefect's API app served from a thread of this process
  (`local_api`). That app has no background services, which one flow run does not need;
  Prefect's own temporary server would start a second Python (~10 s on 2 cores).
- `prescreen schedule` needs the scheduler service, which creates the runs of a cron
  schedule: `scheduler_api` uses the user's server when `PREFECT_API_URL` is set (and
  stops with a clear message when it does not answer), else it starts `prefect server
  start` as a child process with its services, supervises it and stops it on exit.

Offline: everything binds 127.0.0.1. The child server's database lives in a private
folder of the user (`server_home()`, mode 0700), not in the repository or /tmp.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import prescreen.flows.settings as settings

from prescreen.errors import PrescreenError

STARTUP_TIMEOUT_SECONDS = 180
SCHEDULER_LOOP_SECONDS = 10  # a local server: look for runs to create every 10 s, not 60 s


@contextmanager
def local_api() -> Iterator[str]:
    """Yield the API URL flows report to, serving one in-process when none is configured.

    Flows reporting to the in-process API send no heartbeats: a heartbeat tells a server
    that a run's process is alive, and this API lives and dies with that process. Prefect's
    heartbeat thread sleeps in one-second steps, so every flow run waited up to a second for
    it at exit. A setting of None turns it off; the environment cannot express None (Prefect
    3.9 defaults to 180 s), hence the temporary setting.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    server, thread, url = _start_in_process()
    try:
        with temporary_settings({PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield url
    finally:
        _drain_workers()  # send queued logs/events before the API goes away
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def scheduler_api(console_note=print) -> Iterator[str]:  # noqa: ANN001 (a print function)
    """Yield the URL of a Prefect API with a running scheduler (see the module doc)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        if not api_healthy(configured, timeout=10):
            raise PrescreenError(
                f"PREFECT_API_URL={configured} does not answer: start that server "
                "(`prefect server start`) or unset PREFECT_API_URL, and `prescreen schedule` "
                "starts a local one itself"
            )
        yield configured
        return
    home = server_home()
    with _server_lock(home):
        _stop_orphan(home)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        console_note(f"starting a local Prefect server on 127.0.0.1:{port} (database in {home})")
        child = _spawn_server(home, port)
        try:
            _wait_until_healthy(child, url, home)
            os.environ["PREFECT_API_URL"] = url  # flow runs started by serve() inherit it
            with temporary_settings({PREFECT_API_URL: url}):
                yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            _stop(child)


def server_home() -> Path:
    """The private folder (0700) of the local scheduling server's database and log."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    home = Path(os.environ.get("PRESCREEN_SERVER_HOME") or base / "prescreen" / "prefect-server")
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    return home


def api_healthy(url: str, timeout: float = 2.0) -> bool:
    """True when the Prefect API at `url` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def _spawn_server(home: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(settings.OFFLINE_ENVIRONMENT)
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(SCHEDULER_LOOP_SECONDS),
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
    )
    log = (home / "server.log").open("ab")
    os.chmod(home / "server.log", 0o600)
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    try:
        child = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # Ctrl-C reaches prescreen, which stops the server itself
        )  # fmt: skip
    finally:
        log.close()
    (home / "server.pid").write_text(str(child.pid), encoding="utf-8")
    return child


def _stop_orphan(home: Path) -> None:
    """Stop the server a killed `prescreen schedule` left running on this folder's database."""
    pid_file = home / "server.pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return
    if b"prefect" in command and b"server" in command:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)  # let it close the database before a new server opens it
    pid_file.unlink(missing_ok=True)


def _wait_until_healthy(child: subprocess.Popen, url: str, home: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not api_healthy(url):
        if child.poll() is not None:
            raise PrescreenError(
                f"the local Prefect server stopped while starting (exit {child.returncode}); "
                f"its log is {home / 'server.log'}"
            )
        if time.monotonic() > deadline:
            _stop(child)
            raise PrescreenError(
                f"the local Prefect server did not answer within {STARTUP_TIMEOUT_SECONDS} s; "
                f"its log is {home / 'server.log'}"
            )
        time.sleep(0.5)


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@contextmanager
def _server_lock(home: Path) -> Iterator[None]:
    """One local scheduling server per folder: a second `prescreen schedule` is told why."""
    import fcntl

    with (home / "server.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise PrescreenError(
                f"another `prescreen schedule` ({holder}) runs the local Prefect server in "
                f"{home}; stop it, or give this one its own folder with PRESCREEN_SERVER_HOME"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _drain_workers() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=5)
        except RuntimeError:  # never started
            pass


def _start_in_process():
    os.environ["PREFECT__SERVER_EPHEMERAL"] = "1"  # no UI, no background services
    import uvicorn
    from prefect.server.api.server import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(ephemeral=True), host="127.0.0.1", port=port, log_level="error", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="prefect-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the local Prefect API did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}/api"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
