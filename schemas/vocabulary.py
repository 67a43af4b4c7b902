"""Schemas of the vocabulary tables the criteria engine may use."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from prescreen.schemas.base import OmopId, OmopModel


class Concept(OmopModel):
    """One row per concept."""

    concept_id: Series[OmopId] = pa.Field(unique=True)
    concept_code: Series[str] = pa.Field(nullable=True)
    valid_start_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    valid_end_date: Series[pd.Timestamp] = pa.Field(nullable=True)


class ConceptAncestor(OmopModel):
    """Hierarchy: one row per (ancestor, descendant) pair."""

    ancestor_concept_id: Series[OmopId]
    descendant_concept_id: Series[OmopId]
    min_levels_of_separation: Series[OmopId] = pa.Field(nullable=True, ge=0)
    max_levels_of_separation: Series[OmopId] = pa.Field(nullable=True, ge=0)
