"""Matched rows × the rule instances that see them, judged (engine-spec §2–§4).

One row per (staging row, rule instance) where the instance's code set matches the row,
its limb scope lets it see the row (or the row has no side at all) and, for a per-group
instance, the row is in its group. Each pair says where the row lies against the window
(in it, before it, unsided in its dates) and what the row says about the predicate:
`cat` 0 = in terms but not satisfying (or a presence rule's row), 1 = satisfying,
2 = uninterpretable (no conversion for its unit, no ULN, no value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prescreen.criteria.model import Predicate, satisfies
from prescreen.criteria.plan import Inst, Plan

NOT_SAT, SAT, BAD = 0, 1, 2


def judged_pairs(rows: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Every (row, instance) pair with in_window, before, unsided_in, conv and cat."""
    insts = _inst_frame(plan)
    pairs = rows.merge(insts, on=["domain", "codeset"], how="inner")
    side = pairs["side"].astype(object)
    scope = pairs["scope"].to_numpy(dtype=object)
    no_side = pd.isna(side).to_numpy()
    side_txt = side.fillna("").to_numpy(dtype=object)
    seen = (scope == "*") | no_side | (side_txt == scope) | (side_txt == "B")
    gbit = pairs["gbit"].to_numpy(dtype=np.int64)
    gmask = pairs["gmask"].to_numpy(dtype=np.int64)
    in_group = (gbit < 0) | (((gmask >> np.maximum(gbit, 0)) & 1) == 1)
    pairs = pairs[seen & in_group].reset_index(drop=True)
    _place(pairs)
    pairs["conv"] = _converted(pairs, plan)
    pairs["cat"] = _category(pairs, plan)
    return pairs


def _inst_frame(plan: Plan) -> pd.DataFrame:
    """One row per rule instance: what matching and judging a row needs."""
    return pd.DataFrame(
        {
            "inst": pd.Series([i.idx for i in plan.insts], dtype="int64"),
            "domain": pd.Series([i.event.domain for i in plan.insts], dtype=object),
            "codeset": pd.Series([i.event.codeset for i in plan.insts], dtype=object),
            "scope": pd.Series([i.scope for i in plan.insts], dtype=object),
            "gbit": pd.Series(
                [-1 if i.gbit is None else i.gbit for i in plan.insts], dtype="int64"
            ),
            "lo": _dates([i.bounds.lo for i in plan.insts]),
            "hi": _dates([i.bounds.hi for i in plan.insts]),
            "active": pd.Series([i.bounds.active for i in plan.insts], dtype=bool),
            "span_from": _dates([i.bounds.span_from for i in plan.insts]),
            "vkind": pd.Series([i.vkind for i in plan.insts], dtype=object),
        }
    )


def _dates(values: list) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[us]")


def _place(pairs: pd.DataFrame) -> None:
    """in_window / before / unsided_in, all bounds inclusive (spec §3). A row without a
    side seen by a limb instance is never in or before the window; in its dates it makes
    the instance's result side-unknown."""
    day, end = pairs["event_date"], pairs["end_date"]
    lo, hi, span_from = pairs["lo"], pairs["hi"], pairs["span_from"]
    active = pairs["active"].to_numpy(dtype=bool)
    upto = (day <= hi).to_numpy(dtype=bool)
    from_lo = (lo.isna() | (day >= lo)).to_numpy(dtype=bool)
    reaches = (end >= span_from).to_numpy(dtype=bool)
    ends_before = (end < span_from).to_numpy(dtype=bool)
    below_lo = (lo.notna() & (day < lo)).to_numpy(dtype=bool)
    in_dates = np.where(active, upto & reaches, upto & from_lo)
    before = np.where(active, upto & ends_before, below_lo)
    unsided = (pairs["scope"].to_numpy(dtype=object) != "*") & pd.isna(pairs["side"]).to_numpy()
    pairs["in_window"] = in_dates & ~unsided
    pairs["before"] = before & ~unsided
    pairs["unsided_in"] = in_dates & unsided


def _converted(pairs: pd.DataFrame, plan: Plan) -> np.ndarray:
    """The value in the predicate's terms (spec §4); NaN = uninterpretable."""
    conv = np.full(len(pairs), np.nan)
    vkind = pairs["vkind"].to_numpy(dtype=object)
    num = pairs["num"].to_numpy(dtype=float)
    numeric = np.isin(vkind, ["num", "between"])
    if numeric.any():
        table = pd.DataFrame(
            [(i.idx, c.unit, c.factor, c.offset) for i in plan.insts for c in i.conversions],
            columns=["inst", "unit", "factor", "offset"],
        ).astype({"inst": "int64", "unit": object, "factor": float, "offset": float})
        found = (
            pairs[["inst", "unit"]]
            .astype({"unit": object})
            .merge(table, on=["inst", "unit"], how="left")
        )
        scaled = num * found["factor"].to_numpy(dtype=float) + found["offset"].to_numpy(dtype=float)
        conv = np.where(numeric, scaled, conv)
        pairs["factor"] = found["factor"].to_numpy(dtype=float)
        pairs["offset"] = found["offset"].to_numpy(dtype=float)
    else:
        pairs["factor"] = np.nan
        pairs["offset"] = np.nan
    high = pairs["range_high"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_uln = np.where(high > 0, num / np.where(high > 0, high, 1.0), np.nan)
    conv = np.where(vkind == "uln", per_uln, conv)
    conv = np.where(vkind == "qual", pairs["qual"].to_numpy(dtype=float), conv)
    return np.where(vkind == "in", _in_set(pairs, plan), conv)


def _in_set(pairs: pd.DataFrame, plan: Plan) -> np.ndarray:
    """`in [...]`: 1 when the trimmed lower-case value text is listed, 0 when it is not,
    NaN without a text."""
    listed = pd.DataFrame(
        [
            (i.idx, value)
            for i in plan.insts
            if i.event.predicate is not None and i.event.predicate.kind == "in"
            for value in i.event.predicate.values
        ],
        columns=["inst", "value_key"],
    ).astype({"inst": "int64", "value_key": object})
    listed["listed"] = True
    keys = pairs[["inst", "value_key"]].astype({"value_key": object})
    found = keys.merge(listed, on=["inst", "value_key"], how="left")["listed"]
    is_listed = found.fillna(False).to_numpy(dtype=bool)
    return np.where(pd.isna(keys["value_key"]).to_numpy(), np.nan, is_listed.astype(float))


def _category(pairs: pd.DataFrame, plan: Plan) -> np.ndarray:
    """0 not satisfying (or presence), 1 satisfying, 2 uninterpretable; tested per
    instance (its predicate is one scalar test) on all its rows at once."""
    cat = np.zeros(len(pairs), dtype=np.int8)
    conv = pairs["conv"].to_numpy(dtype=float)
    for idx, positions in pairs.groupby("inst").indices.items():
        inst = plan.insts[int(idx)]
        pred = inst.event.predicate
        if pred is None:
            continue
        values = conv[positions]
        known = ~np.isnan(values)
        sat = np.zeros(len(values), dtype=bool)
        sat[known] = _satisfies(inst, pred, values[known])
        cat[positions] = np.where(known, np.where(sat, SAT, NOT_SAT), BAD)
    return cat


def _satisfies(inst: Inst, pred: Predicate, values: np.ndarray) -> np.ndarray:
    if pred.kind in ("qual", "in"):
        return values == inst.qual_target
    return np.asarray(satisfies(values, *pred.interval()), dtype=bool)
