"""The pandas engine: the semantics of criteria language v1.1, written a second time.

It is the oracle the SQL engine is tested against, so it is written to be right, not
fast, and independently of the SQL engine's logic: it shares only the plan
(`build_plan`), the staging views (`prepare_staging`) and the documented default of a
person without any matching row (`sql_compile.no_rows_result`). Everything else —
code-set matching, windows, judging rows, three-valued logic, the target limb and every
evidence text — is computed here, column by column with pandas/numpy:

    pandas_codes (rows per code set) → pandas_pairs (row × rule instance, judged)
    → pandas_events (instance result per person) → pandas_nodes (rule tree)
    → pandas_outputs (reported rows, target limb)
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from prescreen.criteria.model import Trial
from prescreen.criteria.pandas_codes import matched_rows
from prescreen.criteria.pandas_events import instance_results
from prescreen.criteria.pandas_nodes import node_values
from prescreen.criteria.pandas_outputs import RESULT_COLUMNS, result_rows
from prescreen.criteria.pandas_pairs import judged_pairs
from prescreen.criteria.plan import build_plan
from prescreen.criteria.staging import prepare_staging
from prescreen.status import store_limbs, store_results

__all__ = ["RESULT_COLUMNS", "evaluate_pandas", "screen_into_pandas"]


def evaluate_pandas(
    con: duckdb.DuckDBPyConnection, trial: Trial, index_date: date, *, exact_concepts: bool = False
) -> pd.DataFrame:
    """criterion_result of every person of `person` (RESULT_COLUMNS, by person_id then
    protocol order), every row with its evidence.

    `exact_concepts`: allow code sets with `descendants: true` on an extract without
    concept_ancestor (their concepts then match exactly), as the SQL engine allows.
    """
    frame, _ = _screen(con, trial, index_date, exact_concepts)
    return frame[RESULT_COLUMNS].reset_index(drop=True)


def screen_into_pandas(
    con: duckdb.DuckDBPyConnection, trial: Trial, index_date: date, *, exact_concepts: bool = False
) -> int:
    """Screen every person into the tables `criterion_result` (with `ord`, the 1-based
    output position) and `person_limb`, as the SQL engine's `screen_into` does; returns
    the number of persons screened."""
    frame, limbs = _screen(con, trial, index_date, exact_concepts)
    store_results(con, frame)
    store_limbs(con, limbs)
    return len(limbs)


def _screen(
    con: duckdb.DuckDBPyConnection, trial: Trial, index_date: date, exact_concepts: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(result rows with ord, person_id → target_limb)."""
    plan = build_plan(trial, index_date)
    prepare_staging(con)
    persons = con.sql("select * from stg_person").df().sort_values("person_id", kind="mergesort")
    persons = persons.reset_index(drop=True)
    pairs = judged_pairs(matched_rows(con, plan, exact_concepts=exact_concepts), plan)
    values = node_values(plan, persons, instance_results(pairs, plan))
    person_ids = persons["person_id"].to_numpy(dtype=np.int64)
    frame, limb = result_rows(plan, person_ids, values)
    return frame, pd.DataFrame(
        {"person_id": person_ids, "target_limb": pd.Series(limb, dtype=object)}
    )
