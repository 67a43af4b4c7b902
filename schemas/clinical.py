"""Schemas of the person-level tables: person, death, observation_period, care_site, location."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from prescreen.schemas.base import OmopId, OmopModel

# OMOP Gender domain: male, female, other, unknown, ambiguous; 0 = not mapped
GENDER_CONCEPTS = [8507, 8532, 8521, 8551, 8570, 0]


class Person(OmopModel):
    """One row per patient."""

    person_id: Series[OmopId] = pa.Field(unique=True, description="patient key")
    gender_concept_id: Series[OmopId] = pa.Field(
        isin=GENDER_CONCEPTS, description="8507 male, 8532 female (registry profile)"
    )
    year_of_birth: Series[OmopId] = pa.Field(
        in_range={"min_value": 1850, "max_value": 2100}, description="calendar year"
    )
    month_of_birth: Series[OmopId] = pa.Field(
        nullable=True, in_range={"min_value": 1, "max_value": 12}
    )
    day_of_birth: Series[OmopId] = pa.Field(
        nullable=True, in_range={"min_value": 1, "max_value": 31}
    )
    care_site_id: Series[OmopId] = pa.Field(nullable=True, description="the site in reports")
    person_source_value: Series[str] = pa.Field(
        nullable=True, description="registry number: an identifier, never logged"
    )


class Death(OmopModel):
    """At most one row per patient."""

    person_id: Series[OmopId] = pa.Field(unique=True)
    death_date: Series[pd.Timestamp] = pa.Field(description="date of death")


class ObservationPeriod(OmopModel):
    """Spans during which the registry observed the patient."""

    observation_period_id: Series[OmopId] = pa.Field(nullable=True, unique=True)
    person_id: Series[OmopId]
    observation_period_start_date: Series[pd.Timestamp]
    observation_period_end_date: Series[pd.Timestamp]


class CareSite(OmopModel):
    """Sites: care_site_name is the site label in reports."""

    care_site_id: Series[OmopId] = pa.Field(unique=True)
    care_site_name: Series[str] = pa.Field(nullable=True)


class Location(OmopModel):
    """Addresses (not used by the criteria, loaded for completeness)."""

    location_id: Series[OmopId] = pa.Field(unique=True)
