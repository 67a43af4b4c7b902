"""OMOP CDM v5.4 column lists (lower case) and Arrow types of the tables the generator writes."""

from __future__ import annotations

import pyarrow as pa

_I = pa.int64()
_F = pa.float64()
_S = pa.string()
_D = pa.date32()
_T = pa.timestamp("s")


def _cols(spec: str) -> list[tuple[str, pa.DataType]]:
    """Parse `name:type` pairs; types i int64, f float64, s string, d date, t timestamp."""
    types = {"i": _I, "f": _F, "s": _S, "d": _D, "t": _T}
    return [(n, types[t]) for n, t in (item.split(":") for item in spec.split())]


TABLES: dict[str, list[tuple[str, pa.DataType]]] = {
    "person": _cols(
        "person_id:i gender_concept_id:i year_of_birth:i month_of_birth:i day_of_birth:i "
        "birth_datetime:t race_concept_id:i ethnicity_concept_id:i location_id:i "
        "provider_id:i care_site_id:i person_source_value:s gender_source_value:s "
        "gender_source_concept_id:i race_source_value:s race_source_concept_id:i "
        "ethnicity_source_value:s ethnicity_source_concept_id:i"
    ),
    "care_site": _cols(
        "care_site_id:i care_site_name:s place_of_service_concept_id:i location_id:i "
        "care_site_source_value:s place_of_service_source_value:s"
    ),
    "location": _cols(
        "location_id:i address_1:s address_2:s city:s state:s zip:s county:s "
        "location_source_value:s country_concept_id:i country_source_value:s "
        "latitude:f longitude:f"
    ),
    "observation_period": _cols(
        "observation_period_id:i person_id:i observation_period_start_date:d "
        "observation_period_end_date:d period_type_concept_id:i"
    ),
    "visit_occurrence": _cols(
        "visit_occurrence_id:i person_id:i visit_concept_id:i visit_start_date:d "
        "visit_start_datetime:t visit_end_date:d visit_end_datetime:t visit_type_concept_id:i "
        "provider_id:i care_site_id:i visit_source_value:s visit_source_concept_id:i "
        "admitted_from_concept_id:i admitted_from_source_value:s discharged_to_concept_id:i "
        "discharged_to_source_value:s preceding_visit_occurrence_id:i"
    ),
    "condition_occurrence": _cols(
        "condition_occurrence_id:i person_id:i condition_concept_id:i condition_start_date:d "
        "condition_start_datetime:t condition_end_date:d condition_end_datetime:t "
        "condition_type_concept_id:i condition_status_concept_id:i stop_reason:s "
        "provider_id:i visit_occurrence_id:i visit_detail_id:i condition_source_value:s "
        "condition_source_concept_id:i condition_status_source_value:s"
    ),
    "procedure_occurrence": _cols(
        "procedure_occurrence_id:i person_id:i procedure_concept_id:i procedure_date:d "
        "procedure_datetime:t procedure_end_date:d procedure_end_datetime:t "
        "procedure_type_concept_id:i modifier_concept_id:i quantity:i provider_id:i "
        "visit_occurrence_id:i visit_detail_id:i procedure_source_value:s "
        "procedure_source_concept_id:i modifier_source_value:s"
    ),
    "drug_exposure": _cols(
        "drug_exposure_id:i person_id:i drug_concept_id:i drug_exposure_start_date:d "
        "drug_exposure_start_datetime:t drug_exposure_end_date:d drug_exposure_end_datetime:t "
        "verbatim_end_date:d drug_type_concept_id:i stop_reason:s refills:i quantity:f "
        "days_supply:i sig:s route_concept_id:i lot_number:s provider_id:i "
        "visit_occurrence_id:i visit_detail_id:i drug_source_value:s drug_source_concept_id:i "
        "route_source_value:s dose_unit_source_value:s"
    ),
    "measurement": _cols(
        "measurement_id:i person_id:i measurement_concept_id:i measurement_date:d "
        "measurement_datetime:t measurement_time:s measurement_type_concept_id:i "
        "operator_concept_id:i value_as_number:f value_as_concept_id:i unit_concept_id:i "
        "range_low:f range_high:f provider_id:i visit_occurrence_id:i visit_detail_id:i "
        "measurement_source_value:s measurement_source_concept_id:i unit_source_value:s "
        "unit_source_concept_id:i value_source_value:s measurement_event_id:i "
        "meas_event_field_concept_id:i"
    ),
    "observation": _cols(
        "observation_id:i person_id:i observation_concept_id:i observation_date:d "
        "observation_datetime:t observation_type_concept_id:i value_as_number:f "
        "value_as_string:s value_as_concept_id:i qualifier_concept_id:i unit_concept_id:i "
        "provider_id:i visit_occurrence_id:i visit_detail_id:i observation_source_value:s "
        "observation_source_concept_id:i unit_source_value:s qualifier_source_value:s "
        "value_source_value:s observation_event_id:i obs_event_field_concept_id:i"
    ),
    "death": _cols(
        "person_id:i death_date:d death_datetime:t death_type_concept_id:i cause_concept_id:i "
        "cause_source_value:s cause_source_concept_id:i"
    ),
}

# event tables: the date column rows are sorted by and the column the source code lands in
EVENT_TABLES: dict[str, tuple[str, str]] = {
    "visit_occurrence": ("visit_start_date", "visit_source_value"),
    "condition_occurrence": ("condition_start_date", "condition_source_value"),
    "procedure_occurrence": ("procedure_date", "procedure_source_value"),
    "drug_exposure": ("drug_exposure_start_date", "drug_source_value"),
    "measurement": ("measurement_date", "measurement_source_value"),
    "observation": ("observation_date", "observation_source_value"),
}

# concept 32879 = "Registry" (type of record); every *_type_concept_id gets it
REGISTRY_TYPE_CONCEPT = 32879


def schema(table: str) -> pa.Schema:
    """The Arrow schema of one OMOP table, columns in CDM order."""
    return pa.schema(TABLES[table])
