"""The results store: one DuckDB file holding every scan's run and per-patient status.

Schema and meaning: docs/store.md. A run is written in ONE transaction (its `runs` row
and all its `patient_status` rows together), so a scan killed at any point leaves the
store without that run or with all of it, never half. A run's id is derived from what
was screened (trial, criteria hash, registry, as-of, input file hashes, engine), so
re-running the same scan replaces its own run instead of adding a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from prescreen.errors import PrescreenError

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
STATUS_COLUMNS = ["person_id", "site", "status", "n_fail", "n_unknown", "n_manual", "reasons"]

_SCHEMA = """
create table if not exists runs (
    run_id varchar primary key,
    trial_id varchar not null,
    trial_version varchar,
    registry varchar not null,
    as_of date not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    criteria_sha256 varchar not null,
    inputs_sha256 varchar not null,
    engine varchar not null,
    screened integer not null,
    likely_eligible integer not null,
    needs_review integer not null,
    ineligible integer not null
);
create table if not exists patient_status (
    run_id varchar not null,
    person_id bigint not null,
    site varchar,
    status varchar not null,
    n_fail integer not null,
    n_unknown integer not null,
    n_manual integer not null,
    reasons varchar not null,
    primary key (run_id, person_id)
);
"""


def run_id(
    *,
    trial_id: str,
    criteria_sha256: str,
    registry: str,
    as_of: date,
    input_files: dict[str, str],
    engine: str,
) -> str:
    """16 hex digits identifying what was screened; same inputs → same id."""
    key = json.dumps(
        [
            trial_id,
            criteria_sha256,
            registry,
            as_of.isoformat(),
            sorted(input_files.items()),
            engine,
        ]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def inputs_sha256(input_files: dict[str, str]) -> str:
    """One hash over the extract's per-file hashes (name order)."""
    return hashlib.sha256(json.dumps(sorted(input_files.items())).encode("utf-8")).hexdigest()


def open_store(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the store, creating the file and tables when writing."""
    if read_only:
        if not path.exists():
            raise PrescreenError(f"--store {path}: no results store there; run `prescreen scan`")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA)
    return con


def previous_run(
    con: duckdb.DuckDBPyConnection, *, trial_id: str, registry: str, as_of: date, this_run: str
) -> str | None:
    """The run a scan is compared with: the latest other run of the trial on the registry.

    Latest by (as_of, started_at), among runs with as_of on or before this one's.
    """
    row = con.execute(
        """
        select run_id from runs
        where trial_id = ? and registry = ? and run_id <> ? and as_of <= ?
        order by as_of desc, started_at desc, run_id desc
        limit 1
        """,
        [trial_id, registry, this_run, as_of],
    ).fetchone()
    return row[0] if row else None


def run_statuses(con: duckdb.DuckDBPyConnection, run: str) -> pd.DataFrame:
    """patient_status rows of one run (STATUS_COLUMNS), by person_id."""
    return con.execute(
        f"select {', '.join(STATUS_COLUMNS)} from patient_status where run_id = ? order by person_id",
        [run],
    ).df()


def record_run(path: Path, run: dict[str, Any], statuses: pd.DataFrame) -> None:
    """Replace-or-insert one run and its patient rows in a single transaction."""
    row = [run[c] for c in RUN_COLUMNS]
    frame = statuses[STATUS_COLUMNS].copy()
    frame.insert(0, "run_id", run["run_id"])
    con = open_store(path)
    try:
        con.execute("begin transaction")
        try:
            con.execute("delete from patient_status where run_id = ?", [run["run_id"]])
            con.execute("delete from runs where run_id = ?", [run["run_id"]])
            con.execute(f"insert into runs values ({', '.join('?' * len(row))})", row)
            con.register("_new_status", frame)
            con.execute("insert into patient_status select * from _new_status")
            con.unregister("_new_status")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()


def run_history(path: Path, trial_id: str | None = None) -> pd.DataFrame:
    """Every run in the store (RUN_COLUMNS), oldest first."""
    con = open_store(path, read_only=True)
    try:
        where, params = ("where trial_id = ?", [trial_id]) if trial_id else ("", [])
        return con.execute(
            f"select {', '.join(RUN_COLUMNS)} from runs {where} "
            "order by trial_id, registry, as_of, started_at",
            params,
        ).df()
    finally:
        con.close()


def timestamp(value: datetime) -> datetime:
    """Timestamps are stored to the second, like run.json's."""
    return value.replace(microsecond=0)
