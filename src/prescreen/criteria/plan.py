"""A trial flattened for evaluation: event instances, a node graph and output rows.

Both engines evaluate the same plan, so they agree on *what* is asked (window dates,
unit conversions, limb scopes, which node feeds which output row) and differ only in
*how* rows are matched, aggregated and combined: that part each engine implements itself.

- An `Inst` is one event rule at one limb scope (`*` all sides, `R`, `L`).
- A `Node` is a value in the rule tree (leaf, age, sex, all, any, not, limb, review);
  children come before parents, so evaluating nodes in order is always possible.
- An `Output` is one reported row per patient: a criterion or a reported sub-rule. A
  limb-scoped output has one node per side (`sides`); the patient's target limb, chosen
  across every limb-scoped criterion (`Plan.selection`), decides which side is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from prescreen.criteria import units
from prescreen.criteria.model import (
    Age,
    AllOf,
    AnyOf,
    Codeset,
    Conversion,
    Criterion,
    Event,
    Limb,
    Not,
    Predicate,
    Ref,
    Review,
    Rule,
    Sex,
    SubRule,
    Trial,
)
from prescreen.criteria.windows import Bounds, bounds
from prescreen.errors import CriteriaError

SIDE_NAMES = {"R": "right", "L": "left"}
SIDES = ("R", "L")


@dataclass(frozen=True)
class Inst:
    idx: int
    event: Event
    scope: str
    bounds: Bounds
    conversions: tuple[Conversion, ...]  # num/between: recorded unit -> predicate unit
    gbit: int | None = None  # per: group: only events of this group of the code set

    @property
    def vkind(self) -> str:
        return self.event.predicate.kind if self.event.predicate else "none"

    @property
    def qual_target(self) -> float | None:
        """1 for positive / in-set, 0 for negative: what a qualitative row must equal."""
        pred = self.event.predicate
        if pred is None or pred.kind not in ("qual", "in"):
            return None
        if pred.kind == "in":
            return 1.0  # the recorded category is one of the listed values
        return 0.0 if pred.values == ("negative",) else 1.0

    @property
    def target_unit(self) -> str:
        pred = self.event.predicate
        return (pred.unit or "") if pred is not None else ""

    def no_data_text(self) -> str:
        """What the evidence says when no matching event lies in the window."""
        recorded = " recorded" if self.event.exam is not None else ""
        return f"no {self.event.label}{recorded} {self.bounds.text}"


@dataclass(frozen=True)
class Node:
    idx: int
    kind: str  # leaf | age | sex | all | any | not | limb | review | groups
    children: tuple[int, ...] = ()
    inst: int | None = None
    predicate: Predicate | None = None  # age
    sex: str | None = None
    because: str = ""  # review
    exam: int | None = None  # leaf: node of its `missing: {false_if}` rule (also a child)

    def leaf_inst(self) -> int:
        """The index in `Plan.insts` of the event instance a leaf reads."""
        if self.inst is None:
            raise ValueError(f"node n{self.idx} ({self.kind}) reads no event instance")
        return self.inst

    def age_predicate(self) -> Predicate:
        """The test an age node applies to the age in whole years."""
        if self.predicate is None:
            raise ValueError(f"node n{self.idx} ({self.kind}) has no age test")
        return self.predicate


@dataclass(frozen=True)
class Output:
    id: str
    kind: str  # inclusion | exclusion
    node: int | None  # person-level node; None for manual and limb-scoped rows
    manual: bool
    evidence_node: int | None
    top_level: bool
    sides: tuple[int, int] | None = None  # (node on the right limb, node on the left limb)
    label: str = ""

    def person_node(self) -> int:
        """The node of a row read once per person (not manual, not limb-scoped)."""
        if self.node is None:
            raise ValueError(f"output {self.id} has no person-level node")
        return self.node

    def side_nodes(self) -> tuple[int, int]:
        """(right, left) nodes of a limb-scoped row."""
        if self.sides is None:
            raise ValueError(f"output {self.id} is not limb-scoped")
        return self.sides


@dataclass
class Plan:
    index_date: date
    insts: list[Inst] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    codesets: dict[str, Codeset] = field(default_factory=dict)

    @property
    def as_of(self) -> date:  # the name older callers use for the index date
        return self.index_date

    def domains(self) -> list[str]:
        return sorted({i.event.domain for i in self.insts})

    @property
    def selection(self) -> list[int]:
        """Positions of the top-level limb-scoped outputs: they choose the target limb."""
        return [k for k, o in enumerate(self.outputs) if o.top_level and o.sides is not None]

    def codeset_uses(self) -> list[tuple[str, str]]:
        """(code set, domain) pairs the trial reads, sorted."""
        return sorted({(i.event.codeset, i.event.domain) for i in self.insts})


class _Builder:
    def __init__(self, trial: Trial, index_date: date) -> None:
        self.trial = trial
        self.plan = Plan(index_date)
        self._insts: dict[tuple, int] = {}
        self._nodes: dict[tuple, int] = {}

    def node(
        self, rule: object, scope: str, side: str | None, subs: dict[str, SubRule], owner: str
    ) -> int:
        """Node of `rule`; `scope` is the side events see, `side` the limb being evaluated
        (None outside a limb-scoped criterion, where a limb group means "some limb")."""
        if isinstance(rule, Ref):
            return self.node(subs[rule.id].rule, scope, side, subs, owner)
        if isinstance(rule, Event):
            if rule.per_group:
                return self._groups(rule, scope, side, subs, owner)
            return self._leaf(rule, scope, side, subs, owner)
        if isinstance(rule, Age):
            return self._add(("age", rule.predicate), Node(0, "age", predicate=rule.predicate))
        if isinstance(rule, Sex):
            return self._add(("sex", rule.value), Node(0, "sex", sex=rule.value))
        if isinstance(rule, AllOf | AnyOf):
            kind = "all" if isinstance(rule, AllOf) else "any"
            kids = tuple(self.node(c, scope, side, subs, owner) for c in rule.children)
            return self._add((kind, kids), Node(0, kind, kids))
        if isinstance(rule, Not):
            kid = self.node(rule.child, scope, side, subs, owner)
            return self._add(("not", kid), Node(0, "not", (kid,)))
        if isinstance(rule, Review):
            kid = self.node(rule.child, scope, side, subs, owner)
            return self._add(
                ("review", kid, rule.because), Node(0, "review", (kid,), because=rule.because)
            )
        if isinstance(rule, Limb):
            if scope != "*":
                raise CriteriaError(
                    f"criterion {owner}: a limb group cannot sit inside another limb group"
                )
            if side is not None:
                return self.node(rule.child, side, side, subs, owner)
            kids = tuple(self.node(rule.child, s, None, subs, owner) for s in SIDES)
            return self._add(("limb", kids), Node(0, "limb", kids))
        raise CriteriaError(f"criterion {owner}: rule could not be read")

    def _leaf(
        self, rule: Event, scope: str, side, subs, owner: str, gbit: int | None = None
    ) -> int:  # noqa: ANN001
        exam = None if rule.exam is None else self.node(rule.exam, scope, side, subs, owner)
        inst = self._inst(rule, scope, gbit)
        kids = () if exam is None else (exam,)
        return self._add(("leaf", inst, exam), Node(0, "leaf", kids, inst=inst, exam=exam))

    def _groups(self, rule: Event, scope: str, side, subs, owner: str) -> int:  # noqa: ANN001
        """`per: group`: the whole code set's presence (window, missing, exam) and one
        latest rule per group, combined by a `groups` node."""
        whole = replace(rule, predicate=None, pick="any", per_group=False, convert=())
        kids = [self._leaf(whole, scope, side, subs, owner)]
        names = self.trial.codesets[rule.codeset].group_names()
        for bit, name in enumerate(names):
            part = replace(
                rule, label=f"{rule.label} ({name})", per_group=False, missing=False, exam=None
            )
            kids.append(self._leaf(part, scope, side, subs, owner, gbit=bit))
        return self._add(("groups", tuple(kids)), Node(0, "groups", tuple(kids)))

    def _add(self, key: tuple, node: Node) -> int:
        if key not in self._nodes:
            idx = len(self.plan.nodes)
            self.plan.nodes.append(
                Node(
                    idx,
                    node.kind,
                    node.children,
                    node.inst,
                    node.predicate,
                    node.sex,
                    node.because,
                    node.exam,
                )
            )
            self._nodes[key] = idx
        return self._nodes[key]

    def _inst(self, event: Event, scope: str, gbit: int | None = None) -> int:
        key = (event, scope, gbit)
        if key not in self._insts:
            pred = event.predicate
            conversions: tuple[Conversion, ...] = ()
            if pred is not None and pred.kind in ("num", "between"):
                conversions = units.conversions_to(pred.unit, event.convert)
            codeset = self.trial.codesets[event.codeset]
            idx = len(self.plan.insts)
            window = bounds(event.window, self.plan.index_date)
            self.plan.insts.append(Inst(idx, event, scope, window, conversions, gbit))
            self.plan.codesets[event.codeset] = codeset
            self._insts[key] = idx
        return self._insts[key]

    def criterion(self, c: Criterion) -> None:
        subs = {s.id: s for s in c.subrules}
        inside = _refs_inside_limbs(c.rule, subs)
        outside = _refs_outside_limbs(c.rule, subs)
        for sid in sorted(inside & outside):
            raise CriteriaError(
                f"criterion {c.id}: sub-rule {sid} is used both inside and outside a limb group; "
                "split it into two sub-rules"
            )
        limb_scoped = c.rule is not None and _has_limb(c.rule, subs)
        self._output(
            c.id, c, c.rule, c.manual, c.evidence_rule, True, limb_scoped, subs, c.short_label()
        )
        for s in c.subrules:
            if not s.report:
                continue
            # a sub-rule used inside a limb group is about one limb; so is one that holds a
            # limb group itself, within a limb-scoped criterion
            rule: Rule | _Sided | None
            if s.id in inside:
                rule, side_scoped = _Sided(s.rule), True
            else:
                side_scoped = limb_scoped and s.rule is not None and _has_limb(s.rule, subs)
                rule = s.rule
            self._output(s.id, c, rule, s.manual, s.evidence_rule, False, side_scoped, subs, s.id)

    def _output(self, oid, c, rule, manual, evidence_rule, top, sided, subs, label) -> None:  # noqa: ANN001 (private, one caller)
        ev = None if evidence_rule is None else self.node(evidence_rule, "*", None, subs, oid)
        if manual or rule is None:
            self.plan.outputs.append(Output(oid, c.kind, None, True, ev, top, None, label))
            return
        if sided:
            if isinstance(
                rule, _Sided
            ):  # a sub-rule used inside a limb group: its events see the side
                r, l_ = (self.node(rule.rule, s, s, subs, oid) for s in SIDES)
            else:
                r, l_ = (self.node(rule, "*", s, subs, oid) for s in SIDES)
            self.plan.outputs.append(Output(oid, c.kind, None, False, ev, top, (r, l_), label))
            return
        node = self.node(rule, "*", None, subs, oid)
        self.plan.outputs.append(Output(oid, c.kind, node, False, ev, top, None, label))


@dataclass(frozen=True)
class _Sided:
    rule: object


def _children(rule: object, subs: dict[str, SubRule]) -> list[object]:
    if isinstance(rule, Ref):
        target = subs.get(rule.id)
        return [target.rule] if target is not None and target.rule is not None else []
    if isinstance(rule, AllOf | AnyOf):
        return list(rule.children)
    if isinstance(rule, Not | Limb | Review):
        return [rule.child]
    if isinstance(rule, Event) and rule.exam is not None:
        return [rule.exam]
    return []


def _has_limb(rule: object, subs: dict[str, SubRule]) -> bool:
    return isinstance(rule, Limb) or any(_has_limb(c, subs) for c in _children(rule, subs))


def _refs_inside_limbs(rule: object, subs: dict[str, SubRule], inside: bool = False) -> set[str]:
    found: set[str] = set()
    if rule is None:
        return found
    if isinstance(rule, Ref) and inside:
        found.add(rule.id)
    now_inside = inside or isinstance(rule, Limb)
    for child in _children(rule, subs):
        found |= _refs_inside_limbs(child, subs, now_inside)
    return found


def _refs_outside_limbs(rule: object, subs: dict[str, SubRule]) -> set[str]:
    found: set[str] = set()
    if rule is None or isinstance(rule, Limb):
        return found
    if isinstance(rule, Ref):
        found.add(rule.id)
    for child in _children(rule, subs):
        found |= _refs_outside_limbs(child, subs)
    return found


def build_plan(trial: Trial, index_date: date) -> Plan:
    """The evaluation plan of `trial` at `index_date`."""
    b = _Builder(trial, index_date)
    for c in trial.criteria:
        b.criterion(c)
    return b.plan


def plan_problems(path: Path) -> list[str]:
    """Problems only visible once rules are combined (e.g. nested limb groups)."""
    from prescreen.criteria.parse import load_trial

    try:
        build_plan(load_trial(str(path), {}), date(2000, 1, 1))
    except CriteriaError as exc:
        return [f"{path}: {exc}"]
    return []
