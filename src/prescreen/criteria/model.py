"""The resolved criteria model: what both engines evaluate.

Parsing (`parse.py`) turns a YAML file into these objects with every `$parameter`
already replaced by its run value, every duration resolved and every code pattern
checked, so the engines never see raw dicts or unresolved text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Domain = Literal["condition", "procedure", "drug", "measurement", "observation", "death"]
DOMAINS: tuple[str, ...] = ("condition", "procedure", "drug", "measurement", "observation", "death")
Scope = Literal["*", "R", "L"]
Tri = bool | None  # True, False, or None = unknown
DurationUnit = Literal["days", "weeks", "months", "years"]

# Two numbers closer than this share of the threshold (at least 1e-9 absolute) compare as
# equal, so 2.85 / 0.95 is exactly 3 x ULN although the division gives 3.0000000000000004.
RELATIVE_TOLERANCE = 1e-9

# Every `reason` a result may carry when it is unknown (README, "Results and evidence").
REASONS = ("no_data", "stale", "unit_unknown", "conflict", "side_unknown", "review")

# The criterion every trial gets first: the dead are never candidates.
ALIVE_ID = "ALIVE"


@dataclass(frozen=True)
class Parameter:
    """A named threshold: `value` is the default unless overridden with --set."""

    name: str
    default: float
    value: float
    unit: str | None
    note: str


@dataclass(frozen=True)
class Codeset:
    """Glob patterns on the source value, concept ids, laterality and groups."""

    name: str
    codes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    sides: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (("R", pats), ("L", pats))
    # a code belongs to every group whose patterns it matches (a fixed-dose combination
    # counts as each of its components' classes)
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    concepts: tuple[int, ...] = ()
    descendants: bool = False
    match_all: bool = False  # `event: death` without codes
    # the vocabulary_id the code patterns belong to (ATC, LOINC, CPT4, …): the patterns then
    # also find concepts in the extract's concept table, matched on *_concept_id
    vocabulary: str | None = None

    def group_names(self) -> tuple[str, ...]:
        """Group names in file order: bit i of a code's group mask is group i."""
        return tuple(name for name, _ in self.groups)


@dataclass(frozen=True)
class Duration:
    """A signed calendar duration: n days|weeks|months|years."""

    n: int
    unit: DurationUnit

    def text(self) -> str:
        unit = self.unit if abs(self.n) != 1 else self.unit[:-1]
        return f"{abs(self.n)} {unit}"


@dataclass(frozen=True)
class Window:
    """When an event counts, relative to the index date (bounds inclusive).

    kind: ever | within | before | after | range | active | active_within.
    """

    kind: str
    first: Duration | None = None  # within/before/after/active_within: the duration; range: `from`
    last: Duration | None = None  # range: `to`


@dataclass(frozen=True)
class Predicate:
    """A test on a value.

    kind: `num` (op v1 [unit]), `between` (v1..v2 inclusive [unit]), `uln` (op v1 × range_high),
    `qual` (values[0] is 'positive' or 'negative'), `in` (value text in values).
    """

    kind: str
    op: str = "="
    v1: float | None = None
    v2: float | None = None
    unit: str | None = None
    values: tuple[str, ...] = ()
    text: str = ""

    def interval(self) -> tuple[int, float, float | None]:
        """(opcode, a, b) of a numeric test (num, between, uln), as `test_bounds` gives it."""
        if self.v1 is None:
            raise ValueError(f"a {self.kind} test needs a value")
        if self.kind == "between":
            return test_bounds("between", self.v1, self.v2)
        return test_bounds(self.op, self.v1)


@dataclass(frozen=True)
class Conversion:
    """A recorded unit and how to read it in the predicate's unit: value × factor + offset.

    The offset makes affine conversions possible (HbA1c: % = 0.09148 × mmol/mol + 2.152).
    """

    unit: str
    factor: float
    offset: float = 0.0


def tolerance(threshold: float) -> float:
    """How far from `threshold` a value still counts as equal to it (see RELATIVE_TOLERANCE)."""
    return RELATIVE_TOLERANCE * max(1.0, abs(threshold))


# A value test as one interval check, the same in both engines: (opcode, a, b) with the
# tolerance folded into the bounds. 0: x < a, 1: x <= a, 2: x > a, 3: x >= a,
# 4: a <= x <= b (between, =), 5: x < a or x > b (!=).
OPCODES = {"<": 0, "<=": 1, ">": 2, ">=": 3, "=": 4, "!=": 5, "between": 4}


def test_bounds(op: str, v1: float, v2: float | None = None) -> tuple[int, float, float | None]:
    """(opcode, a, b) of `x <op> v1` (or `between v1 and v2`) with the tolerance applied."""
    t1 = tolerance(v1)
    if op == "between":
        if v2 is None:
            raise ValueError("a between test needs a high bound")
        return 4, v1 - t1, v2 + tolerance(v2)
    if op in ("<", ">="):
        return OPCODES[op], v1 - t1, None
    if op in ("<=", ">"):
        return OPCODES[op], v1 + t1, None
    return OPCODES[op], v1 - t1, v1 + t1


def satisfies(x, opcode: int, a: float, b: float | None):
    """The interval check of `test_bounds`, for numbers or numpy arrays (element-wise)."""
    if opcode == 0:
        return x < a
    if opcode == 1:
        return x <= a
    if opcode == 2:
        return x > a
    if opcode == 3:
        return x >= a
    if opcode == 4:
        return (x >= a) & (x <= b)
    return (x < a) | (x > b)


def compare(x, op: str, y: float):
    """x <op> y with the documented tolerance, for numbers or numpy arrays (element-wise)."""
    return satisfies(x, *test_bounds(op, y))


@dataclass(frozen=True)
class Age:
    predicate: Predicate


@dataclass(frozen=True)
class Sex:
    value: Literal["female", "male"]


@dataclass(frozen=True)
class Event:
    """Events of one domain matching a code set, in a window, optionally with a value test.

    `exam`: with no matching event in the window, the rule is false when this rule holds
    (the examination that would have recorded the finding was done), else unknown.
    `per_group`: with `pick: latest`, the latest result of each code-set group decides for
    that group, and the rule holds when any group's does (e.g. one stenosis per segment).
    """

    domain: str
    label: str
    codeset: str
    window: Window
    predicate: Predicate | None = None
    pick: Literal["any", "latest", "min", "max"] = "any"
    count: tuple[str, float] | None = None  # (op, n)
    count_distinct: bool = False
    missing: Tri = False
    convert: tuple[Conversion, ...] = ()
    per_group: bool = False
    exam: Any = None  # a Rule


@dataclass(frozen=True)
class AllOf:
    children: tuple[Any, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    child: Any


@dataclass(frozen=True)
class Limb:
    child: Any


@dataclass(frozen=True)
class Review:
    """True becomes unknown (reason `review`): the investigator decides, `because` says why."""

    child: Any
    because: str


@dataclass(frozen=True)
class Ref:
    id: str


Rule = Age | Sex | Event | AllOf | AnyOf | Not | Limb | Review | Ref


@dataclass(frozen=True)
class SubRule:
    """A named part of a criterion; `report=False` parts are facts folded into the parent's
    evidence rather than rows of their own (a fact reads oddly as pass/fail)."""

    id: str
    rule: Rule | None
    manual: bool = False
    reason: str = ""
    evidence_rule: Rule | None = None
    report: bool = True


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    rule: Rule | None
    manual: bool = False
    reason: str = ""
    evidence_rule: Rule | None = None
    subrules: tuple[SubRule, ...] = ()
    label: str = ""

    def short_label(self) -> str:
        """The label charts and tables show: `label`, else the text's first words."""
        if self.label:
            return self.label
        words = self.text.split()
        short = " ".join(words[:6])
        return short + (" …" if len(words) > 6 else "")


@dataclass
class Trial:
    """One trial definition with its parameters resolved for this run."""

    id: str
    title: str
    version: str
    registry_id: str | None
    source_text: str
    parameters: dict[str, Parameter]
    assumptions: list[dict[str, Any]]
    codesets: dict[str, Codeset]
    criteria: list[Criterion]
    path: str = ""
    file_sha256: str = ""
    overrides: dict[str, float] = field(default_factory=dict)

    def criterion_ids(self) -> list[str]:
        """Top-level ids in protocol order: the rows the output contract reports."""
        return [c.id for c in self.criteria]

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)
