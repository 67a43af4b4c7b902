"""How often the data could decide each computable criterion, per site (raw counts)."""

from __future__ import annotations

import pandas as pd

from prescreen.report.results import FAIL, PASS, result_matrix


def computable_ids(trial) -> list[str]:
    """Top-level criteria that the data decides (not manual), in protocol order."""
    return [c.id for c in trial.criteria if not c.manual]


def evaluability_counts(
    criterion_result: pd.DataFrame, patients: pd.DataFrame, trial
) -> pd.DataFrame:
    """One row per site × computable criterion: n_decided (pass or fail) and n_screened."""
    ids = computable_ids(trial)
    matrix = result_matrix(criterion_result, patients, ids)
    decided = pd.DataFrame((matrix == PASS) | (matrix == FAIL), columns=ids, dtype="int64")
    decided["site"] = patients["site"].to_numpy()
    per_site = decided.groupby("site", sort=True)[ids].sum()
    screened = patients.groupby("site", sort=True).size()
    long = per_site.reset_index().melt(
        id_vars="site", var_name="criterion_id", value_name="n_decided"
    )
    long["n_screened"] = long["site"].map(screened).astype("int64")
    order = {cid: i for i, cid in enumerate(ids)}
    long["_order"] = long["criterion_id"].map(order)
    long = long.sort_values(["site", "_order"], ignore_index=True).drop(columns="_order")
    return long[["site", "criterion_id", "n_decided", "n_screened"]]
