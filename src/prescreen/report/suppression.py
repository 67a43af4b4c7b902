"""Small-cell suppression for every count prescreen publishes outside the site.

A published set of tables is modelled as *cells* (hashable keys → non-negative integer
counts) tied together by what a reader knows:
- *relations*: linear equations `Σ coef·cell = 0` (a site's status columns sum to its
  screened count; a funnel step's `remaining_before − fail − unknown − remaining_after =
  0`; column totals; the same number shown in two tables; `n_screened − n_decided` of
  evaluability.csv, which is a cell of its own);
- *orders*: `a ≤ b` (a site's top failing criteria are listed most first, so an unlisted
  one fails at most as many as the third listed; failing ⊂ decided).

Cells are *published* (printed, or known without being printed, e.g. a zero implied by a
short top-three list) or *implicit* (`unpublished`: never printed, e.g. a site's fail
count outside its top three). The algorithm:

1. Primary suppression: every published count in 1..k−1 (k = `min_cell`) is hidden and
   printed as `<k`. Those cells, and implicit cells whose count is 1..k−1, are *protected*:
   no reader may work their value out. (A complementary `*` cell is ≥ k: working one out
   reveals no small count, and every check below already treats it as unknown.)
2. Complementary suppression, repeated until stable: a protected cell is exposed when
   a. a relation holds it as its only unknown (subtraction);
   b. its unit vector lies in the row space of the relations restricted to the unknown
      cells (any linear combination of relations pins it);
   c. interval reasoning pins it: a `<k` cell lies in 1..k−1, a `*` cell is ≥ k, an
      implicit cell ≥ 0, published values are exact, propagated through relations and
      orders with integer rounding (total 6 = `<5` + `*` gives 1 + 5).
   An exposed cell gets a companion: of the published cells sharing a relation with it,
   the cheapest whose hiding leaves it unexposed (else the cheapest: the next round goes
   on from there). Cheapest = lowest `weight`, then fewest relations, then lowest value,
   zeros last: the site tables weigh a cell by its site's screened count, so the smallest
   sites give up cells before a large site is blanked to protect a tiny one, and a row's
   parts go before its total.
   Each check runs on the exposed cell's *component* (the unknown cells linked to it
   through relations and orders): published cells are constants, so nothing outside it
   can pin it down.
   Complementary cells print as `*` (not `<k`, which would be false for them).

Zero is published, not suppressed: a zero identifies nobody, suppressing it would make
most sparse tables unreadable, and publishing it never lets a reader solve for a
suppressed cell (it is a known term of each relation). The price is that a zero tells
that *no* patient at a site has a property; feasibility counts accept that.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

Key = Hashable
Relation = Mapping[Key, int]  # {cell: coefficient}; Σ coef · value = 0
Order = tuple[Key, Key]  # (a, b): value(a) ≤ value(b)
COMPLEMENTARY = "*"
_MAX_ROUNDS = 10_000
_BOUND_PASSES = 30
_TRIALS = 40  # companions tried per exposed cell before taking the cheapest


def primary_mark(min_cell: int) -> str:
    """How a count in 1..min_cell−1 is printed: `<5` for min_cell 5."""
    return f"<{min_cell}"


def suppressed_cells(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    min_cell: int = 5,
    unpublished: Iterable[Key] = (),
    *,
    weights: Mapping[Key, float] | None = None,
    orders: Sequence[Order] = (),
) -> dict[Key, str]:
    """Hidden cells → their printed mark (`<k` primary, `*` complementary).

    `values` holds every cell (published or implicit); `relations` and `orders` what a
    reader knows. Counts 1..min_cell−1 are primary (bounds inclusive); zero and counts
    ≥ min_cell are published unless complementary suppression needs them.
    """
    if min_cell < 1:
        raise ValueError(f"min_cell {min_cell}: suppression needs a threshold of 1 or more")
    implicit = set(unpublished)
    marks: dict[Key, str] = {
        key: primary_mark(min_cell)
        for key, value in values.items()
        if key not in implicit and 1 <= value < min_cell
    }
    if min_cell == 1:
        return marks  # nothing is small
    reader = _Reader(values, relations, orders, min_cell, implicit)
    guarded = set(marks) | {key for key in implicit if 1 <= values[key] < min_cell}
    cost = _cost(values, weights or {}, relations)
    for _ in range(_MAX_ROUNDS):
        exposed = reader.pinned(marks, guarded)
        if not exposed:
            return marks
        key = exposed[0]
        companion = _companion(key, reader, marks, cost)
        if companion is None:  # every cell around it is hidden already: nothing more to do
            guarded.discard(key)
            continue
        marks[companion] = COMPLEMENTARY
    raise RuntimeError("small-cell suppression did not converge")  # pragma: no cover


def _cost(values: Mapping[Key, int], weights: Mapping[Key, float], relations):
    """Cheapest first: non-zero, in few relations (a cell in many, such as a site's
    screened count, drags many more after it), low weight, low value."""
    degree: dict[Key, int] = {}
    for relation in relations:
        for key in relation:
            degree[key] = degree.get(key, 0) + 1

    def cost(key: Key) -> tuple:
        value = values[key]
        return (value == 0, degree.get(key, 0), weights.get(key, value), value, repr(key))

    return cost


def _companion(key: Key, reader: _Reader, marks: dict, cost) -> Key | None:
    """The cheapest published cell whose hiding unpins `key`, from the relations around
    its component; else the cheapest sharing a relation with `key` (progress: the next
    round goes on from there)."""
    unknown = set(marks) | reader.implicit
    component = reader.component(key, unknown)
    around = {
        k for c in component for r in reader.relations_of.get(c, ()) for k in r if k not in unknown
    }
    for candidate in sorted(around, key=cost)[:_TRIALS]:
        trial = {**marks, candidate: COMPLEMENTARY}
        if key not in reader.pinned(trial, {key}):
            return candidate
    holding = reader.relations_of.get(key, ())
    # a relation giving `key` away by subtraction is the one to break first
    exposing = [r for r in holding if sum(1 for k in r if k in unknown) == 1] or holding
    direct = {k for r in exposing for k in r if k not in unknown}
    direct = direct or {k for r in holding for k in r if k not in unknown}
    return min(direct, key=cost) if direct else None


class _Reader:
    """What a reader can work out from the published cells, the relations and orders."""

    def __init__(self, values, relations, orders, min_cell: int, implicit: set) -> None:
        self.values = values
        self.relations = list(relations)
        self.orders = list(orders)
        self.min_cell = min_cell
        self.implicit = implicit
        self.relations_of: dict[Key, list[Relation]] = {}
        for relation in self.relations:
            for k in relation:
                self.relations_of.setdefault(k, []).append(relation)
        self.orders_of: dict[Key, list[Order]] = {}
        for order in self.orders:
            for k in order:
                self.orders_of.setdefault(k, []).append(order)

    def pinned(self, marks: Mapping[Key, str], guarded: set) -> list[Key]:
        """Guarded cells a reader can pin down to one value (stable order)."""
        unknown = set(marks) | self.implicit
        found: list[Key] = []
        seen: set = set()
        for key in sorted(guarded, key=repr):
            if key in seen or key not in unknown:
                continue
            component = self.component(key, unknown)
            seen |= component
            pinned = self._pinned_in(component, marks, unknown)
            found.extend(k for k in sorted(component & guarded, key=repr) if k in pinned)
        return found

    def component(self, start: Key, unknown: set) -> set:
        """Unknown cells linked to `start` through relations and orders."""
        component, todo = {start}, [start]
        while todo:
            key = todo.pop()
            linked = [k for r in self.relations_of.get(key, ()) for k in r]
            linked += [k for o in self.orders_of.get(key, ()) for k in o]
            for other in linked:
                if other in unknown and other not in component:
                    component.add(other)
                    todo.append(other)
        return component

    def _pinned_in(self, component: set, marks, unknown: set) -> set:
        relations = [r for r in self.relations if any(k in component for k in r)]
        pinned = set()
        for relation in relations:  # subtraction
            hidden = [k for k in relation if k in unknown]
            if len(hidden) == 1:
                pinned.add(hidden[0])
        pinned |= _determined(relations, component)
        pinned |= self._bounded(relations, component, marks, unknown)
        return pinned

    def _bounded(self, relations, component: set, marks, unknown: set) -> set:
        """Cells of the component that integer interval reasoning pins down."""
        low: dict[Key, float] = {}
        high: dict[Key, float] = {}
        for key in component:
            mark = marks.get(key)
            if mark is None:  # implicit: any count
                low[key], high[key] = 0.0, math.inf
            elif mark == COMPLEMENTARY:  # ≥ k, or (rarely) a hidden zero
                low[key] = float(self.min_cell) if self.values[key] else 0.0
                high[key] = math.inf
            else:
                low[key], high[key] = 1.0, float(self.min_cell - 1)
        orders = [o for o in self.orders if o[0] in component or o[1] in component]
        for _ in range(_BOUND_PASSES):
            changed = False
            for relation in relations:
                changed |= self._propagate(relation, unknown, low, high)
            for smaller, larger in orders:
                if smaller in component:
                    top = high[larger] if larger in component else self.values[larger]
                    changed |= _tighten(low, high, smaller, -math.inf, top)
                if larger in component:
                    bottom = low[smaller] if smaller in component else self.values[smaller]
                    changed |= _tighten(low, high, larger, bottom, math.inf)
            if not changed:
                break
        return {k for k in component if high[k] - low[k] < 0.5}

    def _propagate(self, relation, unknown: set, low: dict, high: dict) -> bool:
        hidden = [k for k in relation if k in unknown]
        known = sum(c * self.values[k] for k, c in relation.items() if k not in unknown)
        lows = {k: min(relation[k] * low[k], relation[k] * high[k]) for k in hidden}
        highs = {k: max(relation[k] * low[k], relation[k] * high[k]) for k in hidden}
        all_lo, all_hi = sum(lows.values()), sum(highs.values())
        changed = False
        for key in hidden:
            coef = relation[key]
            # the others' sum, from the totals (infinite bounds: recompute without key)
            rest_lo = _without(all_lo, lows, key, hidden)
            rest_hi = _without(all_hi, highs, key, hidden)
            # coef · x = −(known + rest)  →  x within [−(known + rest_hi), −(known + rest_lo)] / coef
            lo, hi = sorted((-(known + rest_hi) / coef, -(known + rest_lo) / coef))
            changed |= _tighten(low, high, key, lo, hi)
        return changed


def _without(total: float, parts: dict, key: Key, keys: list) -> float:
    if math.isfinite(total):
        return total - parts[key]
    return sum(parts[k] for k in keys if k != key)


def _determined(relations, component: set) -> set:
    """Cells of the component whose value follows exactly from the relations (row space)."""
    columns = sorted(component, key=repr)
    index = {key: i for i, key in enumerate(columns)}
    matrix = np.zeros((len(relations), len(columns)))
    for i, relation in enumerate(relations):
        for key, coef in relation.items():
            if key in index:
                matrix[i, index[key]] = coef
    if not len(relations):
        return set()
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    # e_j lies in the row space iff its projection onto it keeps its whole length
    length = (vt[:rank] ** 2).sum(axis=0)
    return {key for key in columns if length[index[key]] > 1 - 1e-6}


def _tighten(low, high, key, lo: float, hi: float) -> bool:
    """Narrow key's interval to [lo, hi] rounded inward to integers; True if it moved."""
    lo = math.ceil(lo - 1e-9) if math.isfinite(lo) else lo
    hi = math.floor(hi + 1e-9) if math.isfinite(hi) else hi
    moved = False
    if lo > low[key]:
        low[key], moved = float(lo), True
    if hi < high[key]:
        high[key], moved = float(hi), True
    return moved
