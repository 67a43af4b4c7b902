"""Schema of cdm_source: who made the extract, and when (the extract date validation uses)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from prescreen.schemas.base import OmopModel


class CdmSource(OmopModel):
    """One row (normally) describing the extract; OMOP v5.3 and v5.4 columns."""

    cdm_source_name: Series[str] = pa.Field(nullable=True, description="the registry's name")
    cdm_source_abbreviation: Series[str] = pa.Field(
        nullable=True, description="short registry name; scans use it to label runs"
    )
    source_release_date: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="when the source data were taken: the extract date"
    )
    cdm_release_date: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="when the CDM was built: the extract date without the above"
    )
