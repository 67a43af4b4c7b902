"""What changed for each patient between two runs of a trial on a registry.

`change` is one of:
- newly_likely_eligible / newly_ineligible / newly_needs_review: the status differs from
  the previous run's (or the patient was not in it: previous_status is empty);
- reasons_changed: same status, but the set of failing/unknown criteria differs.
Patients whose status and reasons are unchanged are not listed; patients of the previous
run missing from this one are not listed either (they left the extract). Without a
previous run every patient is new, so each is listed with an empty previous_status.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CHANGE_COLUMNS = [
    "person_id",
    "site",
    "previous_status",
    "status",
    "change",
    "previous_reasons",
    "reasons",
]
_NEW = {
    "likely_eligible": "newly_likely_eligible",
    "ineligible": "newly_ineligible",
    "needs_review": "newly_needs_review",
}


def patient_reasons(criterion_result: pd.DataFrame, top_level_ids: Sequence[str]) -> pd.DataFrame:
    """person_id → reasons: the failing/unknown top-level criteria, protocol order.

    Written `E3 fail; I2 unknown`; empty when nothing fails or is unknown.
    """
    order = {cid: i for i, cid in enumerate(top_level_ids)}
    rows = criterion_result[
        criterion_result["criterion_id"].isin(list(order))
        & criterion_result["result"].isin(["fail", "unknown"])
    ][["person_id", "criterion_id", "result"]].copy()
    rows["ord"] = rows["criterion_id"].map(order)
    rows = rows.sort_values(["person_id", "ord"], kind="stable")
    rows["text"] = rows["criterion_id"] + " " + rows["result"]
    reasons = rows.groupby("person_id", sort=True)["text"].agg("; ".join)
    persons = pd.Series(criterion_result["person_id"].unique()).astype("int64")
    out = pd.DataFrame({"person_id": np.sort(persons.to_numpy())})
    out["reasons"] = out["person_id"].map(reasons).fillna("").astype(str)
    return out


def status_changes(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """CHANGE_COLUMNS rows for patients whose status or reasons differ, by person_id.

    Both frames have person_id, site, status, reasons; `previous` None = no previous run.
    """
    cols = ["person_id", "status", "reasons"]
    if previous is None:
        previous = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    before = previous[cols].rename(
        columns={"status": "previous_status", "reasons": "previous_reasons"}
    )
    before = before.astype({"person_id": "int64"})
    merged = current[["person_id", "site", "status", "reasons"]].merge(
        before, on="person_id", how="left"
    )
    merged["previous_status"] = merged["previous_status"].fillna("").astype(str)
    merged["previous_reasons"] = merged["previous_reasons"].fillna("").astype(str)
    status_moved = merged["status"] != merged["previous_status"]
    reasons_moved = merged["reasons"] != merged["previous_reasons"]
    merged["change"] = np.where(
        status_moved, merged["status"].map(_NEW).fillna(""), "reasons_changed"
    )
    changed = merged[status_moved | reasons_moved]
    return changed[CHANGE_COLUMNS].sort_values("person_id", ignore_index=True)
