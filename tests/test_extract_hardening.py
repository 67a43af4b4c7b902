"""Damaged and odd files that the corpus cannot hold as small text files (issue #16)."""

from __future__ import annotations

import gzip
import math
import zlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from prescreen.errors import ExtractError
from prescreen.extract import load_extract

EXTRACT_DATE = date(2026, 11, 1)
HEADER = "measurement_id,person_id,measurement_date,value_as_number,unit_source_value"


def _persons(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n2,8532,1960\n", encoding="utf-8"
    )


def _measurements(n: int = 199) -> list[str]:
    return [HEADER] + [
        f"{i},{i % 2 + 1},2024-01-{i % 28 + 1:02d},{i}.5,g/L" for i in range(1, n + 1)
    ]


@pytest.mark.parametrize("bit", range(8))
def test_damaged_gzip_is_an_error_and_nothing_loads(tmp_path: Path, bit: int) -> None:
    # the repro: one bit flipped near the end of a .csv.gz (gzip -t: CRC error);
    # DuckDB alone loaded such files with exit 0
    _persons(tmp_path)
    data = bytearray(gzip.compress(("\n".join(_measurements()) + "\n").encode(), mtime=0))
    data[int(len(data) * 0.98) - bit] ^= 1 << bit
    (tmp_path / "measurement.csv.gz").write_bytes(bytes(data))
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(bytes(data))  # the file really is damaged
    con = duckdb.connect()
    with pytest.raises(ExtractError) as caught:
        load_extract(tmp_path, con, extract_date=EXTRACT_DATE)
    assert str(caught.value).startswith("measurement.csv.gz: damaged gzip file")
    assert "nothing from it was loaded" in str(caught.value)
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "measurement" not in tables


def test_intact_gzip_loads(tmp_path: Path) -> None:
    _persons(tmp_path)
    data = gzip.compress(("\n".join(_measurements()) + "\n").encode(), mtime=0)
    (tmp_path / "measurement.csv.gz").write_bytes(data)
    report = load_extract(tmp_path, duckdb.connect(), extract_date=EXTRACT_DATE)
    assert report.validation.set_index("table").loc["measurement", "loaded"] == 199


def test_ten_megabyte_field_quarantines_its_own_line(tmp_path: Path) -> None:
    # a 10 MB field at line 30 was reported as "line 1" and the file refused
    _persons(tmp_path)
    lines = _measurements()
    lines[29] = f"29,1,2024-01-05,{'9' * 10_000_000},g/L"
    (tmp_path / "measurement.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect()
    report = load_extract(tmp_path, con, extract_date=EXTRACT_DATE)
    v = report.validation.set_index("table").loc["measurement"]
    assert (v["rows_in"], v["loaded"], v["quarantined"]) == (199, 198, 1)
    assert con.execute("select line, check_name, reason from quarantine").fetchall() == [
        (30, "csvRowReadable", "line longer than 8 MB")
    ]
    assert con.execute("select count(*) from measurement where measurement_id = 29").fetchone() == (
        0,
    )


def test_crlf_line_loads_without_a_trailing_cr(tmp_path: Path) -> None:
    # one CR LF line in an LF file made DuckDB's sniffer give up on the whole file
    _persons(tmp_path)
    lines = _measurements()
    lines[5] += "\r"
    (tmp_path / "measurement.csv").write_bytes(("\n".join(lines) + "\n").encode())
    con = duckdb.connect()
    report = load_extract(tmp_path, con, extract_date=EXTRACT_DATE)
    assert report.validation.set_index("table").loc["measurement", "loaded"] == 199
    units = con.execute("select distinct unit_source_value from measurement").fetchall()
    assert units == [("g/L",)]


def test_crlf_file_loads(tmp_path: Path) -> None:
    _persons(tmp_path)
    (tmp_path / "measurement.csv").write_bytes(("\r\n".join(_measurements()) + "\r\n").encode())
    con = duckdb.connect()
    report = load_extract(tmp_path, con, extract_date=EXTRACT_DATE)
    assert report.validation.set_index("table").loc["measurement", "loaded"] == 199
    assert report.validation.set_index("table").loc["measurement", "notes"] == ""


def test_unterminated_quote_at_line_100_stops_naming_it(tmp_path: Path) -> None:
    _persons(tmp_path)
    lines = _measurements()
    lines[99] = '99,1,2024-01-05,"12.5,g/L'
    (tmp_path / "measurement.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"^measurement\.csv line 100: .*unterminated"):
        load_extract(tmp_path, duckdb.connect(), extract_date=EXTRACT_DATE)


def test_parquet_nan_and_infinity(tmp_path: Path) -> None:
    # DOUBLE NaN/inf in Parquet: the row is kept, the value emptied, a finding listed;
    # a DATE infinity is no date: the row is quarantined
    _persons(tmp_path)
    con = duckdb.connect()
    con.execute(
        f"copy (select * from (values (1, 1, date '2024-01-01', 'nan'::double), "
        "(2, 1, date '2024-01-02', 'inf'::double), (3, 2, 'infinity'::date, 1.0), "
        "(4, 2, date '2024-01-04', 2.5)) as t(measurement_id, person_id, measurement_date, "
        f"value_as_number)) to '{tmp_path / 'measurement.parquet'}' (format parquet)"
    )
    report = load_extract(tmp_path, con, extract_date=EXTRACT_DATE, max_quarantine=1.0)
    rows = con.execute(
        "select measurement_id, value_as_number from measurement order by 1"
    ).fetchall()
    assert rows == [(1, None), (2, None), (4, 2.5)]
    assert con.execute("select line, check_name from finding order by line").fetchall() == [
        (2, "isFiniteNumber"),
        (3, "isFiniteNumber"),
    ]
    assert con.execute("select line, column_name, check_name from quarantine").fetchall() == [
        (4, "measurement_date", "cdmDatatype")
    ]
    assert not any(
        math.isnan(v)
        for (v,) in con.execute("select value_as_number from measurement").fetchall()
        if v
    )
    assert report.validation.set_index("table").loc["measurement", "findings"] == 2
