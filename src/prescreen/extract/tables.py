"""The OMOP CDM v5.4 tables prescreen loads: columns, SQL types, keys and required columns.

v5.3 files load too: columns v5.4 added are empty, columns v5.4 dropped are ignored.

Types follow one rule: identifiers and counts `bigint`, dates `date`, datetimes
`timestamp`, measured numbers `double`, everything else `varchar`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_TYPES = {"i": "bigint", "d": "date", "n": "double", "s": "varchar", "t": "timestamp"}


@dataclass(frozen=True)
class OmopTable:
    """One OMOP table as the loader needs it."""

    name: str
    columns: dict[str, str]
    primary_key: tuple[str, ...]
    required: tuple[str, ...]
    event_date: str | None = None  # the date that must not be before birth nor after the extract
    end_date: str | None = None  # must not be before event_date when both are given
    datetime_for: dict[str, str] = field(default_factory=dict)  # date column -> datetime source
    # True: the key identifies the row for joins (a person, a site), so copies that differ
    # cannot be told apart and are quarantined; False: a repeated key is a finding, rows kept
    identity_key: bool = False
    # rows naming a person not in `person`: "quarantine" where the screen reads the table per
    # person (clinical events), "finding" where it does not (observation periods, visits)
    orphans: str = "quarantine"

    @property
    def person_linked(self) -> bool:
        """True when rows must name a person present in `person`."""
        return self.name != "person" and "person_id" in self.columns


def _cols(spec: str) -> dict[str, str]:
    """'person_id:i year_of_birth:i …' → {column: sql type}."""
    pairs = (item.split(":") for item in spec.split())
    return {name: _TYPES[code] for name, code in pairs}


def _dt(*dates: str) -> dict[str, str]:
    return {d: d.removesuffix("_date") + "_datetime" for d in dates}


TABLES: dict[str, OmopTable] = {
    t.name: t
    for t in [
        OmopTable(
            "cdm_source",
            _cols(
                "cdm_source_name:s cdm_source_abbreviation:s cdm_holder:s source_description:s "
                "source_documentation_reference:s cdm_etl_reference:s source_release_date:d "
                "cdm_release_date:d cdm_version:s cdm_version_concept_id:i vocabulary_version:s"
            ),
            (),
            (),
        ),
        OmopTable(
            "person",
            _cols(
                "person_id:i gender_concept_id:i year_of_birth:i month_of_birth:i day_of_birth:i "
                "birth_datetime:t race_concept_id:i ethnicity_concept_id:i location_id:i "
                "provider_id:i care_site_id:i person_source_value:s gender_source_value:s "
                "gender_source_concept_id:i race_source_value:s race_source_concept_id:i "
                "ethnicity_source_value:s ethnicity_source_concept_id:i"
            ),
            ("person_id",),
            ("person_id", "gender_concept_id", "year_of_birth"),
            identity_key=True,
        ),
        OmopTable(
            "care_site",
            _cols(
                "care_site_id:i care_site_name:s place_of_service_concept_id:i location_id:i "
                "care_site_source_value:s place_of_service_source_value:s"
            ),
            ("care_site_id",),
            ("care_site_id",),
            identity_key=True,
        ),
        OmopTable(
            "location",
            _cols(
                "location_id:i address_1:s address_2:s city:s state:s zip:s county:s "
                "location_source_value:s country_concept_id:i country_source_value:s "
                "latitude:n longitude:n"
            ),
            ("location_id",),
            ("location_id",),
        ),
        OmopTable(
            "observation_period",
            _cols(
                "observation_period_id:i person_id:i observation_period_start_date:d "
                "observation_period_end_date:d period_type_concept_id:i"
            ),
            ("observation_period_id",),
            ("person_id", "observation_period_start_date", "observation_period_end_date"),
            event_date="observation_period_start_date",
            end_date="observation_period_end_date",
            orphans="finding",
        ),
        OmopTable(
            "visit_occurrence",
            _cols(
                "visit_occurrence_id:i person_id:i visit_concept_id:i visit_start_date:d "
                "visit_end_date:d visit_type_concept_id:i provider_id:i care_site_id:i "
                "visit_source_value:s visit_source_concept_id:i admitted_from_concept_id:i "
                "admitted_from_source_value:s discharged_to_concept_id:i "
                "discharged_to_source_value:s preceding_visit_occurrence_id:i"
            ),
            ("visit_occurrence_id",),
            ("visit_occurrence_id", "person_id", "visit_start_date"),
            event_date="visit_start_date",
            end_date="visit_end_date",
            datetime_for=_dt("visit_start_date", "visit_end_date"),
            orphans="finding",
        ),
        OmopTable(
            "condition_occurrence",
            _cols(
                "condition_occurrence_id:i person_id:i condition_concept_id:i "
                "condition_start_date:d condition_end_date:d condition_type_concept_id:i "
                "condition_status_concept_id:i stop_reason:s provider_id:i visit_occurrence_id:i "
                "visit_detail_id:i condition_source_value:s condition_source_concept_id:i "
                "condition_status_source_value:s"
            ),
            ("condition_occurrence_id",),
            ("condition_occurrence_id", "person_id", "condition_start_date"),
            event_date="condition_start_date",
            end_date="condition_end_date",
            datetime_for=_dt("condition_start_date", "condition_end_date"),
        ),
        OmopTable(
            "procedure_occurrence",
            _cols(
                "procedure_occurrence_id:i person_id:i procedure_concept_id:i procedure_date:d "
                "procedure_end_date:d procedure_type_concept_id:i modifier_concept_id:i "
                "quantity:n provider_id:i visit_occurrence_id:i visit_detail_id:i "
                "procedure_source_value:s procedure_source_concept_id:i modifier_source_value:s"
            ),
            ("procedure_occurrence_id",),
            ("procedure_occurrence_id", "person_id", "procedure_date"),
            event_date="procedure_date",
            datetime_for=_dt("procedure_date", "procedure_end_date"),
        ),
        OmopTable(
            "drug_exposure",
            _cols(
                "drug_exposure_id:i person_id:i drug_concept_id:i drug_exposure_start_date:d "
                "drug_exposure_end_date:d verbatim_end_date:d drug_type_concept_id:i "
                "stop_reason:s refills:i quantity:n days_supply:i sig:s route_concept_id:i "
                "lot_number:s provider_id:i visit_occurrence_id:i visit_detail_id:i "
                "drug_source_value:s drug_source_concept_id:i route_source_value:s "
                "dose_unit_source_value:s"
            ),
            ("drug_exposure_id",),
            ("drug_exposure_id", "person_id", "drug_exposure_start_date"),
            event_date="drug_exposure_start_date",
            end_date="drug_exposure_end_date",
            datetime_for=_dt("drug_exposure_start_date", "drug_exposure_end_date"),
        ),
        OmopTable(
            "measurement",
            _cols(
                "measurement_id:i person_id:i measurement_concept_id:i measurement_date:d "
                "measurement_time:s measurement_type_concept_id:i operator_concept_id:i "
                "value_as_number:n value_as_concept_id:i unit_concept_id:i range_low:n "
                "range_high:n provider_id:i visit_occurrence_id:i visit_detail_id:i "
                "measurement_source_value:s measurement_source_concept_id:i unit_source_value:s "
                "unit_source_concept_id:i value_source_value:s measurement_event_id:i "
                "meas_event_field_concept_id:i"
            ),
            ("measurement_id",),
            ("measurement_id", "person_id", "measurement_date"),
            event_date="measurement_date",
            datetime_for=_dt("measurement_date"),
        ),
        OmopTable(
            "observation",
            _cols(
                "observation_id:i person_id:i observation_concept_id:i observation_date:d "
                "observation_type_concept_id:i value_as_number:n value_as_string:s "
                "value_as_concept_id:i qualifier_concept_id:i unit_concept_id:i provider_id:i "
                "visit_occurrence_id:i visit_detail_id:i observation_source_value:s "
                "observation_source_concept_id:i unit_source_value:s qualifier_source_value:s "
                "value_source_value:s observation_event_id:i obs_event_field_concept_id:i"
            ),
            ("observation_id",),
            ("observation_id", "person_id", "observation_date"),
            event_date="observation_date",
            datetime_for=_dt("observation_date"),
        ),
        OmopTable(
            "death",
            _cols(
                "person_id:i death_date:d death_type_concept_id:i cause_concept_id:i "
                "cause_source_value:s cause_source_concept_id:i"
            ),
            ("person_id",),
            ("person_id", "death_date"),
            event_date="death_date",
            datetime_for=_dt("death_date"),
        ),
        OmopTable(
            "concept",
            _cols(
                "concept_id:i concept_name:s domain_id:s vocabulary_id:s concept_class_id:s "
                "standard_concept:s concept_code:s valid_start_date:d valid_end_date:d "
                "invalid_reason:s"
            ),
            ("concept_id",),
            ("concept_id",),
        ),
        OmopTable(
            "concept_ancestor",
            _cols(
                "ancestor_concept_id:i descendant_concept_id:i min_levels_of_separation:i "
                "max_levels_of_separation:i"
            ),
            ("ancestor_concept_id", "descendant_concept_id"),
            ("ancestor_concept_id", "descendant_concept_id"),
        ),
    ]
}

# Tables the criteria engine and reports query: created empty when the extract lacks them.
ALWAYS_PRESENT = (
    "person",
    "condition_occurrence",
    "procedure_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
    "death",
    "concept_ancestor",
    "care_site",
)

# Load order: cdm_source first (it may hold the extract date the other tables are checked
# against), then person, so the other tables can be checked against valid persons.
LOAD_ORDER = tuple(TABLES)
