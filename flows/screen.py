"""The `screen` flow: load → validate → evaluate → report, one Prefect task per stage.

Each task is one call into `prescreen.pipeline` (the functions `prescreen run` used
before flows existed), so the flow and the library give identical outputs.

Where the data lives between tasks:
- default (one process, Prefect's thread-pool runner): the flow opens one DuckDB
  connection (a temporary DuckDB file, or `db_path`: see `prescreen.database.database_file`)
  and hands it to the tasks in-process. Tasks run
  one after another in threads of this process, so the connection is never used by two
  threads at once, and nothing is copied to disk that `prescreen run` did not copy before.
- `partitions > 1` (e.g. on a Dask cluster): the load task writes the same DuckDB file,
  the flow closes it, and each evaluate task
  opens it read-only and evaluates its share of persons (`person_id % partitions`);
  the shares are concatenated in the single-process order. A DuckDB connection never
  crosses a task boundary there. Workers need the file path: on a multi-machine cluster
  put `db_path` and `--out` on a shared filesystem.

Only paths, dates, trial ids, parameter names and counts reach Prefect (flow parameters,
logs, artifacts): never person ids or clinical values. Task results are not persisted.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prescreen.flows.partition import combined_result, partition_connection, partition_result

from prescreen import pipeline
from prescreen.database import database_file, open_database
from prescreen.errors import PrescreenError
from prescreen.outputs import MANIFEST, WORKLIST_LIMIT, staged_output
from prescreen.provenance import provenance
from prescreen.report.options import ReportOptions
from prescreen.status import patient_status, status_counts, store_results

IO_RETRIES = 2
IO_RETRY_DELAY_SECONDS = 1


def _only_io_errors(task_, task_run, state) -> bool:  # noqa: ANN001 (Prefect's callback)
    """Retry a task only when it failed on I/O (OSError); bad data is never retried."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:  # noqa: BLE001 - any other failure is final
        return False
    return False


_TASK = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": IO_RETRY_DELAY_SECONDS,
    "retry_condition_fn": _only_io_errors,
    "cache_policy": NO_CACHE,
    "persist_result": False,
}


@dataclass
class ScreenRun:
    """What a screen produced, in memory only (never persisted by Prefect)."""

    provenance: dict[str, Any]
    load_report: Any
    screen: pipeline.ScreenResult
    timings: dict[str, float] = field(default_factory=dict)
    worklist: Any = None  # report.WorklistSelection: who worklist.xlsx lists (None: no worklist)


@task(name="load-validate", **_TASK)
def load_validate(
    con: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    as_of: date,
    max_quarantine: float,
    folder: Path,
    out_dir: Path,
):
    """Load + validate the extract into `con`; validation.csv/quarantine.csv into `folder`."""
    from prescreen.extract import write_validation_outputs

    report = pipeline.load_or_write_validation(
        con, extract_dir, as_of, max_quarantine, folder, out_dir, None
    )
    write_validation_outputs(report, con, folder)
    get_run_logger().info("loaded %d input files from %s", len(report.input_files), extract_dir)
    return report


@task(name="evaluate", **_TASK)
def evaluate(
    con: duckdb.DuckDBPyConnection,
    trial_ref: str,
    overrides: dict[str, str],
    as_of: date,
    engine: str,
) -> pipeline.ScreenResult:
    """Every criterion for every person, and each person's status (one process)."""
    from prescreen.criteria.parse import load_trial

    trial = load_trial(trial_ref, overrides)
    screen = pipeline.screen_stage(con, trial, as_of, engine)
    get_run_logger().info("evaluated %d persons", len(screen.patients))
    return screen


@task(name="evaluate-partition", **_TASK)
def evaluate_partition(
    db_file: Path,
    trial_ref: str,
    overrides: dict[str, str],
    as_of: date,
    engine: str,
    part: int,
    parts: int,
) -> pd.DataFrame:
    """criterion_result of one person partition, read from the DuckDB file (read-only)."""
    return partition_result(db_file, trial_ref, overrides, as_of, engine, part, parts)


@task(name="sweep", **_TASK)
def sweep(
    con: duckdb.DuckDBPyConnection,
    trial_ref: str,
    overrides: dict[str, str],
    sweeps: dict[str, list[str]],
    as_of: date,
    engine: str,
) -> pd.DataFrame | None:
    """Status counts per swept parameter value (None without --sweep)."""
    return pipeline.sweep_stage(con, trial_ref, overrides, sweeps, as_of, engine)


@task(name="report", **_TASK)
def report(
    folder: Path,
    run: ScreenRun,
    options: ReportOptions,
    con: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, Any], Any]:
    """patients.csv, criteria.csv, the reports and run.json into the staging folder.

    `con`: the screen's connection, open (every output reads its tables). Returns the
    provenance and who the worklist lists (None without a worklist).
    """
    from prescreen.report import write_reports

    pipeline.write_patient_files(folder, run.screen, con, options)
    tick = time.perf_counter()
    written = write_reports(
        folder,
        con,
        trial=run.screen.trial,
        provenance=run.provenance,
        load_report=run.load_report,
        sweep=run.screen.sweep,
        options=options,
    )
    selection = written.worklist if options.worklist else None
    run.timings["report"] = time.perf_counter() - tick
    prov = dict(run.provenance)
    prov["timings_seconds"] = {k: round(v, 3) for k, v in run.timings.items()}
    (folder / MANIFEST).write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    logger = get_run_logger()
    logger.info("wrote outputs: %s", ", ".join(sorted(p.name for p in folder.iterdir())))
    if selection is not None and not selection.complete:
        logger.info(selection.note())  # counts only
    return prov, selection


@task(name="publish-artifacts", cache_policy=NO_CACHE, persist_result=False)
def publish_artifacts(folder: Path, trial_id: str, as_of: date) -> None:
    """The suppressed aggregates (funnel.csv, sites.csv) as Prefect table artifacts."""
    for name in ("funnel", "sites"):
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        create_table_artifact(
            table=table.to_dict(orient="records"),
            key=_artifact_key(f"{trial_id}-{name}"),
            description=f"{name}.csv of {trial_id} as of {as_of} (small cells suppressed)",
        )
    counts = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("counts", {})
    lines = [f"# {trial_id} screen as of {as_of}", "", "| status | patients |", "|---|---:|"]
    lines += [f"| {k} | {_suppressed(v)} |" for k, v in counts.items()]
    create_markdown_artifact(
        markdown="\n".join(lines) + "\n",
        key=_artifact_key(f"{trial_id}-summary"),
        description="status counts (small cells suppressed)",
    )


def screen_into(
    folder: Path,
    *,
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    as_of: date,
    engine: str = "sql",
    overrides: Sequence[str] = (),
    sweeps: Sequence[str] = (),
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    db_path: Path | None = None,
    partitions: int = 1,
    worklist: bool = True,
    worklist_limit: int = WORKLIST_LIMIT,
    reasons: bool = False,
) -> ScreenRun:
    """Run the four stage tasks, writing every output file into the staging `folder`.

    `reasons`: also compute each patient's change reasons (`screen.reasons`, for scans)
    while the results are still at hand.
    """
    from prescreen.criteria.parse import load_trial, trial_hash

    if worklist_limit < 0:
        raise PrescreenError(
            f"--worklist-limit {worklist_limit}: give 0 (no limit) or a number of patients"
        )
    started_at = datetime.now(UTC)
    override_map = {k: v[-1] for k, v in pipeline.parse_assignments(overrides, "--set").items()}
    sweep_map = pipeline.parse_assignments(sweeps, "--sweep")
    trial_def = load_trial(trial, override_map)  # criteria errors before any data is read
    options = ReportOptions(min_cell=min_cell, worklist=worklist, worklist_limit=worklist_limit)
    timings: dict[str, float] = {}
    with database_file(db_path) as db_file:
        con = open_database(db_file)
        try:
            tick = time.perf_counter()
            load = load_validate(con, extract_dir, as_of, max_quarantine, folder, out_dir)
            timings["load_validate"] = time.perf_counter() - tick
            tick = time.perf_counter()
            if partitions > 1:
                con.close()  # the file is complete: partitions open it read-only
                con, screen = _partitioned(
                    db_file, trial, override_map, as_of, engine, partitions, trial_def
                )
            else:
                screen = evaluate(con, trial, override_map, as_of, engine)
                timings["screen"] = time.perf_counter() - tick
                tick = time.perf_counter()
                # criteria.csv comes from DuckDB while the connection is open
                pipeline.write_patient_files(folder, screen, con, options)
                timings["write_results"] = time.perf_counter() - tick
            timings.setdefault("screen", time.perf_counter() - tick)
            if reasons:
                screen.reasons = pipeline.patient_reasons(screen, con)
            tick = time.perf_counter()
            screen.sweep = sweep(con, trial, override_map, sweep_map, as_of, engine)
            timings["sweep"] = time.perf_counter() - tick
            prov = provenance(
                trial_id=trial_def.id,
                trial_version=trial_def.version,
                criteria_hash=trial_hash(trial_def),
                parameters={k: p.default for k, p in trial_def.parameters.items()},
                overrides=override_map,
                as_of=as_of,
                engine=engine,
                input_files=load.input_files,
                counts=status_counts(screen.patients),
                started=started_at,
            )
            run = ScreenRun(provenance=prov, load_report=load, screen=screen, timings=timings)
            # before closing: with results in DuckDB the worklist reads its evidence there
            run.provenance, run.worklist = report(folder, run, options, con)
        finally:
            con.close()
    return run


def _partitioned(db_file, trial_ref, overrides, as_of, engine, parts, trial_def):
    """Submit one evaluate task per partition; returns (read-only connection, ScreenResult)."""
    futures = [
        evaluate_partition.submit(db_file, trial_ref, overrides, as_of, engine, part, parts)
        for part in range(parts)
    ]
    results = combined_result([f.result() for f in futures])
    con = partition_connection(db_file)
    store_results(con, results)  # one result form: the table every report reads
    patients = patient_status(con, trial_def.criterion_ids())
    return con, pipeline.ScreenResult(trial=trial_def, patients=patients)


@flow(name="screen", persist_result=False, validate_parameters=True)
def screen(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    as_of: date,
    engine: str = "sql",
    overrides: list[str] | None = None,
    sweeps: list[str] | None = None,
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    db_path: Path | None = None,
    partitions: int = 1,
    worklist: bool = True,
    worklist_limit: int = WORKLIST_LIMIT,
) -> ScreenRun:
    """Screen `extract_dir` against `trial` as of `as_of`; outputs appear in `out_dir` whole.

    `worklist_limit`: at most this many patients in worklist.xlsx (0 = as many as Excel's
    sheets hold); the full list is always in patients.csv / criteria.csv.
    """
    with staged_output(out_dir) as folder:
        run = screen_into(
            folder,
            trial=trial,
            extract_dir=extract_dir,
            out_dir=out_dir,
            as_of=as_of,
            engine=engine,
            overrides=overrides or [],
            sweeps=sweeps or [],
            min_cell=min_cell,
            max_quarantine=max_quarantine,
            db_path=db_path,
            partitions=partitions,
            worklist=worklist,
            worklist_limit=worklist_limit,
        )
    publish_artifacts(out_dir, run.provenance["trial"]["id"], as_of)
    return run


def _artifact_key(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _suppressed(value: Any) -> str:
    return "<5" if isinstance(value, int) and 0 < value < 5 else str(value)


def task_runner(runner: str, address: str | None):
    """The Prefect task runner for `--runner`: threads in this process, or a Dask cluster."""
    if runner == "local":
        return None
    if runner != "dask":
        from prescreen.errors import PrescreenError

        raise PrescreenError(f"--runner {runner!r}: choose local or dask")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        from prescreen.errors import PrescreenError

        raise PrescreenError(
            "--runner dask needs prefect-dask: pip install 'prescreen[dask]'"
        ) from None
    return DaskTaskRunner(address=address) if address else DaskTaskRunner()


def run_screen(*, runner: str = "local", address: str | None = None, **params: Any) -> ScreenRun:
    """`prescreen run`: the screen flow against the configured or an in-process Prefect API."""
    from prescreen.flows.server import local_api

    chosen = task_runner(runner, address)
    flow_ = screen if chosen is None else screen.with_options(task_runner=chosen)
    with local_api():
        return flow_(**params)
