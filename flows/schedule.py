"""`prescreen schedule`: serve the scan flow on a cron schedule until stopped.

Runs need Prefect's scheduler service: `scheduler_api` supplies a server that has one
(the user's, or a local child server it supervises). Each run screens as of its own day.
"""

from __future__ import annotations

from collections.abc import Callable

import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)

from prescreen.errors import PrescreenError
from prescreen.request import ScanRequest


def checked_cron(cron: str) -> str:
    """`cron` if Prefect accepts it as a cron schedule; else a user error saying how to write it."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError:  # pydantic's ValidationError is one; prescreen does not import pydantic
        raise PrescreenError(
            f'--cron {cron!r} is not a cron schedule: five fields "minute hour day month '
            'weekday", e.g. "0 6 * * 1" (Mondays 06:00) or "*/15 * * * *"'
        ) from None
    return cron


def serve_scans(
    request: ScanRequest, *, cron: str, name: str, note: Callable[[str], None] = print
) -> None:
    """Serve the `scan` deployment `name` on `cron` until Ctrl-C / SIGTERM; one run at a time."""
    from prefect.deployments.runner import EntrypointType
    from prescreen.flows.scan import scan
    from prescreen.flows.server import scheduler_api

    checked_cron(cron)
    with scheduler_api(note) as url:
        note(
            f"serving scan flow '{name}' on cron {cron!r} (Prefect API {url}); "
            f"registry {request.registry!r} (from {request.registry_source}); Ctrl-C stops"
        )
        scan.serve(
            name=name,
            cron=cron,
            parameters=request.parameters(with_dates=False),
            print_starting_message=False,
            limit=1,  # scans of one store never overlap
            entrypoint_type=EntrypointType.MODULE_PATH,  # the installed package, not a file
        )
