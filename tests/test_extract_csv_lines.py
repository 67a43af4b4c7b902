"""Where each record of a CSV file starts (extract/csvlines.py), against files built line
by line: quoted values with line breaks, doubled quotes, commas, blank lines, CR LF."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from prescreen.extract.csvlines import record_lines

_TEXT = st.text(alphabet='ab,"\n ', max_size=8)
_RECORD = st.lists(_TEXT, min_size=1, max_size=3)


def _cell(text: str) -> str:
    if any(c in text for c in ',"\n') or text == "":
        return '"' + text.replace('"', '""') + '"'
    return text


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(st.tuples(_RECORD, st.integers(0, 2)), max_size=12),
    crlf=st.booleans(),
)
def test_each_record_starts_on_the_line_it_was_written_on(
    tmp_path_factory, records: list[tuple[list[str], int]], crlf: bool
) -> None:
    end = "\r\n" if crlf else "\n"
    lines = ["a,b,c"]
    starts: list[int] = []  # the line each record was written on
    numbers: list[int] = []  # DuckDB's number for it: lines so far, less breaks in quotes
    breaks = 0
    for cells, blanks in records:
        lines.extend([""] * blanks)
        starts.append(len(lines) + 1)
        numbers.append(len(lines) + 1 - breaks)
        text = ",".join(_cell(c) for c in cells)
        breaks += text.count("\n")
        lines.extend(text.replace("\n", end).split(end))
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes((end.join(lines) + end).encode())
    found = record_lines(path, numbers)
    assert [found.line(k) for k in range(1, len(records) + 1)] == starts
    assert found.positions == {n: k for k, n in enumerate(numbers, start=1)}


def test_a_quote_open_at_the_end_is_one_last_record(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,2\n\n"open,3\n4,5\n')
    found = record_lines(path, [4])
    assert found.positions == {4: 2}
    assert found.line(2) == 4
