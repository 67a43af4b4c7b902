"""Top-level results as a patients × criteria code matrix: what every count is taken from.

The matrix comes either from a long criterion_result frame (`result_codes`, the in-memory
path: pandas engine, tests, sweeps) or straight from DuckDB (`prescreen.results_db`, the
in-database path for large registries); the report functions take either through
`codes_for`, so their counting logic exists once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# code = position in LABELS; DuckDB binds the same tuple, so SQL and pandas agree
LABELS = ("pass", "manual", "unknown", "fail")
PASS, MANUAL, UNKNOWN, FAIL = range(len(LABELS))
_CODES = {label: code for code, label in enumerate(LABELS)}


@dataclass(frozen=True)
class ResultCodes:
    """int8 result codes: one row per patient (in `patients` order), one column per id."""

    ids: tuple[str, ...]
    codes: np.ndarray

    def columns(self, ids: Sequence[str]) -> np.ndarray:
        """The sub-matrix of `ids` (each must be one of `self.ids`), in the order given."""
        if tuple(ids) == self.ids:
            return self.codes  # no copy: the whole matrix (125 MB at 5M × 25)
        position = {cid: i for i, cid in enumerate(self.ids)}
        missing = [cid for cid in ids if cid not in position]
        if missing:
            raise KeyError(f"result codes hold no column for {missing}")
        return self.codes[:, [position[cid] for cid in ids]]


# what the report functions count from: a long frame or codes computed beforehand
Results = pd.DataFrame | ResultCodes


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


def result_codes(
    criterion_result: pd.DataFrame, patients: pd.DataFrame, criterion_ids: Sequence[str]
) -> ResultCodes:
    """`result_matrix` with its column ids, to hand to several report functions at once."""
    ids = tuple(criterion_ids)
    return ResultCodes(ids=ids, codes=result_matrix(criterion_result, patients, ids))


def codes_for(results: Results, patients: pd.DataFrame, criterion_ids: Sequence[str]) -> np.ndarray:
    """The code matrix of `criterion_ids` for `patients`, from a long frame or from codes.

    Precomputed codes must be aligned with `patients` (same rows, same order).
    """
    if isinstance(results, ResultCodes):
        if len(results.codes) != len(patients):
            raise ValueError(
                f"result codes have {len(results.codes)} rows for {len(patients)} patients"
            )
        return results.columns(criterion_ids)
    return result_matrix(results, patients, criterion_ids)


def as_result_codes(
    results: Results, patients: pd.DataFrame, criterion_ids: Sequence[str]
) -> ResultCodes:
    """Codes for `criterion_ids` computed once, whichever form `results` has."""
    if isinstance(results, ResultCodes) and results.ids == tuple(criterion_ids):
        return results
    return ResultCodes(ids=tuple(criterion_ids), codes=codes_for(results, patients, criterion_ids))
