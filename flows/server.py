"""A Prefect API for one `prescreen` command: the user's server, or one in this process.

With `PREFECT_API_URL` set (a `prefect server start`, or the test harness) flows report
there. Otherwise Prefect would start its temporary server as a *subprocess*, which costs
~10 s on a 2-core machine (a second Python importing Prefect's server). Serving the same
ASGI app from a thread of this process reuses the modules already imported and costs
~4 s; its SQLite database lives under PREFECT_HOME (see `settings`). Offline: it binds
127.0.0.1 on a free port and stops when the command ends.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)

STARTUP_TIMEOUT_SECONDS = 60


@contextmanager
def local_api() -> Iterator[str]:
    """Yield the API URL flows report to, serving one in-process when none is configured."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    server, thread, url = _start_server()
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        _drain_workers()  # send queued logs/events before the API goes away
        server.should_exit = True
        thread.join(timeout=10)


def _drain_workers() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=5)
        except RuntimeError:  # never started
            pass


def _start_server():
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
