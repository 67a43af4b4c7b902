"""What changed for each patient between two runs of a trial on a registry.

`change` is one of:
- newly_likely_eligible / newly_ineligible / newly_needs_review: the status differs from
  the previous run's (or the patient was not in it: previous_status is empty);
- reasons_changed: same status, but the set of failing/unknown criteria differs.
Patients whose status and reasons are unchanged are not listed; patients of the previous
run missing from this one are not listed either (they left the extract). Without a
previous run every patient is new, so each is listed with an empty previous_status.
Both the reasons and the comparison are SQL (`sql/marts/patient_reasons.sql`,
`sql/marts/changes.sql`).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from prescreen.sqltext import read_sql
from prescreen.status import create_macros

CHANGE_COLUMNS = [
    "person_id",
    "site",
    "previous_status",
    "status",
    "change",
    "previous_reasons",
    "reasons",
]


def patient_reasons(con: duckdb.DuckDBPyConnection, top_level_ids: Sequence[str]) -> pd.DataFrame:
    """person_id → reasons (`E3 fail; I2 unknown`, protocol order; empty when none).

    One row per person of the table `patient_status` (see `prescreen.status`), by
    person_id; a criterion without a result row counts as unknown, as in the status.
    """
    relation = con.sql(read_sql("marts/patient_reasons.sql"), params={"ids": list(top_level_ids)})
    return relation.to_arrow_table().to_pandas()


def status_changes(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """CHANGE_COLUMNS rows for patients whose status or reasons differ, by person_id.

    Both frames have person_id, status, reasons (and `current` the site);
    `previous` None = no previous run.
    """
    if previous is None:
        previous = pd.DataFrame(
            {
                "person_id": pd.Series(dtype="int64"),
                "status": pd.Series(dtype="str"),
                "reasons": pd.Series(dtype="str"),
            }
        )
    con = duckdb.connect()
    try:
        create_macros(con)
        con.register("previous_status", previous[["person_id", "status", "reasons"]])
        con.register("current_status", current[["person_id", "site", "status", "reasons"]])
        changes = con.sql(read_sql("marts/changes.sql")).to_arrow_table().to_pandas()
    finally:
        con.close()
    return changes[CHANGE_COLUMNS]
