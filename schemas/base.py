"""Columns every OMOP table schema shares, and the settings all of them use."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

OmopId = pd.Int64Dtype  # identifiers and counts: bigint in DuckDB, nullable Int64 in pandas


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
