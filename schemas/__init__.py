"""Pandera schemas of the OMOP tables: the one source of truth for columns, types and checks.

Every column is declared with its metadata (schemas/base.py); the loader's catalogue
(`extract/tables.py`) and the generator's Arrow schemas (`synth/schema.py`) are derived
from them, and the loader compiles each schema's column checks to DuckDB SQL (see
docs/validation.md). Tests validate loaded tables with the same schemas through pandas.
"""

from prescreen.schemas.clinical import CareSite, Death, Location, ObservationPeriod, Person
from prescreen.schemas.events import (
    ConditionOccurrence,
    DrugExposure,
    Measurement,
    Observation,
    ProcedureOccurrence,
    VisitOccurrence,
)
from prescreen.schemas.metadata import CdmSource
from prescreen.schemas.vocabulary import Concept, ConceptAncestor

SCHEMAS = {
    "cdm_source": CdmSource,
    "person": Person,
    "care_site": CareSite,
    "location": Location,
    "observation_period": ObservationPeriod,
    "visit_occurrence": VisitOccurrence,
    "condition_occurrence": ConditionOccurrence,
    "procedure_occurrence": ProcedureOccurrence,
    "drug_exposure": DrugExposure,
    "measurement": Measurement,
    "observation": Observation,
    "death": Death,
    "concept": Concept,
    "concept_ancestor": ConceptAncestor,
}

__all__ = ["SCHEMAS"]
