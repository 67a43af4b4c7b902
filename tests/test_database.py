"""The screen's working database: a temporary DuckDB file that never outlives its run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prescreen.database import database_file, open_database, working_files


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


def _temp_directory(con) -> Path:
    return Path(con.execute("select current_setting('temp_directory')").fetchone()[0])


def test_spill_files_go_to_a_private_folder_of_the_run(tmp_path, monkeypatch):
    # issue #16.11: every run spilled into one world-readable /tmp/prescreen-duckdb-spill
    import stat
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    (tmp_path / "prescreen-duckdb-spill").mkdir()  # left by an earlier version
    with working_files(None) as files:
        con = files.connect()
        spill = _temp_directory(con)
        assert spill == files.spill_dir and spill.is_dir()
        for folder in (spill, spill.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        with working_files(None) as other:  # another run: another folder
            assert other.spill_dir != spill
        con.close()
    assert not spill.parent.exists()
    assert not (tmp_path / "prescreen-duckdb-spill").exists()


def test_spill_folder_of_a_killed_process_is_removed_by_the_next(tmp_path, monkeypatch):
    import os
    import signal
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    code = (
        "from prescreen.database import open_database; import time; "
        "con = open_database(); "
        "print(con.execute(\"select current_setting('temp_directory')\").fetchone()[0], "
        "flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(tmp_path)})  # fmt: skip
    spill = Path(child.stdout.readline().strip())
    assert spill.is_dir() and spill.parent.parent == tmp_path
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert spill.exists()  # a killed process cannot clean up
    with working_files(None):
        assert not spill.parent.exists()  # the next run does


def test_the_memory_budget_is_checked_and_shared():
    import pytest

    from prescreen.database import duckdb_limit, memory_budget, open_database
    from prescreen.errors import PrescreenError

    assert memory_budget("1GB") == 10**9
    with pytest.raises(PrescreenError, match="not a size"):
        memory_budget("lots")
    with pytest.raises(PrescreenError, match="too small"):
        memory_budget("10MB")
    con = open_database(memory_limit="1GiB")
    limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.close()
    assert limit.replace(" ", "") == "512.0MiB"  # half of a small budget
    assert duckdb_limit(6 * 2**30) == int(4.5 * 2**30)  # a large one keeps 1.5 GiB back
