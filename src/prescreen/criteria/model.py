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
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # in file order: first match wins
    concepts: tuple[int, ...] = ()
    descendants: bool = False
    match_all: bool = False  # `event: death` without codes


@dataclass(frozen=True)
class Duration:
    """A signed calendar duration: n days|weeks|months|years."""

    n: int
    unit: Literal["days", "weeks", "months", "years"]

    def text(self) -> str:
        unit = self.unit if abs(self.n) != 1 else self.unit[:-1]
        return f"{abs(self.n)} {unit}"


@dataclass(frozen=True)
class Window:
    """When an event counts, relative to the index date (bounds inclusive).

    kind: ever | within | before | after | range | active.
    """

    kind: str
    first: Duration | None = None  # within/before/after: the duration; range: `from`
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



_OPS = {
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "=": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
}


def compare(x, op: str, y):
    """x <op> y for numbers or arrays (element-wise)."""
    return _OPS[op](x, y)


@dataclass(frozen=True)
class Age:
    predicate: Predicate


@dataclass(frozen=True)
class Sex:
    value: Literal["female", "male"]


@dataclass(frozen=True)
class Event:
    """Events of one domain matching a code set, in a window, optionally with a value test."""

    domain: str
    label: str
    codeset: str
    window: Window
    predicate: Predicate | None = None
    pick: Literal["any", "latest", "min", "max"] = "any"
    count: tuple[str, float] | None = None  # (op, n)
    count_distinct: bool = False
    missing: Tri = False
    convert: tuple[tuple[str, float], ...] = ()  # (from_unit, factor into predicate unit)


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
class Ref:
    id: str


Rule = Age | Sex | Event | AllOf | AnyOf | Not | Limb | Ref


@dataclass(frozen=True)
class SubRule:
    id: str
    rule: Rule | None
    manual: bool = False
    reason: str = ""
    evidence_rule: Rule | None = None


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

    def result_ids(self) -> list[str]:
        """Every reported id: each criterion followed by its sub-rules."""
        ids: list[str] = []
        for c in self.criteria:
            ids.append(c.id)
            ids.extend(s.id for s in c.subrules)
        return ids

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)
