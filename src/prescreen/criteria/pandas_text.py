"""Evidence texts of rule instances, whole columns at a time (engine-spec §8).

The texts must match the SQL engine's byte for byte: numbers as C printf `%g`, dates as
YYYY-MM-DD, ` (<side>)` only for rows with a side, ` [<code>]` only for rows with a code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from prescreen.criteria.plan import Inst, Plan

KEY = ["person_id", "inst"]
# None as an array operand, for `np.where(has, text, MISSING)`: numpy's typing takes
# arrays and scalars there, not None; the result is the same object array.
MISSING = np.array(None, dtype=object)
MAX_ITEMS = 5  # counted events listed in a count text


def g(values: np.ndarray) -> np.ndarray:
    """Numbers as C printf `%g` (6 significant digits, no trailing zeros); None for NaN."""
    values = np.asarray(values, dtype=float)
    shown = np.char.mod("%g", np.nan_to_num(values)).astype(object)
    return np.where(np.isnan(values), MISSING, shown).astype(object)


def day_text(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as YYYY-MM-DD; None for a missing date."""
    days = pd.Series(pd.to_datetime(pd.Series(values)), dtype="datetime64[us]")
    shown = days.dt.strftime("%Y-%m-%d").astype(object).to_numpy(dtype=object)
    return np.where(days.isna().to_numpy(), MISSING, shown).astype(object)


def join(parts: list[np.ndarray], sep: str) -> np.ndarray:
    """Each row's non-empty texts joined by `sep`, None and '' skipped ('' when none)."""
    if not parts:
        return np.array([], dtype=object)
    out = np.full(len(parts[0]), "", dtype=object)
    for part in parts:
        part = np.asarray(part, dtype=object)
        present = ~pd.isna(part)
        present[present] = part[present] != ""
        glue = np.where(out != "", sep, "")
        out = np.where(
            present, out + glue + np.where(present, part, "").astype(object), out
        ).astype(object)
    return out


def _opt(cond: np.ndarray, text: np.ndarray | str) -> np.ndarray:
    """`text` where `cond`, else ''."""
    return np.where(cond, text, "").astype(object)


def instance_texts(
    plan: Plan, p: pd.DataFrame, stat: pd.DataFrame, meta: pd.DataFrame, shown: np.ndarray
) -> np.ndarray:
    """The evidence of each (person, instance) of `stat` (spec §8, instance text)."""
    n = len(stat)
    if n == 0:
        return np.array([], dtype=object)
    inst = stat.index.get_level_values("inst").to_numpy()
    label = meta["label"].to_numpy(dtype=object)
    row = _rows_at(p, shown)
    empty = stat["n_in"].to_numpy() == 0
    pick = meta["pick"].to_numpy(dtype=object)
    conflict = (
        (pick == "latest") & ~stat["l_bad"].to_numpy(dtype=bool)
        & stat["l_sat"].to_numpy(dtype=bool) & stat["l_not"].to_numpy(dtype=bool)
    )  # fmt: skip
    no_data = _per_inst(plan, lambda i: i.no_data_text())[inst]
    last = day_text(stat["last_before"])
    choices = [
        (meta["has_count"].to_numpy(dtype=bool), _count_texts(plan, p, stat, meta)),
        (empty & (shown >= 0), label + " (side not recorded) on " + row["day"] + row["code_part"]),
        (empty, no_data + _opt(~pd.isna(last), "; last on " + np.where(pd.isna(last), "", last))),
        (conflict, "conflicting " + label + " results on " + _fill(day_text(stat["latest"]))),
        (meta["vkind"].to_numpy(dtype=object) == "none", label + row["side_part"] + " on " + row["day"] + row["code_part"]),
    ]  # fmt: skip
    value = _value_texts(plan, inst, label, meta["vkind"].to_numpy(dtype=object), row)
    return np.select([c for c, _ in choices], [t for _, t in choices], value).astype(object)


def _per_inst(plan: Plan, text_of: Callable[[Inst], str]) -> np.ndarray:
    """One text per rule instance, indexed by instance number (looked up per row)."""
    return np.array([text_of(i) for i in plan.insts], dtype=object)


def _fill(texts: np.ndarray) -> np.ndarray:
    return np.where(pd.isna(texts), "", texts).astype(object)


def _rows_at(p: pd.DataFrame, positions: np.ndarray) -> dict[str, np.ndarray]:
    """The columns of the shown rows (positions into `p`; -1 rows are blanks)."""
    have = positions >= 0
    take = p.iloc[np.where(have, positions, 0)]
    code = take["code"].astype(object).fillna("").to_numpy(dtype=object)
    side = take["side"].astype(object).to_numpy(dtype=object)
    unit_concept = take["unit_concept"].astype("Int64")
    return {
        "day": _fill(day_text(take["event_date"].to_numpy())),
        "code_part": _opt(code != "", " [" + code + "]"),
        "side_part": _opt(~pd.isna(side), " (" + _fill(side) + ")"),
        "num": take["num"].to_numpy(dtype=float),
        "unit": take["unit"].astype(object).fillna("").to_numpy(dtype=object),
        "unit_concept": np.where(
            unit_concept.isna().to_numpy(), MISSING, unit_concept.astype(str).to_numpy(dtype=object)
        ).astype(object),
        "range_high": take["range_high"].to_numpy(dtype=float),
        "qual": take["qual"].to_numpy(dtype=float),
        "value_text": take["value_text"].astype(object).to_numpy(dtype=object),
        "conv": take["conv"].to_numpy(dtype=float),
        "factor": take["factor"].to_numpy(dtype=float),
        "offset": take["offset"].to_numpy(dtype=float),
    }


def _value_texts(
    plan: Plan, inst: np.ndarray, label: np.ndarray, vkind: np.ndarray, row: dict
) -> np.ndarray:
    """`<label> <value>[ <unit>][ (unit_concept_id <id>)][ = <conv>[ <target unit>]]
    [ (ULN <x>)]<side part> on <day><code part>`."""
    text = row["value_text"]
    has_text = ~pd.isna(text)
    qual = np.where(
        has_text,
        text,
        np.where(row["qual"] == 1.0, "positive", np.where(row["qual"] == 0.0, "negative", MISSING)),
    )
    number = g(row["num"])
    value = np.where(vkind == "qual", qual, np.where(vkind == "in", text, number))
    value = np.where(pd.isna(value), "(no value)", value).astype(object)
    unit = row["unit"]
    concept = row["unit_concept"]
    factor, offset = row["factor"], row["offset"]
    converted = (
        np.isin(vkind, ["num", "between"]) & ~np.isnan(row["num"]) & ~np.isnan(factor)
        & ~((factor == 1.0) & (offset == 0.0))
    )  # fmt: skip
    target = _per_inst(plan, lambda i: i.target_unit)[inst]
    conversion = " = " + _fill(g(row["conv"])) + _opt(target != "", " " + target)
    uln = " (ULN " + np.where(np.isnan(row["range_high"]), "?", _fill(g(row["range_high"]))) + ")"
    return (
        label + " " + value
        + _opt(unit != "", " " + unit)
        + _opt(~pd.isna(concept), " (unit_concept_id " + _fill(concept) + ")")
        + _opt(converted, conversion)
        + _opt(vkind == "uln", uln)
        + row["side_part"] + " on " + row["day"] + row["code_part"]
    )  # fmt: skip


def _count_texts(plan: Plan, p: pd.DataFrame, stat: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
    """`<label>: <n>[ (<groups>)][ — <code> <day>, … (five newest distinct (day, code))]`."""
    label = meta["label"].to_numpy(dtype=object)
    cnt = stat["cnt"].to_numpy().astype(np.int64).astype(str).astype(object)
    inst = stat.index.get_level_values("inst").to_numpy()
    gm = stat["gm"].to_numpy(dtype=np.int64)
    names = [plan.codesets[i.event.codeset].group_names() for i in plan.insts]
    width = max((len(x) for x in names), default=0)
    seen_groups = []
    for bit in range(width):
        name_of = np.array([x[bit] if bit < len(x) else None for x in names], dtype=object)
        seen_groups.append(np.where(((gm >> bit) & 1) == 1, name_of[inst], MISSING))
    group_list = (
        _join_all(seen_groups, ", ") if seen_groups else np.full(len(stat), "", dtype=object)
    )
    groups = _opt(meta["distinct"].to_numpy(dtype=bool) & (gm != 0), " (" + group_list + ")")
    return label + ": " + cnt + groups + _items(p, stat)


def _items(p: pd.DataFrame, stat: pd.DataFrame) -> np.ndarray:
    """` — <code> <day>, …` over the distinct (day, code) pairs in the window, newest
    day first, then code; at most five, `, …` when there are more."""
    w = p.loc[p["in_window"].to_numpy(dtype=bool), KEY + ["event_date", "code"]].drop_duplicates()
    w = w.sort_values(
        KEY + ["event_date", "code"], ascending=[True, True, False, True], kind="mergesort"
    )
    w["rank"] = w.groupby(KEY).cumcount()
    w["item"] = (
        w["code"].astype(object).fillna("") + " " + _fill(day_text(w["event_date"].to_numpy()))
    )
    count = w.groupby(KEY).size().reindex(stat.index).fillna(0).to_numpy()
    firsts = []
    for rank in range(MAX_ITEMS):
        at = w[w["rank"] == rank]
        item = pd.Series(at["item"].to_numpy(dtype=object), index=pd.MultiIndex.from_frame(at[KEY]))
        firsts.append(item.reindex(stat.index).to_numpy(dtype=object))
    listed = _join_all(firsts, ", ")
    return _opt(count > 0, " — " + listed + _opt(count > MAX_ITEMS, ", …"))


def _join_all(parts: list[np.ndarray], sep: str) -> np.ndarray:
    """Join present (non-None) texts, keeping empty ones (an item is never empty)."""
    out = np.full(len(parts[0]), None, dtype=object)
    for part in parts:
        present = ~pd.isna(part)
        both = present & ~pd.isna(out)
        out = np.where(both, _fill(out) + sep + _fill(part), np.where(present, part, out)).astype(
            object
        )
    return _fill(out)
