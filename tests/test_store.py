"""Results store: one transaction per run, replace-by-id, previous-run choice."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from prescreen import store
from prescreen.errors import PrescreenError


def _run(run_id: str, as_of: date, started_hour: int, screened: int = 2) -> dict:
    return {
        "run_id": run_id,
        "trial_id": "T1",
        "trial_version": "1",
        "registry": "reg",
        "as_of": as_of,
        "started_at": datetime(2026, 11, 1, started_hour, tzinfo=UTC),
        "finished_at": datetime(2026, 11, 1, started_hour, 1, tzinfo=UTC),
        "criteria_sha256": "abc",
        "inputs_sha256": "def",
        "engine": "sql",
        "screened": screened,
        "likely_eligible": 1,
        "needs_review": 0,
        "ineligible": screened - 1,
    }


def _statuses(n: int = 2, status: str = "ineligible") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": list(range(1, n + 1)),
            "site": ["Site A"] * n,
            "status": ["likely_eligible"] + [status] * (n - 1),
            "n_fail": [0] + [1] * (n - 1),
            "n_unknown": [0] * n,
            "n_manual": [0] * n,
            "reasons": [""] + ["E1 fail"] * (n - 1),
        }
    )


def _consistent(path) -> None:
    con = duckdb.connect(str(path), read_only=True)
    bad = con.execute(
        """
        select r.run_id from runs r left join patient_status p using (run_id)
        group by r.run_id, r.screened having count(p.person_id) <> r.screened
        union all
        select p.run_id from patient_status p anti join runs r using (run_id)
        """
    ).fetchall()
    con.close()
    assert bad == []


def test_record_and_replace_same_run(tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record_run(path, _run("r1", date(2026, 10, 1), 6), _statuses())
    # same run id again (a rerun of the same inputs): replaced, not duplicated
    store.record_run(path, _run("r1", date(2026, 10, 1), 7, screened=3), _statuses(3))
    history = store.run_history(path)
    assert list(history["run_id"]) == ["r1"]
    assert int(history["screened"].iloc[0]) == 3
    _consistent(path)


def test_failed_insert_leaves_store_unchanged(tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record_run(path, _run("r1", date(2026, 10, 1), 6), _statuses())
    broken = _statuses(3)
    broken.loc[2, "status"] = None  # NOT NULL violation after runs row was inserted
    with pytest.raises(duckdb.Error):
        store.record_run(path, _run("r2", date(2026, 11, 1), 6, screened=3), broken)
    # neither the r2 runs row nor any of its patient rows survive
    assert list(store.run_history(path)["run_id"]) == ["r1"]
    _consistent(path)


def test_previous_run_is_latest_other_run_not_after(tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record_run(path, _run("old", date(2026, 9, 1), 6), _statuses())
    store.record_run(path, _run("mid", date(2026, 10, 1), 6), _statuses())
    store.record_run(path, _run("future", date(2026, 12, 1), 6), _statuses())
    con = store.open_store(path, read_only=True)
    ask = {"trial_id": "T1", "registry": "reg"}
    assert store.previous_run(con, **ask, as_of=date(2026, 11, 1), this_run="new") == "mid"
    # a run is never compared with itself (rerun of 'mid' compares with 'old')
    assert store.previous_run(con, **ask, as_of=date(2026, 10, 1), this_run="mid") == "old"
    assert store.previous_run(con, **ask, as_of=date(2026, 8, 1), this_run="x") is None
    con.close()


def test_run_id_is_one_scan_of_its_inputs():
    ask = {
        "trial_id": "T1",
        "criteria_sha256": "abc",
        "registry": "reg",
        "as_of": date(2026, 11, 1),
        "engine": "sql",
        "started_at": datetime(2026, 11, 1, 6, tzinfo=UTC),
    }
    one = store.run_id(**ask, input_files={"person.csv": "1", "measurement.csv": "2"})
    same = store.run_id(**ask, input_files={"measurement.csv": "2", "person.csv": "1"})
    other = store.run_id(**ask, input_files={"person.csv": "1", "measurement.csv": "3"})
    assert one == same != other
    # a rescan of the same inputs later the same day is a run of its own
    later = {**ask, "started_at": datetime(2026, 11, 1, 9, tzinfo=UTC)}
    assert store.run_id(**later, input_files={"person.csv": "1", "measurement.csv": "2"}) != one


def _hold_open(path, read_only: bool = True, seconds: float = 30) -> subprocess.Popen:
    """Another process holding the store open (as a browsing duckdb session does)."""
    code = (
        "import duckdb, sys, time; "
        f"con = duckdb.connect({str(path)!r}, read_only={read_only}); "
        "print('open', flush=True); time.sleep(float(sys.argv[1]))"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_a_store_held_by_a_reader_is_named_not_a_bug(tmp_path):
    # issue #16.7: a read-only browser made the scan fail with 'internal error' at the end
    path = tmp_path / "runs.duckdb"
    store.record_run(path, _run("r1", date(2026, 10, 1), 6), _statuses())
    holder = _hold_open(path)
    try:
        with pytest.raises(PrescreenError, match=rf"PID {holder.pid}\b.*read-only"):
            store.check_writable(path, wait_seconds=0.5)
        with pytest.raises(PrescreenError, match=rf"PID {holder.pid}"):
            store.record_run(path, _run("r2", date(2026, 11, 1), 6), _statuses(), wait_seconds=0)
    finally:
        holder.kill()
        holder.wait()
    assert list(store.run_history(path)["run_id"]) == ["r1"]


def test_the_store_is_written_once_the_reader_lets_go(tmp_path):
    path = tmp_path / "runs.duckdb"
    store.record_run(path, _run("r1", date(2026, 10, 1), 6), _statuses())
    holder = _hold_open(path, seconds=1.0)  # closes by itself within the wait
    try:
        store.record_run(path, _run("r2", date(2026, 11, 1), 6), _statuses(), wait_seconds=120)
    finally:
        holder.wait()
    assert list(store.run_history(path)["run_id"]) == ["r1", "r2"]


def test_a_store_of_the_first_release_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table runs (run_id varchar primary key, trial_id varchar not null,
            trial_version varchar, registry varchar not null, as_of date not null,
            started_at timestamptz not null, finished_at timestamptz not null,
            criteria_sha256 varchar not null, inputs_sha256 varchar not null,
            engine varchar not null, screened integer not null, likely_eligible integer not null,
            needs_review integer not null, ineligible integer not null)
        """
    )
    con.close()
    new = {**_run("r1", date(2026, 10, 1), 6), "registry_source": "--registry"}
    store.record_run(path, new, _statuses())
    con = duckdb.connect(str(path), read_only=True)
    row = con.execute("select registry_source, previous_run_id from runs").fetchall()
    con.close()
    assert row == [("--registry", None)]
