"""A CSV file is read once, typed as it is read; its rows get their file lines afterwards.

Each row below carries its own line number as measurement_id, so every stored row's
`_row_id` (line − 1) and every quarantine or finding line can be checked against the file,
with rejected lines before them, a CR LF line (the file is read again from an LF copy),
exact copies and repeated keys, in a load that stores every column and in one that stores
only what the screen reads.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from prescreen.criteria.staging import columns_read
from prescreen.extract import load_extract

EXTRACT_DATE = date(2026, 11, 1)
HEADER = "measurement_id,person_id,measurement_concept_id,measurement_date,provider_id"


def _row(line: int, person: int = 1, day: str = "2026-01-02", provider: int = 7) -> str:
    return f"{line},{person},3004410,{day},{provider}"


def _extract(folder: Path, *, copies: str, crlf: bool) -> None:
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n2,8532,1960\n", encoding="utf-8"
    )
    lines = [HEADER] + [_row(n) for n in range(2, 31)]  # list index + 1 = file line
    lines[3] = _row(4) + ",surplus"  # line 4: more fields than the header (a reject)
    lines[5] = "6,1,3004410"  # line 6: fewer fields (a reject)
    lines[7] = "8,x,3004410,2026-01-02,7"  # line 8: person_id not a number
    lines[9] = _row(10, person=99)  # line 10: no such person
    # lines 12 and 13 share key 12: equal in every column (an exact copy), in all but
    # provider_id (which the screen does not read, so a narrow load does not store it), or
    # in no way that makes them copies (the date differs)
    lines[11] = _row(12)
    lines[12] = {
        "exact": _row(12),
        "unstored-differs": _row(12, provider=8),
        "stored-differs": _row(12, day="2026-01-03"),
    }[copies]
    lines[14] = _row(15, day="2026-03-01")  # lines 15 and 16 share key 15, other dates
    lines[15] = _row(15, day="2026-03-02")
    if crlf:
        lines[19] += "\r"  # line 20
    (folder / "measurement.csv").write_bytes(("\n".join(lines) + "\n").encode())


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf-line"])
@pytest.mark.parametrize("copies", ["exact", "unstored-differs", "stored-differs"])
@pytest.mark.parametrize("narrow", [False, True], ids=["every-column", "read-columns"])
def test_rows_and_outcomes_keep_their_file_lines(
    tmp_path: Path, narrow: bool, copies: str, crlf: bool
) -> None:
    _extract(tmp_path / "x", copies=copies, crlf=crlf)
    con = duckdb.connect()
    report = load_extract(
        tmp_path / "x",
        con,
        extract_date=EXTRACT_DATE,
        max_quarantine=1.0,
        columns=columns_read() if narrow else None,
    )
    quarantined = con.execute(
        "select distinct line, check_name from quarantine where table_name = 'measurement' order by all"
    ).fetchall()
    assert quarantined == [
        (4, "csvRowReadable"),
        (6, "csvRowReadable"),
        (8, "cdmDatatype"),
        (10, "isForeignKey"),
    ]
    found = con.execute(
        "select line, check_name from finding where table_name = 'measurement' order by all"
    ).fetchall()
    repeated = [(15, "isPrimaryKey"), (16, "isPrimaryKey")]
    if copies == "exact":
        assert found == [(13, "exactDuplicate"), *repeated]
    else:
        assert found == [(12, "isPrimaryKey"), (13, "isPrimaryKey"), *repeated]
    rows = con.execute(
        "select measurement_id, _row_id, measurement_date from measurement order by _row_id"
    ).fetchall()
    removed = {4, 6, 8, 10} | ({13} if copies == "exact" else set())
    key_on_line = {13: 12, 16: 15}  # the lines that repeat an earlier line's key
    assert [(key, row_id + 1) for key, row_id, _ in rows] == [
        (key_on_line.get(n, n), n) for n in range(2, 31) if n not in removed
    ]
    assert [str(day) for key, _, day in rows if key == 15] == ["2026-03-01", "2026-03-02"]
    v = report.validation.set_index("table").loc["measurement"]
    assert (v["rows_in"], v["quarantined"]) == (29, 4)
    assert ("mixed line endings" in v["notes"]) is crlf


def test_a_record_over_two_lines_is_named_in_the_notes(tmp_path: Path) -> None:
    """DuckDB's reader gives record positions, not lines: after a quoted value with a line
    break, the lines prescreen names count records. validation.csv says so."""
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950", encoding="utf-8"
    )  # no line feed after the last line: no note
    (folder / "measurement.csv").write_text(
        HEADER + ",value_source_value\n"
        '2,1,3004410,2026-01-02,7,"two\nlines"\n'
        "4,x,3004410,2026-01-02,7,one line\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    report = load_extract(folder, con, extract_date=EXTRACT_DATE, max_quarantine=1.0)
    notes = report.validation.set_index("table")["notes"]
    assert notes["person"] == ""
    assert notes["measurement"].startswith("1 more line(s) than header + records")
    # the bad row is on line 4 of the file; its record is the second, so "line 3"
    assert con.execute("select line from quarantine").fetchall() == [(3,)]


def test_a_blank_line_before_a_bad_row_is_not_an_open_quote(tmp_path: Path) -> None:
    """DuckDB puts the blank line into the rejected row's text; that line break is not an
    open quote swallowing later lines, so the load goes on (it stopped, naming a quote)."""
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n", encoding="utf-8"
    )
    (folder / "measurement.csv").write_text(
        HEADER + "\n" + _row(2) + "\n\n" + _row(4) + ",surplus\n" + _row(5) + "\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    report = load_extract(folder, con, extract_date=EXTRACT_DATE, max_quarantine=1.0)
    v = report.validation.set_index("table").loc["measurement"]
    assert (v["rows_in"], v["loaded"], v["quarantined"]) == (3, 2, 1)
    assert con.execute("select line, check_name from quarantine").fetchall() == [
        (4, "csvRowReadable")
    ]
    assert v["notes"].startswith("1 more line(s) than header + records")
