"""Per-site status counts and the criteria that exclude most patients at each site."""

from __future__ import annotations

import pandas as pd

from prescreen.report.results import FAIL, result_matrix
from prescreen.status import STATUSES

SITE_COUNTS = ["screened", *STATUSES]
TOTAL_SITE = "All sites"


def site_counts(patients: pd.DataFrame) -> pd.DataFrame:
    """One row per site (sorted by name): screened and each status, zeros included."""
    counts = (
        pd.crosstab(patients["site"], patients["status"])
        .reindex(columns=list(STATUSES), fill_value=0)
        .astype("int64")
    )
    counts.insert(0, "screened", counts.sum(axis=1))
    counts.index.name = "site"
    return counts.sort_index().reset_index()


def site_fail_counts(criterion_result: pd.DataFrame, patients: pd.DataFrame, trial) -> pd.DataFrame:
    """Site × top-level criterion: patients failing it (wide; rows sorted by site)."""
    ids = trial.criterion_ids()
    fails = pd.DataFrame(
        result_matrix(criterion_result, patients, ids) == FAIL, columns=ids, dtype="int64"
    )
    fails["site"] = patients["site"].to_numpy()
    return fails.groupby("site", sort=True)[ids].sum()


def top_failing(fail_counts: pd.Series, n: int = 3) -> list[tuple[str, int]]:
    """The n criteria with most fails (>0), most first; ties in protocol order."""
    positive = fail_counts[fail_counts > 0]
    order = sorted(range(len(positive)), key=lambda i: (-positive.iloc[i], i))
    return [(str(positive.index[i]), int(positive.iloc[i])) for i in order[:n]]
