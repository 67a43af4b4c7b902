"""The `scan` flow: screen the newest extract, write changes.csv, record the run.

Order (crash safety, see `prescreen.scan`): the store is checked first (a long screen
must not end on a locked store); every output goes into the staging folder; the folder is
swapped into `--out`; then the run is recorded in the store in one transaction.
"""

from datetime import date
from pathlib import Path

import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow, get_run_logger, task
from prescreen.flows import tasks
from prescreen.flows.screen import inputs_of, screen_into

from prescreen import scan as scans
from prescreen import store
from prescreen.outputs import staged_output
from prescreen.request import ScanRequest


@task(name="check-store", **tasks._options())
def check_store(request: ScanRequest) -> None:
    """Fail now, before screening, when the store cannot be written (bounded wait)."""
    store.check_writable(request.store_path, request.store_wait_seconds)


@task(name="record-run", **tasks._options())
def record_run(request: ScanRequest, row: dict, run) -> None:  # noqa: ANN001 (ScreenRun)
    """Write the run and its patient rows to the store in one transaction."""
    scans.recorded(request, row, scans.current_statuses(run))
    get_run_logger().info("stored run %s (%d patients)", row["run_id"], row["screened"])


@flow(name="scan", persist_result=False)
def scan(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    store_path: Path,
    index_date: date | None = None,
    extract_date: date | None = None,
    registry: str | None = None,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    store_wait_seconds: float = store.DEFAULT_WAIT_SECONDS,
    exact_concepts: bool = False,
) -> scans.ScanResult:
    """Screen the newest extract as of `index_date` (default today); list what changed."""
    request = scans.scan_request(**locals())  # the parameters are scan_request's, one for one
    logger = get_run_logger()
    logger.info("registry %r (from %s)", request.registry, request.registry_source)
    check_store(request)
    inputs = (*inputs_of(request.screen), request.store_path)
    with staged_output(request.screen.out_dir, inputs=inputs) as folder:
        run = screen_into(folder, request.screen, command="scan", reasons=True)
        row = scans.run_record(run, request)
        before, counts = scans.changes_written(folder, request, row, scans.current_statuses(run))
        run.manifest.extra.update(scans.scan_manifest_keys(request, row))
        run.manifest.write(folder)
    record_run(request, row, run)
    tasks.publish_artifacts(request.screen.out_dir, request.screen.trial.id)
    logger.info("changes since run %s: %s", before or "none", counts)
    return scans.ScanResult(screen=run, run=row, previous_run=before, change_counts=counts)
