"""What the CLI commands that go through flows print around them (rich, counts only)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rich.console import Console

from prescreen.errors import PrescreenError


class _NoUserErrorTracebacks(logging.Filter):
    """Drop the traceback Prefect logs for a user error: the CLI prints it once, plainly."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PrescreenError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_user_errors(debug: bool) -> None:
    """Unless --debug, Prefect's run loggers log user errors without their traceback."""
    if debug:
        return
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect.engine"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoUserErrorTracebacks) for f in logger.filters):
            logger.addFilter(_NoUserErrorTracebacks())


def _debug() -> bool:
    from prescreen.cli import _state

    return bool(_state.get("debug"))


def run_and_print(console: Console, **params: Any) -> dict[str, Any]:
    """`prescreen run` through the screen flow; prints the validation summary and counts."""
    from prescreen.flows.screen import run_screen

    from prescreen.extract import print_validation_summary
    from prescreen.pipeline import print_counts

    quiet_user_errors(_debug())
    run = run_screen(**params)
    print_validation_summary(run.load_report, console)
    print_counts(
        console, run.provenance["counts"], Path(params["out_dir"]), _worklist_note(run.worklist)
    )
    return run.provenance


def _worklist_note(selection: Any) -> str | None:
    """The console line saying the worklist is capped (None when it lists everyone)."""
    return None if selection is None or selection.complete else selection.note()


def scan_and_print(console: Console, **params: Any) -> None:
    """`prescreen scan` through the scan flow; prints counts and change counts."""
    from prescreen.flows.scan import scan
    from prescreen.flows.server import local_api

    from prescreen.pipeline import print_counts

    quiet_user_errors(_debug())
    with local_api():
        result = scan(**params)
    print_counts(
        console,
        result.screen.provenance["counts"],
        Path(params["out_dir"]),
        _worklist_note(result.screen.worklist),
    )
    since = result.previous_run or "no previous run"
    shown = ", ".join(f"{k} {v}" for k, v in result.change_counts.items()) or "none"
    console.print(f"run {result.run['run_id']}; changes since {since}: {shown} (changes.csv)")


def print_history(console: Console, store_path: Path, trial: str | None) -> None:
    """`prescreen history`: the store's runs as a rich table, oldest first."""
    from rich.table import Table

    from prescreen.store import run_history

    runs = run_history(store_path, trial)
    table = Table(title=f"Runs in {store_path}", show_header=True)
    columns = ["run_id", "trial_id", "registry", "as_of", "started_at", "screened"]
    columns += ["likely_eligible", "needs_review", "ineligible"]
    for column in columns:
        table.add_column(column, justify="right" if column in columns[5:] else "left")
    for row in runs.itertuples(index=False):
        table.add_row(
            row.run_id,
            row.trial_id,
            row.registry,
            str(row.as_of)[:10],
            str(row.started_at)[:19],
            *(str(getattr(row, c)) for c in columns[5:]),
        )
    console.print(table)
    if runs.empty:
        console.print("no runs yet: prescreen scan --trial … --extract … --store …")


def serve_schedule(console: Console, *, cron: str, name: str, **params: Any) -> None:
    """`prescreen schedule`: serve the scan flow on a cron schedule until interrupted."""
    from prefect.deployments.runner import EntrypointType
    from prescreen.flows.scan import scan
    from prescreen.flows.server import local_api

    with local_api() as url:
        console.print(
            f"serving scan flow '{name}' on cron {cron!r} (Prefect API {url}); Ctrl-C stops"
        )
        scan.serve(
            name=name,
            cron=cron,
            parameters=_jsonable(params),
            print_starting_message=False,
            entrypoint_type=EntrypointType.MODULE_PATH,  # the installed package, not a file
        )


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in params.items() if v is not None}


def forecast_and_print(console: Console, **params: Any) -> None:
    """`prescreen forecast` through the forecast flow; prints the published table."""
    from prescreen.flows.forecast import forecast
    from prescreen.flows.server import local_api
    from rich.table import Table

    quiet_user_errors(_debug())
    with local_api():
        published = forecast(**params)
    table = Table(title="Newly eligible per site and month (small cells suppressed)")
    for column in published.columns:
        table.add_column(column, justify="right" if column == "newly_eligible" else "left")
    for row in published.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    console.print(f"outputs in {params['out_dir']}/ (forecast.csv, forecast.html, forecast.svg, run.json)")
