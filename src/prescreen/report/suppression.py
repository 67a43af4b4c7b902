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
   no reader may work their value out; nor may a reader work out a complementary cell
   (`*`) added on the way: every hidden count stays hidden.
2. Complementary suppression, one protected cell after the other: it is exposed when
   a. a relation holds it as its only unknown (subtraction);
   b. its unit vector lies in the row space of the relations restricted to the unknown
      cells (any linear combination of relations pins it);
   c. interval reasoning pins it: a `<k` cell lies in 1..k−1, a `*` cell is ≥ k, an
      implicit cell ≥ 0, published values are exact, propagated through relations and
      orders with integer rounding (total 6 = `<5` + `*` gives 1 + 5).
   First, no hidden cell may be the only unknown of a relation (the classic rule:
   each relation holding a hidden cell holds two); then each protected cell is checked
   in full. An exposed cell gets a companion: of the published cells sharing a relation with it,
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

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

Key = Hashable
Relation = Mapping[Key, int]  # {cell: coefficient}; Σ coef · value = 0
Order = tuple[Key, Key]  # (a, b): value(a) ≤ value(b)
COMPLEMENTARY = "*"
_BOUND_PASSES = 200  # a chain of n relations takes n passes
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
    cost = _cost(values, weights or {}, relations)
    _close(reader, marks, cost)
    # zeros are published, so a hidden zero (a rare complement) is no secret to keep
    guarded = {key for key in marks if values[key]}
    guarded |= {key for key in implicit if 1 <= values[key] < min_cell}
    # hiding a cell only takes knowledge away, so a cell once safe stays safe: each
    # protected cell is settled in turn (with every safe one of its component), never
    # to be looked at again; a cell hidden on the way joins the queue
    todo = sorted(guarded, key=repr)
    settled: set = set()
    while todo:
        key = todo.pop(0)
        while key not in settled:
            component = reader.component(key, set(marks) | implicit)
            pinned = reader.pinned_in(component, marks)
            settled |= (component & guarded) - pinned
            if key not in pinned:
                break
            companion = _companion(key, reader, marks, cost)
            if companion is None:  # every cell around it is hidden already
                break
            before = set(marks)
            marks[companion] = COMPLEMENTARY
            _close(reader, marks, cost)
            added = sorted((k for k in set(marks) - before if values[k]), key=repr)
            guarded.update(added)
            todo.extend(added)
    return marks


def _close(reader: _Reader, marks: dict, cost) -> None:
    """No hidden cell is the only unknown of a relation (else subtraction gives it away):
    add the cheapest companion to each such relation until none is left (in place).

    The classic first rule of complementary suppression, cheap to apply; it also makes
    the cells that must fall together (a site's screened count and each of its
    evaluability rows) fall together, which single trials in `_companion` cannot see."""
    changed = True
    while changed:
        changed = False
        unknown = set(marks) | reader.implicit
        for relation in reader.relations:
            hidden = [k for k in relation if k in unknown]
            if len(hidden) != 1 or hidden[0] not in marks:
                continue
            candidates = [k for k in relation if k not in unknown]
            if not candidates:
                continue
            companion = min(candidates, key=lambda c: (_alone(reader, c, unknown), *cost(c)))
            marks[companion] = COMPLEMENTARY
            unknown.add(companion)
            changed = True


def _alone(reader: _Reader, cell: Key, unknown: set) -> int:
    """Relations in which `cell` would be the only unknown once hidden."""
    return sum(
        1
        for r in reader.relations_of.get(cell, ())
        if not any(k in unknown for k in r if k != cell)
    )


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
    round goes on from there). Cells whose every relation already holds an unknown come
    first: hiding one of them gives nothing away by subtraction."""
    unknown = set(marks) | reader.implicit

    def order(cell: Key) -> tuple:
        return (_alone(reader, cell, unknown), *cost(cell))

    component = reader.component(key, unknown)
    around = {
        k for c in component for r in reader.relations_of.get(c, ()) for k in r if k not in unknown
    }
    for candidate in sorted(around, key=order)[:_TRIALS]:
        if not reader.pins(key, {**marks, candidate: COMPLEMENTARY}):
            return candidate
    holding = reader.relations_of.get(key, ())
    # a relation giving `key` away by subtraction is the one to break first
    exposing = [r for r in holding if sum(1 for k in r if k in unknown) == 1] or holding
    direct = {k for r in exposing for k in r if k not in unknown}
    direct = direct or {k for r in holding for k in r if k not in unknown}
    return min(direct, key=order) if direct else None


class _Reader:
    """What a reader can work out from the published cells, the relations and orders."""

    def __init__(self, values, relations, orders, min_cell: int, implicit: set) -> None:
        self.values = values
        self.rank = {key: i for i, key in enumerate(sorted(values, key=repr))}
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
        self._links: dict[Key, set] = {}

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
            pinned = self.pinned_in(component, marks)
            found.extend(k for k in sorted(component & guarded, key=repr) if k in pinned)
        return found

    def component(self, start: Key, unknown: set) -> set:
        """Unknown cells linked to `start` through relations and orders."""
        component, todo = {start}, [start]
        while todo:
            found = (self._linked(todo.pop()) & unknown) - component
            component |= found
            todo.extend(found)
        return component

    def _linked(self, key: Key) -> set:
        """Cells sharing a relation or an order with `key` (built once per cell: the
        same cells are linked again for every candidate companion)."""
        linked = self._links.get(key)
        if linked is None:
            linked = {k for r in self.relations_of.get(key, ()) for k in r}
            linked.update(k for o in self.orders_of.get(key, ()) for k in o)
            self._links[key] = linked
        return linked

    def pins(self, key: Key, marks) -> bool:
        """Whether a reader can pin `key` down (bounds first: they are the cheaper test)."""
        system = _System(self, self.component(key, set(marks) | self.implicit), marks)
        return key in system.bounded() or key in system.determined()

    def pinned_in(self, component: set, marks) -> set:
        """Cells of an unknown component a reader can pin down to one value."""
        system = _System(self, component, marks)
        return system.determined() | system.bounded()


class _System:
    """One component as a reader sees it: A·x = b over its unknown cells x (A sparse:
    one entry per cell of a relation), their bounds, and the orders touching them."""

    def __init__(self, reader: _Reader, component: set, marks) -> None:
        self.keys = sorted(component, key=reader.rank.__getitem__)
        index = {key: i for i, key in enumerate(self.keys)}
        relations = {id(r): r for k in self.keys for r in reader.relations_of.get(k, ())}
        rows, cols, coefs, rhs = [], [], [], []
        for i, relation in enumerate(relations.values()):
            known = 0.0
            for key, coef in relation.items():
                if key in index:
                    rows.append(i)
                    cols.append(index[key])
                    coefs.append(float(coef))
                else:  # a published cell: a known term
                    known -= coef * reader.values[key]
            rhs.append(known)
        self.rows, self.cols = np.array(rows, dtype=int), np.array(cols, dtype=int)
        self.coefs, self.rhs = np.array(coefs), np.array(rhs)
        self.low = np.empty(len(self.keys))
        self.high = np.empty(len(self.keys))
        for i, key in enumerate(self.keys):
            mark = marks.get(key)
            if mark is None:  # implicit: any count
                self.low[i], self.high[i] = 0.0, np.inf
            elif mark == COMPLEMENTARY:  # ≥ k, or (rarely) a hidden zero
                self.low[i] = float(reader.min_cell) if reader.values[key] else 0.0
                self.high[i] = np.inf
            else:
                self.low[i], self.high[i] = 1.0, float(reader.min_cell - 1)
        orders = list({o: None for k in self.keys for o in reader.orders_of.get(k, ())})
        # each side of an order: its cell's index (−1: a published cell) and known value
        sides = [
            [(index[k], 0.0) if k in index else (-1, float(reader.values[k])) for k in order]
            for order in orders
        ]
        self.smaller = np.array([s[0][0] for s in sides], dtype=int)
        self.smaller_value = np.array([s[0][1] for s in sides])
        self.larger = np.array([s[1][0] for s in sides], dtype=int)
        self.larger_value = np.array([s[1][1] for s in sides])

    def determined(self) -> set:
        """Cells whose value follows exactly from the relations (row-space test)."""
        if not len(self.rhs):
            return set()
        matrix = np.zeros((len(self.rhs), len(self.keys)))
        np.add.at(matrix, (self.rows, self.cols), self.coefs)
        _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
        # e_j lies in the row space iff its projection onto it keeps its whole length
        length = (vt[:rank] ** 2).sum(axis=0)
        return {key for key, n in zip(self.keys, length, strict=True) if n > 1 - 1e-6}

    def bounded(self) -> set:
        """Cells that integer interval reasoning over relations and orders pins down."""
        low, high = self.low.copy(), self.high.copy()
        for _ in range(_BOUND_PASSES):
            before_low, before_high = low.copy(), high.copy()
            if len(self.rhs):
                x_low, x_high = self._relation_bounds(low, high)
                low = np.maximum(low, np.ceil(x_low - 1e-9))
                high = np.minimum(high, np.floor(x_high + 1e-9))
            self._order_bounds(low, high)
            if np.array_equal(before_low, low) and np.array_equal(before_high, high):
                break
        return {key for key, lo, hi in zip(self.keys, low, high, strict=True) if hi - lo < 0.5}

    def _relation_bounds(self, low, high) -> tuple[np.ndarray, np.ndarray]:
        """Each relation's bounds on each of its cells given the others' (Σ a·x = b per
        relation); the tightest per cell (±inf where none bounds it)."""
        a, rows, m = self.coefs, self.rows, len(self.rhs)
        positive = a > 0
        term_low = np.where(positive, a * low[self.cols], a * high[self.cols])
        term_high = np.where(positive, a * high[self.cols], a * low[self.cols])
        rest = []
        for term, infinity in ((term_low, -np.inf), (term_high, np.inf)):
            infinite = ~np.isfinite(term)
            finite = np.where(infinite, 0.0, term)
            total = np.bincount(rows, weights=finite, minlength=m)[rows] - finite
            others_infinite = np.bincount(rows, weights=infinite, minlength=m)[rows] - infinite
            rest.append(np.where(others_infinite > 0, infinity, total))
        ax_low, ax_high = self.rhs[rows] - rest[1], self.rhs[rows] - rest[0]
        x_low = np.where(positive, ax_low / a, ax_high / a)
        x_high = np.where(positive, ax_high / a, ax_low / a)
        new_low = np.full(len(self.keys), -np.inf)
        new_high = np.full(len(self.keys), np.inf)
        np.maximum.at(new_low, self.cols, x_low)
        np.minimum.at(new_high, self.cols, x_high)
        return new_low, new_high

    def _order_bounds(self, low, high) -> None:
        """smaller ≤ larger: the larger's top caps the smaller, the smaller's floor lifts
        the larger (in place)."""
        if not len(self.smaller):
            return
        top = np.where(self.larger >= 0, high[self.larger], self.larger_value)
        floor = np.where(self.smaller >= 0, low[self.smaller], self.smaller_value)
        cap = self.smaller >= 0
        np.minimum.at(high, self.smaller[cap], top[cap])
        lift = self.larger >= 0
        np.maximum.at(low, self.larger[lift], floor[lift])
