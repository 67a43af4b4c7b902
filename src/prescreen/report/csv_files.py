"""Every CSV prescreen writes, one way: DuckDB's writer, text cells spreadsheet-safe.

Text from the data (site names, evidence) passes `csv_text` (sql/marts/macros.sql): a
cell starting with = + - @ would run as a formula in Excel, so it gets a leading
apostrophe; empty text is an empty field. With `bom`, the file starts with a UTF-8
byte-order mark so Excel on Windows reads accented names right.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
from duckdb import ColumnExpression, FunctionExpression

from prescreen.status import create_macros

BOM = b"\xef\xbb\xbf"


def write_frame(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, path: Path, *, bom: bool = False
) -> None:
    """A frame as CSV (header, no index); text columns made spreadsheet-safe."""
    write_relation(con.from_df(frame), path, bom=bom, safe=True, con=con)


def write_relation(
    relation: duckdb.DuckDBPyRelation,
    path: Path,
    *,
    bom: bool = False,
    safe: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
) -> None:
    """A relation as CSV in its row order; `safe`: pass text columns through csv_text
    (`con`, the relation's connection, then gets the macro)."""
    if safe:
        if con is None:
            raise ValueError("spreadsheet-safe text needs the relation's connection")
        create_macros(con)
        relation = relation.select(*_safe_columns(relation))
    target = path.with_name(path.name + ".part") if bom else path
    relation.write_csv(str(target), header=True)
    if bom:
        with open(path, "wb") as out, open(target, "rb") as written:
            out.write(BOM)
            shutil.copyfileobj(written, out, 1 << 20)
        target.unlink()


def _safe_columns(relation: duckdb.DuckDBPyRelation) -> list:
    return [
        FunctionExpression("csv_text", ColumnExpression(name)).alias(name)
        if str(kind) == "VARCHAR"
        else ColumnExpression(name)
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
