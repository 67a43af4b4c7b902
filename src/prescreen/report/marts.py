"""The raw aggregates of a screen, read from the SQL marts (`sql/marts/`).

Every count a report shows comes from here: the marts read the tables `top_result` and
`patient_status` that `prescreen.status.patient_status` leaves in the screen's DuckDB
connection. Only aggregates (sites × criteria at most) reach pandas, whatever the
number of persons. These counts are raw: `published.py` suppresses or rounds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from prescreen.report.labels import criterion_label
from prescreen.sqltext import read_sql
from prescreen.status import STATUSES

SITE_COUNTS = ["screened", *STATUSES]
FUNNEL_COUNTS = [
    "remaining_before",
    "fail",
    "unknown",
    "remaining_after",
    "fail_any",
    "fail_only",
    "gained_if_dropped",
    "unknown_any",
    "manual_any",
]


@dataclass(frozen=True)
class ReportCounts:
    """Raw counts of one screen (local: never shared as they are).

    sites: one row per site (site order): site, site_id, SITE_COUNTS.
    funnel: one row per top-level criterion: step, criterion_id, kind, label, FUNNEL_COUNTS.
    site_criteria: one row per site × top-level criterion: site, site_id, criterion_id,
        n_fail, n_decided (pass or fail), n_unknown, n_manual.
    """

    headline: dict[str, int]
    sites: pd.DataFrame
    funnel: pd.DataFrame
    site_criteria: pd.DataFrame


def report_counts(con: duckdb.DuckDBPyConnection, trial: Any) -> ReportCounts:
    """The marts of the screen in `con` (which holds `top_result` and `patient_status`)."""
    ids = {"ids": trial.criterion_ids()}
    sites = _frame(con.sql(read_sql("marts/site_status.sql")))
    funnel = _frame(con.sql(read_sql("marts/funnel.sql"), params=ids))
    criteria = {c.id: c for c in trial.criteria}
    funnel.insert(2, "kind", [criteria[cid].kind for cid in funnel["criterion_id"]])
    funnel.insert(3, "label", [criterion_label(criteria[cid]) for cid in funnel["criterion_id"]])
    site_criteria = _frame(con.sql(read_sql("marts/site_criterion.sql"), params=ids))
    headline = {"screened": int(sites["screened"].sum())}
    headline.update({status: int(sites[status].sum()) for status in STATUSES})
    return ReportCounts(headline, sites, funnel, site_criteria)


def _frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    frame = relation.to_arrow_table().to_pandas()
    for column in frame.columns:
        if column.startswith(("n_", "remaining", "fail", "unknown", "gained", "manual")) or (
            column in SITE_COUNTS
        ):
            frame[column] = frame[column].astype("int64")
    if "site_id" in frame.columns:
        frame["site_id"] = frame["site_id"].astype("Int64")
    return frame
