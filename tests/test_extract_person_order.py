"""An extract whose rows are not in person order loads in person order (the screen reads
each table once per range of persons and DuckDB skips blocks by their person ids), with
every row, row id and result exactly as in file order."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import duckdb
import pytest
from sample_screen import COLUMNS, SAMPLE, D

from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import screen_into
from prescreen.database import open_database
from prescreen.extract import load_extract, person_order
from prescreen.extract.tables import TABLES

SCREENED = [name for name, table in TABLES.items() if table.screened and table.person_key]
SHUFFLED = ["condition_occurrence", "drug_exposure", "measurement", "observation"]


def _shuffled_sample(folder: Path) -> Path:
    """The sample with the data rows of some tables (and of person) shuffled. (Reversed
    rows would not do: each block still holds a narrow range of persons.)"""
    for path in SAMPLE.glob("*.csv"):
        if path.stem not in [*SHUFFLED, "person"]:
            shutil.copy(path, folder / path.name)
            continue
        with path.open(newline="", encoding="utf-8") as source:
            header, *rows = list(csv.reader(source))
        with (folder / path.name).open("w", newline="", encoding="utf-8") as target:
            random.Random(7).shuffle(rows)
            csv.writer(target, lineterminator="\n").writerows([header, *rows])
    return folder


def _load_and_screen(extract: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    con = open_database(None)
    report = load_extract(extract, con, extract_date=D, max_quarantine=0.05)
    notes = dict(zip(report.validation["table"], report.validation["notes"], strict=True))
    screen_into(con, load_trial("nl003-cli-iii-2", {}), D)
    return con, notes


def _in_person_order(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    key = TABLES[table].person_key
    descents = con.execute(
        f"select count(*) from (select {key} < lag({key}) over (order by rowid) as down"
        f" from {table}) where down"
    ).fetchall()[0][0]
    return descents == 0


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory):
    extract = _shuffled_sample(tmp_path_factory.mktemp("shuffled"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(person_order, "BLOCK_ROWS", 500)
        ordered = _load_and_screen(extract)
        patch.setattr(person_order, "MAX_SPREAD", float("inf"))
        as_given = _load_and_screen(extract)
    yield ordered, as_given
    ordered[0].close()
    as_given[0].close()


def test_tables_out_of_person_order_are_sorted_and_say_so(loads) -> None:
    (ordered, notes), (as_given, _) = loads
    for table in SHUFFLED:
        assert not _in_person_order(as_given, table), table
        assert _in_person_order(ordered, table), table
        assert "sorted by person_id" in notes[table], notes[table]
    # tables already in person order are left as they are, without a note
    for table in set(SCREENED) - set(SHUFFLED):
        assert "sorted" not in notes.get(table, ""), table


def test_sorting_keeps_every_row_and_row_id(loads) -> None:
    (ordered, _), (as_given, _) = loads
    for table in SCREENED:
        left = ordered.execute(f"select * from {table} order by _row_id").fetchall()
        right = as_given.execute(f"select * from {table} order by _row_id").fetchall()
        assert left, table
        assert left == right, table


def test_results_do_not_depend_on_row_order(loads) -> None:
    (ordered, _), (as_given, _) = loads
    query = f"select {COLUMNS} from criterion_result order by person_id, ord"
    left = ordered.execute(query).df()
    right = as_given.execute(query).df()
    assert left["evidence"].notna().any()
    assert left.equals(right)


@pytest.mark.parametrize("form", ["parquet", "csv"])
def test_a_loaded_table_keeps_the_file_order(tmp_path: Path, form: str) -> None:
    """Reading and typing run on several threads; without insertion order the copies
    interleave parts of the file (a file in person order would look unordered) and the
    line numbers of a CSV file would not be its lines."""
    con = duckdb.connect()
    options = "format parquet, row_group_size 20000" if form == "parquet" else "header true"
    con.execute(
        f"copy (select range + 1 as person_id, 8507 as gender_concept_id, 1950 as year_of_birth"
        f" from range(1000)) to '{tmp_path / f'person.{form}'}' ({options})"
    )
    # measurement_id is the row's position in the file, so it must equal _row_id; the CSV
    # file is large enough (over 100 MB) for DuckDB's reader to split it between threads
    rows = 500_000 if form == "parquet" else 2_500_000
    con.execute(
        f"copy (select range + 1 as measurement_id, range // {rows // 1000} + 1 as person_id,"
        f" 3004410 as measurement_concept_id, date '2024-01-01' as measurement_date,"
        f" 'a comment that makes the line longer' as value_source_value"
        f" from range({rows})) to '{tmp_path / f'measurement.{form}'}' ({options})"
    )
    loaded = open_database(None)
    loaded.execute("set threads = 4")
    load_extract(tmp_path, loaded, extract_date=D, max_quarantine=0.05)
    order = "select count(*) from (select _row_id < lag(_row_id) over (order by rowid) as back"
    assert loaded.execute(f"{order} from measurement) where back").fetchall()[0][0] == 0
    counts = "select count(*), count(*) filter (where _row_id <> measurement_id) from measurement"
    assert loaded.execute(counts).fetchall()[0] == (rows, 0)
