"""The Prefect tasks the flows share: each is one call into `prescreen.stages`.

Tasks retry only on I/O (`OSError`: a share that blinked), never on bad data or a bug;
results are never persisted (they hold patient rows). Only paths, dates, trial ids and
counts reach Prefect's logs and artifacts.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from prescreen import stages
from prescreen.partition import PartitionResult, partition_result
from prescreen.request import ScreenRequest

IO_RETRIES = 2
IO_RETRY_DELAY_SECONDS = 1
PUBLISHED_TABLES = ("funnel", "sites")  # suppressed files the report stage writes


def _only_io_errors(task_, task_run, state) -> bool:  # noqa: ANN001 (Prefect's callback)
    """Retry a task only when it failed on I/O (OSError); bad data is never retried."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:  # noqa: BLE001 - any other failure is final
        return False
    return False


def _options() -> dict:
    return {
        "retries": IO_RETRIES,
        "retry_delay_seconds": IO_RETRY_DELAY_SECONDS,
        "retry_condition_fn": _only_io_errors,
        "cache_policy": NO_CACHE,
        "persist_result": False,
    }


@task(name="load-validate", **_options())
def load_validate(run: stages.ScreenRun, con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Load + validate the extract into `con`; validation files into `folder`."""
    report = stages.load_validated(run, con, folder)
    get_run_logger().info(
        "loaded %d input files from %s", len(report.input_files), run.request.extract_dir
    )


@task(name="evaluate", **_options())
def evaluate(run: stages.ScreenRun, con: duckdb.DuckDBPyConnection) -> None:
    """Every criterion for every person and each person's status (one process)."""
    screen = stages.screened(run, con)
    get_run_logger().info("evaluated %d persons", len(screen.patients))


@task(name="evaluate-partition", **_options())
def evaluate_partition(db_file: Path, request: ScreenRequest, part: int) -> PartitionResult:
    """criterion_result and person_limb of one person partition, read from the DuckDB
    file (read-only)."""
    return partition_result(db_file, request, part)


@task(name="write-results", **_options())
def write_results(run: stages.ScreenRun, folder: Path, con: duckdb.DuckDBPyConnection) -> None:
    """patients.csv and criteria.csv."""
    stages.results_written(run, folder, con)


@task(name="sweep", **_options())
def sweep(run: stages.ScreenRun, con: duckdb.DuckDBPyConnection) -> None:
    """Status counts per swept parameter value (nothing without --sweep)."""
    stages.swept(run, con)


@task(name="report", **_options())
def report(run: stages.ScreenRun, folder: Path, con: duckdb.DuckDBPyConnection | None) -> None:
    """The reports, worklist.xlsx and run.json into the staging folder."""
    stages.reports_written(run, folder, con)
    logger = get_run_logger()
    logger.info("wrote outputs: %s", ", ".join(sorted(p.name for p in folder.iterdir())))
    if run.worklist is not None and not run.worklist.complete:
        logger.info(run.worklist.note())  # counts only


@task(name="publish-artifacts", cache_policy=NO_CACHE, persist_result=False)
def publish_artifacts(out_dir: Path, trial_id: str) -> None:
    """The suppressed tables of report.html as Prefect artifacts, read from the files the
    report stage wrote (funnel.csv, sites.csv, summary.json): counts are never recomputed,
    so the Prefect UI shows exactly what the report shows, with its --min-cell."""
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    index_date = summary["provenance"].get("index_date") or summary["provenance"].get("as_of")
    min_cell = summary["suppression"]["min_cell"]
    for name in PUBLISHED_TABLES:
        table = pd.read_csv(out_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        create_table_artifact(
            table=table.to_dict(orient="records"),
            key=artifact_key(f"{trial_id}-{name}"),
            description=f"{name}.csv of {trial_id} as of {index_date} (counts 1-{min_cell - 1} "
            "suppressed, as in report.html)",
        )
    lines = [f"# {trial_id} screen as of {index_date}", "", "| status | patients |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in summary["headline"].items()]
    lines += ["", f"Counts 1-{min_cell - 1} show as `<{min_cell}`; `*` hides a count that would "
              "reveal one (as in report.html)."]  # fmt: skip
    create_markdown_artifact(
        markdown="\n".join(lines) + "\n",
        key=artifact_key(f"{trial_id}-summary"),
        description="status counts from summary.json (small cells suppressed)",
    )


@task(name="publish-forecast", cache_policy=NO_CACHE, persist_result=False)
def publish_forecast(out_dir: Path, trial_id: str, months: int) -> None:
    """forecast.csv (already suppressed) as a Prefect table artifact."""
    table = pd.read_csv(out_dir / "forecast.csv", dtype=str, keep_default_na=False)
    create_table_artifact(
        table=table.to_dict(orient="records"),
        key=artifact_key(f"{trial_id}-forecast"),
        description=f"newly eligible per site and past month, {months} months (suppressed)",
    )


def artifact_key(text: str) -> str:
    """Prefect artifact keys: lower-case letters, digits and dashes."""
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
