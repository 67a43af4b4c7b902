"""The rule tree per person, whole columns at a time (engine-spec §6 and §8, node text).

Nodes come children first (`Plan.nodes`), so one pass computes every node from values
already computed. Each value is a column over the persons: a three-valued code
(`pandas_tri`), the reason of an unknown, the evidence text and, for leaves, whether the
instance had a row in its window (`inside`) or none at all (`absent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from prescreen import vocabulary
from prescreen.criteria.model import satisfies
from prescreen.criteria.pandas_text import MISSING, join
from prescreen.criteria.pandas_tri import FALSE, TRUE, UNKNOWN, tri, tri_and, tri_not, tri_or
from prescreen.criteria.plan import Node, Plan
from prescreen.criteria.sql_compile import no_rows_result


@dataclass
class NodeValue:
    v: np.ndarray  # tri code per person
    reason: np.ndarray  # reason of an unknown, None elsewhere
    text: np.ndarray  # evidence
    inside: np.ndarray  # leaves: a row in the window (False for other nodes)
    absent: np.ndarray  # leaves: no row in the window and none unsided in its dates


def node_values(plan: Plan, persons: pd.DataFrame, events: pd.DataFrame) -> list[NodeValue]:
    """Every node's value for every person of `persons` (in its row order)."""
    person_index = pd.Index(persons["person_id"].to_numpy(dtype=np.int64))
    age = _age(persons["birth_date"], plan.index_date)
    gender = persons["gender_concept_id"].to_numpy(dtype=float, na_value=np.nan)
    values: list[NodeValue] = []
    for node in plan.nodes:
        if node.kind == "leaf":
            value = _leaf(plan, node, events, person_index, values)
        elif node.kind == "age":
            value = _age_value(node, age, plan.index_date)
        elif node.kind == "sex":
            value = _sex_value(node, gender)
        elif node.kind == "groups":
            value = _groups(node, values)
        else:
            value = _combined(node, [values[c] for c in node.children])
        values.append(value)
    return values


def _blank(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def _unknown_reason(v: np.ndarray, reasons: np.ndarray) -> np.ndarray:
    return np.where(v == UNKNOWN, reasons, MISSING).astype(object)


def _leaf(
    plan: Plan, node: Node, events: pd.DataFrame, persons: pd.Index, done: list[NodeValue]
) -> NodeValue:
    """The instance's result; a person without any row gets the documented default. With
    `missing: {false_if}`, no row in the window is a negative finding once the exam holds."""
    inst = plan.insts[node.leaf_inst()]
    n = len(persons)
    dv, dr, de = no_rows_result(inst)
    v = np.full(n, tri(dv), dtype=np.int8)
    reason = np.full(n, dr, dtype=object)
    text = np.full(n, de, dtype=object)
    inside, absent = _blank(n), np.ones(n, dtype=bool)
    mine = events[events.index.get_level_values("inst") == inst.idx]
    at = persons.get_indexer(mine.index.get_level_values("person_id"))
    found = at >= 0
    at = at[found]
    v[at] = mine["v"].to_numpy(dtype=np.int8)[found]
    reason[at] = mine["reason"].to_numpy(dtype=object)[found]
    text[at] = mine["text"].to_numpy(dtype=object)[found]
    inside[at] = mine["inside"].to_numpy(dtype=bool)[found]
    absent[at] = mine["absent"].to_numpy(dtype=bool)[found]
    if node.exam is not None:
        exam = done[node.exam]
        examined = absent & (exam.v == TRUE)
        text = np.where(examined, text + "; " + _text(exam.text), np.where(absent, exam.text, text))
        v = np.where(examined, FALSE, v).astype(np.int8)
    return NodeValue(v, _unknown_reason(v, reason), text.astype(object), inside, absent)


def _text(texts: np.ndarray) -> np.ndarray:
    return np.where(pd.isna(texts), "", texts).astype(object)


def _age(birth: pd.Series, index_date: date) -> np.ndarray:
    """Whole years from birth to the index date (a birthday counts on its day); NaN
    without a birth date."""
    born = pd.Series(birth, dtype="datetime64[us]")
    not_yet = (born.dt.month * 100 + born.dt.day) > (index_date.month * 100 + index_date.day)
    age = index_date.year - born.dt.year - not_yet.astype(float)
    return age.where(born.notna()).to_numpy(dtype=float)


def _age_value(node: Node, age: np.ndarray, index_date: date) -> NodeValue:
    known = ~np.isnan(age)
    with np.errstate(invalid="ignore"):
        holds = np.asarray(satisfies(age, *node.age_predicate().interval()), dtype=bool)
    v = np.where(known, np.where(holds, TRUE, FALSE), UNKNOWN).astype(np.int8)
    years = np.char.mod("%d", np.nan_to_num(age).astype(np.int64)).astype(object)
    text = np.where(
        known, "age " + years + f" on {index_date:%Y-%m-%d}", "year of birth not recorded"
    )
    return NodeValue(
        v,
        _unknown_reason(v, np.full(len(v), "no_data", dtype=object)),
        text.astype(object),
        _blank(len(v)),
        _blank(len(v)),
    )


def _sex_value(node: Node, gender: np.ndarray) -> NodeValue:
    female, male = gender == vocabulary.FEMALE, gender == vocabulary.MALE
    wanted = female if node.sex == "female" else male
    v = np.where(female | male, np.where(wanted, TRUE, FALSE), UNKNOWN).astype(np.int8)
    text = np.where(female, "female", np.where(male, "male", "sex not recorded")).astype(object)
    return NodeValue(
        v,
        _unknown_reason(v, np.full(len(v), "no_data", dtype=object)),
        text,
        _blank(len(v)),
        _blank(len(v)),
    )


def _first_unknown_reason(kids: list[NodeValue]) -> np.ndarray:
    """The reason of the first unknown child (child order)."""
    reason = np.full(len(kids[0].v), None, dtype=object)
    for kid in reversed(kids):
        reason = np.where((kid.v == UNKNOWN) & ~pd.isna(kid.reason), kid.reason, reason)
    return reason


def _first_text_where(kids: list[NodeValue], value: int) -> np.ndarray:
    """The text of the first child whose value is `value`."""
    text = np.full(len(kids[0].v), None, dtype=object)
    for kid in reversed(kids):
        text = np.where(kid.v == value, kid.text, text)
    return text.astype(object)


def _combined(node: Node, kids: list[NodeValue]) -> NodeValue:
    n = len(kids[0].v)
    if node.kind == "not":
        kid = kids[0]
        return NodeValue(tri_not(kid.v), kid.reason, kid.text, _blank(n), _blank(n))
    if node.kind == "review":
        kid = kids[0]
        flagged = kid.v == TRUE
        v = np.where(flagged, UNKNOWN, kid.v).astype(np.int8)
        reason = np.where(flagged, "review", kid.reason).astype(object)
        text = np.where(flagged, node.because + ": " + _text(kid.text), kid.text).astype(object)
        return NodeValue(v, reason, text, _blank(n), _blank(n))
    v = tri_and([k.v for k in kids]) if node.kind == "all" else tri_or([k.v for k in kids])
    reason = _unknown_reason(v, _first_unknown_reason(kids))
    if node.kind == "limb":
        return NodeValue(v, reason, _limb_text(v, kids), _blank(n), _blank(n))
    decisive = FALSE if node.kind == "all" else TRUE
    every = join([k.text for k in kids], "; ")
    unknown = join([np.where(k.v == UNKNOWN, k.text, MISSING) for k in kids], "; ")
    text = np.where(
        v == decisive, _first_text_where(kids, decisive), np.where(v == UNKNOWN, unknown, every)
    )
    return NodeValue(v, reason, text.astype(object), _blank(n), _blank(n))


def _limb_text(v: np.ndarray, kids: list[NodeValue]) -> np.ndarray:
    """Some limb: `right: …` if the right one holds, else `left: …`; none: both sides;
    unknown: the unknown sides."""
    right, left = kids
    r_text, l_text = "right: " + _text(right.text), "left: " + _text(left.text)
    holds = np.where(right.v == TRUE, r_text, l_text)
    fails = join([r_text, l_text], " | ")
    unknown = join(
        [
            np.where(right.v == UNKNOWN, r_text, MISSING),
            np.where(left.v == UNKNOWN, l_text, MISSING),
        ],
        " | ",
    )
    return np.where(v == TRUE, holds, np.where(v == FALSE, fails, unknown)).astype(object)


def _groups(node: Node, values: list[NodeValue]) -> NodeValue:
    """`per: group`: without a row of the code set in the window the whole set's leaf
    decides (window, missing, exam); else some group's latest result must hold."""
    whole = values[node.children[0]]
    groups = [values[c] for c in node.children[1:]]
    n = len(whole.v)
    v = tri_or([g.v for g in groups])
    reason = _unknown_reason(v, _first_unknown_reason(groups))
    with_rows = join([np.where(g.inside, g.text, MISSING) for g in groups], "; ")
    unknown = join([np.where(g.v == UNKNOWN, g.text, MISSING) for g in groups], "; ")
    text = np.where(
        v == TRUE, _first_text_where(groups, TRUE), np.where(v == FALSE, with_rows, unknown)
    )
    inside = whole.inside
    return NodeValue(
        np.where(inside, v, whole.v).astype(np.int8),
        np.where(inside, reason, whole.reason).astype(object),
        np.where(inside, text, whole.text).astype(object),
        _blank(n),
        _blank(n),
    )
