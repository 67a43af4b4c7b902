"""Where each record of a CSV file starts: its line in the file, as an editor shows it.

DuckDB's CSV reader gives no line numbers for the rows it reads, and for the rows it
rejects a number of its own: a blank line counts, a line break inside a quoted value does
not. prescreen numbers the read rows by their position among the records. In a file where
every record is one line, the two agree and the record at position k is on line k + 1
(the header is line 1). A quoted value with a line break, or a blank line, shifts every
later record; from there on, quarantine.csv and findings.csv would name the wrong line
(and, with a blank line and a rejected row, lines out of order).

So a file whose line count (counted while it is hashed, extract/discover.py) exceeds
header + records is read once more here with Python's csv module, in the reader's dialect
(comma, `"` quote doubled to escape), to find each record's first line. Only such a file
pays for that read (about 90 MB/s). A .csv.gz file is not counted, so its lines stay the
records' positions + 1 (docs/validation.md).
"""

from __future__ import annotations

import csv
import sys
from bisect import bisect_right
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RecordLines:
    """Each record's first line, stored where it changes.

    `starts[i]` is a record position (1 = the first record after the header) from which on
    a record at position k starts on line k + `offsets[i]`, up to the next start.
    `positions` maps the reader's numbers of the rejected records asked for to their
    positions.
    """

    starts: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)

    def line(self, position: int) -> int:
        """The line a record starts on, from its position."""
        i = bisect_right(self.starts, position)
        return position + (self.offsets[i - 1] if i else 1)


def record_lines(path: Path, reader_numbers: Collection[int]) -> RecordLines:
    """Read `path` (plain CSV, header first) and say where each record starts.

    `reader_numbers`: the numbers DuckDB's reader gave rejected records (its `line`: one
    more per line break outside quotes); their positions are returned in `positions`.
    """
    wanted = set(reader_numbers)
    found = RecordLines()
    offset, position = None, -1  # the header is position 0
    quoted_breaks = 0  # line breaks inside quoted values so far (the reader skips them)
    for first, last in _records(path):
        position += 1
        if position > 0:
            if first - position != offset:
                offset = first - position
                found.starts.append(position)
                found.offsets.append(offset)
            if first - quoted_breaks in wanted:
                found.positions[first - quoted_breaks] = position
        quoted_breaks += last - first
    return found


def _records(path: Path) -> Iterator[tuple[int, int]]:
    """(first line, last line) of each record, blank lines skipped; a quote left open at
    the end makes the rest of the file one last record (the reader rejects it)."""
    # newline="\n": lines end at line feeds only, as the line count's do; latin-1 maps
    # every byte, and the CSV syntax is ASCII, so any encoding parses the same
    with _no_field_limit(), path.open(newline="\n", encoding="latin-1") as handle:
        reader = csv.reader(handle, delimiter=",", quotechar='"', doublequote=True)
        before = 0
        while True:
            try:
                row = next(reader, None)
            except csv.Error:
                yield before + 1, reader.line_num
                return
            if row is None:
                return
            first, before = before + 1, reader.line_num
            if row:
                yield first, before


@contextmanager
def _no_field_limit() -> Iterator[None]:
    """csv refuses fields over 128 KiB by default; DuckDB reads lines up to 8 MB (and
    rejects longer ones as records of their own), so any field must parse here."""
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)
