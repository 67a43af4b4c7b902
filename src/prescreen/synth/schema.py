"""The Arrow schemas of the tables the generator writes, derived from `schemas/` (CDM v5.4).

Every column the pandera models declare is written, datetimes included, in CDM order;
types follow the models (`extract.tables.sql_type`) mapped to Arrow.
"""

from __future__ import annotations

import pyarrow as pa

from prescreen.extract.tables import TABLES as CATALOGUE
from prescreen.extract.tables import schema_columns, sql_type

_ARROW = {
    "bigint": pa.int64(),
    "double": pa.float64(),
    "varchar": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
}

# the tables the generator writes (no vocabulary tables)
_WRITTEN = (
    "cdm_source",
    "person",
    "care_site",
    "location",
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "procedure_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
    "death",
)

TABLES: dict[str, list[tuple[str, pa.DataType]]] = {
    name: [(c, _ARROW[sql_type(c, col)]) for c, col in schema_columns(name).items()]
    for name in _WRITTEN
}

# event tables: the date column rows are sorted by and the column the source code lands in
EVENT_TABLES: dict[str, tuple[str, str]] = {
    name: (CATALOGUE[name].event_date, CATALOGUE[name].code)  # type: ignore[misc]
    for name in _WRITTEN
    if CATALOGUE[name].code is not None
}

# concept 32879 = "Registry" (type of record); every *_type_concept_id gets it
REGISTRY_TYPE_CONCEPT = 32879


def schema(table: str) -> pa.Schema:
    """The Arrow schema of one OMOP table, columns in CDM order."""
    return pa.schema(TABLES[table])
