"""The screen's working database: a temporary DuckDB file that never outlives its run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prescreen.database import database_file, open_database


def test_temporary_database_is_removed_after_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    with database_file(None) as db_file:
        con = open_database(db_file)
        con.execute("create table t as select range as x from range(1000)")
        con.close()
        assert db_file.exists() and db_file.parent.parent == tmp_path
    assert not db_file.parent.exists()


def test_a_killed_runs_database_is_removed_by_the_next_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(finished.stdout)
    orphan = tmp_path / f"prescreen-db-{dead_pid}-abc123"
    orphan.mkdir()
    (orphan / "screen.duckdb").write_bytes(b"x" * 1000)
    alive = tmp_path / "prescreen-db-1-keep"  # pid 1 always runs
    alive.mkdir()
    with database_file(None):
        pass
    assert not orphan.exists()
    assert alive.exists()


def test_a_given_path_is_used_and_kept(tmp_path):
    target = tmp_path / "kept.duckdb"
    with database_file(target) as db_file:
        assert db_file == target
        open_database(db_file).close()
    assert Path(target).exists()
