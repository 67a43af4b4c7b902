"""Parquet extracts: typed columns are kept as they are, yet every broken row is quarantined."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from prescreen.errors import ExtractError
from prescreen.extract import load_extract
from prescreen.extract.stage import stage_file
from prescreen.extract.tables import TABLES

AS_OF = date(2026, 11, 1)


def _parquet(con: duckdb.DuckDBPyConnection, path: Path, select: str) -> None:
    con.execute(f"copy ({select}) to '{path}' (format parquet)")


def _persons(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    # native BIGINT columns; person 4 is born in year -4 (a typed value breaking in_range)
    _parquet(
        con,
        folder / "person.parquet",
        "select * from (values (1, 8507, 1950), (2, 8532, 1960), (3, 8507, 1970), (4, 8507, -4))"
        " as t(person_id, gender_concept_id, year_of_birth)",
    )


def _quarantined(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    rows = con.execute("select table_name, line, column_name, check_name from quarantine")
    return set(rows.fetchall())


def test_typed_parquet_columns_that_break_rules_are_quarantined(tmp_path: Path) -> None:
    con = duckdb.connect()
    _persons(con, tmp_path)
    # measurement_id DOUBLE (1.5 and infinity are no ids, 6.0 is id 6), measurement_date DATE (one after the
    # extract date), value_as_number DOUBLE: lines are Parquet row number + 1, first row line 2
    _parquet(
        con,
        tmp_path / "measurement.parquet",
        "select measurement_id::double as measurement_id, person_id, measurement_date,"
        " value_as_number::double as value_as_number from (values"
        " ('1', 1, date '2024-01-01', 12.5), ('inf', 1, date '2024-01-02', 13.0),"
        " ('6.0', 2, date '2027-01-01', 14.0), ('7', 2, date '2024-01-03', 15.0),"
        " ('1.5', 2, date '2024-01-04', 16.0))"
        " as t(measurement_id, person_id, measurement_date, value_as_number)",
    )
    # drug_exposure_start_date as VARCHAR: '2021-02-30' is no date, '20210315' is (Athena);
    # days_supply INTEGER -1 breaks greater_than_or_equal_to
    _parquet(
        con,
        tmp_path / "drug_exposure.parquet",
        "select drug_exposure_id, person_id, drug_exposure_start_date,"
        " days_supply::integer as days_supply from (values (1, 1, '2021-02-30', 30),"
        " (2, 1, '20210315', 30), (3, 2, '2021-03-16', -1))"
        " as t(drug_exposure_id, person_id, drug_exposure_start_date, days_supply)",
    )
    report = load_extract(tmp_path, con, extract_date=AS_OF, max_quarantine=1.0)
    assert _quarantined(con) == {
        ("person", 5, "year_of_birth", "plausibleValueLow"),
        ("measurement", 3, "measurement_id", "cdmDatatype"),
        ("measurement", 6, "measurement_id", "cdmDatatype"),  # 1.5: not a whole number, not rounded
        ("measurement", 4, "measurement_date", "plausibleValueHigh"),
        ("drug_exposure", 2, "drug_exposure_start_date", "cdmDatatype"),
        ("drug_exposure", 4, "days_supply", "plausibleValueLow"),
    }
    v = report.validation.set_index("table")
    assert (v["rows_in"] == v["loaded"] + v["quarantined"]).all()
    assert v.loc["measurement", "loaded"] == 2 and v.loc["drug_exposure", "loaded"] == 1
    assert con.execute("select measurement_id from measurement order by 1").fetchall() == [
        (1,),
        (7,),
    ]
    assert con.execute("select drug_exposure_start_date from drug_exposure").fetchall() == [
        (date(2021, 3, 15),)
    ]


def test_fitting_parquet_types_are_read_natively_others_as_text(tmp_path: Path) -> None:
    con = duckdb.connect()
    _parquet(
        con,
        tmp_path / "measurement.parquet",
        "select 1 as MEASUREMENT_ID, cast(1 as integer) as person_id,"
        " timestamp '2024-01-02 10:00:00' as measurement_date,"
        " cast(0.1 as float) as value_as_number, cast(1.25 as decimal(9, 2)) as range_low,"
        " 20240101 as visit_detail_id, 42 as measurement_source_value, 'x' as unit_source_value",
    )
    staged = stage_file(con, TABLES["measurement"], tmp_path / "measurement.parquet")
    assert staged.view and "measurement_id" in staged.columns  # upper-case name canonicalised
    assert staged.types == {
        "measurement_id": "INTEGER",
        "person_id": "INTEGER",
        "measurement_date": "TIMESTAMP",
        "range_low": "DECIMAL(9,2)",
        "visit_detail_id": "INTEGER",
        "unit_source_value": "VARCHAR",
    }  # FLOAT and a number in a text column go through text, as a CSV value would


def test_parquet_values_load_as_their_csv_text_would(tmp_path: Path) -> None:
    # FLOAT 0.1 loads as 0.1 (its text), not 0.10000000149; a date from a TIMESTAMP column;
    # an empty date takes its TIMESTAMP datetime's date; numbers in a text column load as text
    con = duckdb.connect()
    _persons(con, tmp_path)
    _parquet(
        con,
        tmp_path / "measurement.parquet",
        "select * from (values (1, 1, timestamp '2024-01-02 23:00:00', null, 0.1::float, 42),"
        " (2, 1, null, timestamp '2024-02-03 08:00:00', 0.2::float, 43))"
        " as t(measurement_id, person_id, measurement_date, measurement_datetime,"
        " value_as_number, measurement_source_value)",
    )
    load_extract(tmp_path, con, extract_date=AS_OF, max_quarantine=1.0)
    rows = con.execute(
        "select measurement_date, value_as_number, measurement_source_value "
        "from measurement order by measurement_id"
    ).fetchall()
    assert rows == [(date(2024, 1, 2), 0.1, "42"), (date(2024, 2, 3), 0.2, "43")]


def test_integer_in_a_date_column_is_not_a_date(tmp_path: Path) -> None:
    # an INTEGER 20260101 is read as its text, which is Athena's YYYYMMDD: as from CSV
    con = duckdb.connect()
    _persons(con, tmp_path)
    _parquet(
        con,
        tmp_path / "death.parquet",
        "select 1 as person_id, 20260101 as death_date union all select 2, 2026",
    )
    load_extract(tmp_path, con, extract_date=AS_OF, max_quarantine=1.0)
    assert con.execute("select person_id, death_date from death").fetchall() == [
        (1, date(2026, 1, 1))
    ]
    assert ("death", 3, "death_date", "cdmDatatype") in _quarantined(con)


def test_corrupt_parquet_page_stops_with_the_file_named(tmp_path: Path) -> None:
    # staging only reads the footer; a broken page is met while typing and still named
    con = duckdb.connect()
    good = tmp_path / "good.parquet"
    _parquet(
        con,
        good,
        "select range as person_id, 8507 as gender_concept_id, 1950 as year_of_birth "
        "from range(100000)",
    )
    offset = con.execute(
        "select data_page_offset from parquet_metadata(?) "
        "where row_group_id = 0 and path_in_schema = 'person_id'",
        [str(good)],
    ).fetchone()[0]
    data = bytearray(good.read_bytes())
    data[offset + 2 : offset + 18] = bytes(b ^ 0xFF for b in data[offset + 2 : offset + 18])
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "person.parquet").write_bytes(bytes(data))
    with pytest.raises(ExtractError, match=r"person\.parquet: not a readable Parquet file"):
        load_extract(folder, duckdb.connect(), extract_date=AS_OF)


def test_reload_after_a_failed_parquet_load(tmp_path: Path) -> None:
    # a load that stopped after staging leaves _raw_person as a view; a CSV reload still works
    con = duckdb.connect()
    _persons(con, tmp_path)
    stage_file(con, TABLES["person"], tmp_path / "person.parquet")
    (tmp_path / "person.parquet").unlink()
    (tmp_path / "person.csv").write_text("person_id,gender_concept_id,year_of_birth\n1,8507,1950\n")
    report = load_extract(tmp_path, con, extract_date=AS_OF)
    assert report.validation.set_index("table").loc["person", "loaded"] == 1
