"""Read one extract file into a raw all-varchar DuckDB table with a line number per row.

CSV is read by DuckDB's own reader with every column as text, so a bad value can never
stop the load: typing happens later in SQL with try_cast. Rows the reader cannot split
into the header's columns (or that are not UTF-8) are kept in a rejects table with their
line number. DuckDB error texts quote raw lines; they are rephrased here, never passed on.
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


@dataclass
class RawTable:
    """A staged file: `_raw_<table>` holds `_line` plus the OMOP columns found, as text."""

    table: OmopTable
    source_file: str
    raw_name: str
    columns: list[str]
    extra_columns: list[str] = field(default_factory=list)
    rejects: pd.DataFrame | None = None  # line, column_name, check_name, reason
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return 0 if self.rejects is None else int(self.rejects["line"].nunique())


def stage_file(con: duckdb.DuckDBPyConnection, table: OmopTable, path: Path) -> RawTable:
    """Create `_raw_<table>`; raise ExtractError when the file cannot be read as this table."""
    raw_name = f"_raw_{table.name}"
    if path.stat().st_size == 0:
        con.execute(f"create or replace temp table {raw_name} (_line bigint)")
        staged = RawTable(table, path.name, raw_name, [], notes=["empty file: no header row"])
        return staged
    if path.name.lower().endswith(".parquet"):
        rejects = None
        _read_parquet(con, raw_name, path)
    else:
        rejects = _read_csv(con, raw_name, path)
    found = [c for c in con.table(raw_name).columns if c != "_line"]
    columns, extra = _canonical_columns(con, raw_name, table, path, found)
    staged = RawTable(table, path.name, raw_name, columns, extra, rejects)
    if extra:
        staged.notes.append(
            f"ignored {len(extra)} column(s) not in OMOP {table.name}: " + ", ".join(extra)
        )
    return staged


def _read_parquet(con: duckdb.DuckDBPyConnection, raw_name: str, path: Path) -> None:
    try:
        described = con.execute(
            "select column_name from (describe select * from read_parquet(?))", [str(path)]
        ).fetchall()
        as_text = ", ".join(f'cast("{c}" as varchar) as "{c}"' for (c,) in described)
        con.execute(
            f"create or replace temp table {raw_name} as "
            f"select file_row_number + 2 as _line, {as_text} "
            "from read_parquet(?, file_row_number = true)",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise ExtractError(
            f"{path.name}: not a readable Parquet file ({_error_kind(exc)})"
        ) from None


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
    """Lower-case the header, refuse files that cannot be this table, list extras."""
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
    for original, lower in zip(found, lowered, strict=True):
        if original != lower:
            con.execute(f'alter table {raw_name} rename column "{original}" to "{lower}"')
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
    return [c for c in lowered if c not in extra], extra


def _error_kind(exc: duckdb.Error) -> str:
    """DuckDB's error without any quoted file content: first line and line number only."""
    text = str(exc)
    line = re.search(r"[Ll]ine:? (\d+)", text)
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.sub(r"\"[^\"]*\"|'[^']*'", "…", first)[:200]
    return first + (f" near line {line.group(1)}" if line and "line" not in first.lower() else "")
