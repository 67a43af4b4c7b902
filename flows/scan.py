"""The `scan` flow: screen the latest extract, store per-patient status, write changes.csv.

Order matters for crash safety: every output (the screen's files and changes.csv) is
written into the staging folder; then the run is recorded in the results store in one
transaction; then the folder is swapped into `--out`. Killed before the commit: neither
changed. Killed between commit and swap: the store holds the run, `--out` the previous
complete output; the rerun gets the same run id (same inputs), replaces the run and
writes the same changes.csv, because a run is never compared with itself.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow, get_run_logger, task
from prescreen.flows.screen import _TASK, ScreenRun, publish_artifacts, screen_into

from prescreen import store
from prescreen.changes import CHANGE_COLUMNS, status_changes
from prescreen.errors import PrescreenError
from prescreen.outputs import staged_output

CHANGES_FILE = "changes.csv"


@dataclass
class ScanRun:
    """A scan's screen plus its store record and change counts (in memory only)."""

    screen: ScreenRun
    run: dict[str, Any]
    previous_run: str | None
    change_counts: dict[str, int]


def latest_extract(path: Path) -> Path:
    """`path` if it holds a person table, else its newest subfolder that does (by name).

    Lets a schedule point at a folder the registry drops dated extracts into
    (`extracts/2026-11-01/`, `extracts/2026-12-01/`, …).
    """
    if any(path.glob("person.*")):
        return path
    candidates = sorted(p for p in path.iterdir() if p.is_dir() and any(p.glob("person.*")))
    if not candidates:
        raise PrescreenError(
            f"--extract {path}: no person table there or in a subfolder; point it at an extract"
        )
    return candidates[-1]


@task(name="previous-status", **_TASK)
def previous_status(
    store_path: Path, trial_id: str, registry: str, as_of: date, this_run: str
) -> tuple[str | None, pd.DataFrame | None]:
    """The run this scan is compared with and its patient rows (None, None for a first run)."""
    if not store_path.exists():
        return None, None
    con = store.open_store(store_path, read_only=True)
    try:
        before = store.previous_run(
            con, trial_id=trial_id, registry=registry, as_of=as_of, this_run=this_run
        )
        return before, (store.run_statuses(con, before) if before else None)
    finally:
        con.close()


@task(name="record-run", **_TASK)
def record_run(store_path: Path, run: dict[str, Any], statuses: pd.DataFrame) -> None:
    """Write the run and its patient rows to the store in one transaction."""
    store.record_run(store_path, run, statuses)
    get_run_logger().info(
        "stored run %s (%d patients) in %s", run["run_id"], len(statuses), store_path
    )


def run_record(screen: ScreenRun, registry: str, engine: str) -> dict[str, Any]:
    """The `runs` row of a screen (counts from its provenance)."""
    prov = screen.provenance
    inputs = prov["input_files_sha256"]
    as_of = date.fromisoformat(prov["as_of"])
    return {
        "run_id": store.run_id(
            trial_id=prov["trial"]["id"],
            criteria_sha256=prov["trial"]["criteria_sha256"],
            registry=registry,
            as_of=as_of,
            input_files=inputs,
            engine=engine,
        ),
        "trial_id": prov["trial"]["id"],
        "trial_version": prov["trial"]["version"],
        "registry": registry,
        "as_of": as_of,
        "started_at": datetime.fromisoformat(prov["started_at"]),
        "finished_at": datetime.fromisoformat(
            prov.get("finished_at") or datetime.now(UTC).isoformat()
        ),
        "criteria_sha256": prov["trial"]["criteria_sha256"],
        "inputs_sha256": store.inputs_sha256(inputs),
        "engine": engine,
        **{
            k: prov["counts"][k]
            for k in ("screened", "likely_eligible", "needs_review", "ineligible")
        },
    }


@flow(name="scan", persist_result=False)
def scan(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    store_path: Path,
    as_of: date | None = None,
    registry: str | None = None,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
) -> ScanRun:
    """Screen the latest extract as of `as_of` (default today); store it; list what changed."""
    extract = latest_extract(extract_dir)
    registry = (
        registry or (extract_dir if extract == extract_dir else extract.parent).resolve().name
    )
    as_of = as_of or date.today()
    with staged_output(out_dir) as folder:
        screen = screen_into(
            folder,
            trial=trial,
            extract_dir=extract,
            out_dir=out_dir,
            as_of=as_of,
            engine=engine,
            min_cell=min_cell,
            max_quarantine=max_quarantine,
            reasons=True,  # computed where the results are (DuckDB for large registries)
        )
        run = run_record(screen, registry, engine)
        current = screen.screen.patients.merge(screen.screen.reasons, on="person_id", how="left")
        current["reasons"] = current["reasons"].fillna("")
        before, previous = previous_status(
            store_path, run["trial_id"], registry, as_of, run["run_id"]
        )
        changes = status_changes(previous, current)
        changes[CHANGE_COLUMNS].to_csv(folder / CHANGES_FILE, index=False)
        record_run(store_path, run, current)
    publish_artifacts(out_dir, run["trial_id"], as_of)
    counts = {k: int(v) for k, v in changes["change"].value_counts().sort_index().items()}
    get_run_logger().info("changes since run %s: %s", before or "none", counts)
    return ScanRun(screen=screen, run=run, previous_run=before, change_counts=counts)
