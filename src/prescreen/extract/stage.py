"""Stage one extract file as `_raw_<table>`: its rows, nothing typed yet.

CSV is read by DuckDB's own reader with every column as text (extract/csvread.py), so a
bad value can never stop the load: typing happens later in SQL. `_raw_<table>` is a view
over the file, read once while its rows are typed; their line numbers come after that
read (extract/csvpass.py). Rows the reader cannot split into the header's columns (or
that are not UTF-8) are kept as rejects with their line number. DuckDB error texts quote
raw lines; they are rephrased, never passed on.
A `.csv.gz` file is checked end to end first (extract/compressed.py).

Parquet is not copied: `_raw_<table>` is a view over the file. A column whose Parquet
type already fits its OMOP type (`_NATIVE`) keeps that type and is cast directly; any
other column is read as text and typed like CSV text, so odd files behave as CSV would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from prescreen.errors import ExtractError
from prescreen.extract.compressed import check_gzip
from prescreen.extract.csvread import CsvFile, error_kind, stage_csv_view
from prescreen.extract.header import canonical_names, describe_columns
from prescreen.extract.tables import OmopTable
from prescreen.sqltext import read_sql, render

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
    when `_raw_<table>` is a view over the file rather than a table. `csv` is set for a
    CSV file's view: read once, while typed, its `_line` still NULL (extract/csvpass.py).
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
    header: list[str] = field(default_factory=list)  # every column's canonical name, file order
    path: Path | None = None
    csv: CsvFile | None = None

    @property
    def rejected_rows(self) -> int:
        return 0 if self.rejects is None else int(self.rejects["line"].nunique())

    def source_type(self, column: str) -> str:
        """The column's type in `_raw_<table>` (VARCHAR unless kept native)."""
        return self.types.get(column, "VARCHAR")

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove `_raw_<table>` (and a CSV reader's reject tables)."""
        con.execute(f"drop {'view' if self.view else 'table'} if exists {self.raw_name}")
        for rejects in (f"{self.raw_name}_rej", f"{self.raw_name}_scan"):
            con.execute(f"drop table if exists {rejects}")


def stage_file(con: duckdb.DuckDBPyConnection, table: OmopTable, path: Path) -> RawTable:
    """Create `_raw_<table>`; raise ExtractError when the file cannot be read as this table."""
    raw_name = f"_raw_{table.name}"
    _drop_leftover(con, raw_name)
    if path.name.lower().endswith(".gz"):
        check_gzip(path)  # before anything is read: nothing from a damaged file loads
    if path.name.lower().endswith(".parquet"):
        staged = _stage_parquet(con, raw_name, table, path)
    else:
        csv_file = None if path.stat().st_size == 0 else stage_csv_view(con, raw_name, table, path)
        if csv_file is None:
            con.execute(f"create or replace temp table {raw_name} (_line bigint)")
            return RawTable(table, path.name, raw_name, [], notes=["empty file: no header row"])
        staged = RawTable(
            table,
            path.name,
            raw_name,
            csv_file.columns,
            csv_file.extra,
            view=True,
            header=csv_file.lowered,
            path=path,
            csv=csv_file,
        )
    if staged.extra_columns:
        staged.notes.append(
            f"ignored {len(staged.extra_columns)} column(s) not in OMOP {table.name}: "
            + describe_columns(staged.extra_columns, staged.header, table)
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
    lowered, extra = canonical_names(table, path.name, found)
    types: dict[str, str] = {}
    selects = []
    for (original, parquet_type), name in zip(described, lowered, strict=True):
        if name in extra:
            continue
        target = table.columns.get(name) or ("date" if name in table.datetime_for.values() else "")
        if _fits(parquet_type, target):
            types[name] = parquet_type
            selects.append(f"{_quoted(original)} as {_quoted(name)}")
        else:  # another type: its text is typed as CSV text would be
            selects.append(f"cast({_quoted(original)} as varchar) as {_quoted(name)}")
    # a view cannot take parameters: the path is bound to a variable the view reads
    con.execute(f"set variable {raw_name}_path = $path", {"path": str(path)})
    sql = render(
        read_sql("extract/parquet_view.sql"),
        raw=raw_name,
        selects=", ".join(selects),
        path_variable=f"{raw_name}_path",
    )
    con.execute(sql)
    columns = [c for c in lowered if c not in extra]
    return RawTable(
        table, path.name, raw_name, columns, extra, types=types, view=True, header=lowered
    )


def _fits(parquet_type: str, omop_type: str) -> bool:
    """True when the Parquet type can be cast straight to the OMOP type (see `_NATIVE`)."""
    base = parquet_type.split("(")[0]
    return base in _NATIVE.get(omop_type, ())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unreadable_parquet(file_name: str, exc: duckdb.Error) -> str:
    """The message for a Parquet file DuckDB cannot read (no file content quoted)."""
    return f"{file_name}: not a readable Parquet file ({error_kind(exc)})"
