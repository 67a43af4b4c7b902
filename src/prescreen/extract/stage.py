"""Stage one extract file as `_raw_<table>`: its rows with a line number, nothing typed yet.

CSV is read by DuckDB's own reader with every column as text, so a bad value can never
stop the load: typing happens later in SQL with try_cast. Rows the reader cannot split
into the header's columns (or that are not UTF-8) are kept in a rejects table with their
line number. DuckDB error texts quote raw lines; they are rephrased here, never passed on.

Parquet is not copied: `_raw_<table>` is a view over the file. A column whose Parquet
type already fits its OMOP type (`_NATIVE`) keeps that type and is cast directly; any
other column is read as text and typed like CSV text, so odd files behave as CSV would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from prescreen.errors import ExtractError
from prescreen.extract.tables import OmopTable

_REJECT_REASONS = {
    "MISSING COLUMNS": ("csv_row_readable", "row has fewer fields than the header"),
    "TOO MANY COLUMNS": ("csv_row_readable", "row has more fields than the header"),
    "UNQUOTED VALUE": ("csv_row_readable", "unquoted value (bad quoting)"),
    "INVALID ENCODING": ("utf8_text", "not UTF-8 text (re-export the file as UTF-8)"),
    "LINE SIZE OVER MAXIMUM": ("csv_row_readable", "line longer than 8 MB"),
}
_MAX_LINE = 8 * 1024 * 1024

_INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
# Parquet types read as they are for each OMOP type: a direct try_cast gives exactly what the
# text path gives (checked value by value, incl. BC, infinity, out-of-range). Not here, so read
# as text: FLOAT (0.1 would become 0.10000000149), TIMESTAMP_NS (the direct cast rounds to
# microseconds, text truncates), TIMESTAMP WITH TIME ZONE (its text depends on the time zone).
_NATIVE = {
    "bigint": _INTEGERS,
    "double": _INTEGERS | {"DOUBLE", "DECIMAL"},
    "date": frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS"}),
    "timestamp": frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS"}),
    "varchar": frozenset({"VARCHAR"}),
}


@dataclass
class RawTable:
    """A staged file: `_raw_<table>` holds `_line` plus the OMOP columns found.

    `types` maps each OMOP column to its type in `_raw_<table>`: VARCHAR (text, typed with
    try_cast chains) or a Parquet type that fits the OMOP type (`_NATIVE`). `view` is true
    when `_raw_<table>` is a view over the file rather than a table.
    """

    table: OmopTable
    source_file: str
    raw_name: str
    columns: list[str]
    extra_columns: list[str] = field(default_factory=list)
    rejects: pd.DataFrame | None = None  # line, column_name, check_name, reason
    notes: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    view: bool = False

    @property
    def rejected_rows(self) -> int:
        return 0 if self.rejects is None else int(self.rejects["line"].nunique())

    def source_type(self, column: str) -> str:
        """The column's type in `_raw_<table>` (VARCHAR unless kept native)."""
        return self.types.get(column, "VARCHAR")

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove `_raw_<table>`."""
        con.execute(f"drop {'view' if self.view else 'table'} if exists {self.raw_name}")


def stage_file(con: duckdb.DuckDBPyConnection, table: OmopTable, path: Path) -> RawTable:
    """Create `_raw_<table>`; raise ExtractError when the file cannot be read as this table."""
    raw_name = f"_raw_{table.name}"
    _drop_leftover(con, raw_name)
    if path.stat().st_size == 0:
        con.execute(f"create or replace temp table {raw_name} (_line bigint)")
        staged = RawTable(table, path.name, raw_name, [], notes=["empty file: no header row"])
        return staged
    if path.name.lower().endswith(".parquet"):
        staged = _stage_parquet(con, raw_name, table, path)
    else:
        rejects = _read_csv(con, raw_name, path)
        found = [c for c in con.table(raw_name).columns if c != "_line"]
        columns, extra = _canonical_columns(con, raw_name, table, path, found)
        staged = RawTable(table, path.name, raw_name, columns, extra, rejects)
    extra = staged.extra_columns
    if extra:
        staged.notes.append(
            f"ignored {len(extra)} column(s) not in OMOP {table.name}: " + ", ".join(extra)
        )
    return staged


def _drop_leftover(con: duckdb.DuckDBPyConnection, raw_name: str) -> None:
    """Drop a `_raw_<table>` an interrupted load left (a view cannot be replaced by a table)."""
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_catalog = 'temp' and table_name = ?",
        [raw_name],
    ).fetchone()
    if kind is not None:
        con.execute(f"drop {'view' if kind[0] == 'VIEW' else 'table'} {raw_name}")


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, raw_name: str, table: OmopTable, path: Path
) -> RawTable:
    """`_raw_<table>` as a view over the file, canonical names, fitting columns kept native."""
    try:
        described = con.execute(
            "select column_name, column_type from (describe select * from read_parquet(?))",
            [str(path)],
        ).fetchall()
    except duckdb.Error as exc:
        raise ExtractError(unreadable_parquet(path.name, exc)) from None
    found = [name for name, _ in described]
    lowered, extra = _canonical_names(table, path, found)
    types: dict[str, str] = {}
    selects = []
    for (original, parquet_type), name in zip(described, lowered, strict=True):
        target = table.columns.get(name) or ("date" if name in table.datetime_for.values() else "")
        if _fits(parquet_type, target):
            types[name] = parquet_type
            selects.append(f"{_quoted(original)} as {_quoted(name)}")
        else:  # another type: its text is typed as CSV text would be
            selects.append(f"cast({_quoted(original)} as varchar) as {_quoted(name)}")
    literal = "'" + str(path).replace("'", "''") + "'"  # a view cannot take parameters
    con.execute(
        f"create or replace temp view {raw_name} as "
        f"select file_row_number + 2 as _line, {', '.join(selects)} "
        f"from read_parquet({literal}, file_row_number = true)"
    )
    columns = [c for c in lowered if c not in extra]
    return RawTable(table, path.name, raw_name, columns, extra, types=types, view=True)


def _fits(parquet_type: str, omop_type: str) -> bool:
    """True when the Parquet type can be cast straight to the OMOP type (see `_NATIVE`)."""
    base = parquet_type.split("(")[0]
    return base in _NATIVE.get(omop_type, ())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unreadable_parquet(file_name: str, exc: duckdb.Error) -> str:
    """The message for a Parquet file DuckDB cannot read (no file content quoted)."""
    return f"{file_name}: not a readable Parquet file ({_error_kind(exc)})"


def _read_csv(con: duckdb.DuckDBPyConnection, raw_name: str, path: Path) -> pd.DataFrame:
    options = (
        "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"store_rejects = true, rejects_table = '{raw_name}_rej', "
        f"rejects_scan = '{raw_name}_scan', max_line_size = {_MAX_LINE}"
    )
    order_kept = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("set preserve_insertion_order = true")  # row_number() follows file order
    try:
        con.execute(
            f"create or replace temp table {raw_name} as "
            f"select row_number() over () as _ord, * from read_csv(?, {options})",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise ExtractError(f"{path.name}: cannot be read as CSV ({_error_kind(exc)})") from None
    finally:
        con.execute(f"set preserve_insertion_order = {str(order_kept).lower()}")
    rejects = con.execute(
        f"select line, error_type, column_name from {raw_name}_rej order by line"
    ).df()
    con.execute(f"drop table if exists {raw_name}_rej")
    con.execute(f"drop table if exists {raw_name}_scan")
    _number_lines(con, raw_name, rejects["line"].tolist())
    return _reject_rows(rejects)


def _number_lines(con: duckdb.DuckDBPyConnection, raw_name: str, reject_lines: list[int]) -> None:
    """Give each read row its file line: header is line 1, rejected lines are skipped."""
    if not reject_lines:
        con.execute(f"alter table {raw_name} rename column _ord to _line")
        con.execute(f"update {raw_name} set _line = _line + 1")
        return
    con.execute(
        f"""
        create or replace temp table {raw_name} as
        with total as (select count(*) as n from {raw_name}),
        kept_lines as (
            select line, row_number() over (order by line) as _ord
            from (select unnest(range(2, (select n from total) + 2 + $n_rej)) as line)
            where not list_contains($rejected, line)
        )
        select k.line as _line, r.* exclude (_ord)
        from {raw_name} as r join kept_lines as k using (_ord)
        """,
        {"rejected": [int(x) for x in reject_lines], "n_rej": len(set(reject_lines))},
    )


def _reject_rows(rejects: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for line, kind, column in rejects.itertuples(index=False):
        check, reason = _REJECT_REASONS.get(kind, ("csv_row_readable", "row cannot be parsed"))
        rows.append(
            {"line": int(line), "column_name": column, "check_name": check, "reason": reason}
        )
    return pd.DataFrame(rows, columns=["line", "column_name", "check_name", "reason"])


def _canonical_columns(con, raw_name, table: OmopTable, path: Path, found: list[str]):
    """Lower-case the header of table `raw_name`, refuse files that cannot be this table.

    Returns (OMOP columns found, extra columns), both lower-case.
    """
    lowered, extra = _canonical_names(table, path, found)
    for original, lower in zip(found, lowered, strict=True):
        if original != lower:
            con.execute(
                f"alter table {raw_name} rename column {_quoted(original)} to {_quoted(lower)}"
            )
    return [c for c in lowered if c not in extra], extra


def _canonical_names(table: OmopTable, path: Path, found: list[str]) -> tuple[list[str], list[str]]:
    """(every column's canonical name, in file order; the extra ones); raise on a bad header."""
    if len(found) == 1 and table.columns and found[0] not in table.columns:
        for sep, label in ((";", ";"), ("\t", "tab"), ("|", "|")):
            if sep in found[0]:
                raise ExtractError(
                    f"{path.name} looks {label}-delimited: prescreen reads comma-separated "
                    "files; re-export it with ',' as the delimiter"
                )
    lowered = [c.strip().lstrip("\ufeff").lower() for c in found]
    duplicates = sorted({c for c in lowered if lowered.count(c) > 1})
    if duplicates:
        raise ExtractError(
            f"{path.name}: column(s) {', '.join(duplicates)} appear twice in the header"
        )
    missing = [
        c for c in table.required if c not in lowered and table.datetime_for.get(c) not in lowered
    ]
    extra = [c for c in lowered if c not in table.columns and c not in table.datetime_for.values()]
    if missing:
        hint = f"; columns not in OMOP {table.name}: {', '.join(extra)}" if extra else ""
        raise ExtractError(
            f"{path.name}: missing required column(s) {', '.join(missing)} of OMOP "
            f"{table.name}{hint}. Rename the columns to their OMOP v5.4 names."
        )
    return lowered, extra


def _error_kind(exc: duckdb.Error) -> str:
    """DuckDB's error without any quoted file content: first line and line number only."""
    text = str(exc)
    line = re.search(r"[Ll]ine:? (\d+)", text)
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.sub(r"\"[^\"]*\"|'[^']*'", "…", first)[:200]
    return first + (f" near line {line.group(1)}" if line and "line" not in first.lower() else "")
