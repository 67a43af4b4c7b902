"""One rule instance's result per person, from its judged pairs (engine-spec §5).

`instance_results` gives one row per (person, instance) with at least one pair: the
three-valued result (tri codes, see `pandas_tri`), the reason of an unknown, whether no
row lay in the window (`absent`) or some did (`inside`), and the evidence text. Persons
without any pair get `sql_compile.no_rows_result` (see `pandas_nodes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prescreen.criteria.model import compare
from prescreen.criteria.pandas_pairs import BAD, NOT_SAT, SAT
from prescreen.criteria.pandas_text import MISSING, instance_texts
from prescreen.criteria.pandas_tri import FALSE, TRUE, UNKNOWN, tri
from prescreen.criteria.plan import Plan

KEY = ["person_id", "inst"]


def instance_results(pairs: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Index (person_id, inst); columns v, reason, absent, inside, text."""
    ordered = pairs.sort_values(
        KEY + ["event_date", "rid"], ascending=[True, True, False, True], kind="mergesort"
    ).reset_index(drop=True)  # latest day first, then the lowest rid: "the latest row"
    stat = _aggregates(ordered)
    meta = inst_meta(plan).reindex(stat.index.get_level_values("inst"))
    rows = _key_rows(ordered, stat.index, meta["pick"].to_numpy(dtype=object))
    extreme = rows["extreme"]
    stat["ext_sat"] = (extreme >= 0) & (ordered["cat"].to_numpy()[np.maximum(extreme, 0)] == SAT)
    stat["cnt"] = np.where(
        meta["distinct"].to_numpy(dtype=bool), np.bitwise_count(stat["gm"].to_numpy()), stat["n_in"]
    )
    v, reason = _decide(stat, meta)
    shown = _shown_row(stat, meta, rows)
    return pd.DataFrame(
        {
            "v": v,
            "reason": reason,
            "absent": (stat["n_in"].to_numpy() == 0) & ~stat["unsided"].to_numpy(dtype=bool),
            "inside": stat["n_in"].to_numpy() > 0,
            "text": instance_texts(plan, ordered, stat, meta, shown),
        },
        index=stat.index,
    )


def _aggregates(p: pd.DataFrame) -> pd.DataFrame:
    """Per (person, instance): counts and flags over the window, the latest day L of the
    window and what its rows say, the group bits seen in the window."""
    keys = [p["person_id"], p["inst"]]
    inw = p["in_window"].to_numpy(dtype=bool)
    cat = p["cat"].to_numpy()

    def any_(mask: np.ndarray) -> pd.Series:
        return pd.Series(mask, index=p.index).groupby(keys).any()

    stat = pd.DataFrame(
        {"n_in": pd.Series(inw.astype(np.int64), index=p.index).groupby(keys).sum()}
    )
    stat.index.names = KEY
    stat["unsided"] = any_(p["unsided_in"].to_numpy(dtype=bool))
    stat["before"] = any_(p["before"].to_numpy(dtype=bool))
    stat["w_sat"] = any_(inw & (cat == SAT))
    stat["w_bad"] = any_(inw & (cat == BAD))
    day = p["event_date"].where(inw)
    stat["latest"] = day.groupby(keys).max()
    on_latest = inw & (p["event_date"] == day.groupby(keys).transform("max")).to_numpy(dtype=bool)
    stat["l_sat"] = any_(on_latest & (cat == SAT))
    stat["l_bad"] = any_(on_latest & (cat == BAD))
    stat["l_not"] = any_(on_latest & (cat == NOT_SAT))
    stat["last_before"] = (
        p["event_date"].where(p["before"].to_numpy(dtype=bool)).groupby(keys).max()
    )
    gmask = p["gmask"].to_numpy(dtype=np.int64)
    seen = np.zeros(len(stat), dtype=np.int64)
    for bit in range(63):  # bit_or over the window, one bit at a time
        has = inw & (((gmask >> bit) & 1) == 1)
        if has.any():
            seen |= any_(has).to_numpy(dtype=np.int64) << bit
    stat["gm"] = seen
    return stat


def inst_meta(plan: Plan) -> pd.DataFrame:
    """Per rule instance, indexed by its number: what deciding and describing need."""
    insts = plan.insts
    return pd.DataFrame(
        {
            "has_count": pd.Series([i.event.count is not None for i in insts], dtype=bool),
            "cnt_op": pd.Series(
                [i.event.count[0] if i.event.count else "=" for i in insts], dtype=object
            ),
            "cnt_n": pd.Series(
                [float(i.event.count[1]) if i.event.count else 0.0 for i in insts], dtype=float
            ),
            "distinct": pd.Series([i.event.count_distinct for i in insts], dtype=bool),
            "missing": pd.Series([tri(i.event.missing) for i in insts], dtype=np.int8),
            "vkind": pd.Series([i.vkind for i in insts], dtype=object),
            "pick": pd.Series([i.event.pick for i in insts], dtype=object),
            "label": pd.Series([i.event.label for i in insts], dtype=object),
        }
    ).set_axis(pd.Index([i.idx for i in insts], name="inst", dtype="int64"))


def _count_holds(cnt: np.ndarray, meta: pd.DataFrame) -> np.ndarray:
    """compare(cnt, op, n) per row, one vectorized test per (op, n)."""
    holds = np.zeros(len(cnt), dtype=bool)
    op = meta["cnt_op"].to_numpy(dtype=object)
    n = meta["cnt_n"].to_numpy(dtype=float)
    counted = meta["has_count"].to_numpy(dtype=bool)
    for o, k in set(zip(op[counted], n[counted], strict=True)):
        rows = counted & (op == o) & (n == k)
        holds[rows] = np.asarray(compare(cnt[rows].astype(float), o, k), dtype=bool)
    return holds


def _decide(stat: pd.DataFrame, meta: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(tri value, reason of an unknown) per (person, instance), spec §5 in order."""
    n = len(stat)
    empty = stat["n_in"].to_numpy() == 0
    unsided = stat["unsided"].to_numpy(dtype=bool)
    has_count = meta["has_count"].to_numpy(dtype=bool)
    missing = meta["missing"].to_numpy(dtype=np.int8)
    pick = meta["pick"].to_numpy(dtype=object)
    w_sat, w_bad = stat["w_sat"].to_numpy(dtype=bool), stat["w_bad"].to_numpy(dtype=bool)
    l_sat, l_bad, l_not = (stat[c].to_numpy(dtype=bool) for c in ("l_sat", "l_bad", "l_not"))
    count_ok = _count_holds(stat["cnt"].to_numpy(), meta)
    cases = [
        (empty & unsided, UNKNOWN),  # 1. only rows without a side
        (has_count, np.where(count_ok, TRUE, missing)),  # 2. count rules
        (empty, missing),  # 3. nothing in the window
        (meta["vkind"].to_numpy(dtype=object) == "none", TRUE),  # 4. presence
        (pick == "any", np.where(w_sat, TRUE, np.where(w_bad, UNKNOWN, FALSE))),  # 5.
        (
            pick == "latest",
            np.where(l_bad | (l_sat & l_not), UNKNOWN, np.where(l_sat, TRUE, FALSE)),
        ),  # 6.
        (w_bad, UNKNOWN),  # 7. min/max with an uninterpretable row
    ]
    extreme = np.where(stat["ext_sat"].to_numpy(dtype=bool), TRUE, FALSE)
    v = np.select(
        [c for c, _ in cases],
        [np.broadcast_to(np.asarray(x, dtype=np.int8), n) for _, x in cases],
        extreme,
    ).astype(np.int8)
    stale = np.where(stat["before"].to_numpy(dtype=bool), "stale", "no_data")
    reason = np.select(
        [empty & unsided, has_count | empty, (pick == "latest") & ~l_bad],
        [
            np.full(n, "side_unknown", dtype=object),
            stale.astype(object),
            np.full(n, "conflict", dtype=object),
        ],
        np.full(n, "unit_unknown", dtype=object),
    )
    return v, np.where(v == UNKNOWN, reason, MISSING).astype(object)


def _first_per_key(p: pd.DataFrame, mask: np.ndarray, index: pd.MultiIndex) -> np.ndarray:
    """Position in `p` (sorted latest day first, then lowest rid) of the first row of
    each key among `mask` rows; -1 where a key has none."""
    chosen = p[mask].drop_duplicates(KEY)
    found = pd.Series(chosen.index.to_numpy(), index=pd.MultiIndex.from_frame(chosen[KEY]))
    return found.reindex(index).fillna(-1).to_numpy(dtype=np.int64)


def _key_rows(p: pd.DataFrame, index: pd.MultiIndex, pick: np.ndarray) -> dict[str, np.ndarray]:
    """Positions in `p` of the rows evidence may show, per (person, instance)."""
    inw = p["in_window"].to_numpy(dtype=bool)
    cat = p["cat"].to_numpy()
    return {
        "in": _first_per_key(p, inw, index),
        "sat": _first_per_key(p, inw & (cat == SAT), index),
        "bad": _first_per_key(p, inw & (cat == BAD), index),
        "unsided": _first_per_key(p, p["unsided_in"].to_numpy(dtype=bool), index),
        "extreme": _extreme_rows(p, inw & (cat != BAD), index, pick),
    }


def _extreme_rows(
    p: pd.DataFrame, mask: np.ndarray, index: pd.MultiIndex, pick: np.ndarray
) -> np.ndarray:
    """min/max: the row with the smallest (largest) value, ties to the latest day, then
    the lowest rid; -1 for keys without an interpretable row in the window."""
    rows = p[mask]
    wants_max = pd.Series(pick == "max", index=index).reindex(pd.MultiIndex.from_frame(rows[KEY]))
    conv = rows["conv"].to_numpy(dtype=float)
    ranked = rows.assign(
        _k=np.where(wants_max.to_numpy(dtype=bool), -conv, conv), _pos=rows.index.to_numpy()
    )
    ranked = ranked.sort_values(
        KEY + ["_k", "event_date", "rid"],
        ascending=[True, True, True, False, True],
        kind="mergesort",
    )
    first = ranked.drop_duplicates(KEY)
    found = pd.Series(first["_pos"].to_numpy(), index=pd.MultiIndex.from_frame(first[KEY]))
    return found.reindex(index).fillna(-1).to_numpy(dtype=np.int64)


def _shown_row(stat: pd.DataFrame, meta: pd.DataFrame, rows: dict[str, np.ndarray]) -> np.ndarray:
    """Position of the row a single-row text shows, -1 for texts naming no single row
    (counts, no data, a conflict), spec §8."""
    empty = stat["n_in"].to_numpy() == 0
    pick = meta["pick"].to_numpy(dtype=object)
    latest = pick == "latest"
    l_sat, l_bad, l_not = (stat[c].to_numpy(dtype=bool) for c in ("l_sat", "l_bad", "l_not"))
    sat, bad, inside = rows["sat"], rows["bad"], rows["in"]
    any_row = np.where(sat >= 0, sat, np.where(bad >= 0, bad, inside))
    choices = [
        (meta["has_count"].to_numpy(dtype=bool), -1),
        (empty, rows["unsided"]),  # -1 unless an unsided row stands in for the window
        (meta["vkind"].to_numpy(dtype=object) == "none", inside),
        (pick == "any", any_row),
        (latest & l_bad, bad),
        (latest & l_sat & l_not, -1),
        (latest & l_sat, sat),
        (latest, inside),
        (bad >= 0, bad),
    ]
    n = len(stat)
    return np.select(
        [c for c, _ in choices],
        [np.broadcast_to(np.asarray(x, dtype=np.int64), n) for _, x in choices],
        rows["extreme"],
    )
