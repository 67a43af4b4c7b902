"""Patient status from per-criterion results: the rule every report counts from.

The rule lives once, in SQL (`sql/marts/macros.sql`, `patient_status_of`): ineligible if
any top-level criterion fails, else needs_review if any is unknown, else likely_eligible;
manual results never change the status and sub-rule rows are never counted. Whichever
engine screened, its results are `criterion_result` in DuckDB (prescreen.result_store);
these functions derive the table `patient_status` from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from prescreen.result_store import RESULT_LABELS, output_positions, read_labels, store_frame
from prescreen.sqltext import read_sql

STATUSES = ("likely_eligible", "needs_review", "ineligible")
RESULTS = RESULT_LABELS
PATIENT_COLUMNS = ["person_id", "site", "status", "n_fail", "n_unknown", "n_manual", "target_limb"]
RESULT_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]
LIMB_VIEW = "report_person_limb"


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The shared macros (status rule, spreadsheet-safe text) on this connection."""
    con.execute(read_sql("marts/macros.sql"))


def patient_status(con: duckdb.DuckDBPyConnection, top_level_ids: Sequence[str]) -> pd.DataFrame:
    """PATIENT_COLUMNS, one row per person of `person_site`, by person_id.

    Reads `criterion_result` and `person_site` (and `person_limb` when it exists) and
    leaves the tables `top_result` (one row per person per top-level criterion) and
    `patient_status`, which every report reads. A result value outside
    pass/fail/unknown/manual is a bug in an engine and raises RuntimeError.
    """
    _check_results(con)
    create_macros(con)
    _limb_view(con)
    labels = read_labels(con)
    # by ord (1-based, as list indexes are): the top-level position of that row, or NULL
    position_of: list[int | None] = [None] * len(labels.criteria)
    for position, ord_ in enumerate(output_positions(labels, top_level_ids), start=1):
        if ord_:
            position_of[ord_ - 1] = position
    con.execute(
        read_sql("marts/top_result.sql"),
        {"ids": list(top_level_ids), "position_of": position_of, "results": labels.results},
    )
    con.execute(read_sql("marts/patient_status.sql"))
    relation = con.table("patient_status").select(", ".join(PATIENT_COLUMNS)).order("person_id")
    # through Arrow: strings stay columnar (5M persons: 1.5 GB less than .df())
    return relation.to_arrow_table().to_pandas()


def patient_status_of(
    criterion_result: pd.DataFrame, top_level_ids: Sequence[str], person_site: pd.DataFrame
) -> pd.DataFrame:
    """`patient_status` of results held as a frame (partitions, the pandas engine's sweeps).

    The same SQL, run in a scratch in-memory DuckDB connection. `criterion_result` has
    RESULT_COLUMNS; `person_site` person_id and site (site_id optional).
    """
    sites = person_site.copy()
    if "site_id" not in sites.columns:
        sites["site_id"] = pd.Series([None] * len(sites), dtype="Int64")
    con = duckdb.connect()
    try:
        store_results(con, criterion_result)
        con.register("site_frame", sites[["person_id", "site", "site_id"]])
        con.execute(read_sql("marts/person_site_from_frame.sql"))
        con.unregister("site_frame")
        return patient_status(con, top_level_ids)
    finally:
        con.close()


def store_results(con: duckdb.DuckDBPyConnection, criterion_result: pd.DataFrame) -> None:
    """Results an engine produced as a frame become `criterion_result` of `con` (its coded
    table, labels and view: prescreen.result_store)."""
    store_frame(con, criterion_result)


def store_limbs(con: duckdb.DuckDBPyConnection, person_limb: pd.DataFrame) -> None:
    """Target limbs an engine produced as a frame become the table `person_limb` of `con`."""
    con.register("limb_frame", person_limb[["person_id", "target_limb"]])
    try:
        con.execute(read_sql("marts/person_limb_from_frame.sql"))
    finally:
        con.unregister("limb_frame")


def status_counts(patients: pd.DataFrame) -> dict[str, int]:
    """Screened total and the number of patients in each status (zeros included)."""
    counts = patients["status"].value_counts()
    result = {"screened": int(len(patients))}
    result.update({status: int(counts.get(status, 0)) for status in STATUSES})
    return result


def _check_results(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(read_sql("marts/unexpected_results.sql")).fetchall()
    if rows:
        found = ", ".join(f"{value!r} ({n} rows)" for value, n in rows)
        raise RuntimeError(f"criterion_result holds results outside {', '.join(RESULTS)}: {found}")


def _limb_view(con: duckdb.DuckDBPyConnection) -> None:
    """`report_person_limb`: the engine's `person_limb`, or no rows when it wrote none."""
    found = con.execute(read_sql("marts/relation_exists.sql"), {"name": "person_limb"})
    given = found.fetchall()[0][0]
    con.execute(read_sql("marts/report_person_limb.sql" if given else "marts/no_person_limb.sql"))
