"""Schema of cdm_source: who made the extract, and when (the extract date validation uses)."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series
from prescreen.schemas.base import OmopId, OmopModel, optional


class CdmSource(OmopModel):
    """One row (normally) describing the extract; OMOP v5.3 and v5.4 columns, none required."""

    cdm_source_name: Series[str] | None = optional(description="the registry's name")
    cdm_source_abbreviation: Series[str] | None = optional(
        description="short registry name; scans use it to label runs"
    )
    cdm_holder: Series[str] | None = optional()
    source_description: Series[str] | None = optional()
    source_documentation_reference: Series[str] | None = optional()
    cdm_etl_reference: Series[str] | None = optional()
    source_release_date: Series[pd.Timestamp] | None = optional(
        description="when the source data were taken: the extract date"
    )
    cdm_release_date: Series[pd.Timestamp] | None = optional(
        description="when the CDM was built: the extract date without the above"
    )
    cdm_version: Series[str] | None = optional()
    cdm_version_concept_id: Series[OmopId] | None = optional(description="v5.4 only")
    vocabulary_version: Series[str] | None = optional()
