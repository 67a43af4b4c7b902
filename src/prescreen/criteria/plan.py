"""A trial flattened for evaluation: event instances, a node graph and output rows.

Both engines evaluate the same plan, so they agree on *what* is asked (window dates,
unit factors, limb scopes, which node feeds which output row) and differ only in *how*
rows are matched, aggregated and combined: that part each engine implements itself.

- An `Inst` is one event rule at one limb scope (`*` all sides, `R`, `L`).
- A `Node` is a value in the rule tree (leaf, age, sex, all, any, not, limb); children
  come before parents, so evaluating nodes in order is always possible.
- An `Output` is one reported row per patient: a criterion or sub-rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prescreen.criteria import units
from prescreen.criteria.model import (
    Age,
    AllOf,
    AnyOf,
    Codeset,
    Event,
    Limb,
    Not,
    Predicate,
    Ref,
    Sex,
    SubRule,
    Trial,
)
from prescreen.criteria.windows import Bounds, bounds
from prescreen.errors import CriteriaError

SIDE_NAMES = {"R": "right", "L": "left"}


@dataclass(frozen=True)
class Inst:
    idx: int
    event: Event
    scope: str
    bounds: Bounds
    unit_factors: tuple[tuple[str, float], ...]  # recorded unit -> factor (num/between only)

    @property
    def vkind(self) -> str:
        return self.event.predicate.kind if self.event.predicate else "none"

    @property
    def qual_target(self) -> float | None:
        """1 for positive / in-set, 0 for negative: what a qualitative row must equal."""
        pred = self.event.predicate
        if pred is None or pred.kind not in ("qual", "in"):
            return None
        return 0.0 if pred.values == ("negative",) else 1.0

    def no_data_text(self) -> str:
        return f"no {self.event.label} {self.bounds.text}"


@dataclass(frozen=True)
class Node:
    idx: int
    kind: str  # leaf | age | sex | all | any | not | limb
    children: tuple[int, ...] = ()
    inst: int | None = None
    predicate: Predicate | None = None  # age
    sex: str | None = None


@dataclass(frozen=True)
class Output:
    id: str
    kind: str  # inclusion | exclusion
    node: int | None  # None for manual rows
    manual: bool
    evidence_node: int | None
    top_level: bool


@dataclass
class Plan:
    as_of: date
    insts: list[Inst] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    codesets: dict[str, Codeset] = field(default_factory=dict)

    def domains(self) -> list[str]:
        return sorted({i.event.domain for i in self.insts})


class _Builder:
    def __init__(self, trial: Trial, as_of: date) -> None:
        self.trial = trial
        self.plan = Plan(as_of)
        self._insts: dict[tuple, int] = {}
        self._nodes: dict[tuple, int] = {}

    def node(self, rule: object, scope: str, subs: dict[str, SubRule], owner: str) -> int:
        if isinstance(rule, Ref):
            return self.node(subs[rule.id].rule, scope, subs, owner)
        if isinstance(rule, Event):
            inst = self._inst(rule, scope)
            return self._add(("leaf", inst), Node(0, "leaf", inst=inst))
        if isinstance(rule, Age):
            return self._add(("age", rule.predicate), Node(0, "age", predicate=rule.predicate))
        if isinstance(rule, Sex):
            return self._add(("sex", rule.value), Node(0, "sex", sex=rule.value))
        if isinstance(rule, AllOf | AnyOf):
            kind = "all" if isinstance(rule, AllOf) else "any"
            kids = tuple(self.node(c, scope, subs, owner) for c in rule.children)
            return self._add((kind, kids), Node(0, kind, kids))
        if isinstance(rule, Not):
            kid = self.node(rule.child, scope, subs, owner)
            return self._add(("not", kid), Node(0, "not", (kid,)))
        if isinstance(rule, Limb):
            if scope != "*":
                raise CriteriaError(f"criterion {owner}: a limb group cannot sit inside another limb group")
            kids = (self.node(rule.child, "R", subs, owner), self.node(rule.child, "L", subs, owner))
            return self._add(("limb", kids), Node(0, "limb", kids))
        raise CriteriaError(f"criterion {owner}: rule could not be read")

    def _add(self, key: tuple, node: Node) -> int:
        if key not in self._nodes:
            idx = len(self.plan.nodes)
            self.plan.nodes.append(Node(idx, node.kind, node.children, node.inst, node.predicate, node.sex))
            self._nodes[key] = idx
        return self._nodes[key]

    def _inst(self, event: Event, scope: str) -> int:
        key = (event, scope)
        if key not in self._insts:
            factors: tuple[tuple[str, float], ...] = ()
            pred = event.predicate
            if pred is not None and pred.kind in ("num", "between"):
                factors = tuple(sorted(units.conversions_to(pred.unit, event.convert).items()))
            idx = len(self.plan.insts)
            self.plan.insts.append(Inst(idx, event, scope, bounds(event.window, self.plan.as_of), factors))
            self.plan.codesets[event.codeset] = self.trial.codesets[event.codeset]
            self._insts[key] = idx
        return self._insts[key]


def build_plan(trial: Trial, as_of: date) -> Plan:
    """The evaluation plan of `trial` at index date `as_of`."""
    b = _Builder(trial, as_of)
    for c in trial.criteria:
        subs = {s.id: s for s in c.subrules}
        rows = [(c.id, c.rule, c.manual, c.evidence_rule, True)]
        rows += [(s.id, s.rule, s.manual, s.evidence_rule, False) for s in c.subrules]
        for oid, rule, manual, evidence_rule, top in rows:
            node = None if manual or rule is None else b.node(rule, "*", subs, oid)
            ev = None if evidence_rule is None else b.node(evidence_rule, "*", subs, oid)
            b.plan.outputs.append(Output(oid, c.kind, node, manual, ev, top))
    return b.plan


def plan_problems(path: Path) -> list[str]:
    """Problems only visible once rules are combined (e.g. nested limb groups)."""
    from prescreen.criteria.parse import load_trial

    try:
        build_plan(load_trial(str(path), {}), date(2000, 1, 1))
    except CriteriaError as exc:
        return [f"{path}: {exc}"]
    return []
