"""The OMOP CDM tables prescreen loads, as the loader needs them, derived from `schemas/`.

The pandera models declare every column in CDM order with its metadata (keys, the person
key, event and end dates, datetimes that fill a date); this module only reads them.
Types follow one rule: identifiers and counts `bigint`, dates `date`, datetimes
`timestamp`, measured numbers `double`, everything else `varchar`. v5.3 files load too:
columns v5.4 added are empty, columns v5.4 dropped are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.pandas as pa

from prescreen.schemas import SCHEMAS


@dataclass(frozen=True)
class OmopTable:
    """One OMOP table as the loader needs it."""

    name: str
    columns: dict[str, str]  # loaded column -> SQL type, CDM order
    primary_key: tuple[str, ...]
    required: tuple[str, ...]  # columns the file must have (and whose values must be given)
    event_date: str | None = None  # the date that must not be before birth nor after the extract
    end_date: str | None = None  # must not be before event_date when both are given
    datetime_for: dict[str, str] = field(default_factory=dict)  # date column -> datetime source
    # True: the key identifies the row for joins (a person, a site), so copies that differ
    # cannot be told apart and are quarantined; False: a repeated key is a finding, rows kept
    identity_key: bool = False
    # rows naming a person not in `person`: "quarantine" where the screen reads the table per
    # person (clinical events), "finding" where it does not (observation periods, visits)
    orphans: str = "quarantine"
    person_key: str | None = None  # the column naming the row's person, if rows have one
    code: str | None = None  # the source-code column criteria match, if the table has one
    # the screen reads the table per person (person, clinical events): quarantining more
    # than --max-quarantine of it stops a run; other tables' losses are reported only
    screened: bool = False

    @property
    def person_linked(self) -> bool:
        """True when rows must name a person present in `person`."""
        return self.person_key is not None


def sql_type(name: str, column: pa.Column) -> str:
    """The DuckDB type of a schema column (by its pandas dtype; `*_datetime` → timestamp)."""
    dtype = str(column.dtype)
    if dtype == "Int64":
        return "bigint"
    if dtype.startswith("float"):
        return "double"
    if dtype.startswith("datetime64"):
        return "timestamp" if name.endswith("_datetime") else "date"
    if dtype.startswith(("str", "string")):
        return "varchar"
    raise TypeError(f"schema column {name}: no SQL type for pandas dtype {dtype}")


def schema_columns(table_name: str) -> dict[str, pa.Column]:
    """Every declared column of a table (regex families left out), CDM order."""
    schema = SCHEMAS[table_name].to_schema()
    return {name: column for name, column in schema.columns.items() if not column.regex}


def _marked(columns: dict[str, pa.Column], flag: str) -> list[str]:
    return [name for name, column in columns.items() if (column.metadata or {}).get(flag)]


def _single(table_name: str, names: list[str], flag: str) -> str | None:
    if len(names) > 1:
        raise TypeError(f"schema of {table_name}: more than one {flag} column: {names}")
    return names[0] if names else None


def omop_table(table_name: str) -> OmopTable:
    """The loader's view of one table, read from its pandera model."""
    declared = schema_columns(table_name)
    datetime_for = {
        column.metadata["datetime_of"]: name
        for name, column in declared.items()
        if (column.metadata or {}).get("datetime_of")
    }
    loaded = {n: c for n, c in declared.items() if n not in datetime_for.values()}
    table_meta = SCHEMAS[table_name].get_metadata()[SCHEMAS[table_name].__name__]
    flags = table_meta.get("dataframe") or {}
    return OmopTable(
        name=table_name,
        columns={name: sql_type(name, column) for name, column in loaded.items()},
        primary_key=tuple(_marked(loaded, "key")),
        required=tuple(name for name, column in loaded.items() if column.required),
        event_date=_single(table_name, _marked(loaded, "event_date"), "event_date"),
        end_date=_single(table_name, _marked(loaded, "end_date"), "end_date"),
        datetime_for=datetime_for,
        identity_key=bool(flags.get("identity_key")),
        orphans="quarantine" if flags.get("screened") else "finding",
        person_key=_single(table_name, _marked(loaded, "person_key"), "person_key"),
        code=_single(table_name, _marked(loaded, "code"), "code"),
        screened=bool(flags.get("screened")),
    )


TABLES: dict[str, OmopTable] = {name: omop_table(name) for name in SCHEMAS}

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

# Load order (the schemas' order): cdm_source first (it may hold the extract date the other
# tables are checked against), then person, so the others can be checked against persons.
LOAD_ORDER = tuple(TABLES)
