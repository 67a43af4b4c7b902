"""A registry scan, as library code: which extract, which registry, the store row, changes.csv.

Order, for crash safety (the flow follows it): every output (the screen's files and
changes.csv) is written into the staging folder; the folder is swapped into `--out`; then
the run is recorded in the results store in one transaction. Killed before the swap:
nothing changed. Killed between swap and commit: `--out` holds the new complete output
and the store does not know the run yet, so the rerun compares with the same previous
run and writes the same changes.csv — no change is ever lost from changes.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from prescreen import progress, store
from prescreen.cdm_source import cdm_source_abbreviation
from prescreen.changes import CHANGE_COLUMNS, status_changes
from prescreen.errors import PrescreenError
from prescreen.request import ScanRequest, registry_label, screen_request
from prescreen.stages import ScreenRun

CHANGES_FILE = "changes.csv"
_PERSON_FILES = ("person.csv", "person.csv.gz", "person.parquet")


@dataclass
class ScanResult:
    """A scan's screen plus its store record and change counts (in memory only)."""

    screen: ScreenRun
    run: dict[str, Any]
    previous_run: str | None
    change_counts: dict[str, int]


def scan_request(
    *,
    trial: str,
    extract_dir: str | Path,
    out_dir: str | Path,
    store_path: str | Path,
    index_date: str | date | None = None,
    extract_date: str | date | None = None,
    registry: str | None = None,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    store_wait_seconds: float = store.DEFAULT_WAIT_SECONDS,
    exact_concepts: bool = False,
) -> ScanRequest:
    """The scan of the newest extract under `extract_dir` as of `index_date` (default today)."""
    folder = Path(extract_dir).resolve()
    extract = latest_extract(folder)
    name, source = registry_of(folder, extract, registry)
    if store_wait_seconds < 0:
        raise PrescreenError(f"--store-wait {store_wait_seconds}: give 0 or more seconds")
    screen = screen_request(
        trial=trial,
        extract_dir=extract,
        out_dir=out_dir,
        index_date=index_date or date.today(),
        extract_date=extract_date,
        engine=engine,
        min_cell=min_cell,
        max_quarantine=max_quarantine,
        exact_concepts=exact_concepts,
    )
    return ScanRequest(
        screen=screen,
        extract_root=folder,
        store_path=Path(store_path).resolve(),
        registry=name,
        registry_source=source,
        store_wait_seconds=float(store_wait_seconds),
    )


def latest_extract(path: Path) -> Path:
    """`path` if it holds a person table, else its newest subfolder that does (by name).

    Lets a schedule point at a folder the registry drops dated extracts into
    (`extracts/2026-11-01/`, `extracts/2026-12-01/`, …). File names match in any case
    (`PERSON.csv`), as the loader reads them.
    """
    if not path.is_dir():
        raise PrescreenError(f"--extract {path} is not a folder: point it at an OMOP extract")
    if _holds_person_table(path):
        return path
    candidates = sorted(p for p in path.iterdir() if p.is_dir() and _holds_person_table(p))
    if not candidates:
        raise PrescreenError(
            f"--extract {path}: no person table (person.csv, person.csv.gz, person.parquet) "
            "there or in a subfolder; point it at an extract"
        )
    return candidates[-1]


def _holds_person_table(folder: Path) -> bool:
    return any(p.is_file() and p.name.lower() in _PERSON_FILES for p in folder.iterdir())


def registry_of(folder: Path, extract: Path, explicit: str | None) -> tuple[str, str]:
    """The registry name a scan's history is keyed on, and where it came from.

    `--registry` first; else the extract's cdm_source.cdm_source_abbreviation; else the
    folder's name (the folder of dated extracts, or the extract folder itself), which
    changes when the extract is copied elsewhere — the console says so.
    """
    if explicit:
        return registry_label(explicit), "--registry"
    abbreviation = cdm_source_abbreviation(extract)
    if abbreviation:
        return registry_label(abbreviation), "cdm_source.cdm_source_abbreviation"
    return registry_label(folder.name), "extract folder name"


def run_record(run: ScreenRun, scan: ScanRequest) -> dict[str, Any]:
    """The `runs` row of a scan (counts and hashes from its manifest)."""
    manifest = run.manifest
    trial = manifest.trial or {}
    started = manifest.started_at
    return {
        "run_id": store.run_id(
            trial_id=trial["id"],
            criteria_sha256=trial["criteria_sha256"],
            registry=scan.registry,
            as_of=scan.screen.index_date,
            input_files=manifest.input_files,
            engine=scan.screen.engine,
            started_at=started,
        ),
        "trial_id": trial["id"],
        "trial_version": trial["version"],
        "registry": scan.registry,
        "as_of": scan.screen.index_date,
        "started_at": started,
        "finished_at": datetime.now(UTC).replace(microsecond=0),
        "criteria_sha256": trial["criteria_sha256"],
        "inputs_sha256": store.inputs_sha256(manifest.input_files),
        "engine": scan.screen.engine,
        **run.counts,
        "extract_date": manifest.extract_date,
        "registry_source": scan.registry_source,
    }


def current_statuses(run: ScreenRun) -> pd.DataFrame:
    """Every patient's status row with its change reasons (the store's patient_status)."""
    screen = run.screen
    if screen is None or screen.reasons is None:
        raise RuntimeError("a scan needs the screen and its change reasons first")
    current = screen.patients.merge(screen.reasons, on="person_id", how="left")
    current["reasons"] = current["reasons"].fillna("")
    return current


def changes_written(
    folder: Path, scan: ScanRequest, row: dict[str, Any], current: pd.DataFrame
) -> tuple[str | None, dict[str, int]]:
    """changes.csv in `folder` against the previous run; returns it and change counts."""
    before, previous = store.previous_statuses(
        scan.store_path,
        trial_id=row["trial_id"],
        registry=scan.registry,
        as_of=scan.screen.index_date,
        this_run=row["run_id"],
        wait_seconds=scan.store_wait_seconds,
    )
    row["previous_run_id"] = before
    changes = status_changes(previous, current)
    changes[CHANGE_COLUMNS].to_csv(folder / CHANGES_FILE, index=False)
    counts = {k: int(v) for k, v in changes["change"].value_counts().sort_index().items()}
    return before, counts


def scan_manifest_keys(scan: ScanRequest, row: dict[str, Any]) -> dict[str, Any]:
    """What a scan adds to run.json: the store, the registry and the runs compared."""
    return {
        "store": str(scan.store_path),
        "registry": scan.registry,
        "registry_source": scan.registry_source,
        "run_id": row["run_id"],
        "previous_run_id": row.get("previous_run_id"),
    }


def recorded(scan: ScanRequest, row: dict[str, Any], current: pd.DataFrame) -> None:
    """Record the run and its patient rows in the store (one transaction)."""
    progress.note("recording the run in the store")
    try:
        store.record_run(scan.store_path, row, current, wait_seconds=scan.store_wait_seconds)
    except PrescreenError as exc:
        raise PrescreenError(
            f"{exc}. The outputs are complete in {scan.screen.out_dir}, but the run was not "
            "stored: rerun the scan once the store is free (it compares with the same "
            "previous run)"
        ) from None
