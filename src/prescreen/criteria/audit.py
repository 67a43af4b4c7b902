"""`prescreen compile`: what a screen runs, laid out so a reviewer can check one criterion.

The text opens with a legend (criterion → sub-rule → node → rule instance → code set,
window, value test and the parameter that set it, and the bound names that carry them),
then the bound tables, then the two statements with their macros. Every generated column
(`n12`, `o4_c`, `x7`) is tied to its criterion here and by a comment in the SQL itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prescreen.criteria.model import Trial
from prescreen.criteria.plan import SIDE_NAMES, Plan, build_plan
from prescreen.criteria.sql_compile import compile_screen
from prescreen.sqltext import read_sql


def compile_text(trial: Trial, index_date: date) -> str:
    """The audit text of `trial` screened at `index_date` (see module doc)."""
    plan = build_plan(trial, index_date)
    status = compile_screen(plan, evidence=False)
    evidence = compile_screen(plan, evidence=True, need_filter=True)
    parts = [
        f"-- prescreen compile: {trial.id} version {trial.version}, index date {index_date}",
        "-- ================================================================ legend",
        *(f"-- {line}" for line in legend(plan)),
        "-- ================================================================ bound tables",
        *_table_lines(status.tables),
        "-- ================================================================ bound parameters",
        *(_parameter_line(k, v) for k, v in sorted({**status.params, **evidence.params}.items())),
        "-- ================================================================ macros (per connection)",
        read_sql("criteria/macros.sql").rstrip(),
        "-- ================================================================ status pass",
        "-- 1. per batch of persons ($person_lo..$person_hi) into ps_states:",
        status.states_sql.rstrip() + ";",
        "-- 2. once, over every person, into ps_status:",
        status.tree_sql.rstrip() + ";",
        "-- ================================================================ evidence pass",
        "-- the same two statements with texts, for the persons in ps_need only:",
        evidence.states_sql.rstrip() + ";",
        evidence.tree_sql.rstrip() + ";",
    ]
    return "\n".join(parts) + "\n"


def legend(plan: Plan) -> list[str]:
    """One block per reported row: its node(s) and every rule instance under them."""
    lines = [
        f"index date {plan.index_date} ($index_date); result code 0 pass, 1 fail, 2 unknown, 3 manual"
    ]
    for k, o in enumerate(plan.outputs):
        head = f"{o.id} ({o.kind}{', top level' if o.top_level else ''}) -> columns o{k}_c, o{k}_r, o{k}_e"
        if o.manual:
            lines.append(
                head
                + "; manual"
                + (
                    f", evidence from node n{o.evidence_node}"
                    if o.evidence_node is not None
                    else ""
                )
            )
            continue
        roots = [o.person_node()] if o.sides is None else list(o.sides)
        where = (
            f"node n{o.node}"
            if o.sides is None
            else f"right limb n{o.sides[0]}, left limb n{o.sides[1]}, read on the target limb"
        )
        lines.append(f"{head}; {where}")
        for inst in _instances_under(plan, roots):
            lines.append("    " + _instance_line(plan, inst))
    return lines


def _instances_under(plan: Plan, roots: list[int]) -> list[int]:
    seen: set[int] = set()
    found: list[int] = []
    stack = list(roots)
    while stack:
        n = plan.nodes[stack.pop()]
        if n.idx in seen:
            continue
        seen.add(n.idx)
        if n.inst is not None and n.inst not in found:
            found.append(n.inst)
        stack.extend(n.children)
    return sorted(found)


def _instance_line(plan: Plan, k: int) -> str:
    i = plan.insts[k]
    e = i.event
    bits = [f"i{k} (column x{k}, ps_inst row {k}): {e.domain} {e.label!r}, code set {e.codeset}"]
    if i.gbit is not None:
        bits.append(f"group {plan.codesets[e.codeset].group_names()[i.gbit]!r}")
    if i.scope != "*":
        bits.append(f"{SIDE_NAMES[i.scope]} limb")
    window = f"{i.bounds.text} (lo {i.bounds.lo}, hi {i.bounds.hi}"
    window += f", span from {i.bounds.span_from})" if i.bounds.active else ")"
    bits.append(f"window {window}")
    if e.predicate is not None:
        bits.append(
            f"value {e.predicate.text!r}, pick {e.pick}" + (", per group" if e.per_group else "")
        )
    if e.count is not None:
        bits.append(
            f"count {e.count[0]} {e.count[1]:g}" + (" distinct groups" if e.count_distinct else "")
        )
    missing = {True: "true", False: "false", None: "unknown"}[e.missing]
    bits.append(
        f"no event: {missing}" + (" unless examined" if e.exam is not None else "") + f" ($i{k}_dc)"
    )
    return "; ".join(bits)


def _table_lines(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    for name, rows in tables.items():
        real = [r for r in rows if next(iter(r.values())) != -1]
        lines.append(f"-- ${name}: {len(real)} rows")
        lines += [f"--   {row}" for row in real]
    return lines


def _parameter_line(name: str, value: Any) -> str:
    return f"-- ${name} = {value!r}"
