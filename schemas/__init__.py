"""Pandera schemas of the OMOP tables: the declared source of truth for row checks.

The loader compiles each schema's column checks to DuckDB SQL (see docs/validation.md);
tests validate loaded tables with the same schemas through pandas.
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
