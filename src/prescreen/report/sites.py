"""Per-site status counts and the criteria that exclude most patients at each site."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from prescreen.report.results import FAIL, Results, codes_for
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


def site_fail_counts(results: Results, patients: pd.DataFrame, trial) -> pd.DataFrame:
    """Site × top-level criterion: patients failing it (wide; rows sorted by site)."""
    ids = trial.criterion_ids()
    return per_site_counts(codes_for(results, patients, ids) == FAIL, patients["site"], ids)


def per_site_counts(flags: np.ndarray, sites: pd.Series, ids: Sequence[str]) -> pd.DataFrame:
    """Site × column: patients flagged (`flags`: patients × ids booleans, `sites` aligned).

    Rows sorted by site, index named `site`; sites without patients have no row. Counted
    per column with bincount, never as an int64 copy of the matrix (1 GB at 5M × 25).
    """
    codes, names = pd.factorize(sites, sort=True)
    counts = {
        cid: np.bincount(codes[flags[:, j]], minlength=len(names)).astype("int64")
        for j, cid in enumerate(ids)
    }
    return pd.DataFrame(counts, index=pd.Index(names, name="site"), columns=list(ids))


def top_failing(fail_counts: pd.Series, n: int = 3) -> list[tuple[str, int]]:
    """The n criteria with most fails (>0), most first; ties in protocol order."""
    positive = fail_counts[fail_counts > 0]
    order = sorted(range(len(positive)), key=lambda i: (-positive.iloc[i], i))
    return [(str(positive.index[i]), int(positive.iloc[i])) for i in order[:n]]
