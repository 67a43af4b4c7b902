"""Schemas of the event tables: one row per clinical event of one patient."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from prescreen.schemas.base import OmopId, OmopModel


class _Event(OmopModel):
    person_id: Series[OmopId] = pa.Field(description="must be a person of the extract")


class VisitOccurrence(_Event):
    """Encounters."""

    visit_occurrence_id: Series[OmopId] = pa.Field(unique=True)
    visit_start_date: Series[pd.Timestamp]
    visit_end_date: Series[pd.Timestamp] = pa.Field(nullable=True)


class ConditionOccurrence(_Event):
    """Diagnoses; condition_source_value holds ICD-10-CM in the registry profile."""

    condition_occurrence_id: Series[OmopId] = pa.Field(unique=True)
    condition_start_date: Series[pd.Timestamp] = pa.Field(description="onset")
    condition_end_date: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="empty = ongoing"
    )
    condition_source_value: Series[str] = pa.Field(nullable=True)


class ProcedureOccurrence(_Event):
    """Procedures; CPT-4 or ICD-10-PCS in procedure_source_value."""

    procedure_occurrence_id: Series[OmopId] = pa.Field(unique=True)
    procedure_date: Series[pd.Timestamp]
    quantity: Series[float] = pa.Field(nullable=True, ge=0)
    procedure_source_value: Series[str] = pa.Field(nullable=True)
    modifier_source_value: Series[str] = pa.Field(nullable=True, description="RT, LT, 50")


class DrugExposure(_Event):
    """Prescriptions and administrations; ATC in drug_source_value."""

    drug_exposure_id: Series[OmopId] = pa.Field(unique=True)
    drug_exposure_start_date: Series[pd.Timestamp]
    drug_exposure_end_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    days_supply: Series[OmopId] = pa.Field(nullable=True, ge=0, description="days")
    quantity: Series[float] = pa.Field(nullable=True, ge=0)
    refills: Series[OmopId] = pa.Field(nullable=True, ge=0)
    drug_source_value: Series[str] = pa.Field(nullable=True)


class Measurement(_Event):
    """Labs, vital signs and limb measurements; value_as_number may be negative."""

    measurement_id: Series[OmopId] = pa.Field(unique=True)
    measurement_date: Series[pd.Timestamp]
    measurement_source_value: Series[str] = pa.Field(nullable=True)
    value_as_number: Series[float] = pa.Field(nullable=True)
    unit_source_value: Series[str] = pa.Field(nullable=True, description="UCUM")
    range_low: Series[float] = pa.Field(nullable=True)
    range_high: Series[float] = pa.Field(nullable=True)


class Observation(_Event):
    """Clinical facts that are not measurements (Rutherford, NYHA, ulcer exposure, …)."""

    observation_id: Series[OmopId] = pa.Field(unique=True)
    observation_date: Series[pd.Timestamp]
    observation_source_value: Series[str] = pa.Field(nullable=True)
    value_as_number: Series[float] = pa.Field(nullable=True)
    value_as_string: Series[str] = pa.Field(nullable=True)
