"""The extract date: the date the data were taken, which only validation uses.

It belongs to the extract, not to the screen: `cdm_source.source_release_date` (else
`cdm_release_date`) when the extract has a cdm_source table with one, else the date the
caller gives (the CLI's `--extract-date`), else the run date. The screen's index date
(`--as-of`) is a different date and never stands in for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from prescreen.sqltext import read_sql


@dataclass(frozen=True)
class ExtractDate:
    """The date, where it came from, and the registry's abbreviation when cdm_source has one."""

    value: date
    source: str  # "cdm_source.source_release_date", "cdm_source.cdm_release_date", …
    cdm_source_abbreviation: str | None = None


def resolve_extract_date(
    con: duckdb.DuckDBPyConnection, *, has_cdm_source: bool, given: date | None
) -> ExtractDate:
    """The extract date from the loaded `cdm_source`, else `given`, else today."""
    abbreviation = None
    if has_cdm_source:
        row = con.execute(read_sql("extract/cdm_source_release.sql")).fetchone()
        if row is not None:
            source_release, cdm_release, abbreviation = row
            if source_release is not None:
                return ExtractDate(source_release, "cdm_source.source_release_date", abbreviation)
            if cdm_release is not None:
                return ExtractDate(cdm_release, "cdm_source.cdm_release_date", abbreviation)
    if given is not None:
        return ExtractDate(given, "--extract-date", abbreviation)
    return ExtractDate(date.today(), "run date", abbreviation)
