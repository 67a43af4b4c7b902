"""Schemas of the person-level tables: person, death, observation_period, care_site, location."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from prescreen.schemas.base import (
    OmopId,
    OmopModel,
    datetime_of,
    end_date,
    event_date,
    key,
    optional,
    person_key,
)

# OMOP Gender domain: male, female, other, unknown, ambiguous; 0 = not mapped
GENDER_CONCEPTS = [8507, 8532, 8521, 8551, 8570, 0]


class Person(OmopModel):
    """One row per patient."""

    person_id: Series[OmopId] = key(unique=True, description="patient key")
    gender_concept_id: Series[OmopId] = pa.Field(
        isin=GENDER_CONCEPTS, description="8507 male, 8532 female (registry profile)"
    )
    year_of_birth: Series[OmopId] = pa.Field(
        in_range={"min_value": 1850, "max_value": 2100}, description="calendar year"
    )
    month_of_birth: Series[OmopId] | None = optional(in_range={"min_value": 1, "max_value": 12})
    day_of_birth: Series[OmopId] | None = optional(in_range={"min_value": 1, "max_value": 31})
    birth_datetime: Series[pd.Timestamp] | None = optional(
        description="wins over year/month/day of birth when it lies in year_of_birth"
    )
    race_concept_id: Series[OmopId] | None = optional()
    ethnicity_concept_id: Series[OmopId] | None = optional()
    location_id: Series[OmopId] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    care_site_id: Series[OmopId] | None = optional(description="the site in reports")
    person_source_value: Series[str] | None = optional(
        description="registry number: an identifier, never logged"
    )
    gender_source_value: Series[str] | None = optional()
    gender_source_concept_id: Series[OmopId] | None = optional()
    race_source_value: Series[str] | None = optional()
    race_source_concept_id: Series[OmopId] | None = optional()
    ethnicity_source_value: Series[str] | None = optional()
    ethnicity_source_concept_id: Series[OmopId] | None = optional()

    class Config:
        # other tables join on person_id; the screen reads one row per person
        metadata = {"identity_key": True, "screened": True}


class CareSite(OmopModel):
    """Sites: care_site_name is the site label in reports."""

    care_site_id: Series[OmopId] = key(unique=True)
    care_site_name: Series[str] | None = optional(description="the site label in reports")
    place_of_service_concept_id: Series[OmopId] | None = optional()
    location_id: Series[OmopId] | None = optional()
    care_site_source_value: Series[str] | None = optional()
    place_of_service_source_value: Series[str] | None = optional()

    class Config:
        metadata = {"identity_key": True}  # person_site joins persons to one site each


class Location(OmopModel):
    """Addresses (not used by the criteria, loaded for completeness)."""

    location_id: Series[OmopId] = key()
    address_1: Series[str] | None = optional()
    address_2: Series[str] | None = optional()
    city: Series[str] | None = optional()
    state: Series[str] | None = optional()
    zip: Series[str] | None = optional()
    county: Series[str] | None = optional()
    location_source_value: Series[str] | None = optional()
    country_concept_id: Series[OmopId] | None = optional()
    country_source_value: Series[str] | None = optional()
    latitude: Series[float] | None = optional()
    longitude: Series[float] | None = optional()


class ObservationPeriod(OmopModel):
    """Spans during which the registry observed the patient."""

    observation_period_id: Series[OmopId] | None = key(nullable=True)
    person_id: Series[OmopId] = person_key()
    observation_period_start_date: Series[pd.Timestamp] = event_date()
    observation_period_end_date: Series[pd.Timestamp] = end_date()
    period_type_concept_id: Series[OmopId] | None = optional()

    # not "screened": the screen does not read periods per person, so a period of an unknown
    # person (GiBleed: half its observation_period) is a finding, the row kept


class Death(OmopModel):
    """At most one row per patient (a second one is a finding)."""

    person_id: Series[OmopId] = pa.Field(metadata={"key": True, "person_key": True})
    death_date: Series[pd.Timestamp] = event_date(description="date of death")
    death_datetime: Series[pd.Timestamp] | None = datetime_of("death_date")
    death_type_concept_id: Series[OmopId] | None = optional()
    cause_concept_id: Series[OmopId] | None = optional()
    cause_source_value: Series[str] | None = optional()
    cause_source_concept_id: Series[OmopId] | None = optional()

    class Config:
        metadata = {"screened": True}  # criteria read it per person
