"""Attrition in protocol order and the impact of each criterion (raw, unsuppressed counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prescreen.report.results import FAIL, MANUAL, PASS, UNKNOWN, Results, codes_for

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


def funnel_counts(results: Results, patients: pd.DataFrame, trial) -> pd.DataFrame:
    """One row per top-level criterion in protocol order with the counts of docs/outputs.md.

    Step k keeps the patients who pass (or are manual for) criteria 1..k; `fail` and
    `unknown` count, among those remaining before step k, who fail / are unknown on k.
    `results`: the long criterion_result frame or `ResultCodes` aligned with `patients`.
    """
    ids = trial.criterion_ids()
    matrix = codes_for(results, patients, ids)
    fails = matrix == FAIL
    unknowns = matrix == UNKNOWN
    n_fail = fails.sum(axis=1)
    n_unknown = unknowns.sum(axis=1)
    remaining = np.ones(len(patients), dtype=bool)
    rows = []
    for k, criterion in enumerate(trial.criteria):
        before = int(remaining.sum())
        step_fail = int((remaining & fails[:, k]).sum())
        step_unknown = int((remaining & unknowns[:, k]).sum())
        remaining &= (matrix[:, k] == PASS) | (matrix[:, k] == MANUAL)
        only = fails[:, k] & (n_fail == 1)
        rows.append(
            {
                "step": k + 1,
                "criterion_id": criterion.id,
                "kind": criterion.kind,
                "remaining_before": before,
                "fail": step_fail,
                "unknown": step_unknown,
                "remaining_after": int(remaining.sum()),
                "fail_any": int(fails[:, k].sum()),
                "fail_only": int(only.sum()),
                "gained_if_dropped": int((only & (n_unknown == 0)).sum()),
                "unknown_any": int(unknowns[:, k].sum()),
                "manual_any": int((matrix[:, k] == MANUAL).sum()),
            }
        )
    columns = ["step", "criterion_id", "kind", *FUNNEL_COUNTS]
    return pd.DataFrame(rows, columns=columns)
