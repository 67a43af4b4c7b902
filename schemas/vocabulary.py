"""Schemas of the vocabulary tables the criteria engine may use."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series
from prescreen.schemas.base import OmopId, OmopModel, key, optional


class Concept(OmopModel):
    """One row per concept."""

    concept_id: Series[OmopId] = key()
    concept_name: Series[str] | None = optional()
    domain_id: Series[str] | None = optional()
    vocabulary_id: Series[str] | None = optional()
    concept_class_id: Series[str] | None = optional()
    standard_concept: Series[str] | None = optional()
    concept_code: Series[str] | None = optional(
        description="the code in its vocabulary (UCUM for units)"
    )
    valid_start_date: Series[pd.Timestamp] | None = optional()
    valid_end_date: Series[pd.Timestamp] | None = optional()
    invalid_reason: Series[str] | None = optional()


class ConceptAncestor(OmopModel):
    """Hierarchy: one row per (ancestor, descendant) pair."""

    ancestor_concept_id: Series[OmopId] = key()
    descendant_concept_id: Series[OmopId] = key()
    min_levels_of_separation: Series[OmopId] | None = optional(ge=0)
    max_levels_of_separation: Series[OmopId] | None = optional(ge=0)
