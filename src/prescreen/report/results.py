"""Top-level results as a patients × criteria code matrix: what every count is taken from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

PASS, MANUAL, UNKNOWN, FAIL = 0, 1, 2, 3
_CODES = {"pass": PASS, "manual": MANUAL, "unknown": UNKNOWN, "fail": FAIL}


def result_matrix(
    criterion_result: pd.DataFrame, patients: pd.DataFrame, criterion_ids: Sequence[str]
) -> np.ndarray:
    """int8 codes, one row per `patients` row (same order), one column per criterion id.

    A patient without a row for a criterion counts as unknown (no data to decide).
    """
    ids = list(criterion_ids)
    top = criterion_result[criterion_result["criterion_id"].isin(ids)]
    rows = pd.Index(patients["person_id"]).get_indexer(top["person_id"])
    cols = pd.Index(ids).get_indexer(top["criterion_id"])
    codes = top["result"].map(_CODES).fillna(UNKNOWN).to_numpy(dtype="int8")
    matrix = np.full((len(patients), len(ids)), UNKNOWN, dtype="int8")
    keep = rows >= 0
    matrix[rows[keep], cols[keep]] = codes[keep]
    return matrix
