"""Read one CSV (or CSV.gz) table file: as a view read once while typed, or into a table.

The header is read and checked here (extract/header.py), then DuckDB reads the rows with
its dialect sniffer off: a comma, `"` quoting, the header's column count. The sniffer
reads a sample of rows, so one odd row (a CR LF line in an LF file, an unterminated quote,
a 10 MB field) made the whole file unreadable, or was reported as line 1. Without it each
such row is a reject with its own line number, and the rest of the file loads.

A load reads each file once (`stage_csv_view`): `_raw_<table>` is a view over the file,
typed straight into `_typed_<table>` in file order, and the rows get their file lines
afterwards (`number_rows`; a file whose records do not take a line each is read again for
that: extract/csvlines.py). Copying the text into a table first cost one more write and
read of every row: at 1M persons, measurement took 24 s that way and 16 s read once.
Only the rare check that needs every column of a row again (exact copies, where a load
stores only some columns) reads the file a second time (extract/csvpass.py).

Columns are read under positional names (c0, c1, …) and renamed to their OMOP names in
the select: no header cell is ever pasted into SQL, and non-OMOP columns are never kept.
"""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from prescreen.database import insertion_order
from prescreen.errors import ExtractError
from prescreen.extract.csvlines import RecordLines, record_lines
from prescreen.extract.header import canonical_names, read_header
from prescreen.extract.tables import OmopTable
from prescreen.sqltext import read_sql, render

log = logging.getLogger("prescreen")
_REJECT_REASONS = {
    "MISSING COLUMNS": ("csvRowReadable", "row has fewer fields than the header"),
    "TOO MANY COLUMNS": ("csvRowReadable", "row has more fields than the header"),
    "UNQUOTED VALUE": ("csvRowReadable", "unquoted value (bad quoting)"),
    "INVALID ENCODING": ("utf8Text", "not UTF-8 text (re-export the file as UTF-8)"),
    "LINE SIZE OVER MAXIMUM": ("csvRowReadable", "line longer than 8 MB"),
}
MAX_LINE = 8 * 1024 * 1024


class CsvFile:
    """A CSV file's header as read and checked, and the rejects of its read."""

    def __init__(self, extra: list[str], lowered: list[str]) -> None:
        self.extra = extra  # header cells OMOP does not define (canonical spelling)
        self.lowered = lowered  # every header cell, canonical spelling, file order
        self.rejects = pd.DataFrame(columns=["line", "column_name", "check_name", "reason"])

    @property
    def columns(self) -> list[str]:
        """The OMOP columns found, file order."""
        return [c for c in self.lowered if c not in self.extra]

    def positional_names(self) -> dict[str, str]:
        """c0, c1, … → the OMOP name of each column read."""
        return {f"c{i}": name for i, name in enumerate(self.lowered) if name not in self.extra}


def stage_csv_view(
    con: duckdb.DuckDBPyConnection, raw_name: str, table: OmopTable, path: Path
) -> CsvFile | None:
    """Create the view `_raw_<table>` over a CSV file (no row read yet; `_line` NULL until
    `number_rows`); None when the file holds no header at all."""
    result = _csv_file(table, path)
    if result is not None:
        define_csv_view(con, raw_name, path, result)
    return result


def _csv_file(table: OmopTable, path: Path) -> CsvFile | None:
    """The file's header read and checked; None when it holds no header at all."""
    cells = read_header(path)
    if cells is None:
        return None
    lowered, extra = canonical_names(table, path.name, cells)
    return CsvFile(extra, lowered)


def define_csv_view(
    con: duckdb.DuckDBPyConnection, raw_name: str, path: Path, csv_file: CsvFile
) -> None:
    """(Re)define `_raw_<table>` over `path`, with empty reject tables for its one read."""
    for leftover in (f"{raw_name}_rej", f"{raw_name}_scan"):
        con.execute(f"drop table if exists {leftover}")
    point_csv_view(con, raw_name, path)
    selects = [f'{c} as "{name}"' for c, name in csv_file.positional_names().items()]
    n_cells = len(csv_file.lowered)
    con.execute(
        render(
            read_sql("extract/read_csv_view.sql"),
            raw=raw_name,
            path_variable=f"{raw_name}_path",
            columns="{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cells)) + "}",
            rejects=f"{raw_name}_rej",
            rejects_scan=f"{raw_name}_scan",
            max_line=str(MAX_LINE),
            # a file with no OMOP column at all still has its rows counted
            selects=", ".join(selects) or "cast(null as varchar) as _no_omop_column",
        )
    )


def point_csv_view(con: duckdb.DuckDBPyConnection, raw_name: str, path: Path) -> None:
    """Make `_raw_<table>` read `path` (a view cannot take parameters: it reads a variable)."""
    con.execute(f"set variable {raw_name}_path = $path", {"path": str(path)})


def lf_copy(source: Path, folder: Path) -> Path:
    """A copy of `source` with every CR LF made LF (line numbers do not change).

    Strict CSV allows one line ending per file: a CR LF line in an LF file (or the
    reverse) makes DuckDB's reader stop with an "invalid state" error.
    """
    copy = folder / "lf.csv"
    _crlf_to_lf(source, copy)
    return copy


def number_rows(
    con: duckdb.DuckDBPyConnection,
    raw_name: str,
    table: str,
    path: Path,
    csv_file: CsvFile,
    file_lines: int | None,
) -> tuple[int, bool]:
    """After a read of the view `raw_name` into `table` (in file order): collect the
    reader's rejects into `csv_file.rejects` and give each row of `table` the file line
    it starts on (`_line`) and its position among the records (`_row_id`).

    `file_lines`: the file's line count, None when not counted (a compressed file). When
    it exceeds header + records, records do not all start on line position + 1, and the
    file is read once more to find where each does (extract/csvlines.py). Returns how
    many lines it has beyond header + records (0 when not counted), and whether the lines
    given are where the records start (else they count records, as the reader does)."""
    rejects = _read_rejects(con, raw_name)
    numbers = sorted({int(x) for x in rejects["line"].tolist()})
    stored = int(con.execute(f"select count(*) from {table}").fetchall()[0][0])
    extra = 0 if file_lines is None else max(0, file_lines - 1 - stored - len(numbers))
    found = record_lines(path, numbers) if extra else None
    if found is not None and not set(numbers) <= found.positions.keys():
        # the reader numbered a rejected record where no record starts: count records
        log.warning("%s: rejected rows not found where the reader put them", path.name)
        found = None
    line_of = _reader_lines(numbers, found)
    _refuse_swallowed_lines(path, rejects, line_of)
    if found is None and not numbers:
        con.execute(render(read_sql("extract/number_typed_rows.sql"), typed=table))
    else:
        _number_by_position(con, table, numbers, found)
    csv_file.rejects = _reject_rows(rejects, csv_file.positional_names(), line_of)
    return extra, found is not None or not extra


def _reader_lines(numbers: list[int], found: RecordLines | None) -> dict[int, int]:
    """The reader's numbers of rejected records → the lines they start on."""
    if found is None:  # every record is a line: the reader's number is the line
        return {n: n for n in numbers}
    return {n: found.line(found.positions[n]) for n in numbers}


def _number_by_position(
    con: duckdb.DuckDBPyConnection, table: str, numbers: list[int], found: RecordLines | None
) -> None:
    """Number the stored rows as the records left when the rejected ones are taken out,
    each on the line its position says (`found`; None: position + 1)."""
    if found is None:
        positions, starts, offsets = [n - 1 for n in numbers], [1], [1]
    else:
        positions = [found.positions[n] for n in numbers]
        starts, offsets = found.starts or [1], found.offsets or [1]
    breaks = pa.table(
        {
            "start_position": pa.array(starts, pa.int64()),
            "line_offset": pa.array(offsets, pa.int64()),
        }
    )
    con.register("_csv_breaks_in", breaks)
    try:
        con.execute("create or replace temp table _csv_breaks as select * from _csv_breaks_in")
    finally:
        con.unregister("_csv_breaks_in")
    with insertion_order(con):  # stored in line order, as the file's rows came
        con.execute(
            render(read_sql("extract/number_typed_lines.sql"), typed=table),
            {"rejected": positions, "n_rejected": len(positions)},
        )
    con.execute("drop table _csv_breaks")


def _read_rejects(con: duckdb.DuckDBPyConnection, raw_name: str) -> pd.DataFrame:
    """The reader's rejects (line, error_type, column_name, spans); its tables dropped.

    `spans`: the rejected text runs over a line break. The reader puts blank lines before
    a rejected row into its text, so only a break between other text counts (an open
    quote swallowing the lines after it), not one at either end.
    """
    rejects = con.execute(
        f"select line, error_type, column_name, "
        f"contains(trim(csv_line, chr(10) || chr(13)), chr(10)) as spans "
        f"from {raw_name}_rej order by line"
    ).df()
    con.execute(f"drop table if exists {raw_name}_rej")
    con.execute(f"drop table if exists {raw_name}_scan")
    return rejects


def _crlf_to_lf(source: Path, target: Path) -> None:
    opener = gzip.open if source.name.lower().endswith(".gz") else open
    with opener(source, "rb") as reader, target.open("wb") as writer:
        carried = b""
        while chunk := reader.read(1 << 20):
            chunk = carried + chunk
            carried = b"\r" if chunk.endswith(b"\r") else b""
            writer.write(chunk[: len(chunk) - len(carried)].replace(b"\r\n", b"\n"))
        writer.write(carried)


def _refuse_swallowed_lines(path: Path, rejects: pd.DataFrame, line_of: dict[int, int]) -> None:
    """Stop on a rejected record that spans lines: an open quote swallowed the lines after it.

    Those lines are in no row and no reject, so loading the rest would lose them silently.
    """
    spanning = rejects[rejects["spans"].fillna(False).astype(bool)]
    if spanning.empty:
        return
    number = int(spanning["line"].min())
    line = line_of.get(number, number)
    raise ExtractError(
        f"{path.name} line {line}: a quoted value opened there is not closed where the row "
        'ends, so the lines after it cannot be split into rows (an unterminated "). Fix the '
        "quoting at that line and load again"
    )


def _reject_rows(
    rejects: pd.DataFrame, names: dict[str, str], line_of: dict[int, int]
) -> pd.DataFrame:
    """One quarantine row per reject, on the line it starts; `names` maps c0, c1, … to
    OMOP names (others: none)."""
    rows = []
    for line, kind, column in rejects[["line", "error_type", "column_name"]].itertuples(
        index=False
    ):
        check, reason = _REJECT_REASONS.get(kind, ("csvRowReadable", "row cannot be parsed"))
        rows.append(
            {
                "line": line_of.get(int(line), int(line)),
                "column_name": names.get(column) if isinstance(column, str) else None,
                "check_name": check,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=["line", "column_name", "check_name", "reason"])


def error_kind(exc: duckdb.Error) -> str:
    """DuckDB's error without any quoted file content: first line and line number only."""
    text = str(exc)
    line = re.search(r"[Ll]ine:? (\d+)", text)
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.sub(r"\"[^\"]*\"|'[^']*'", "…", first)[:200]
    return first + (f" near line {line.group(1)}" if line and "line" not in first.lower() else "")
