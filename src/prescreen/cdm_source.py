"""The registry's own name from the extract's `cdm_source` table, when it has one.

OMOP's `cdm_source.cdm_source_abbreviation` names the data source ("PADREG"), so a scan
can key its history on it instead of on a folder name. The loader does not load
cdm_source yet; until it reports the abbreviation itself, this small reader is the one
place that looks (swap it for `LoadReport.cdm_source_abbreviation` then).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from prescreen.errors import ExtractError

_SUFFIXES = (".csv", ".csv.gz", ".parquet")
COLUMN = "cdm_source_abbreviation"


def cdm_source_file(extract_dir: Path) -> Path | None:
    """The extract's cdm_source file (any letter case), or None."""
    names = {f"cdm_source{suffix}" for suffix in _SUFFIXES}
    found = [p for p in extract_dir.iterdir() if p.is_file() and p.name.lower() in names]
    return sorted(found)[0] if found else None


def cdm_source_abbreviation(extract_dir: Path) -> str | None:
    """cdm_source.cdm_source_abbreviation, or None when the table or the value is absent.

    Several rows with different abbreviations are a user error (which one is the registry?).
    """
    path = cdm_source_file(extract_dir)
    if path is None:
        return None
    con = duckdb.connect()
    try:
        if path.name.lower().endswith(".parquet"):
            relation = con.read_parquet(str(path))
        else:
            relation = con.read_csv(str(path), header=True, all_varchar=True)
        columns = {c.lower(): c for c in relation.columns}
        if COLUMN not in columns:
            return None
        relation.create_view("_cdm_source")
        column = columns[COLUMN].replace('"', '""')
        values = con.execute(
            f'select distinct trim(cast("{column}" as varchar)) as v from _cdm_source '
            "where v <> '' order by v limit 2"
        ).fetchall()
    except duckdb.Error as exc:
        raise ExtractError(
            f"{path}: cannot be read as the OMOP cdm_source table ({type(exc).__name__}); "
            "fix the file or name the registry with --registry"
        ) from None
    finally:
        con.close()
    if len(values) > 1:
        raise ExtractError(
            f"{path}: column {COLUMN} holds more than one registry name; keep one, or name the "
            "registry with --registry"
        )
    return values[0][0] if values else None
