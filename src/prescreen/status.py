"""Patient status from per-criterion results: the rule every report counts from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

STATUSES = ("likely_eligible", "needs_review", "ineligible")
PATIENT_COLUMNS = ["person_id", "site", "status", "n_fail", "n_unknown", "n_manual"]


def patient_status(
    criterion_result: pd.DataFrame, top_level_ids: Sequence[str], person_site: pd.DataFrame
) -> pd.DataFrame:
    """One row per person: site, status and counts over top-level criteria only.

    `ineligible` if any top-level criterion fails, else `needs_review` if any is unknown,
    else `likely_eligible`. Manual criteria never change the status (counted in n_manual);
    sub-rule rows (`I2.abi`) are evidence only and never counted.
    """
    top = criterion_result[criterion_result["criterion_id"].isin(list(top_level_ids))]
    counted = top[top["result"].isin(["fail", "unknown", "manual"])]
    # groupby-size-unstack: the same table as pd.crosstab, several times faster at scale
    counts = (
        counted.groupby(["person_id", "result"], observed=True)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=["fail", "unknown", "manual"], fill_value=0)
        .rename(columns={"fail": "n_fail", "unknown": "n_unknown", "manual": "n_manual"})
    )
    patients = person_site[["person_id", "site"]].merge(
        counts, left_on="person_id", right_index=True, how="left"
    )
    for column in ("n_fail", "n_unknown", "n_manual"):
        patients[column] = patients[column].fillna(0).astype("int64")
    patients["status"] = np.select(
        [patients["n_fail"] > 0, patients["n_unknown"] > 0],
        ["ineligible", "needs_review"],
        default="likely_eligible",
    )
    patients["person_id"] = patients["person_id"].astype("int64")
    return patients[PATIENT_COLUMNS].sort_values("person_id", ignore_index=True)


def status_counts(patients: pd.DataFrame) -> dict[str, int]:
    """Screened total and the number of patients in each status (zeros included)."""
    counts = patients["status"].value_counts()
    result = {"screened": int(len(patients))}
    result.update({status: int(counts.get(status, 0)) for status in STATUSES})
    return result
