"""What the CLI calls: one flow run per request, against the configured or an in-process API.

The CLI has built and checked the request already (a bad trial fails before Prefect
starts); the flow gets the request's JSON-able parameters, as a deployment would, and
rebuilds it without parsing the trial again (`request.parsed_trial` remembers it).
"""

from __future__ import annotations

import logging

import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)

from prescreen.errors import PrescreenError
from prescreen.request import ForecastRequest, ScanRequest, ScreenRequest
from prescreen.scan import ScanResult
from prescreen.stages import ScreenRun


def screened(
    request: ScreenRequest, *, runner: str = "local", address: str | None = None
) -> ScreenRun:
    """`prescreen run`: the screen flow on threads of this process, or on a Dask cluster."""
    from prescreen.flows.screen import screen
    from prescreen.flows.server import local_api

    chosen = task_runner(runner, address)
    flow_ = screen if chosen is None else screen.with_options(task_runner=chosen)
    with local_api():
        return flow_(**request.parameters())


def scanned(request: ScanRequest) -> ScanResult:
    """`prescreen scan`: the scan flow."""
    from prescreen.flows.scan import scan
    from prescreen.flows.server import local_api

    with local_api():
        return scan(**request.parameters())


def newly_eligible(request: ForecastRequest) -> pd.DataFrame:
    """`prescreen newly-eligible` (alias `forecast`): the forecast flow; the published table."""
    from prescreen.flows.forecast import forecast
    from prescreen.flows.server import local_api

    with local_api():
        return forecast(**request.parameters())


def task_runner(runner: str, address: str | None):
    """The Prefect task runner for `--runner`: threads in this process, or a Dask cluster."""
    if runner == "local":
        return None
    if runner != "dask":
        raise PrescreenError(f"--runner {runner!r}: choose local or dask")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise PrescreenError(
            "--runner dask needs prefect-dask: pip install 'prescreen[dask]'"
        ) from None
    return DaskTaskRunner(address=address) if address else DaskTaskRunner()


class _NoUserErrorTracebacks(logging.Filter):
    """Drop the traceback Prefect logs for a user error: the CLI prints it once, plainly."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PrescreenError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_user_errors(debug: bool) -> None:
    """Unless --debug, Prefect's run loggers record user errors without their traceback."""
    if debug:
        return
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect.engine"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoUserErrorTracebacks) for f in logger.filters):
            logger.addFilter(_NoUserErrorTracebacks())
