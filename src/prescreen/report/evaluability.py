"""How often the data could decide each computable criterion, per site (raw counts)."""

from __future__ import annotations

import pandas as pd

from prescreen.report.results import FAIL, PASS, Results, codes_for
from prescreen.report.sites import per_site_counts


def computable_ids(trial) -> list[str]:
    """Top-level criteria that the data decides (not manual), in protocol order."""
    return [c.id for c in trial.criteria if not c.manual]


def evaluability_counts(results: Results, patients: pd.DataFrame, trial) -> pd.DataFrame:
    """One row per site × computable criterion: n_decided (pass or fail) and n_screened."""
    ids = computable_ids(trial)
    matrix = codes_for(results, patients, ids)
    per_site = per_site_counts((matrix == PASS) | (matrix == FAIL), patients["site"], ids)
    screened = patients.groupby("site", sort=True).size()
    long = per_site.reset_index().melt(
        id_vars="site", var_name="criterion_id", value_name="n_decided"
    )
    long["n_screened"] = long["site"].map(screened).astype("int64")
    order = {cid: i for i, cid in enumerate(ids)}
    long["_order"] = long["criterion_id"].map(order)
    long = long.sort_values(["site", "_order"], ignore_index=True).drop(columns="_order")
    return long[["site", "criterion_id", "n_decided", "n_screened"]]
