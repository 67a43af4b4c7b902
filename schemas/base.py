"""Columns every OMOP table schema shares, the settings all of them use, and column metadata.

The schemas are the one place that knows the tables: every OMOP CDM v5.4 column is declared
in CDM order, and the loader's catalogue (`extract/tables.py`) and the generator's Arrow
schemas (`synth/schema.py`) are derived from them. A column's SQL type follows from its
annotation (`OmopId` bigint, `float` double, `str` varchar, `pd.Timestamp` date, or
timestamp for a `*_datetime` column); a non-optional annotation (`Series[...]`, not
`Series[...] | None`) is a column the file must have, and its values must not be empty.
What the loader needs besides is in `Field(metadata=...)`, built by the helpers below.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

OmopId = pd.Int64Dtype  # identifiers and counts: bigint in DuckDB, nullable Int64 in pandas


def key(**field) -> object:
    """A (part of the) source key: repeats are findings, or unusable for identity keys."""
    return pa.Field(metadata={"key": True}, **field)


def person_key(**field) -> object:
    """person_id of a table whose rows belong to a person of the extract."""
    return pa.Field(metadata={"person_key": True}, **field)


def event_date(**field) -> object:
    """The date of the row's event: not before birth, not after the extract date."""
    return pa.Field(metadata={"event_date": True}, **field)


def end_date(**field) -> object:
    """The row's end date: not before its event date."""
    return pa.Field(metadata={"end_date": True}, **field)


def code(**field) -> object:
    """The source code a criterion matches (the generator writes codes here)."""
    return pa.Field(metadata={"code": True}, nullable=True, **field)


def datetime_of(date_column: str) -> object:
    """A datetime read only to fill its date column when that is empty (not loaded itself)."""
    return pa.Field(metadata={"datetime_of": date_column}, nullable=True)


def optional(**field) -> object:
    """An optional column: may be absent from the file, values may be empty."""
    return pa.Field(nullable=True, **field)


class OmopModel(pa.DataFrameModel):
    """Base of every table schema: extra columns allowed, values coerced, *_concept_id ≥ 0."""

    concept_ids: Series[OmopId] | None = pa.Field(
        alias=".*_concept_id$",
        regex=True,
        nullable=True,
        ge=0,
        description="standard or source concept id; 0 = no standard concept (local codes)",
    )

    class Config:
        coerce = True
        strict = False
        # table metadata (extract/tables.py): identity_key (a repeated key makes every copy
        # unusable), screened (the screen reads the table per person: its rows must name a
        # person of the extract, and losing them stops a run above --max-quarantine)
        metadata: dict = {}
