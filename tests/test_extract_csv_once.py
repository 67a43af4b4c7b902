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
from prescreen.errors import ExtractError
from prescreen.extract import load_extract
from prescreen.extract.summary import LoadReport

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


def _load(folder: Path, narrow: bool) -> tuple[duckdb.DuckDBPyConnection, LoadReport]:
    """Load `folder` whatever it quarantines; `narrow`: store only what the screen reads."""
    con = duckdb.connect()
    report = load_extract(
        folder,
        con,
        extract_date=EXTRACT_DATE,
        max_quarantine=1.0,
        columns=columns_read() if narrow else None,
    )
    return con, report


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf-line"])
@pytest.mark.parametrize("copies", ["exact", "unstored-differs", "stored-differs"])
@pytest.mark.parametrize("narrow", [False, True], ids=["every-column", "read-columns"])
def test_rows_and_outcomes_keep_their_file_lines(
    tmp_path: Path, narrow: bool, copies: str, crlf: bool
) -> None:
    _extract(tmp_path / "x", copies=copies, crlf=crlf)
    con, report = _load(tmp_path / "x", narrow)
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


def _shifted_extract(folder: Path, *, crlf: bool) -> dict[str, int]:
    """measurement.csv whose records do not all sit one per line: quoted values with line
    breaks, blank lines, rejected records before and after them. Each record's
    measurement_id is the line it starts on; returns those lines by role."""
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n", encoding="utf-8"
    )
    end = "\r\n" if crlf else "\n"
    lines = [HEADER + ",value_source_value"]
    role: dict[str, int] = {}

    def add(name: str, text: str) -> None:
        role[name] = len(lines) + 1
        lines.extend(text.format(line=len(lines) + 1).split("\n"))

    add("plain", "{line},1,3004410,2026-01-02,7,a")
    add("two-lines", '{line},1,3004410,2026-01-02,7,"first\nsecond"')
    add("bad-value", "{line},x,3004410,2026-01-02,7,b")
    lines.append("")  # a blank line
    add("reject-after-blank", "{line},1,3004410,2026-01-02,7,c,surplus")
    add("three-lines", '{line},1,3004410,2026-01-02,7,"a\n""quoted""\nc"')
    add("orphan", "{line},99,3004410,2026-01-02,7,d")
    add("repeat-1", "20000,1,3004410,2026-01-02,7,e")
    add("reject", "{line},1,3004410")
    add("copy-1", '30000,1,3004410,2026-01-04,7,"x\ny"')
    lines.extend(["", ""])  # two blank lines
    add("copy-2", '30000,1,3004410,2026-01-04,7,"x\ny"')  # an exact copy of copy-1
    add("repeat-2", "20000,1,3004410,2026-01-03,7,e")
    add("last", "{line},1,3004410,2026-01-02,7,f")
    (folder / "measurement.csv").write_bytes((end.join(lines) + end).encode())
    return role


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("narrow", [False, True], ids=["every-column", "read-columns"])
def test_records_over_several_lines_keep_the_lines_they_start_on(
    tmp_path: Path, narrow: bool, crlf: bool
) -> None:
    """DuckDB's reader numbers records, not lines (and its rejects count blank lines but
    not line breaks in quotes): every line quarantine and findings give is still the line
    the record starts on, and every stored row's _row_id is its position among records."""
    role = _shifted_extract(tmp_path / "x", crlf=crlf)
    con, report = _load(tmp_path / "x", narrow)
    outcomes = con.execute(
        "select distinct line, check_name from quarantine union all "
        "select line, check_name from finding order by all"
    ).fetchall()
    assert outcomes == sorted(
        [
            (role["bad-value"], "cdmDatatype"),
            (role["reject-after-blank"], "csvRowReadable"),
            (role["orphan"], "isForeignKey"),
            (role["repeat-1"], "isPrimaryKey"),
            (role["reject"], "csvRowReadable"),
            (role["repeat-2"], "isPrimaryKey"),
            (role["copy-2"], "exactDuplicate"),
        ]
    )
    rows = con.execute(
        "select measurement_id, _row_id from measurement order by _row_id"
    ).fetchall()
    order = ["plain", "two-lines", "bad-value", "reject-after-blank", "three-lines", "orphan",
             "repeat-1", "reject", "copy-1", "copy-2", "repeat-2", "last"]  # fmt: skip
    kept = ["plain", "two-lines", "three-lines", "repeat-1", "copy-1", "repeat-2", "last"]
    keys = {"repeat-1": 20000, "repeat-2": 20000, "copy-1": 30000}
    assert rows == [(keys.get(name, role[name]), order.index(name) + 1) for name in kept]
    v = report.validation.set_index("table").loc["measurement"]
    assert (v["rows_in"], v["loaded"], v["quarantined"]) == (12, 7, 4)
    assert "8 more line(s) than header + records" in v["notes"]
    assert "are its own lines" in v["notes"]


def test_records_that_are_lines_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a file with more lines than header + records is read a second time."""
    import prescreen.extract.csvread as csvread

    def refuse(*_: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(csvread, "record_lines", refuse)
    _extract(tmp_path / "x", copies="exact", crlf=False)
    report = load_extract(tmp_path / "x", duckdb.connect(), extract_date=EXTRACT_DATE,
                          max_quarantine=1.0)  # fmt: skip
    assert "more line(s)" not in report.validation.set_index("table").loc["measurement", "notes"]


def test_an_open_quote_after_a_record_over_two_lines_names_its_own_line(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n", encoding="utf-8"
    )
    (folder / "measurement.csv").write_text(
        HEADER + ",value_source_value\n"
        '2,1,3004410,2026-01-02,7,"two\nlines"\n'
        "4,1,3004410,2026-01-02,7,one line\n"
        '5,1,3004410,2026-01-02,7,"open\n'
        "6,1,3004410,2026-01-02,7,swallowed\n",
        encoding="utf-8",
    )
    with pytest.raises(ExtractError, match=r"^measurement\.csv line 5: .*unterminated"):
        load_extract(folder, duckdb.connect(), extract_date=EXTRACT_DATE, max_quarantine=1.0)


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
    assert con.execute(
        "select measurement_id, _row_id from measurement order by all"
    ).fetchall() == [
        (2, 1),
        (5, 3),
    ]  # line 5 holds the third record
    assert v["notes"].startswith("1 more line(s) than header + records")


def test_where_the_reader_numbers_rejects_otherwise_lines_count_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should DuckDB number a rejected record where csvlines finds none, the load keeps
    every row and outcome, numbered by record as the reader does, and the note says so."""
    import prescreen.extract.csvread as csvread
    from prescreen.extract.csvlines import RecordLines

    monkeypatch.setattr(csvread, "record_lines", lambda path, numbers: RecordLines())
    _shifted_extract(tmp_path / "x", crlf=False)
    con, report = _load(tmp_path / "x", narrow=False)
    v = report.validation.set_index("table").loc["measurement"]
    assert (v["rows_in"], v["loaded"], v["quarantined"]) == (12, 7, 4)
    assert "count records" in v["notes"]
    rows = con.execute("select _row_id from measurement order by _row_id").fetchall()
    assert len(rows) == 7 and len({r for (r,) in rows}) == 7
