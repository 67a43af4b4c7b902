"""The bad-extract corpus: each tests/bad_extracts/<case>/ states its outcome in expected.yaml.

A `loaded` case lists the rows loaded per table, the quarantined (table, check, line), the
findings (table, check, line; none when absent) and the rows de-duplicated per table.
`extract_date` is passed as the caller's extract date (a cdm_source file would win).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from prescreen.criteria.staging import columns_read
from prescreen.errors import ExtractError
from prescreen.extract import load_extract, write_validation_outputs

CORPUS = Path(__file__).parent / "bad_extracts"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").exists())
PATIENT_VALUES = ("ZZ-SECRET", "zz-secret", "1937-06-15", "1950-03-02")


def _expected(case: str) -> dict:
    return yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))


def _data_rows(path: Path) -> int:
    """Rows in a CSV file as a person counts them: lines after the header."""
    data = path.read_bytes()
    return max(data.count(b"\n") - 1, 0) if data else 0


# every column stored (a kept database), or only those the screen reads (a run's own):
# the outcome must not depend on it
STORED = {"every column": None, "read columns": columns_read()}


@pytest.mark.parametrize("stored", list(STORED))
@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str, stored: str, tmp_path: Path) -> None:
    expected = _expected(case)
    extract_date = expected.get("extract_date") or date(2026, 11, 1)
    con = duckdb.connect()
    options = {"extract_date": extract_date, "max_quarantine": 1.0, "columns": STORED[stored]}
    if expected["outcome"] == "error":
        with pytest.raises(ExtractError) as caught:
            load_extract(CORPUS / case, con, **options)
        message = str(caught.value)
        for part in expected["error_contains"]:
            assert part in message
        assert not any(v in message for v in PATIENT_VALUES)
        assert "Original Line" not in message
        return
    report = load_extract(CORPUS / case, con, **options)
    loaded = dict(zip(report.validation["table"], report.validation["loaded"], strict=True))
    for table, rows in expected["loaded"].items():
        assert loaded[table] == rows, table
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == rows
    _assert_listed(con, "quarantine", expected["quarantined"])
    _assert_listed(con, "finding", expected.get("findings", []))
    deduplicated = dict(
        zip(report.validation["table"], report.validation["deduplicated"], strict=True)
    )
    assert {t: n for t, n in deduplicated.items() if n} == expected.get("deduplicated", {})
    # no row lost: every data line of every file is loaded, quarantined or a surplus copy
    for row in report.validation.itertuples():
        assert row.rows_in == row.loaded + row.quarantined + row.deduplicated
        assert row.rows_in == _data_rows(CORPUS / case / row.source_file)
    if "note_contains" in expected:
        assert expected["note_contains"] in " ".join(report.validation["notes"])
    if "unknown_files" in expected:
        assert [f for f in report.unknown_files if f != "expected.yaml"] == expected[
            "unknown_files"
        ]
    if "extract_date_source" in expected:
        assert report.extract_date_source == expected["extract_date_source"]
    write_validation_outputs(report, con, tmp_path)
    for written in tmp_path.iterdir():
        assert not any(v in written.read_text(encoding="utf-8") for v in PATIENT_VALUES)


def _assert_listed(con: duckdb.DuckDBPyConnection, outcome: str, want: list[dict]) -> None:
    """`outcome` holds exactly the expected distinct (table, check, line), columns as stated."""
    got = con.execute(f"select table_name, check_name, column_name, line from {outcome}").fetchall()
    # one row per rule met and column; compare the distinct (table, check, line)
    assert {(g[0], g[1], g[3]) for g in got} == {(w["table"], w["check"], w["line"]) for w in want}
    for item in want:
        assert any(
            g[0] == item["table"]
            and g[1] == item["check"]
            and g[3] == item["line"]
            and ("column" not in item or g[2] == item["column"])
            for g in got
        ), (item, got)


def test_one_megabyte_field_loads(tmp_path: Path) -> None:
    # a 1 MB free-text value is unusual but valid: it loads, nothing is quarantined
    (tmp_path / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n", encoding="utf-8"
    )
    (tmp_path / "observation.csv").write_text(
        "observation_id,person_id,observation_date,value_as_string\n"
        f"1,1,2020-01-01,{'x' * 1_000_000}\n2,1,2020-01-02,short\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    report = load_extract(tmp_path, con, extract_date=date(2026, 11, 1))
    assert report.reasons.empty
    lengths = con.execute("select max(length(value_as_string)) from observation").fetchone()
    assert lengths == (1_000_000,)


def test_unreadable_csv_is_rephrased(tmp_path: Path) -> None:
    # an unterminated quote stops DuckDB's reader; the user sees file and cause, not the row
    (tmp_path / "person.csv").write_text(
        'person_id,gender_concept_id,year_of_birth,person_source_value\n1,8507,1950,"ZZ-SECRET\n',
        encoding="utf-8",
    )
    with pytest.raises(ExtractError) as caught:
        load_extract(tmp_path, duckdb.connect(), extract_date=None)
    assert "person.csv" in str(caught.value)
    assert "ZZ-SECRET" not in str(caught.value)
