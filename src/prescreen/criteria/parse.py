"""Criteria YAML → the resolved model, with every problem reported by line.

Every key is checked against the language reference (README.md, "The criteria language");
unknown keys, unknown units, bad code patterns, duplicate ids and undeclared
parameters are all collected and reported together, each with its line.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from prescreen.criteria import codes as codepat
from prescreen.criteria import units
from prescreen.criteria.model import (
    ALIVE_ID,
    DOMAINS,
    Age,
    AllOf,
    AnyOf,
    Codeset,
    Conversion,
    Criterion,
    Duration,
    DurationUnit,
    Event,
    Limb,
    Not,
    Parameter,
    Predicate,
    Ref,
    Review,
    Sex,
    SubRule,
    Trial,
    Window,
)
from prescreen.criteria.yamlsource import MAX_BYTES, Source
from prescreen.errors import CriteriaError

TRIAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PARAM_RE = re.compile(r"^[A-Z][0-9]+\.[a-z0-9_]{1,60}$")
CODESET_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CRITERION_RE = re.compile(r"^[A-Z][0-9]{1,3}$")
NUM = r"(-?\d+(?:\.\d+)?|\$[A-Z][0-9]+\.[a-z0-9_]+)"
OP = r"(<=|>=|!=|<|>|=)"
PRED_NUM = re.compile(rf"^{OP}\s*{NUM}(?:\s+(\S+))?$")
PRED_BETWEEN = re.compile(rf"^between\s+{NUM}\s+and\s+{NUM}(?:\s+(\S+))?$")
PRED_ULN = re.compile(rf"^{OP}\s*{NUM}\s*x\s*ULN$")
PRED_IN = re.compile(r"^in\s*\[(.*)\]$")
DURATION_RE = re.compile(rf"^{NUM}\s+(day|days|week|weeks|month|months|year|years)$")
COUNT_RE = re.compile(rf"^{OP}\s*{NUM}$")
RULE_HEADS = ("age", "sex", "event", "all", "any", "not", "limb", "ref", "review")
EVENT_KEYS = {
    "event",
    "label",
    "codes",
    "window",
    "value",
    "pick",
    "count",
    "count_distinct",
    "missing",
    "convert",
    "per",
}
MAX_LIST = 5000
# numbers a criteria file or --set may give: finite and of a size no clinical value has
MAX_NUMBER = 1e12
# the longest window a duration may describe (a century), in each unit
DURATION_UNITS: dict[str, DurationUnit] = {  # as written -> Duration.unit
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
MAX_DURATION = {"days": 36_600, "weeks": 5_220, "months": 1_200, "years": 100}
MAX_LABEL = 60
_UNCHECKED = "\x00unknown unit"  # a unit already reported as unknown


class _Problems:
    """Collects every problem with its location so a user fixes them in one pass."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.items: list[tuple[int, str]] = []

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.items.append((self.source.line(path) or 0, f"{self.source.where(path)}: {message}"))

    def messages(self) -> list[str]:
        return [m for _, m in sorted(self.items, key=lambda item: item[0])]


def trial_problems(text: str, name: str, overrides: dict[str, str] | None = None) -> list[str]:
    """Every problem in a criteria file's text (empty when it is valid)."""
    try:
        _build(text, name, overrides or {})
    except _Invalid as exc:
        return exc.problems
    except CriteriaError as exc:
        return [str(exc)]
    return []


class _Invalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_trial(ref: str, overrides: dict[str, str] | None = None) -> Trial:
    """A trial by path or packaged id (case-insensitive), with `--set` overrides applied."""
    path = resolve_trial(ref)
    text = read_trial_text(path)
    try:
        trial = _build(text, str(path), overrides or {})
    except _Invalid as exc:
        shown = exc.problems[:20]
        more = f"\n… and {len(exc.problems) - 20} more" if len(exc.problems) > 20 else ""
        raise CriteriaError(
            f"{path} has {len(exc.problems)} problem(s):\n" + "\n".join(shown) + more
        ) from None
    trial.path = str(path)
    trial.file_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return trial


def read_trial_text(path: Path) -> str:
    """The file's text, refused before reading when it is too large or not UTF-8."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CriteriaError(
            f"{path}: {size:,} bytes, larger than {MAX_BYTES // 1_000_000} MB; a trial "
            "definition is a few hundred lines: is this the right file?"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CriteriaError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None


def trial_hash(trial: Trial) -> str:
    """SHA-256 of the criteria file and the overrides applied to it."""
    payload = json.dumps({"file": trial.file_sha256, "overrides": trial.overrides}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def packaged_trials() -> dict[str, Path]:
    """Trial files shipped with prescreen (the `criteria/` folder), by lower-case file stem."""
    folder = files("prescreen.trials")
    return {
        Path(str(entry)).stem.lower(): Path(str(entry))
        for entry in folder.iterdir()
        if str(entry).endswith((".yaml", ".yml"))
    }


def resolve_trial(ref: str) -> Path:
    """`--trial` as a path to a YAML file, or the id of a packaged trial."""
    candidate = Path(ref)
    if candidate.suffix.lower() in (".yaml", ".yml"):
        if not candidate.is_file():
            raise CriteriaError(f"--trial {ref}: no such file")
        return candidate
    if not TRIAL_ID_RE.fullmatch(ref):
        raise CriteriaError(
            f"--trial {ref!r}: give a trial id (letters, digits, . _ -) or a .yaml path"
        )
    known = packaged_trials()
    if ref.lower() in known:
        return known[ref.lower()]
    raise CriteriaError(
        f"--trial {ref}: unknown trial; packaged trials: {', '.join(sorted(known)) or 'none'} "
        "(or give the path to a criteria .yaml file)"
    )


# --------------------------------------------------------------------------- building
def _build(text: str, name: str, overrides: dict[str, str]) -> Trial:
    source = Source(text, name)
    p = _Problems(source)
    data = source.data
    if not isinstance(data, dict):
        raise _Invalid([f"{name}: expected a mapping with trial, parameters, codesets, criteria"])
    _keys(
        p,
        data,
        (),
        {"trial", "parameters", "assumptions", "codesets", "criteria"},
        {"trial", "criteria"},
    )
    header = data.get("trial")
    if not isinstance(header, dict):
        header = {}
    _keys(
        p,
        header,
        ("trial",),
        {"id", "title", "registry_id", "version", "source_text"},
        {"id", "title", "version"},
    )
    trial_id = str(header.get("id", ""))
    if header.get("id") is not None and not TRIAL_ID_RE.fullmatch(trial_id):
        p.add(("trial", "id"), f"trial id {trial_id[:70]!r} may use only letters, digits and . _ -")
    params = _parameters(p, data.get("parameters") or {}, overrides)
    builder = _RuleBuilder(p, params)
    codesets = {}
    raw_sets = data.get("codesets") or {}
    if not isinstance(raw_sets, dict):
        p.add(("codesets",), "codesets must be a mapping name -> {codes: [...]}")
        raw_sets = {}
    for cs_name, spec in raw_sets.items():
        path = ("codesets", cs_name)
        if not isinstance(cs_name, str) or not CODESET_RE.fullmatch(cs_name):
            p.add(path, f"codeset name {str(cs_name)[:70]!r}: use lower-case letters, digits and _")
            continue
        codesets[cs_name] = builder.codeset(cs_name, spec, path)
    builder.codesets = codesets
    criteria = builder.criteria(data.get("criteria"))
    assumptions = _assumptions(p, data.get("assumptions") or [], {c.id for c in criteria})
    for pname in sorted(set(params) - builder.used_params):
        p.add(("parameters", pname), f"parameter {pname} is declared but never used")
    if p.items:
        raise _Invalid(p.messages())
    return Trial(
        id=trial_id,
        title=str(header.get("title", "")),
        version=str(header.get("version", "")),
        registry_id=header.get("registry_id"),
        source_text=str(header.get("source_text", "")),
        parameters=params,
        assumptions=assumptions,
        codesets={
            **codesets,
            **builder.inline_sets,
            ALIVE_CODESET: Codeset(ALIVE_CODESET, match_all=True),
        },  # fmt: skip
        criteria=[alive_criterion(), *criteria],
        overrides={k: params[k].value for k in overrides if k in params},
    )


def _keys(p: _Problems, data: Any, path: tuple, allowed: set[str], required: set[str]) -> bool:
    if not isinstance(data, dict):
        p.add(path, f"expected a mapping with keys {', '.join(sorted(allowed))}")
        return False
    for key in data:
        if key not in allowed:
            p.add(
                path + (key,),
                f"unknown key {str(key)[:40]!r}; allowed: {', '.join(sorted(allowed))}",
            )
    for key in sorted(required - set(data)):
        p.add(path, f"missing required key {key!r}")
    return True


def _parameters(p: _Problems, raw: Any, overrides: dict[str, str]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    if not isinstance(raw, dict):
        p.add(("parameters",), "parameters must be a mapping name -> {default, unit, note}")
        return params
    for name, spec in raw.items():
        path = ("parameters", name)
        if not isinstance(name, str) or not PARAM_RE.fullmatch(name):
            p.add(
                path,
                f"parameter name {str(name)[:70]!r}: write <criterion id>.<name>, e.g. E14.hemoglobin_min",
            )
            continue
        if not _keys(p, spec, path, {"default", "unit", "note"}, {"default"}):
            continue
        default = spec.get("default")
        if isinstance(default, bool) or not isinstance(default, int | float):
            p.add(path + ("default",), f"parameter {name}: default must be a number")
            continue
        if not _usable_number(default):
            p.add(
                path + ("default",),
                f"parameter {name}: default must be a finite number below {MAX_NUMBER:g}",
            )
            default = 0.0  # kept, so its uses are not reported as undeclared as well
        unit = spec.get("unit")
        if unit is not None and not units.is_known(str(unit)):
            p.add(path + ("unit",), f"parameter {name}: unknown unit {str(unit)[:30]!r}")
        value = default
        if name in overrides:
            value = _override_value(name, overrides[name])
        params[name] = Parameter(name, default, value, unit, str(spec.get("note", "")))
    for name in overrides:
        if name not in params:
            raise CriteriaError(
                f"--set {name}: no such parameter; the trial declares {', '.join(sorted(params)) or 'none'}"
            )
    return params


def _usable_number(value: float) -> bool:
    """Finite and of a size a threshold can have (1e400 reads as infinity)."""
    return math.isfinite(value) and abs(value) <= MAX_NUMBER


def _override_value(name: str, raw: str) -> float:
    """The number a `--set NAME=VALUE` gives, or a CriteriaError saying how to write it."""
    if "," in raw:
        raise CriteriaError(
            f"--set {name}={raw[:40]!r}: --set takes one value; to compare several use "
            f"--sweep {name}={raw[:40]}"
        )
    try:
        value = float(raw)
    except ValueError:
        raise CriteriaError(f"--set {name}={raw[:40]!r}: the value must be a number") from None
    if not _usable_number(value):
        raise CriteriaError(
            f"--set {name}={raw[:40]!r}: the value must be a finite number below {MAX_NUMBER:g}"
        )
    return value


def _assumptions(p: _Problems, raw: Any, criterion_ids: set[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        p.add(("assumptions",), "assumptions must be a list")
        return []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = ("assumptions", i)
        if not _keys(
            p,
            item,
            path,
            {"id", "criteria", "text_says", "assumed", "why"},
            {"id", "criteria", "assumed", "why"},
        ):
            continue
        if item["id"] in seen:
            p.add(path + ("id",), f"duplicate assumption id {item['id']!r}")
        seen.add(item["id"])
        for cid in item.get("criteria") or []:
            if cid not in criterion_ids:
                p.add(
                    path + ("criteria",), f"assumption {item['id']}: no criterion {str(cid)[:20]!r}"
                )
    return [dict(a) for a in raw if isinstance(a, dict)]


class _RuleBuilder:
    """Builds criteria and rules, resolving parameters and checking references."""

    def __init__(self, p: _Problems, params: dict[str, Parameter]) -> None:
        self.p = p
        self.params = params
        self.used_params: set[str] = set()
        self.codesets: dict[str, Codeset] = {}
        self.inline_sets: dict[str, Codeset] = {}
        self._subrule_ids: set[str] = set()

    # ---- numbers and durations
    def number(self, token: str, path: tuple, unit: str | None = None) -> float | None:
        """The value of a literal or `$parameter`; a parameter declared with a unit may only
        be used with that unit (80 g/L read as 80 g/dL would be silently wrong)."""
        if token.startswith("$"):
            name = token[1:]
            self.used_params.add(name)
            if name not in self.params:
                self.p.add(path, f"parameter {name} does not exist; declare it under parameters:")
                return None
            declared = self.params[name].unit
            if declared is not None and declared != unit and unit != _UNCHECKED:
                used = f"with {unit}" if unit else "without a unit"
                self.p.add(
                    path,
                    f"parameter {name} is declared in {declared} but used {used}; "
                    "use it in its own unit or declare another parameter",
                )
                return None
            return float(self.params[name].value)
        value = float(token)
        if not _usable_number(value):
            self.p.add(path, f"number {token[:40]!r}: use a finite number below {MAX_NUMBER:g}")
            return None
        return value

    def duration(self, raw: Any, path: tuple) -> Duration | None:
        text = str(raw).strip()
        match = DURATION_RE.match(text)
        if not match:
            self.p.add(path, f"duration {text[:40]!r}: write '<n> days|weeks|months|years'")
            return None
        unit = DURATION_UNITS[match.group(2)]
        n = self.number(match.group(1), path, unit)
        if n is None:
            return None
        if n != int(n):
            self.p.add(path, f"duration {text[:40]!r}: the number must be whole")
            return None
        if abs(n) > MAX_DURATION[unit]:
            self.p.add(
                path, f"duration {text[:40]!r}: at most {MAX_DURATION[unit]:,} {unit} (a century)"
            )
            return None
        return Duration(int(n), unit)

    # ---- code sets
    def codeset(self, name: str, spec: Any, path: tuple) -> Codeset:
        allowed = {"codes", "exclude", "sides", "groups", "concepts", "descendants", "vocabulary"}
        if not _keys(self.p, spec, path, allowed, set()):
            return Codeset(name)
        vocabulary = spec.get("vocabulary")
        if vocabulary is not None and not (
            isinstance(vocabulary, str)
            and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,19}", vocabulary)
        ):
            self.p.add(
                path + ("vocabulary",),
                "vocabulary: an OMOP vocabulary_id such as ATC, LOINC or CPT4",
            )
            vocabulary = None
        codes_ = self._patterns(spec.get("codes", []), path + ("codes",))
        exclude = self._patterns(spec.get("exclude", []), path + ("exclude",))
        sides = []
        raw_sides = spec.get("sides") or {}
        if isinstance(raw_sides, dict):
            for side, pats in raw_sides.items():
                if side not in ("R", "L"):
                    self.p.add(path + ("sides", side), f"side {str(side)[:10]!r}: use R or L")
                    continue
                sides.append((side, self._patterns(pats, path + ("sides", side))))
            sides.sort()
            sides.reverse()  # R before L
        groups = []
        raw_groups = spec.get("groups") or {}
        if isinstance(raw_groups, dict):
            for group, pats in raw_groups.items():
                groups.append((str(group), self._patterns(pats, path + ("groups", group))))
        if len(groups) > 62:
            self.p.add(path + ("groups",), f"{len(groups)} groups: at most 62 per codeset")
        concepts = spec.get("concepts") or []
        if not isinstance(concepts, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in concepts
        ):
            self.p.add(path + ("concepts",), "concepts must be a list of integer concept ids")
            concepts = []
        if len(concepts) > MAX_LIST:
            self.p.add(path + ("concepts",), f"more than {MAX_LIST} concepts")
        if spec.get("descendants") and not concepts and vocabulary is None:
            self.p.add(
                path + ("descendants",),
                f"codeset {name}: descendants needs concepts or a vocabulary",
            )
        if not spec.get("codes") and not concepts and not groups:
            self.p.add(path, f"codeset {name}: give codes, concepts or groups")
        all_codes = codes_ or tuple(p for _, pats in groups for p in pats)
        return Codeset(
            name, all_codes, exclude, tuple(sides), tuple(groups), tuple(concepts),
            bool(spec.get("descendants", False)), vocabulary=vocabulary,
        )  # fmt: skip

    def _patterns(self, raw: Any, path: tuple) -> tuple[str, ...]:
        if not isinstance(raw, list):
            self.p.add(path, "expected a list of code patterns")
            return ()
        if len(raw) > codepat.MAX_PATTERNS:
            self.p.add(path, f"{len(raw)} code patterns: at most {codepat.MAX_PATTERNS} per list")
            return ()
        good = []
        for i, pattern in enumerate(raw):
            problem = codepat.pattern_problem(pattern)
            if problem:
                self.p.add(path + (i,), problem)
            else:
                good.append(pattern)
        return tuple(good)

    # ---- criteria
    def criteria(self, raw: Any) -> list[Criterion]:
        if not isinstance(raw, list) or not raw:
            self.p.add(("criteria",), "criteria must be a non-empty list")
            return []
        seen: set[str] = set()
        out = []
        for i, item in enumerate(raw):
            path = ("criteria", i)
            allowed = {
                "id", "kind", "text", "label", "rule", "manual", "reason", "evidence_rule", "subrules",
            }  # fmt: skip
            if not _keys(self.p, item, path, allowed, {"id", "kind", "text"}):
                continue
            cid = _scalar_text(item.get("id"))
            if cid != ALIVE_ID and not CRITERION_RE.fullmatch(cid):
                self.p.add(
                    path + ("id",),
                    f"criterion id {cid[:20]!r}: write a letter and a number, e.g. I1, E14",
                )
            if cid in seen:
                self.p.add(path + ("id",), f"duplicate criterion id {cid}")
            if cid == ALIVE_ID:
                self.p.add(
                    path + ("id",),
                    f"{ALIVE_ID} is built in (every trial starts with it); choose another id",
                )
            seen.add(cid)
            if item.get("kind") not in ("inclusion", "exclusion"):
                self.p.add(
                    path + ("kind",), f"criterion {cid}: kind must be inclusion or exclusion"
                )
            subs = self._subrules(cid, item.get("subrules") or [], path + ("subrules",))
            self._subrule_ids = {s.id for s in subs if s.rule is not None}
            manual, rule = self._body(cid, item, path)
            self._check_refs(cid, rule, subs, path)
            evidence = (
                self.rule(item["evidence_rule"], path + ("evidence_rule",))
                if "evidence_rule" in item
                else None
            )
            label = item.get("label", "")
            if not isinstance(label, str) or len(label) > MAX_LABEL:
                self.p.add(
                    path + ("label",),
                    f"{cid}: label must be text of at most {MAX_LABEL} characters",
                )
                label = ""
            out.append(
                Criterion(
                    cid,
                    item.get("kind", "inclusion"),
                    str(item.get("text", "")),
                    rule,
                    manual,
                    str(item.get("reason", "")),
                    evidence,
                    subs,
                    label,
                )  # fmt: skip
            )
        return out

    def _body(self, cid: str, item: dict, path: tuple) -> tuple[bool, Any]:
        manual = item.get("manual", False) is True
        if manual and "rule" in item:
            self.p.add(path, f"{cid}: give either rule or manual: true, not both")
        if not manual and "rule" not in item:
            self.p.add(path, f"{cid}: give a rule, or manual: true with a reason")
        if manual and not str(item.get("reason", "")).strip():
            self.p.add(path, f"{cid}: a manual criterion needs a reason")
        rule = self.rule(item["rule"], path + ("rule",)) if "rule" in item else None
        return manual, rule

    def _subrules(self, cid: str, raw: Any, path: tuple) -> tuple[SubRule, ...]:
        if not isinstance(raw, list):
            self.p.add(path, "subrules must be a list")
            return ()
        out: list[SubRule] = []
        # as texts, like `sid` below and the ids `ref` is checked against
        names = {
            _scalar_text(s["id"])
            for s in raw
            if isinstance(s, dict) and s.get("id") is not None and s.get("rule") is not None
        }
        for i, item in enumerate(raw):
            spath = path + (i,)
            allowed = {"id", "rule", "manual", "reason", "evidence_rule", "report"}
            if not _keys(self.p, item, spath, allowed, {"id"}):
                continue
            sid = _scalar_text(item["id"])
            report = item.get("report", True)
            if report not in (True, False):
                self.p.add(spath + ("report",), f"{sid}: report must be true or false")
                report = True
            if report is False and item.get("manual"):
                self.p.add(spath + ("report",), f"{sid}: a manual sub-rule is always reported")
            if not sid.startswith(cid + ".") or not re.fullmatch(
                r"[A-Z][0-9]+\.[a-z0-9_]{1,60}", sid
            ):
                self.p.add(spath + ("id",), f"sub-rule id {sid[:40]!r}: write {cid}.<name>")
            if sid in {s.id for s in out}:
                self.p.add(spath + ("id",), f"duplicate sub-rule id {sid}")
            self._subrule_ids = names - {sid}
            manual, rule = self._body(sid, item, spath)
            evidence = (
                self.rule(item["evidence_rule"], spath + ("evidence_rule",))
                if "evidence_rule" in item
                else None
            )
            out.append(
                SubRule(sid, rule, manual, str(item.get("reason", "")), evidence, bool(report))
            )
        subs = tuple(out)
        for s in subs:
            self._check_refs(s.id, s.rule, subs, path)
        return subs

    def _check_refs(self, owner: str, rule: Any, subs: tuple[SubRule, ...], path: tuple) -> None:
        by_id = {s.id: s for s in subs}

        def walk(node: Any, stack: tuple[str, ...]) -> None:
            if isinstance(node, Ref):
                if node.id in stack:
                    self.p.add(path, f"{owner}: reference cycle through {node.id}")
                    return
                target = by_id.get(node.id)
                if target is not None and target.rule is not None:
                    walk(target.rule, stack + (node.id,))
            elif isinstance(node, AllOf | AnyOf):
                for child in node.children:
                    walk(child, stack)
            elif isinstance(node, Not | Limb | Review):
                walk(node.child, stack)
            elif isinstance(node, Event) and node.exam is not None:
                walk(node.exam, stack)

        walk(rule, (owner,))

    # ---- rules
    def rule(self, raw: Any, path: tuple) -> Any:
        if not isinstance(raw, dict):
            self.p.add(path, f"a rule is a mapping with one of: {', '.join(RULE_HEADS)}")
            return None
        heads = [k for k in raw if k in RULE_HEADS]
        if len(heads) != 1:
            self.p.add(
                path,
                f"a rule needs exactly one of {', '.join(RULE_HEADS)}; found {heads or list(raw)[:5]}",
            )
            return None
        head = heads[0]
        if head == "event":
            return self.event(raw, path)
        if head == "review":
            return self._review(raw, path)
        if len(raw) != 1:
            extra = [k for k in raw if k != head]
            self.p.add(path + (extra[0],), f"unknown key {str(extra[0])[:40]!r} in a {head} rule")
        value = raw[head]
        if head in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.p.add(path + (head,), f"{head}: expects a non-empty list of rules")
                return None
            children = tuple(self.rule(r, path + (head, i)) for i, r in enumerate(value))
            return AllOf(children) if head == "all" else AnyOf(children)
        if head == "not":
            return Not(self.rule(value, path + (head,)))
        if head == "limb":
            return Limb(self.rule(value, path + (head,)))
        if head == "ref":
            if str(value) not in self._subrule_ids:
                self.p.add(
                    path + (head,),
                    f"ref {str(value)[:40]!r}: no sub-rule with a rule of that id in this criterion",
                )
            return Ref(str(value))
        if head == "sex":
            if value not in ("female", "male"):
                self.p.add(path + (head,), "sex: write female or male")
                return None
            return Sex(value)
        pred = self.predicate(value, path + (head,), implied_unit="years")
        if pred is not None and pred.kind not in ("num", "between"):
            self.p.add(path + (head,), "age: use a comparison or 'between A and B'")
        if pred is not None and pred.unit not in (None, "years"):
            self.p.add(path + (head,), "age is in years")
        return Age(pred) if pred else None

    def _review(self, raw: dict, path: tuple) -> Review | None:
        for key in raw:
            if key not in ("review", "because"):
                self.p.add(
                    path + (key,),
                    f"unknown key {str(key)[:40]!r} in a review rule; it takes review, because",
                )
        because = raw.get("because")
        if not isinstance(because, str) or not because.strip() or len(because) > 200:
            self.p.add(
                path,
                "review: give `because:`, a short text saying why the investigator decides (at most 200 characters)",
            )
            because = "investigator review"
        child = self.rule(raw["review"], path + ("review",))
        return Review(child, because.strip()) if child is not None else None

    def predicate(self, raw: Any, path: tuple, implied_unit: str | None = None) -> Predicate | None:
        if isinstance(raw, bool) or raw is None:
            self.p.add(
                path, "value: write a comparison such as '< 80 g/L', 'positive' or 'in [a, b]'"
            )
            return None
        text = str(raw).strip()
        if text in ("positive", "negative"):
            return Predicate("qual", values=(text,), text=text)
        if m := PRED_IN.match(text):
            values = tuple(v.strip().lower() for v in m.group(1).split(",") if v.strip())
            if not values or any(len(v) > 64 for v in values):
                self.p.add(path, f"value {text[:60]!r}: 'in [...]' needs short values")
                return None
            return Predicate("in", values=values, text=text)
        if m := PRED_ULN.match(text):
            v = self.number(m.group(2), path)
            return Predicate("uln", op=m.group(1), v1=v, text=text) if v is not None else None
        if m := PRED_BETWEEN.match(text):
            unit = self._unit(m.group(3), path)
            given = unit or implied_unit
            lo, hi = self.number(m.group(1), path, given), self.number(m.group(2), path, given)
            if lo is None or hi is None:
                return None
            if lo > hi:
                self.p.add(path, f"value {text[:60]!r}: low is above high")
            return Predicate("between", v1=lo, v2=hi, unit=unit, text=text)
        if m := PRED_NUM.match(text):
            unit = self._unit(m.group(3), path)
            v = self.number(m.group(2), path, unit or implied_unit)
            return (
                Predicate("num", op=m.group(1), v1=v, unit=unit, text=text)
                if v is not None
                else None
            )
        self.p.add(
            path,
            f"value {text[:60]!r}: write '<op> <number> [unit]', 'between A and B [unit]', "
            "'> 3 x ULN', 'positive', 'negative' or 'in [a, b]'",
        )
        return None

    def _unit(self, unit: str | None, path: tuple) -> str | None:
        """The predicate's unit; an unknown one is reported here and not checked again
        against the parameter's unit (one problem, not two)."""
        if unit is None:
            return None
        if not units.is_known(unit):
            self.p.add(
                path, f"unknown unit {unit[:30]!r}; known units: {', '.join(units.known_units())}"
            )
            return _UNCHECKED
        return unit

    def window(self, raw: Any, path: tuple) -> Window:
        if raw is None or raw == "ever":
            return Window("ever")
        if raw == "active":
            return Window("active")
        if (
            isinstance(raw, dict)
            and len(raw) == 1
            and next(iter(raw)) in ("within", "before", "after", "active_within")
        ):
            kind = next(iter(raw))
            duration = self.duration(raw[kind], path + (kind,))
            if duration is not None and duration.n < 0:
                self.p.add(path, f"{kind}: the duration must be positive")
            return Window(kind, duration)
        if isinstance(raw, dict) and set(raw) == {"from", "to"}:
            first = self.duration(raw["from"], path + ("from",))
            last = self.duration(raw["to"], path + ("to",))
            return Window("range", first, last)
        self.p.add(
            path,
            "window: write ever, active, {within: 90 days}, {before: ...}, {after: ...}, "
            "{active_within: 28 days} or {from: -12 months, to: -1 days}",
        )
        return Window("ever")

    def event(self, raw: dict, path: tuple) -> Event | None:
        for key in raw:
            if key not in EVENT_KEYS:
                self.p.add(
                    path + (key,),
                    f"unknown key {str(key)[:40]!r}; event rules take {', '.join(sorted(EVENT_KEYS))}",
                )
        domain = raw.get("event")
        if domain not in DOMAINS:
            self.p.add(
                path + ("event",), f"event {str(domain)[:30]!r}: use one of {', '.join(DOMAINS)}"
            )
            return None
        codeset = self._event_codes(raw, domain, path)
        window = self.window(raw.get("window"), path + ("window",))
        if window.kind in ("active", "active_within") and domain not in ("drug", "condition"):
            self.p.add(
                path + ("window",), f"window {window.kind} applies to drug and condition events"
            )
        pred = self.predicate(raw["value"], path + ("value",)) if "value" in raw else None
        if pred is not None and domain not in ("measurement", "observation"):
            self.p.add(path + ("value",), "value tests apply to measurement and observation events")
        pick = raw.get("pick", "any")
        if pick not in ("any", "latest", "min", "max"):
            self.p.add(path + ("pick",), "pick: use latest, any, min or max")
            pick = "any"
        if pick in ("min", "max") and pred is not None and pred.kind in ("qual", "in"):
            self.p.add(path + ("pick",), f"pick {pick} needs a numeric value test")
        if pick != "any" and "value" not in raw:
            self.p.add(path + ("pick",), "pick applies only with a value test")
        count = None
        if "count" in raw:
            m = COUNT_RE.match(str(raw["count"]).strip())
            n = self.number(m.group(2), path + ("count",)) if m else None
            if not m:
                self.p.add(path + ("count",), "count: write '<op> <number>', e.g. '>= 3'")
            elif n is not None:
                count = (m.group(1), n)
            if pred is not None:
                self.p.add(path + ("count",), "count and value cannot be combined")
        distinct = raw.get("count_distinct")
        if distinct not in (None, "group"):
            self.p.add(path + ("count_distinct",), "count_distinct: the only value is group")
        if distinct == "group" and codeset and not self._codeset(codeset).groups:
            self.p.add(
                path + ("count_distinct",),
                f"count_distinct: group needs groups in codeset {codeset}",
            )
        if distinct and count is None:
            self.p.add(path + ("count_distinct",), "count_distinct needs count")
        missing, exam = self._missing(raw, pred, path)
        convert = self._convert(raw.get("convert"), pred, path + ("convert",))
        label = raw.get("label", codeset or domain)
        if not isinstance(label, str) or len(label) > 120:
            self.p.add(path + ("label",), "label must be text of at most 120 characters")
            label = str(codeset)
        per = raw.get("per")
        if per not in (None, "group"):
            self.p.add(path + ("per",), "per: the only value is group")
        if per == "group":
            if pick != "latest" or pred is None:
                self.p.add(path + ("per",), "per: group needs pick: latest and a value test")
            if codeset and not self._codeset(codeset).groups:
                self.p.add(path + ("per",), f"per: group needs groups in codeset {codeset}")
        return Event(
            domain, label, codeset or "", window, pred, pick, count, distinct == "group",
            missing, convert, per == "group", exam,
        )  # fmt: skip

    def _missing(self, raw: dict, pred: Predicate | None, path: tuple) -> tuple[bool | None, Any]:
        """(missing, exam rule): `missing: {false_if: rule}` is unknown unless the rule holds."""
        missing_raw = raw.get("missing", "unknown" if pred is not None else False)
        if isinstance(missing_raw, dict):
            if set(missing_raw) != {"false_if"}:
                self.p.add(
                    path + ("missing",), "missing: write true, false, unknown or {false_if: <rule>}"
                )
                return None, None
            exam = self.rule(missing_raw["false_if"], path + ("missing", "false_if"))
            return None, exam
        if missing_raw not in (True, False, "unknown"):
            self.p.add(
                path + ("missing",), "missing: write true, false, unknown or {false_if: <rule>}"
            )
        return (None if missing_raw == "unknown" else bool(missing_raw)), None

    def _codeset(self, name: str) -> Codeset:
        return self.codesets.get(name) or self.inline_sets[name]

    def _event_codes(self, raw: dict, domain: str, path: tuple) -> str | None:
        spec = raw.get("codes")
        if spec is None:
            if domain == "death":
                return ALIVE_CODESET
            self.p.add(path, "event rules need codes: (a codeset name or an inline codeset)")
            return None
        if isinstance(spec, str):
            if spec not in self.codesets:
                self.p.add(path + ("codes",), f"no codeset named {spec[:40]!r}")
                return None
            return spec
        name = f"_inline_{len(self.inline_sets) + 1}"
        self.inline_sets[name] = self.codeset(name, spec, path + ("codes",))
        return name

    def _convert(self, raw: Any, pred: Predicate | None, path: tuple) -> tuple[Conversion, ...]:
        """`convert: {mmol/L: 16.11}` or, affine, `{mmol/mol: {factor: 0.09148, offset: 2.152}}`."""
        if raw is None:
            return ()
        if pred is None or pred.unit is None:
            self.p.add(path, "convert needs a value test with a unit")
            return ()
        if not isinstance(raw, dict):
            self.p.add(path, "convert: write {unit: factor}, e.g. {mmol/L: 16.11}")
            return ()
        out = []
        for unit, spec in raw.items():
            if not units.is_known(str(unit)):
                self.p.add(path + (unit,), f"unknown unit {str(unit)[:30]!r}")
                continue
            factor, offset = spec, 0.0
            if isinstance(spec, dict):
                if set(spec) - {"factor", "offset"} or "factor" not in spec:
                    self.p.add(path + (unit,), "write {factor: f} or {factor: f, offset: o}")
                    continue
                factor, offset = spec["factor"], spec.get("offset", 0.0)
            if not all(_is_number(x) for x in (factor, offset)) or factor <= 0:
                self.p.add(
                    path + (unit,), "the factor must be a positive number and the offset a number"
                )
                continue
            out.append(Conversion(str(unit), float(factor), float(offset)))
        return tuple(out)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and _usable_number(value)


def _scalar_text(value: Any) -> str:
    """An id as text; a list or mapping (which YAML allows) is shown as its kind, not its body."""
    if isinstance(value, list | dict):
        return f"<{type(value).__name__}>"
    return str(value)[:80]


def alive_criterion() -> Criterion:
    """The criterion every trial starts with: a death on or before the index date excludes.

    Built in rather than left to each trial file, because no trial screens the dead and a
    registry's death table is easy to forget.
    """
    death = Event("death", "death", ALIVE_CODESET, Window("ever"))
    return Criterion(
        ALIVE_ID,
        "inclusion",
        "Alive on the index date (built in: no death recorded on or before it).",
        Not(death),
        label="alive on the index date",
    )


ALIVE_CODESET = "_all_deaths"
