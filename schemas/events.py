"""Schemas of the event tables: one row per clinical event of one patient.

Source ids (`*_occurrence_id`, `drug_exposure_id`, …) are keys of the source, not of
prescreen: real exports repeat them across persons, so a repeat is a finding and rows are
told apart by the loader's `_row_id`.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series
from prescreen.schemas.base import (
    OmopId,
    OmopModel,
    code,
    datetime_of,
    end_date,
    event_date,
    key,
    optional,
    person_key,
)


class VisitOccurrence(OmopModel):
    """Encounters."""

    visit_occurrence_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="a person of the extract (else a finding)")
    visit_concept_id: Series[OmopId] | None = optional()
    visit_start_date: Series[pd.Timestamp] = event_date()
    visit_start_datetime: Series[pd.Timestamp] | None = datetime_of("visit_start_date")
    visit_end_date: Series[pd.Timestamp] | None = end_date(nullable=True)
    visit_end_datetime: Series[pd.Timestamp] | None = datetime_of("visit_end_date")
    visit_type_concept_id: Series[OmopId] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    care_site_id: Series[OmopId] | None = optional()
    visit_source_value: Series[str] | None = code()
    visit_source_concept_id: Series[OmopId] | None = optional()
    admitted_from_concept_id: Series[OmopId] | None = optional()
    admitted_from_source_value: Series[str] | None = optional()
    discharged_to_concept_id: Series[OmopId] | None = optional()
    discharged_to_source_value: Series[str] | None = optional()
    preceding_visit_occurrence_id: Series[OmopId] | None = optional()

    # not "screened": the screen does not read visits per person, so a visit of an unknown
    # person is a finding, the row kept


class ConditionOccurrence(OmopModel):
    """Diagnoses; condition_source_value holds ICD-10-CM in the registry profile."""

    condition_occurrence_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="must be a person of the extract")
    condition_concept_id: Series[OmopId] | None = optional()
    condition_start_date: Series[pd.Timestamp] = event_date(description="onset")
    condition_start_datetime: Series[pd.Timestamp] | None = datetime_of("condition_start_date")
    condition_end_date: Series[pd.Timestamp] | None = end_date(
        nullable=True, description="empty = ongoing"
    )
    condition_end_datetime: Series[pd.Timestamp] | None = datetime_of("condition_end_date")
    condition_type_concept_id: Series[OmopId] | None = optional()
    condition_status_concept_id: Series[OmopId] | None = optional()
    stop_reason: Series[str] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    visit_occurrence_id: Series[OmopId] | None = optional()
    visit_detail_id: Series[OmopId] | None = optional()
    condition_source_value: Series[str] | None = code()
    condition_source_concept_id: Series[OmopId] | None = optional()
    condition_status_source_value: Series[str] | None = optional()

    class Config:
        metadata = {"screened": True}  # criteria read it per person


class ProcedureOccurrence(OmopModel):
    """Procedures; CPT-4 or ICD-10-PCS in procedure_source_value."""

    procedure_occurrence_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="must be a person of the extract")
    procedure_concept_id: Series[OmopId] | None = optional()
    procedure_date: Series[pd.Timestamp] = event_date()
    procedure_datetime: Series[pd.Timestamp] | None = datetime_of("procedure_date")
    procedure_end_date: Series[pd.Timestamp] | None = optional()
    procedure_end_datetime: Series[pd.Timestamp] | None = datetime_of("procedure_end_date")
    procedure_type_concept_id: Series[OmopId] | None = optional()
    modifier_concept_id: Series[OmopId] | None = optional()
    quantity: Series[float] | None = optional(ge=0)
    provider_id: Series[OmopId] | None = optional()
    visit_occurrence_id: Series[OmopId] | None = optional()
    visit_detail_id: Series[OmopId] | None = optional()
    procedure_source_value: Series[str] | None = code()
    procedure_source_concept_id: Series[OmopId] | None = optional()
    modifier_source_value: Series[str] | None = optional(description="RT, LT, 50")

    class Config:
        metadata = {"screened": True}  # criteria read it per person


class DrugExposure(OmopModel):
    """Prescriptions and administrations; ATC in drug_source_value."""

    drug_exposure_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="must be a person of the extract")
    drug_concept_id: Series[OmopId] | None = optional()
    drug_exposure_start_date: Series[pd.Timestamp] = event_date()
    drug_exposure_start_datetime: Series[pd.Timestamp] | None = datetime_of(
        "drug_exposure_start_date"
    )
    drug_exposure_end_date: Series[pd.Timestamp] | None = end_date(nullable=True)
    drug_exposure_end_datetime: Series[pd.Timestamp] | None = datetime_of("drug_exposure_end_date")
    verbatim_end_date: Series[pd.Timestamp] | None = optional()
    drug_type_concept_id: Series[OmopId] | None = optional()
    stop_reason: Series[str] | None = optional()
    refills: Series[OmopId] | None = optional(ge=0)
    quantity: Series[float] | None = optional(ge=0)
    days_supply: Series[OmopId] | None = optional(ge=0, description="days")
    sig: Series[str] | None = optional()
    route_concept_id: Series[OmopId] | None = optional()
    lot_number: Series[str] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    visit_occurrence_id: Series[OmopId] | None = optional()
    visit_detail_id: Series[OmopId] | None = optional()
    drug_source_value: Series[str] | None = code()
    drug_source_concept_id: Series[OmopId] | None = optional()
    route_source_value: Series[str] | None = optional()
    dose_unit_source_value: Series[str] | None = optional()

    class Config:
        metadata = {"screened": True}  # criteria read it per person


class Measurement(OmopModel):
    """Labs, vital signs and limb measurements; value_as_number may be negative."""

    measurement_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="must be a person of the extract")
    measurement_concept_id: Series[OmopId] | None = optional()
    measurement_date: Series[pd.Timestamp] = event_date()
    measurement_datetime: Series[pd.Timestamp] | None = datetime_of("measurement_date")
    measurement_time: Series[str] | None = optional()
    measurement_type_concept_id: Series[OmopId] | None = optional()
    operator_concept_id: Series[OmopId] | None = optional()
    value_as_number: Series[float] | None = optional(description="NaN/inf emptied (a finding)")
    value_as_concept_id: Series[OmopId] | None = optional()
    unit_concept_id: Series[OmopId] | None = optional()
    range_low: Series[float] | None = optional()
    range_high: Series[float] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    visit_occurrence_id: Series[OmopId] | None = optional()
    visit_detail_id: Series[OmopId] | None = optional()
    measurement_source_value: Series[str] | None = code()
    measurement_source_concept_id: Series[OmopId] | None = optional()
    unit_source_value: Series[str] | None = optional(description="UCUM")
    unit_source_concept_id: Series[OmopId] | None = optional()
    value_source_value: Series[str] | None = optional()
    measurement_event_id: Series[OmopId] | None = optional()
    meas_event_field_concept_id: Series[OmopId] | None = optional()

    class Config:
        metadata = {"screened": True}  # criteria read it per person


class Observation(OmopModel):
    """Clinical facts that are not measurements (Rutherford, NYHA, ulcer exposure, …)."""

    observation_id: Series[OmopId] = key()
    person_id: Series[OmopId] = person_key(description="must be a person of the extract")
    observation_concept_id: Series[OmopId] | None = optional()
    observation_date: Series[pd.Timestamp] = event_date()
    observation_datetime: Series[pd.Timestamp] | None = datetime_of("observation_date")
    observation_type_concept_id: Series[OmopId] | None = optional()
    value_as_number: Series[float] | None = optional(description="NaN/inf emptied (a finding)")
    value_as_string: Series[str] | None = optional()
    value_as_concept_id: Series[OmopId] | None = optional()
    qualifier_concept_id: Series[OmopId] | None = optional()
    unit_concept_id: Series[OmopId] | None = optional()
    provider_id: Series[OmopId] | None = optional()
    visit_occurrence_id: Series[OmopId] | None = optional()
    visit_detail_id: Series[OmopId] | None = optional()
    observation_source_value: Series[str] | None = code()
    observation_source_concept_id: Series[OmopId] | None = optional()
    unit_source_value: Series[str] | None = optional()
    qualifier_source_value: Series[str] | None = optional()
    value_source_value: Series[str] | None = optional()
    observation_event_id: Series[OmopId] | None = optional()
    obs_event_field_concept_id: Series[OmopId] | None = optional()

    class Config:
        metadata = {"screened": True}  # criteria read it per person
