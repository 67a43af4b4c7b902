"""The results store: one DuckDB file holding every scan's run and per-patient status.

Schema and meaning: docs/store.md (SQL: sql/store/). A run is written in ONE transaction
(its `runs` row and all its `patient_status` rows together), so a scan killed at any point
leaves the store without that run or with all of it, never half. Every scan is its own
run (its id includes its start time), so a rescan of the same extract on the same day is
compared with the scan before it.

DuckDB lets one process write a file, and no process write while another has it open
(even read-only). A scan therefore checks that it can write the store before screening,
waits a bounded time for it to be free, and names the process holding it otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from prescreen.errors import PrescreenError
from prescreen.sqltext import read_sql

RUN_COLUMNS = [
    "run_id",
    "trial_id",
    "trial_version",
    "registry",
    "as_of",
    "started_at",
    "finished_at",
    "criteria_sha256",
    "inputs_sha256",
    "engine",
    "screened",
    "likely_eligible",
    "needs_review",
    "ineligible",
]
# columns added later; a run row may leave them out (stored as null)
RUN_EXTRA_COLUMNS = ["extract_date", "registry_source", "previous_run_id"]
STATUS_COLUMNS = ["person_id", "site", "status", "n_fail", "n_unknown", "n_manual", "reasons"]
DEFAULT_WAIT_SECONDS = 60.0
_RETRY_SECONDS = 0.5
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def run_id(
    *,
    trial_id: str,
    criteria_sha256: str,
    registry: str,
    as_of: date,
    input_files: dict[str, str],
    engine: str,
    started_at: datetime | None = None,
) -> str:
    """16 hex digits identifying one scan: what was screened and when it started."""
    key = json.dumps(
        [
            trial_id,
            criteria_sha256,
            registry,
            as_of.isoformat(),
            sorted(input_files.items()),
            engine,
            started_at.isoformat() if started_at else None,
        ]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def inputs_sha256(input_files: dict[str, str]) -> str:
    """One hash over the extract's per-file hashes (name order)."""
    return hashlib.sha256(json.dumps(sorted(input_files.items())).encode("utf-8")).hexdigest()


def open_store(
    path: Path, *, read_only: bool = False, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """A connection to the store, creating the file and tables when writing.

    A store held by another process is retried for up to `wait_seconds`; then a
    PrescreenError says which process holds it and what to do.
    """
    if read_only and not path.exists():
        raise PrescreenError(f"--store {path}: no results store there; run `prescreen scan`")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder is None:
                raise
            if time.monotonic() >= deadline:
                raise store_busy(
                    path, holder["program"], int(holder["pid"]), wait_seconds
                ) from None
            time.sleep(_RETRY_SECONDS)
    if not read_only:
        con.execute(read_sql("store/schema.sql"))
    return con


def store_busy(path: Path, program: str, pid: int, waited: float) -> PrescreenError:
    """The user error for a store another process holds open."""
    name = Path(program).name or "a program"
    return PrescreenError(
        f"--store {path} is open in another process ({name}, PID {pid}) and DuckDB lets no "
        f"one write it meanwhile (waited {waited:g} s). Close that program — a read-only "
        "duckdb session or notebook counts too — or wait longer with --store-wait, then rerun"
    )


def check_writable(path: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> None:
    """Raise PrescreenError now, before a long screen, when the store cannot be written."""
    open_store(path, wait_seconds=wait_seconds).close()


def previous_run(
    con: duckdb.DuckDBPyConnection, *, trial_id: str, registry: str, as_of: date, this_run: str
) -> str | None:
    """The run a scan is compared with: the latest other run of the trial on the registry.

    Latest by (as_of, started_at), among runs with as_of on or before this one's.
    """
    row = con.execute(
        read_sql("store/previous_run.sql"),
        {"trial_id": trial_id, "registry": registry, "this_run": this_run, "as_of": as_of},
    ).fetchone()
    return row[0] if row else None


def run_statuses(con: duckdb.DuckDBPyConnection, run: str) -> pd.DataFrame:
    """patient_status rows of one run (STATUS_COLUMNS), by person_id."""
    return con.execute(
        f"select {', '.join(STATUS_COLUMNS)} from patient_status where run_id = ? order by person_id",
        [run],
    ).df()


def previous_statuses(
    path: Path, *, trial_id: str, registry: str, as_of: date, this_run: str, wait_seconds: float
) -> tuple[str | None, pd.DataFrame | None]:
    """The run a scan is compared with and its patient rows (None, None for a first run)."""
    if not path.exists():
        return None, None
    con = open_store(path, read_only=True, wait_seconds=wait_seconds)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "runs" not in tables:
            return None, None
        before = previous_run(
            con, trial_id=trial_id, registry=registry, as_of=as_of, this_run=this_run
        )
        return before, (run_statuses(con, before) if before else None)
    finally:
        con.close()


def record_run(
    path: Path,
    run: dict[str, Any],
    statuses: pd.DataFrame,
    *,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> None:
    """Replace-or-insert one run and its patient rows in a single transaction."""
    columns = RUN_COLUMNS + [c for c in RUN_EXTRA_COLUMNS if c in run]
    frame = statuses[STATUS_COLUMNS].copy()
    frame.insert(0, "run_id", run["run_id"])
    con = open_store(path, wait_seconds=wait_seconds)
    try:
        con.execute("begin transaction")
        try:
            con.execute("delete from patient_status where run_id = ?", [run["run_id"]])
            con.execute("delete from runs where run_id = ?", [run["run_id"]])
            con.execute(
                f"insert into runs ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                [run[c] for c in columns],
            )
            con.register("_new_status", frame)
            con.execute(
                f"insert into patient_status (run_id, {', '.join(STATUS_COLUMNS)}) "
                f"select run_id, {', '.join(STATUS_COLUMNS)} from _new_status"
            )
            con.unregister("_new_status")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()


def run_history(path: Path, trial_id: str | None = None) -> pd.DataFrame:
    """Every run in the store (RUN_COLUMNS), oldest first."""
    con = open_store(path, read_only=True, wait_seconds=5.0)
    try:
        where, params = ("where trial_id = ?", [trial_id]) if trial_id else ("", [])
        return con.execute(
            f"select {', '.join(RUN_COLUMNS)} from runs {where} "
            "order by trial_id, registry, as_of, started_at",
            params,
        ).df()
    finally:
        con.close()
