"""Small-cell suppression for every count prescreen publishes outside the site.

A published set of tables is modelled as *cells* (hashable keys → non-negative integer
counts) tied together by *relations*: linear equations `Σ coef·cell = 0` that a reader
knows hold (a site's status columns sum to its screened count; a funnel step's
`remaining_before − fail − unknown − remaining_after = 0`; column totals; the same
number shown in two tables). The algorithm:

1. Primary suppression: every published count in 1..k−1 (k = `min_cell`) is hidden
   and printed as `<k`.
2. Complementary suppression, repeated until stable:
   a. *Single unknown*: a relation with exactly one hidden cell gives that cell away by
      subtraction, so hide one more cell in it: the smallest non-zero published one
      (ties broken by key order, so the result is deterministic).
   b. *Linear algebra*: chains of relations can still pin a cell down even when no
      single relation has one unknown (two rows whose difference isolates a cell). A
      hidden cell is exactly determined iff its unit vector lies in the row space of
      the relation matrix restricted to the hidden cells; such a cell gets one more
      companion hidden in the relation containing it with the fewest hidden cells.
   c. *Bounds*: a reader knows a `<k` cell lies in 1..k−1, any other hidden cell is ≥ 1
      (zero is always published), and a `*` cell is ≥ k. Interval propagation through
      each relation can squeeze a hidden cell to a single value (total 6 = `<5` + `*`
      gives 1 + 5); such a cell also gets a companion.
   Complementary cells print as `*` (not `<k`, which would be false for them).

Zero is published, not suppressed: a zero identifies nobody, suppressing it would make
most sparse tables unreadable, and publishing it never lets a reader solve for a
suppressed cell (it is a known term of each relation). The price is that a zero tells
that *no* patient at a site has a property; feasibility counts accept that.

Cells that exist in a relation but are not shown at all (`unpublished`, e.g. site fail
counts outside the top three) are unknowns to the reader; they are never suppressed
and their own recovery is not guarded, but they make relations harder to solve.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

Key = Hashable
Relation = Mapping[Key, int]  # {cell: coefficient}; Σ coef · value = 0
COMPLEMENTARY = "*"
_MAX_ROUNDS = 10_000


def primary_mark(min_cell: int) -> str:
    """How a count in 1..min_cell−1 is printed: `<5` for min_cell 5."""
    return f"<{min_cell}"


def suppressed_cells(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    min_cell: int = 5,
    unpublished: Iterable[Key] = (),
) -> dict[Key, str]:
    """Hidden cells → their printed mark (`<k` primary, `*` complementary).

    `values` holds every cell (published or not); `relations` the equations a reader knows.
    Counts 1..min_cell−1 are primary (bounds inclusive); zero and counts ≥ min_cell are
    published unless complementary suppression needs them.
    """
    hidden_only = set(unpublished)
    marks: dict[Key, str] = {
        key: primary_mark(min_cell)
        for key, value in values.items()
        if key not in hidden_only and 1 <= value < min_cell
    }
    if min_cell <= 1:
        return marks
    for _ in range(_MAX_ROUNDS):
        target = _exposed_relation(values, relations, marks, hidden_only, min_cell)
        if target is None:
            return marks
        companion = _companion(values, target, marks, hidden_only)
        if companion is None:  # every cell in it is hidden already: nothing more to do
            return marks
        marks[companion] = COMPLEMENTARY
    raise RuntimeError("small-cell suppression did not converge")  # pragma: no cover


def _exposed_relation(values, relations, marks, hidden_only, min_cell):
    """A relation through which a hidden cell can be recovered, or None when none can."""
    unknown = set(marks) | hidden_only
    for relation in relations:
        hidden = [key for key in relation if key in unknown]
        if len(hidden) == 1 and hidden[0] in marks:
            return relation
    determined = _determined_cells(relations, marks, unknown)
    determined += [k for k in _bounded_cells(values, relations, marks, unknown, min_cell)]
    for key in determined:
        options = [r for r in relations if key in r and _has_candidate(r, unknown, values, 1)]
        options = options or [r for r in relations if key in r and _has_candidate(r, unknown)]
        if options:  # prefer relations that can hide a non-zero cell, then the least hidden
            return min(options, key=lambda r: sum(1 for k in r if k in unknown))
    return None


def _has_candidate(relation: Relation, unknown: set, values=None, minimum: int = 0) -> bool:
    return any(
        key not in unknown and (values is None or values[key] >= minimum) for key in relation
    )


def _companion(values, relation: Relation, marks, hidden_only) -> Key | None:
    """The smallest non-zero published cell of the relation (a zero only if nothing else)."""
    candidates = [k for k in relation if k not in marks and k not in hidden_only]
    if not candidates:
        return None
    nonzero = [k for k in candidates if values[k] > 0] or candidates
    return min(nonzero, key=lambda k: (values[k], repr(k)))


def _determined_cells(relations, marks, unknown: set) -> list[Key]:
    """Hidden cells whose value follows exactly from the relations (row-space test)."""
    columns = sorted(unknown, key=repr)
    index = {key: i for i, key in enumerate(columns)}
    rows = [r for r in relations if any(k in index for k in r)]
    if not rows:
        return []
    matrix = np.zeros((len(rows), len(columns)))
    for i, relation in enumerate(rows):
        for key, coef in relation.items():
            if key in index:
                matrix[i, index[key]] = coef
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    null = vt[rank:]  # basis of the null space: directions the reader cannot see
    free = np.abs(null).max(axis=0, initial=0.0) > 1e-9
    return [key for key in columns if key in marks and not free[index[key]]]


def _bounded_cells(values, relations, marks, unknown, min_cell) -> list[Key]:
    """Hidden cells that interval reasoning over the relations pins to one value."""
    low = {k: 1.0 for k in unknown}
    high = {k: np.inf for k in unknown}
    for key, mark in marks.items():
        if mark == COMPLEMENTARY:
            low[key] = float(min_cell)
        else:
            high[key] = float(min_cell - 1)
    for key in unknown - set(marks):  # unpublished: may be zero
        low[key] = 0.0
    for _ in range(20):
        changed = False
        for relation in relations:
            hidden = [k for k in relation if k in unknown]
            if len(hidden) < 2:
                continue
            known = sum(c * values[k] for k, c in relation.items() if k not in unknown)
            for key in hidden:
                coef = relation[key]
                rest_lo = known + sum(
                    min(relation[o] * low[o], relation[o] * high[o]) for o in hidden if o != key
                )
                rest_hi = known + sum(
                    max(relation[o] * low[o], relation[o] * high[o]) for o in hidden if o != key
                )
                # coef * x = −rest  →  x within [−rest_hi, −rest_lo] / coef
                lo, hi = sorted((-rest_hi / coef, -rest_lo / coef))
                if lo > low[key] + 1e-9:
                    low[key], changed = lo, True
                if hi < high[key] - 1e-9:
                    high[key], changed = hi, True
        if not changed:
            break
    return [k for k in marks if high[k] - low[k] < 0.5]
