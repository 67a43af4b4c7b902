"""An attacker who reads every shareable output of a screen and solves for hidden counts.

Built from the files alone (sites.csv, funnel.csv, evaluability.csv, sweep.csv,
summary.json) and what docs/outputs.md says they mean, independently of the suppression
code: every count a reader can name is an integer variable, every published number
fixes one, every mark bounds one (`<k` = 1..k−1; `*` ≥ k; with rounding, R = the count
rounded up to a multiple of m), and every fact a reader knows is a linear constraint.
A count is *recovered* when integer programming (scipy's milp, HiGHS) finds its minimum
equal to its maximum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

STATUSES = ("likely_eligible", "needs_review", "ineligible")
COUNTS = ("screened", *STATUSES)


@dataclass
class Model:
    """Integer variables (name → index) with bounds, and linear constraints."""

    names: dict = field(default_factory=dict)
    low: list = field(default_factory=list)
    high: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # (coefficients {name: c}, lower, upper)
    marked: set = field(default_factory=set)  # counts printed as `<k` or `*`

    def var(self, name) -> str:
        if name not in self.names:
            self.names[name] = len(self.names)
            self.low.append(0.0)
            self.high.append(np.inf)
        return name

    def bound(self, name, low: float, high: float) -> None:
        i = self.names[self.var(name)]
        self.low[i], self.high[i] = max(self.low[i], low), min(self.high[i], high)

    def equal(self, coefficients: dict, value: float = 0.0) -> None:
        for name in coefficients:
            self.var(name)
        self.rows.append((coefficients, value, value))

    def at_most(self, coefficients: dict, value: float = 0.0) -> None:
        """Σ coef · var ≤ value."""
        for name in coefficients:
            self.var(name)
        self.rows.append((coefficients, -np.inf, value))


class _Solver:
    """A model's constraints built once, and the integer points its solves have found.

    Every solve returns a point that satisfies everything a reader knows; once checked
    exactly, such a point giving a count another value than the true one proves the
    count is not pinned, so most counts need no solve of their own."""

    def __init__(self, model: Model) -> None:
        n = len(model.names)
        self.index = model.names
        rows, cols, coefs = [], [], []
        for i, (coefficients, _, _) in enumerate(model.rows):
            for key, coef in coefficients.items():
                rows.append(i)
                cols.append(model.names[key])
                coefs.append(coef)
        # duplicate (row, column) entries add up, as they did in a dense matrix
        self.matrix = coo_array((coefs, (rows, cols)), shape=(len(model.rows), n)).tocsr()
        self.lower = np.array([lo for _, lo, _ in model.rows], dtype=float)
        self.upper = np.array([hi for _, _, hi in model.rows], dtype=float)
        self.low = np.array(model.low, dtype=float)
        self.high = np.array([min(h, 1e7) for h in model.high])  # a finite box keeps HiGHS exact
        self.points: list[np.ndarray] = []

    def extreme(self, name, sense: int) -> float:
        """min (sense=1) or max (sense=−1) of a variable over the integer feasible set."""
        c = np.zeros(len(self.index))
        c[self.index[name]] = sense
        result = milp(
            c,
            constraints=LinearConstraint(self.matrix, self.lower, self.upper),
            integrality=np.ones(len(self.index)),
            bounds=Bounds(self.low, self.high),
        )
        if result.status != 0:
            raise AssertionError(f"the attacker's model is infeasible: {result.message}")
        self._keep(np.round(result.x))
        return sense * result.fun

    def varies(self, name, value: int) -> bool:
        """Whether a checked integer point gives `name` a value other than `value`."""
        i = self.index[name]
        return any(point[i] != value for point in self.points)

    def _keep(self, point: np.ndarray) -> None:
        """Keep `point` if it satisfies every bound and constraint exactly."""
        product = self.matrix @ point
        if (
            np.all(point >= self.low)
            and np.all(point <= self.high)
            and np.all(product >= self.lower - 1e-9)
            and np.all(product <= self.upper + 1e-9)
        ):
            self.points.append(point)


def read_outputs(folder: Path, truth: dict, *, min_cell: int, round_to: int = 0) -> Model:
    """The model of everything a reader of `folder`'s shareable files knows."""
    model = Model()
    reader = _Reader(model, truth, min_cell, round_to)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False)
    funnel = pd.read_csv(folder / "funnel.csv", dtype=str, keep_default_na=False)
    evaluability = pd.read_csv(folder / "evaluability.csv", dtype=str, keep_default_na=False)
    headline = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["headline"]
    ids = list(funnel["criterion_id"])
    computable = list(dict.fromkeys(evaluability["criterion_id"]))
    site_rows = sites[sites["site"] != "All sites"]
    names = list(site_rows["site"])
    total = sites[sites["site"] == "All sites"].iloc[0]

    for col in COUNTS:  # headline, All sites row, site rows, column sums
        reader.shown(("total", col), total[col])
        reader.shown(("total", col), str(headline[col]))
        model.equal({("total", col): 1, **{("site", s, col): -1 for s in names}})
    model.equal({("total", "screened"): 1, **{("total", s): -1 for s in STATUSES}})
    for row in site_rows.itertuples(index=False):
        for col in COUNTS:
            reader.shown(("site", row.site, col), getattr(row, col))
        model.equal(
            {("site", row.site, "screened"): 1, **{("site", row.site, s): -1 for s in STATUSES}}
        )
        _top_failing(model, reader, row.site, row.top_failing, ids)

    previous = ("total", "screened")
    for row in funnel.itertuples(index=False):
        k = row.criterion_id
        for col in ("fail", "unknown", "remaining_after", "fail_any", "fail_only",
                    "gained_if_dropped", "unknown_any", "manual_any"):  # fmt: skip
            reader.shown(("funnel", k, col), getattr(row, col))
        reader.shown(previous, row.remaining_before)
        model.equal({previous: 1, ("funnel", k, "fail"): -1, ("funnel", k, "unknown"): -1,
                     ("funnel", k, "remaining_after"): -1})  # fmt: skip
        model.at_most({("funnel", k, "fail"): 1, ("funnel", k, "fail_any"): -1})
        model.at_most({("funnel", k, "unknown"): 1, ("funnel", k, "unknown_any"): -1})
        model.at_most({("funnel", k, "fail_only"): 1, ("funnel", k, "fail_any"): -1})
        model.at_most({("funnel", k, "gained_if_dropped"): 1, ("funnel", k, "fail_only"): -1})
        model.at_most({("funnel", k, "fail_any"): 1, ("total", "ineligible"): -1})
        # every patient has one result per criterion: pass + fail + unknown + manual
        model.equal({("total", "screened"): 1, ("pass_all", k): -1, ("funnel", k, "fail_any"): -1,
                     ("funnel", k, "unknown_any"): -1, ("funnel", k, "manual_any"): -1})  # fmt: skip
        if k not in computable:  # manual: never pass or fail
            model.bound(("pass_all", k), 0, 0)
        # every likely-eligible patient passes (or is manual on) every criterion
        model.at_most({("total", "likely_eligible"): 1, ("pass_all", k): -1,
                       ("funnel", k, "manual_any"): -1})  # fmt: skip
        # the sites' fail counts add up to the criterion's
        model.equal({("site_fail", s, k): 1 for s in names} | {("funnel", k, "fail_any"): -1})
        previous = ("funnel", k, "remaining_after")
    model.equal({previous: 1, ("total", "likely_eligible"): -1})
    first = funnel["criterion_id"].iloc[0]
    model.equal({("funnel", first, "fail"): 1, ("funnel", first, "fail_any"): -1})
    model.equal({("funnel", first, "unknown"): 1, ("funnel", first, "unknown_any"): -1})
    model.at_most({("funnel", k, "fail_only"): 1 for k in ids} | {("total", "ineligible"): -1})

    for row in evaluability.itertuples(index=False):
        site, k = row.site, row.criterion_id
        place = ("total",) if site == "All sites" else ("site", site)
        decided, undecided = ("decided", site, k), ("undecided", site, k)
        reader.shown(decided, row.n_decided)
        reader.shown((*place, "screened"), row.n_screened)
        if "n_undecided" in evaluability.columns:  # else: a reader subtracts it anyway
            reader.shown(undecided, row.n_undecided)
        model.equal({(*place, "screened"): 1, decided: -1, undecided: -1})
        if site == "All sites":
            model.equal({decided: 1, ("pass_all", k): -1, ("funnel", k, "fail_any"): -1})
            model.equal({undecided: 1, ("funnel", k, "unknown_any"): -1,
                         ("funnel", k, "manual_any"): -1})  # fmt: skip
            continue
        passed, failed = ("site_pass", site, k), ("site_fail", site, k)
        model.equal({decided: 1, passed: -1, failed: -1})
        model.at_most({failed: 1, ("site", site, "ineligible"): -1})
        model.at_most({("site", site, "likely_eligible"): 1, passed: -1})
        model.at_most({undecided: 1, ("site", site, "needs_review"): -1,
                       ("site", site, "ineligible"): -1})  # fmt: skip
    for k in computable:
        model.equal({("decided", "All sites", k): 1, **{("decided", s, k): -1 for s in names}})
        model.equal({("undecided", "All sites", k): 1, **{("undecided", s, k): -1 for s in names}})
    for s in names:  # an ineligible patient fails at least one criterion
        model.at_most({("site", s, "ineligible"): 1, **{("site_fail", s, k): -1 for k in ids}})
    _sweep(model, reader, folder)
    return model


def _top_failing(model: Model, reader, site: str, text: str, ids: list[str]) -> None:
    """`I3 (156); I2 (133); E5 (<5)`: up to three criteria, most failing first, ties in
    protocol order; only criteria with a fail are listed."""
    listed = [part.split(" (") for part in text.split("; ") if part]
    names = [("site_fail", site, cid) for cid, _ in listed]
    for (_, shown), name in zip(listed, names, strict=True):
        reader.shown(name, shown.rstrip(")"))
        model.bound(name, 1, np.inf)
    for (a, _), (b, _) in zip(listed, listed[1:], strict=False):
        strict = 1 if ids.index(b) < ids.index(a) else 0  # b came first in protocol: b < a
        model.at_most({("site_fail", site, b): 1, ("site_fail", site, a): -1}, -strict)
    listed_ids = [cid for cid, _ in listed]
    for cid in ids:
        if cid in listed_ids:
            continue
        if len(listed) < 3:
            model.bound(("site_fail", site, cid), 0, 0)
        else:
            last = listed_ids[-1]
            strict = 1 if ids.index(cid) < ids.index(last) else 0
            model.at_most({("site_fail", site, cid): 1, ("site_fail", site, last): -1}, -strict)


def _sweep(model: Model, reader, folder: Path) -> None:
    path = folder / "sweep.csv"
    if not path.exists():
        return
    sweep = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, row in enumerate(sweep.itertuples(index=False)):
        for col in COUNTS:
            reader.shown(("sweep", i, col), getattr(row, col))
        model.equal({("sweep", i, "screened"): 1, **{("sweep", i, s): -1 for s in STATUSES}})
        model.equal({("sweep", i, "screened"): 1, ("total", "screened"): -1})


class _Reader:
    """Turns a printed count into what it tells: a value, a range."""

    def __init__(self, model: Model, truth: dict, min_cell: int, round_to: int) -> None:
        self.model, self.truth = model, truth
        self.min_cell, self.round_to = min_cell, round_to

    def shown(self, name, text: str) -> None:
        text = str(text).strip()
        if self.round_to:
            value = int(text)
            low = 0 if value == 0 else value - self.round_to + 1
            self.model.bound(name, low, value)
        elif text.isdigit():
            self.model.bound(name, int(text), int(text))
        elif text == f"<{self.min_cell}":
            self.model.bound(name, 1, self.min_cell - 1)
            self.model.marked.add(name)
        elif text == "*":  # ≥ k, unless it is one of the rare hidden zeros
            self.model.bound(name, self.min_cell if self.truth.get(name, 1) else 0, np.inf)
            self.model.marked.add(name)
        else:
            raise AssertionError(f"unexpected printed count {text!r} for {name}")


def recovered_counts(model: Model, truth: dict, small: int) -> dict:
    """Counts a reader pins to one value: every count printed as `<k` or `*`, and every
    count 1..small−1 (printed rounded, or never printed but implied). A zero is no secret
    (zeros are published), so a hidden zero worked out is not counted."""
    solver = _Solver(model)
    found = {}
    for name, value in truth.items():
        if name not in model.names or value == 0:
            continue
        if name not in model.marked and not 1 <= value < small:
            continue
        if solver.varies(name, value):
            continue  # a point found earlier fits everything published with another value
        if solver.extreme(name, -1) > value or solver.extreme(name, 1) < value:
            continue  # another value fits everything published
        found[name] = value
    return found
