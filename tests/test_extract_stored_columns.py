"""A run's temporary database stores only the event-table columns the screen reads.

Every column is still typed and checked (quarantine and findings do not change), an exact
copy is still a row equal in every column, and a database the user keeps (`--db`) holds
every column.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sample_screen import COLUMNS, SAMPLE, D

from prescreen import stages
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import screen_into
from prescreen.criteria.staging import DOMAIN_TABLES, STAGED, columns_read, prepare_staging
from prescreen.database import open_database
from prescreen.extract import load_extract
from prescreen.extract.tables import TABLES
from prescreen.request import screen_request


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _load(extract: Path, narrow: bool) -> duckdb.DuckDBPyConnection:
    con = open_database(None)
    load_extract(
        extract,
        con,
        extract_date=D,
        max_quarantine=0.05,
        columns=columns_read() if narrow else None,
    )
    return con


@pytest.fixture(scope="module")
def loads():
    narrow, full = _load(SAMPLE, narrow=True), _load(SAMPLE, narrow=False)
    yield narrow, full
    narrow.close()
    full.close()


def test_event_tables_keep_the_read_columns_and_the_checked_ones(loads) -> None:
    narrow, full = loads
    for table, read in columns_read().items():
        if not (SAMPLE / f"{table}.csv").exists():  # created empty, every column
            continue
        spec = TABLES[table]
        kept = set(_columns(narrow, table))
        assert set(_columns(full, table)) == {*spec.columns, "_row_id"}, table
        checked = {*spec.primary_key, spec.person_key, spec.event_date, spec.end_date} - {None}
        assert kept == {*read, *checked, "_row_id"}, table
    # the point of it: measurement stores 11 of its 22 columns
    assert "provider_id" not in _columns(narrow, "measurement")
    assert "value_as_number" in _columns(narrow, "measurement")
    # tables outside the screen's event tables keep everything
    assert _columns(narrow, "person") == _columns(full, "person")


def test_the_staging_views_and_the_results_are_the_same(loads) -> None:
    narrow, full = loads
    for con in loads:
        prepare_staging(con)
    for name in STAGED:
        query = f"select * from stg_{name} order by all"
        left, right = narrow.execute(query).fetchall(), full.execute(query).fetchall()
        assert left, name
        assert left == right, name
    trial = load_trial("nl003-cli-iii-2", {})
    for con in loads:
        screen_into(con, trial, D)
    query = f"select {COLUMNS} from criterion_result order by person_id, ord"
    left, right = narrow.execute(query).df(), full.execute(query).df()
    assert left["evidence"].notna().any()
    assert left.equals(right)


def test_quarantine_and_findings_are_the_same(loads) -> None:
    narrow, full = loads
    for outcome in ("quarantine", "finding"):
        query = f"select * from {outcome} order by all"
        assert narrow.execute(query).fetchall() == full.execute(query).fetchall(), outcome


def _write(path: Path, header: str, *rows: str) -> None:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_an_exact_copy_is_equal_in_the_columns_not_stored_too(tmp_path: Path) -> None:
    """Rows 2 and 3 repeat measurement_id 1 exactly; rows 4 and 5 share id 2 and differ
    only in provider_id, which the screen does not read: they are not copies."""
    _write(tmp_path / "person.csv", "person_id,gender_concept_id,year_of_birth", "1,8507,1950")
    head = "measurement_id,person_id,measurement_concept_id,measurement_date,provider_id"
    _write(
        tmp_path / "measurement.csv",
        head,
        "1,1,3004410,2026-01-02,7",
        "1,1,3004410,2026-01-02,7",
        "2,1,3004410,2026-02-03,7",
        "2,1,3004410,2026-02-03,8",
    )
    con = _load(tmp_path, narrow=True)
    counts = con.execute(
        "select check_name, count(*) from finding where table_name = 'measurement' group by all"
    ).fetchall()
    assert dict(counts) == {"exactDuplicate": 1, "isPrimaryKey": 2}
    assert con.execute("select count(*) from measurement").fetchall()[0][0] == 3


def test_a_kept_database_holds_every_column_and_a_run_only_the_read_ones(tmp_path: Path) -> None:
    kept = tmp_path / "kept.duckdb"
    stages.loaded(
        extract_dir=SAMPLE, out_dir=tmp_path / "load", db_path=kept, extract_date=D,
        max_quarantine=0.05,
    )  # fmt: skip
    with duckdb.connect(str(kept), read_only=True) as con:
        for table in DOMAIN_TABLES.values():
            assert set(_columns(con, table)) == {*TABLES[table].columns, "_row_id"}, table
    for db_path, narrow in ((None, True), (tmp_path / "run.duckdb", False)):
        request = screen_request(
            trial="nl003-cli-iii-2", extract_dir=SAMPLE, out_dir=tmp_path / "out",
            index_date=D, extract_date=D, db_path=db_path,
        )  # fmt: skip
        run = stages.begin(request)
        folder = tmp_path / f"files-{narrow}"
        folder.mkdir()
        con = open_database(None)
        stages.load_validated(run, con, folder)
        stored = set(_columns(con, "measurement"))
        assert ("provider_id" not in stored) is narrow
        con.close()
