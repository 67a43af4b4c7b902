"""Reported rows and the target limb from node values (engine-spec §7 and §8, outputs).

A limb-scoped criterion has a value per limb; the patient's target limb, chosen over all
top-level limb-scoped criteria at once, decides which limb's result every limb-scoped
row reports, so a patient qualifies through one limb for all of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prescreen.criteria.pandas_nodes import NodeValue
from prescreen.criteria.pandas_text import MISSING
from prescreen.criteria.pandas_tri import FALSE, TRUE, UNKNOWN
from prescreen.criteria.plan import Output, Plan

PASS, FAIL, UNKNOWN_RESULT, MANUAL = "pass", "fail", "unknown", "manual"
RESULT_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]


def _result(v: np.ndarray, output: Output) -> np.ndarray:
    """pass when the value is what the criterion's kind wants, fail when not, unknown."""
    wanted = TRUE if output.kind == "inclusion" else FALSE
    return np.where(v == UNKNOWN, UNKNOWN_RESULT, np.where(v == wanted, PASS, FAIL)).astype(object)


def _reason(value: NodeValue) -> np.ndarray:
    return np.where(value.v == UNKNOWN, value.reason, MISSING).astype(object)


def target_limb(plan: Plan, values: list[NodeValue], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(target_limb, the side reported) per person: a limb where every top-level
    limb-scoped criterion passes ('R,L' when both do); else the limb with no fail and the
    fewer unknowns (right first); the reported side is the limb with the fewest fails,
    then the fewest unknowns."""
    sel = plan.selection
    if not sel:
        return np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    counts = {}
    for s, side in enumerate("RL"):
        results = [_result(values[plan.outputs[k].side_nodes()[s]].v, plan.outputs[k]) for k in sel]
        counts[side] = (
            sum((r == FAIL).astype(np.int64) for r in results),
            sum((r == UNKNOWN_RESULT).astype(np.int64) for r in results),
        )
    (nf_r, nu_r), (nf_l, nu_l) = counts["R"], counts["L"]
    clean_r, clean_l = (nf_r == 0) & (nu_r == 0), (nf_l == 0) & (nu_l == 0)
    limb = np.select(
        [
            clean_r & clean_l,
            clean_r,
            clean_l,
            (nf_r == 0) & ((nf_l > 0) | (nu_r <= nu_l)),
            nf_l == 0,
        ],
        ["R,L", "R", "L", "R", "L"],
        MISSING,
    ).astype(object)
    shown = np.select(
        [clean_r, clean_l, (nf_r < nf_l) | ((nf_r == nf_l) & (nu_r <= nu_l))], ["R", "L", "R"], "L"
    ).astype(object)
    return limb, shown


def result_rows(
    plan: Plan, person_ids: np.ndarray, values: list[NodeValue]
) -> tuple[pd.DataFrame, np.ndarray]:
    """(criterion_result rows with `ord`, sorted by person then output order; target
    limb per person)."""
    n = len(person_ids)
    limb, shown = target_limb(plan, values, n)
    results, reasons, texts = [], [], []
    for output in plan.outputs:
        result, reason, text = _output(output, values, limb, shown, n)
        results.append(result)
        reasons.append(reason)
        texts.append(text)
    n_out = len(plan.outputs)
    frame = pd.DataFrame(
        {
            "person_id": np.repeat(person_ids.astype(np.int64), n_out),
            "criterion_id": np.tile(np.array([o.id for o in plan.outputs], dtype=object), n),
            "result": _by_person(results, n),
            "evidence": _by_person(texts, n),
            "reason": _by_person(reasons, n),
            "ord": np.tile(np.arange(1, n_out + 1, dtype=np.int32), n),
        }
    )
    return frame, limb


def _by_person(columns: list[np.ndarray], n: int) -> np.ndarray:
    """Output-major columns → one array in person order, then output order."""
    if not columns:
        return np.array([], dtype=object)
    return np.stack([np.asarray(c, dtype=object) for c in columns], axis=1).reshape(-1)


def _output(
    output: Output, values: list[NodeValue], limb: np.ndarray, shown: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if output.manual:
        text = (
            values[output.evidence_node].text
            if output.evidence_node is not None
            else np.full(n, None)
        )
        return (
            np.full(n, MANUAL, dtype=object),
            np.full(n, None, dtype=object),
            np.asarray(text, dtype=object),
        )
    if output.sides is None:
        value = values[output.person_node()]
        return _result(value.v, output), _reason(value), value.text
    right, left = (values[k] for k in output.sides)
    on_right = shown == "R"
    result = np.where(on_right, _result(right.v, output), _result(left.v, output)).astype(object)
    reason = np.where(on_right, _reason(right), _reason(left)).astype(object)
    r_text = "right: " + np.where(pd.isna(right.text), "", right.text).astype(object)
    l_text = "left: " + np.where(pd.isna(left.text), "", left.text).astype(object)
    text = np.where(limb == "R,L", r_text + " | " + l_text, np.where(on_right, r_text, l_text))
    return result, reason, text.astype(object)
