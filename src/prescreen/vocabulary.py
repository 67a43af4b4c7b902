"""OMOP vocabulary constants both criteria engines read: one place, each with its source.

Concept ids are never written from memory: each was read in a public OHDSI source (the
comments name it). Sources:
- SYN: OHDSI/EunomiaDatasets@3efd533, datasets/Synthea27Nj CONCEPT.csv (the whole UCUM
  vocabulary of that OMOP release; also in tests/fixtures/synthea27nj/CONCEPT.csv, trimmed)
- PL: OHDSI/PhenotypeLibrary@40106e4, inst/cohorts/*.json (Unit and ValueAsConcept arrays)
- CDM: OMOP CDM v5.4 conventions (Gender domain)
"""

from __future__ import annotations

# person.gender_concept_id (CDM; registry profile): what `sex:` rules read
MALE = 8507
FEMALE = 8532

# value_as_concept_id of a qualitative result (PL ValueAsConcept arrays, SYN):
# Positive (SNOMED 10828004, LOINC LA6576-8), Detected (SNOMED 260373001, LOINC LA11882-0),
# Present (SNOMED 52101004, LOINC LA9633-4)
POSITIVE_CONCEPTS: tuple[int, ...] = (9191, 45884084, 4126681, 45877985, 4181412, 45879438)
# Negative (SNOMED 260385009, LOINC LA6577-6), Not detected (SNOMED 260415000, LOINC
# LA11883-8), Absent (SNOMED 2667000, LOINC LA9634-2)
NEGATIVE_CONCEPTS: tuple[int, ...] = (9189, 45878583, 9190, 45880296, 4132135, 45884086)

# value_source_value / value_as_string texts, compared lower-case and trimmed
POSITIVE_TEXTS: tuple[str, ...] = ("positive", "reactive", "detected", "present")
NEGATIVE_TEXTS: tuple[str, ...] = (
    "negative", "non-reactive", "nonreactive", "not detected", "absent",
)  # fmt: skip

# unit_concept_id (vocabulary UCUM, all standard; SYN) -> the unit as prescreen spells it
# (src/prescreen/criteria/units.py); used when unit_source_value is empty or unknown and
# the extract has no concept table of its own
UCUM_CONCEPTS: dict[int, str] = {
    8636: "g/L",  # gram per liter
    8713: "g/dL",  # gram per deciliter
    8840: "mg/dL",  # milligram per deciliter
    8751: "mg/L",  # milligram per liter
    8753: "mmol/L",  # millimole per liter
    8749: "umol/L",  # micromole per liter
    9444: "10*9/L",  # billion per liter
    8848: "10*3/uL",  # thousand per microliter
    8961: "10*3/mm3",  # thousand per cubic millimeter
    8647: "/uL",  # per microliter
    8785: "/mm3",  # per cubic millimeter
    9442: "10*6/L",  # million per liter
    8645: "[U]/L",  # unit per liter
    8923: "[iU]/L",  # international unit per liter
    32995: "ukat/L",  # microkatal per liter
    8876: "mm[Hg]",  # millimeter mercury column
    44777602: "kPa",  # kilopascal
    9483: "cm2",  # square centimeter
    9572: "mm2",  # square millimeter
    8554: "%",  # percent
    9579: "mmol/mol",  # millimole per mole
    8523: "{ratio}",  # ratio
    44777566: "[score]",  # score
    32912: "1",  # generic unit for indivisible thing
}
