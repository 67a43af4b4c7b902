"""Suppression holds against a reader who knows every published total and relation.

The attacker: (1) peels relations with exactly one unknown, repeatedly, substituting what it
solved; (2) linear algebra: a hidden cell is determined iff its unit vector is in the row
space of the relations restricted to hidden cells; (3) bounds: `<k` cells lie in 1..k−1,
`*` cells are ≥ k, and interval propagation must not squeeze any to one value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_report_fixtures import screen_connection, small_trial

from prescreen.report import published_tables, report_counts
from prescreen.report.suppression import COMPLEMENTARY, suppressed_cells

K = 5
counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


def _peel(values, relations, hidden):
    """Cells recovered by repeatedly solving relations with one unknown."""
    known = {k: v for k, v in values.items() if k not in hidden}
    recovered = {}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknown = [k for k in relation if k not in known]
            if len(unknown) == 1:
                key = unknown[0]
                rest = sum(c * known[k] for k, c in relation.items() if k != key)
                known[key] = recovered[key] = -rest / relation[key]
                changed = True
    return recovered


def _determined(relations, hidden):
    columns = sorted(hidden, key=repr)
    if not columns:
        return []
    index = {k: i for i, k in enumerate(columns)}
    matrix = np.array(
        [[r.get(k, 0) for k in columns] for r in relations if any(k in index for k in r)]
        or [[0] * len(columns)],
        dtype=float,
    )
    rank = np.linalg.matrix_rank(matrix)
    out = []
    for key in columns:
        unit = np.zeros(len(columns))
        unit[index[key]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.append(key)
    return out


def _assert_safe(values, relations, marks, unpublished=()):
    hidden = set(marks) | set(unpublished)
    for key, value in values.items():
        if key not in hidden:
            assert not (1 <= value < K), f"published small count {key}={value}"
        elif key in marks and marks[key] == f"<{K}":
            assert 1 <= value < K
        elif key in marks:
            assert (
                marks[key] == COMPLEMENTARY
            )  # normally ≥ k; a zero only when nothing else is left
    secret = {
        key for key in marks if values[key]
    }  # a hidden zero is no secret: zeros are published
    recovered = _peel(values, relations, hidden)
    assert not (set(recovered) & secret), f"recoverable by subtraction: {recovered}"
    assert not (set(_determined(relations, hidden)) & secret), "recoverable by algebra"


def _table(rows):
    """Cells and relations of a table with row totals, column totals and a grand total."""
    values, relations = {}, []
    n_cols = len(rows[0])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            values[(i, j)] = v
        values[(i, "T")] = sum(row)
        relations.append({(i, "T"): 1, **{(i, j): -1 for j in range(n_cols)}})
    for j in range(n_cols):
        values[("T", j)] = sum(r[j] for r in rows)
        relations.append({("T", j): 1, **{(i, j): -1 for i in range(len(rows))}})
    values[("T", "T")] = sum(map(sum, rows))
    relations.append({("T", "T"): 1, **{("T", j): -1 for j in range(n_cols)}})
    relations.append({("T", "T"): 1, **{(i, "T"): -1 for i in range(len(rows))}})
    return values, relations


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=1, max_size=6)
    )
)
def test_tables_cannot_be_unpicked(rows):
    values, relations = _table(rows)
    marks = suppressed_cells(values, relations, K)
    _assert_safe(values, relations, marks)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 80),
    st.lists(st.tuples(st.floats(0, 0.3), st.floats(0, 0.3)), min_size=1, max_size=10),
)
def test_funnels_cannot_be_unpicked(screened, steps):
    values, relations, before = {("before", 0): screened}, [], ("before", 0)
    remaining = screened
    for k, (fail_share, unknown_share) in enumerate(steps):
        fail = int(remaining * fail_share)
        unknown = int((remaining - fail) * unknown_share)
        remaining -= fail + unknown
        values.update({("fail", k): fail, ("unknown", k): unknown, ("after", k): remaining})
        relations.append({before: 1, ("fail", k): -1, ("unknown", k): -1, ("after", k): -1})
        before = ("after", k)
    marks = suppressed_cells(values, relations, K)
    _assert_safe(values, relations, marks)


def _feasible_values(values, relations, marks, key, top=40):
    """Every value of `key` consistent with the published cells, marks and relations
    (brute force over small hidden cells: `<k` 1..k−1, `*` ≥ k)."""
    import itertools

    hidden = sorted(marks)
    ranges = [range(1, K) if marks[h] == f"<{K}" else range(K, top) for h in hidden]
    found = set()
    for combo in itertools.product(*ranges):
        guess = {**values, **dict(zip(hidden, combo, strict=True))}
        if all(sum(c * guess[k] for k, c in r.items()) == 0 for r in relations):
            found.add(guess[key])
    return found


def test_bounds_attack_is_blocked():
    # total 6 = a + b with a = 1 (<5) and b = 5: publishing b as '*' (≥5) would give a = 1
    values = {"t": 6, "a": 1, "b": 5, "t2": 20, "b2": 15}
    relations = [{"t": 1, "a": -1, "b": -1}, {"t2": 1, "b": -1, "b2": -1}]
    marks = suppressed_cells(values, relations, K)
    assert marks["a"] == "<5"
    assert len(_feasible_values(values, relations, marks, "a")) > 1
    # hiding b alone is what the bounds attack undoes
    assert _feasible_values(values, relations, {"a": "<5", "b": "*"}, "a") == {1}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABC"),
            st.lists(st.sampled_from(["pass", "fail", "unknown"]), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_published_tables_show_no_small_counts(people):
    trial = small_trial(ids=("I1", "E1", "E2"), manual=())
    rows = [
        (pid, cid, r)
        for pid, (_, res) in enumerate(people)
        for cid, r in zip(trial.criterion_ids(), res, strict=True)
    ]
    con = screen_connection(rows, {pid: site for pid, (site, _) in enumerate(people)}, trial)
    published = published_tables(report_counts(con, trial), trial, min_cell=K)
    con.close()
    shown = [
        published.funnel.drop(columns=["step", "label"]),
        published.evaluability.drop(columns=["share_decided"]),
        published.sites.drop(columns=["top_failing", "share_likely_eligible", "site_id"]),
    ]
    for table in shown:
        for value in table.to_numpy().ravel():
            assert not (str(value).isdigit() and 1 <= int(value) < K)
    for value in published.headline.values():
        assert not (value.isdigit() and 1 <= int(value) < K)
    for text in published.sites["top_failing"]:
        for part in filter(None, text.split("; ")):
            n = part.split("(")[1].rstrip(")")
            assert not (n.isdigit() and 1 <= int(n) < K)
    # the site table still adds up wherever nothing in a row is hidden
    for row in published.sites.itertuples():
        parts = [row.likely_eligible, row.needs_review, row.ineligible, row.screened]
        if all(p.isdigit() for p in parts):
            assert sum(map(int, parts[:3])) == int(parts[3])
    assert isinstance(published.sites, pd.DataFrame)


def test_a_threshold_below_one_is_refused():
    import pytest

    from prescreen.errors import PrescreenError
    from prescreen.report import ReportOptions

    for bad in (0, -3):
        with pytest.raises(PrescreenError, match=f"--min-cell {bad}: give 1 or more"):
            ReportOptions(min_cell=bad)
        with pytest.raises(ValueError, match="threshold of 1 or more"):
            suppressed_cells({"a": 1}, [], bad)
    with pytest.raises(PrescreenError, match="--round -1"):
        ReportOptions(round_to=-1)


def _site_grid(site_rows):
    """(site, likely_eligible, needs_review, ineligible) → rows and sites for a trial
    I1, E1, E2 (no manual criteria)."""
    rows, sites, pid = [], {}, 0
    results = {
        "likely_eligible": ("pass", "pass", "pass"),
        "needs_review": ("pass", "unknown", "pass"),
        "ineligible": ("fail", "pass", "pass"),
    }
    for site, *counts in site_rows:
        for status, n in zip(results, counts, strict=True):
            for _ in range(n):
                pid += 1
                sites[pid] = site
                rows += [
                    (pid, cid, r)
                    for cid, r in zip(("I1", "E1", "E2"), results[status], strict=True)
                ]
    return rows, sites


def test_a_tiny_site_takes_its_complements_from_the_smallest_site_not_a_large_one():
    # #14.8: 'unknown site' with 3 patients must not blank the large sites' counts;
    # A's likely_eligible (20) is the smallest cell of its column, the small site C's is 25
    trial = small_trial(ids=("I1", "E1", "E2"), manual=())
    rows, sites = _site_grid(
        [("A", 20, 30, 450), ("B", 60, 40, 380), ("C", 25, 10, 15), ("unknown site", 2, 1, 0)]
    )
    con = screen_connection(rows, sites, trial)
    table = published_tables(report_counts(con, trial), trial, min_cell=K).sites.set_index("site")
    counts = ["screened", "likely_eligible", "needs_review", "ineligible"]
    for large in ("A", "B"):
        assert not table.loc[large, counts].isin(["*", f"<{K}"]).any(), table.loc[large]
    assert table.loc["C", counts].isin(["*"]).sum() >= 2
    assert table.loc["All sites", counts].str.isdigit().all()


def test_an_implicit_small_count_is_protected():
    # site fail counts outside a site's top three are never printed, but with two sites a
    # reader subtracts: fail_any(E2) − A's listed E2 count = B's unlisted E2 count (2)
    values = {"any": 30, "a": 28, "b": 2, "b1": 40, "b2": 35, "b3": 31}
    relations = [{"any": 1, "a": -1, "b": -1}]
    orders = [("b", "b3"), ("b3", "b2"), ("b2", "b1")]
    marks = suppressed_cells(values, relations, K, unpublished={"b"}, orders=orders)
    assert marks and set(marks) & {"any", "a"}, "one of the two printed terms must hide"
    # a zero left out is no secret: nothing needs to hide
    values["b"], values["a"] = 0, 30
    assert suppressed_cells(values, relations, K, unpublished={"b"}, orders=orders) == {}


def test_orders_are_part_of_the_bounds_attack():
    # c hidden as <5 with c ≥ d where d = 4 is printed → c ∈ 4..4: something else must hide
    values = {"t": 20, "c": 4, "e": 16, "d": 4}
    relations = [{"t": 1, "c": -1, "e": -1}]
    marks = suppressed_cells(values, relations, K, orders=[("d", "c")])
    assert marks["c"] == "<5" and marks["d"] == "<5"  # d is small itself
    values["d"] = 0  # a published zero below c tells nothing
    marks = suppressed_cells(values, relations, K, orders=[("d", "c")])
    assert set(marks) == {"c", "e"}
