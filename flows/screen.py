"""The `screen` flow: load → validate → evaluate → report, one Prefect task per stage.

Where the data lives between tasks:
- default (one process): one DuckDB connection on a temporary file in the run's private
  folder (`prescreen.database.working_database`), handed to the tasks in-process; they run
  one after another in this thread, so it is never used by two threads at once.
- `partitions > 1` (e.g. on a Dask cluster): the load task fills the DuckDB file, the flow
  closes it, and each evaluate-partition task opens it read-only for its share of persons
  (`person_id % partitions`). On several machines put `db_path` and `--out` on a shared
  filesystem.
"""

from datetime import date
from pathlib import Path

import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow
from prescreen.flows import tasks

from prescreen import stages
from prescreen.database import working_files
from prescreen.outputs import WORKLIST_LIMIT, staged_output
from prescreen.request import ScreenRequest, screen_request


@flow(name="screen", persist_result=False, validate_parameters=True)
def screen(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    index_date: date,
    extract_date: date | None = None,
    engine: str = "sql",
    overrides: list[str] | None = None,
    sweeps: list[str] | None = None,
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    db_path: Path | None = None,
    partitions: int = 1,
    worklist: bool = True,
    worklist_limit: int = WORKLIST_LIMIT,
    round_to: int = 0,
    worklist_per_site: bool = False,
    csv_bom: bool = False,
    criteria_csv: str = "auto",
    evidence: str = "auto",
    exact_concepts: bool = False,
) -> stages.ScreenRun:
    """Screen `extract_dir` against `trial` as of `index_date`; outputs appear in `out_dir` whole."""
    request = screen_request(**locals())  # the parameters are screen_request's, one for one
    with staged_output(request.out_dir, inputs=inputs_of(request)) as folder:
        run = screen_into(folder, request)
    tasks.publish_artifacts(request.out_dir, request.trial.id)
    return run


def screen_into(
    folder: Path, request: ScreenRequest, *, command: str = "run", reasons: bool = False
) -> stages.ScreenRun:
    """The stage tasks, writing every output file into the staging `folder`.

    `reasons`: also compute each patient's change reasons (for scans) while the results
    are at hand.
    """
    run = stages.begin(request, command)
    with working_files(request.db_path) as files:
        con = files.connect()
        try:
            tasks.load_validate(run, con, folder)
            if request.partitions > 1:
                con.close()  # the file is complete: partitions open it read-only
                con = _partitioned(run, files.db_file)
            else:
                tasks.evaluate(run, con)
            tasks.write_results(run, folder, con)
            if reasons:
                stages.change_reasons(run, con)
            tasks.sweep(run, con)
            tasks.report(run, folder, con)  # before closing: the worklist reads evidence there
        finally:
            con.close()
    return run


def _partitioned(run: stages.ScreenRun, db_file: Path):
    """One evaluate task per partition; returns a read-only connection on the file."""
    from prescreen.partition import partition_connection

    with run.timed("screen"):
        futures = [
            tasks.evaluate_partition.submit(db_file, run.request, part)
            for part in range(run.request.partitions)
        ]
        parts = [future.result() for future in futures]
    con = partition_connection(db_file)
    stages.combined(run, con, parts)
    return con


def inputs_of(request: ScreenRequest) -> tuple[Path | None, ...]:
    """What `--out` must never contain: it is replaced as a whole."""
    return (request.extract_dir, request.db_path)
