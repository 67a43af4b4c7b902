"""A trial's plan compiled to SQL: the bound tables, the screen statement and its legend.

Everything a criteria file says reaches DuckDB as a bound parameter or a row of a bound
table (`ps_inst`, `ps_code_pattern`, `ps_concept_member`, `ps_unit_conv`); the compiler
only pastes SQL files from `sql/criteria/` and column lists it generates itself (node
and output columns named after plan positions, each tied to its criterion in a comment
and in the legend that `prescreen compile` prints).

The statement runs per batch of persons. Its status form (`evidence=False`) computes
results and reasons only; its evidence form adds the texts a coordinator reads and runs
only for the persons someone will read (see sql_engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prescreen.criteria.codes import to_like
from prescreen.criteria.model import Conversion, compare, test_bounds
from prescreen.criteria.plan import SIDE_NAMES, Inst, Node, Output, Plan
from prescreen.result_store import REASON_LABELS
from prescreen.sqltext import read_sql, render

# Each rule instance's result per person travels packed in 5 bits of a word: 1 + code
# (0 false, 1 true, 2.. an unknown's reason, REASON_CODES) + 8 if no event lay in the window
# + 16 if one did; 0 means the person has no event of the code set at all. Twelve instances
# share one 64-bit word, so the rule tree reads a few integers per person.
STATE_BITS = 5
PER_WORD = 12
# no_data 2, stale 3, conflict 4, unit_unknown 5, side_unknown 6, review 7: one more than
# the reason_code criterion_code stores (prescreen.result_store)
REASON_CODES = {reason: k + 2 for k, reason in enumerate(REASON_LABELS)}


@dataclass
class Compiled:
    """The statements of one trial at one index date (see compile_screen)."""

    sql: str  # both statements, for audit
    params: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]  # bound rows of ps_inst, ps_code_pattern, ...
    evidence: bool = False
    states_sql: str = ""
    tree_sql: str = ""
    states_params: dict[str, Any] = field(default_factory=dict)
    tree_params: dict[str, Any] = field(default_factory=dict)


def domain_keys(plan: Plan) -> dict[str, int]:
    return {d: k for k, d in enumerate(plan.domains())}


def codeset_keys(plan: Plan) -> dict[str, int]:
    """Code set name → its integer key (the code map and ps_inst must agree)."""
    return {name: k for k, name in enumerate(sorted(plan.codesets))}


def top_positions(plan: Plan) -> list[int]:
    """The 1-based positions of the top-level rows among the outputs: the status SQL's
    `$top` (ps_status_of_codes reads a person's status from those codes only)."""
    return [k + 1 for k, o in enumerate(plan.outputs) if o.top_level]


def top_codeset_keys(plan: Plan) -> list[list[int]]:
    """For each top-level output (in output order): the code set keys its rule and its
    sub-rules read. The evidence pass reads only these rows for an ineligible person
    outside the worklist, whose evidence is kept for the failing criteria alone; the
    target limb, which the other limb-scoped criteria help choose, comes from the status
    pass (ps_status), so it needs none of their rows."""
    keys = codeset_keys(plan)
    per_top: dict[str, set[int]] = {}
    for out in plan.outputs:
        codesets = {plan.insts[plan.nodes[k].inst].event.codeset  # type: ignore[index]
                    for k in _reached(plan, out) if plan.nodes[k].inst is not None}  # fmt: skip
        per_top.setdefault(out.id.split(".", 1)[0], set()).update(keys[c] for c in codesets)
    return [sorted(per_top[o.id]) for o in plan.outputs if o.top_level]


def _reached(plan: Plan, out: Output) -> set[int]:
    """The nodes an output row's result and text are computed from (children, exams)."""
    return _below(plan, [out.node, out.evidence_node, *(out.sides or ())])


def _below(plan: Plan, roots: list[int | None]) -> set[int]:
    """`roots` and every node under them (children, exams)."""
    seen: set[int] = set()
    todo = [k for k in roots if k is not None]
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            n = plan.nodes[k]
            todo += [*n.children, *((n.exam,) if n.exam is not None else ())]
    return seen


def top_of_rows(plan: Plan) -> list[int]:
    """Per output row, the 1-based position of its top-level criterion (`I2` for `I2.abi`):
    an ineligible person keeps the evidence of the rows whose top-level criterion fails."""
    position = {o.id: k for k, o in enumerate(plan.outputs, start=1) if o.top_level}
    return [position[o.id.split(".", 1)[0]] for o in plan.outputs]


def _node_readers(plan: Plan) -> dict[int, list[int]]:
    """Node → the 1-based output positions of the top-level criteria whose rows read it."""
    readers: dict[int, set[int]] = {}
    for out, top in zip(plan.outputs, top_of_rows(plan), strict=True):
        for k in _reached(plan, out):
            readers.setdefault(k, set()).add(top)
    return {k: sorted(v) for k, v in readers.items()}


# --------------------------------------------------------------------------- bound tables
def code_rows(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(pattern rows, concept rows); an inert first row keeps the column types.

    A pattern of a code set with a `vocabulary` also finds that vocabulary's concepts by
    their concept_code (concept_member.sql), with descendants when the code set asks.
    """
    inert = {
        "csk": -1,
        "role": "none",
        "gbit": None,
        "pat": "",
        "vocabulary": "",
        "descendants": False,
    }
    patterns: list[dict[str, Any]] = [inert]
    concepts: list[dict[str, Any]] = [{"csk": -1, "concept_id": -1, "descendants": False}]
    for name, csk in codeset_keys(plan).items():
        cs = plan.codesets[name]
        row = {"csk": csk, "gbit": None, "vocabulary": cs.vocabulary, "descendants": cs.descendants}
        if cs.match_all:
            patterns.append({**row, "role": "inc", "pat": "%", "vocabulary": None})
        patterns += [{**row, "role": "inc", "pat": to_like(p)} for p in cs.codes]
        patterns += [{**row, "role": "exc", "pat": to_like(p)} for p in cs.exclude]
        for side, pats in cs.sides:
            patterns += [{**row, "role": side, "pat": to_like(p)} for p in pats]
        for bit, (_, pats) in enumerate(cs.groups):
            patterns += [{**row, "role": "grp", "gbit": bit, "pat": to_like(p)} for p in pats]
        concepts += [
            {"csk": csk, "concept_id": c, "descendants": cs.descendants} for c in cs.concepts
        ]
    return patterns, concepts


def conversion_ids(plan: Plan) -> dict[tuple[Conversion, ...], int]:
    """Each distinct conversion table (recorded unit → predicate unit) gets one id."""
    ids: dict[tuple[Conversion, ...], int] = {}
    for inst in plan.insts:
        if inst.conversions and inst.conversions not in ids:
            ids[inst.conversions] = len(ids)
    return ids


def unit_rows(plan: Plan) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"conv_id": -1, "unit": "", "factor": 1.0, "offset": 0.0}]
    for table, cid in conversion_ids(plan).items():
        rows += [
            {"conv_id": cid, "unit": c.unit, "factor": c.factor, "offset": c.offset} for c in table
        ]
    return rows


VKIND_CODES = {"none": 0, "num": 1, "between": 2, "uln": 3, "qual": 4, "in": 5}
PICK_CODES = {"any": 0, "latest": 1, "min": 2, "max": 3}


def some_limb_insts(plan: Plan) -> set[int]:
    """The instances read under a `limb` node: a limb group outside a limb-scoped row (an
    evidence_rule) means "some limb", so its text names both limbs, whatever the target
    limb. The evidence pass reads these on both limbs for everyone."""
    below = _below(plan, [n.idx for n in plan.nodes if n.kind == "limb"])
    return {i for k in below if (i := plan.nodes[k].inst) is not None}


def inst_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per rule instance: everything the per-row judgement needs, as small integers
    and precomputed bounds (string comparisons per event row cost)."""
    csk, dom, conv = codeset_keys(plan), domain_keys(plan), conversion_ids(plan)
    some_limb = some_limb_insts(plan)
    rows = []
    for i in plan.insts:
        e, pred = i.event, i.event.predicate
        opc, a, b = _value_test(i)
        copc, ca, cb = test_bounds(e.count[0], e.count[1]) if e.count else (4, 0.0, 0.0)
        w = i.bounds
        lo2 = w.span_from if w.active else (w.lo or date(1, 1, 1))
        rows.append(
            {
                "inst": i.idx, "dom": dom[e.domain], "csk": csk[e.codeset], "scope": i.scope,
                "limb": i.scope != "*", "some_limb": i.idx in some_limb, "gbit": i.gbit,
                "lo": w.lo, "hi": w.hi, "lo2": lo2,
                "use_end": w.active, "vk": VKIND_CODES[i.vkind], "vkind": i.vkind,
                "pk": PICK_CODES[e.pick], "latest": e.pick == "latest" and not w.active,
                "opc": opc, "a": a, "b": b,
                "vals": list(pred.values) if pred is not None and pred.kind == "in" else [],
                "conv_id": conv.get(i.conversions, -1), "has_count": e.count is not None,
                "count_opc": copc, "count_a": ca, "count_b": cb,
                "distinct_grp": e.count_distinct, "missing": e.missing,
                "label": e.label, "no_data_text": i.no_data_text(), "target_unit": i.target_unit,
                "group_names": list(plan.codesets[e.codeset].group_names()),
            }
        )  # fmt: skip
    if not rows:  # a trial without event rules: one inert row keeps the column types
        rows.append(
            {"inst": -1, "dom": -1, "csk": -1, "scope": "*", "limb": False, "some_limb": False,
             "gbit": None, "lo": None, "hi": plan.index_date, "lo2": plan.index_date, "use_end": False,
             "vk": 0, "vkind": "none", "pk": 0, "latest": False, "opc": 4, "a": 0.0, "b": 0.0,
             "vals": [""], "conv_id": -1, "has_count": False, "count_opc": 4, "count_a": 0.0,
             "count_b": 0.0, "distinct_grp": False, "missing": False, "label": "",
             "no_data_text": "", "target_unit": "", "group_names": [""]}
        )  # fmt: skip
    return rows


def _value_test(i: Inst) -> tuple[int, float, float | None]:
    """(opcode, a, b) of the instance's value test; qualitative and category results are
    1/0 and must equal the target exactly."""
    pred = i.event.predicate
    if pred is None:
        return 4, 0.0, 0.0
    target = i.qual_target  # set for qualitative and category tests
    if target is not None:
        return 4, target, target
    return pred.interval()


def no_rows_result(inst: Inst) -> tuple[bool | None, str | None, str]:
    """Result of an event rule for a person with no matching event at all (any date)."""
    e = inst.event
    if e.count is not None:
        v = True if compare(0, e.count[0], e.count[1]) else e.missing
        return v, None if v is not None else "no_data", f"{e.label}: 0"
    return e.missing, None if e.missing is not None else "no_data", inst.no_data_text()


# --------------------------------------------------------------------------- statement
def compile_screen(
    plan: Plan, *, evidence: bool, need_filter: bool = False, only: str | None = None
) -> Compiled:
    """The two statements of a screen: `states_sql` per batch of persons (events → packed
    per-instance results, and texts in the evidence pass) and `tree_sql` once (the rule tree,
    outputs and target limb over `ps_states`). `need_filter` restricts both to the persons
    of `ps_need` (the evidence pass); `only` names a table whose persons the status pass's
    tree is restricted to (`ps_need` for `prescreen explain`: one person's answer without
    screening everyone; a sweep value's changed persons: criteria/swept.py)."""
    params: dict[str, Any] = {"index_date": plan.index_date, "person_lo": 0, "person_hi": 0}
    for inst in plan.insts:
        dv, dr, de = no_rows_result(inst)
        params[f"i{inst.idx}_dc"] = _code_of(dv, dr)
        if evidence:
            params[f"i{inst.idx}_de"] = de
    # the evidence pass: the persons of ps_need, and of an ineligible person outside the
    # worklist only the rows of the code sets its failing criteria read (ps_need_key)
    need = (
        "\n        and exists (select 1 from ps_need_key as n where n.person_id = r.person_id"
        " and n.csk = m.csk and n.person_id between $person_lo and $person_hi)"
        if need_filter
        else ""
    )
    event = render(
        read_sql("criteria/event_result.sql"),
        # the evidence pass: a person who does not get every row reads limb-scoped rules
        # on the limb the status pass chose (sel) only, as the texts kept for it do; a
        # "some limb" group (some_limb_insts) names both limbs for everyone
        need_join="\n    inner join (\n        select person_id, all_rows, sel from ps_need"
        "\n        where person_id between $person_lo and $person_hi\n    ) as nd"
        " on h.person_id = nd.person_id"
        if need_filter
        else "",
        need_side="\n        and (nd.all_rows or not i.limb or i.some_limb or nd.sel is null"
        " or i.scope = nd.sel)"
        if need_filter
        else "",
        optional_aggregates=_optional_aggregates(plan),
        evidence_aggregates=_indent(_evidence_aggregates(plan), 2) if evidence else "",
        evidence_columns=_indent(read_sql("criteria/evidence_columns.sql"), 2) if evidence else "",
    )
    if evidence:
        event = render(read_sql("criteria/event_evidence.sql"), event_result=_indent(event, 1))
    states = render(
        read_sql("criteria/states.sql"),
        hits=_hits(plan, need),
        event_result=_indent(event, 1),
        person_state=_person_state(plan, evidence),
    )
    layers, node_params = _node_layers(plan, evidence, need=need_filter)
    params.update(node_params)
    outputs, out_params = _outputs(plan, evidence, need=need_filter)
    params.update(out_params)
    tree = render(
        read_sql("criteria/tree.sql"),
        # the evidence pass: who needs which texts (ps_need.all_rows, else the failing
        # criteria of ps_status.codes) and the target limb the status pass chose, joined
        # once here and carried up the tree
        need_columns=",\n        n.all_rows as need_all,\n        s.codes as need_codes,"
        "\n        s.target_limb,\n        s.sel"
        if need_filter
        else "",
        person_filter="\n    inner join ps_need as n on p.person_id = n.person_id"
        "\n    inner join ps_status as s on p.person_id = s.person_id"
        if need_filter
        else f"\n    semi join {only} as n on p.person_id = n.person_id"
        if only
        else "",
        node_layers=layers,
        outputs=outputs,
    )
    sql = states + "\n\n-- the rule tree, once over ps_states\n" + tree
    # only the parameters each statement names (a manual row binds nothing, for example)
    patterns, concepts = code_rows(plan)
    tables = {
        "inst": inst_rows(plan), "patterns": patterns, "concepts": concepts,
        "units": unit_rows(plan),
    }  # fmt: skip
    compiled = Compiled(sql, params, tables, evidence)
    compiled.states_sql, compiled.tree_sql = states, tree
    compiled.states_params = _used(params, states)
    compiled.tree_params = _used(params, tree)
    return compiled


def _optional_aggregates(plan: Plan) -> str:
    """Count, group-count and min/max aggregates, only when a rule of the trial needs one:
    every aggregate costs every (person, instance) row, NULL or not."""
    events = [i.event for i in plan.insts]
    counts = any(e.count is not None and not e.count_distinct for e in events)
    groups = any(e.count_distinct for e in events)
    extremes = _picks_extremes(plan)
    lines = [
        "count(case when in_window then 1 end) as n_in"
        if counts
        else "cast(null as bigint) as n_in",
        "bit_or(case when in_window then gmask end) as gm"
        if groups
        else "cast(null as bigint) as gm",
        "min(case when in_window and cat <> 2 then case when pk = 3 then -conv else conv end end) as ext"
        if extremes
        else "cast(null as double) as ext",
    ]
    return ",\n".join("        " + line for line in lines)


def _picks_extremes(plan: Plan) -> bool:
    """Whether a rule of the trial picks the min or max value (an extreme aggregate)."""
    return any(i.event.pick in ("min", "max") for i in plan.insts)


def _evidence_aggregates(plan: Plan) -> str:
    """The evidence pass's rank keys; the extreme row and the counted items only when a
    rule of the trial shows them (arg_min over a struct and a list of structs are the
    dearest aggregates of the pass, and every (person, instance) row pays for them)."""
    extreme = (
        read_sql("criteria/evidence_extreme_row.sql")
        if _picks_extremes(plan)
        else "cast(null as bigint) as rk_ext"
    )
    items = (
        read_sql("criteria/evidence_counted_items.sql")
        if any(i.event.count is not None for i in plan.insts)
        else "cast(null as struct(n bigint, c varchar)[]) as items"
    )
    return render(
        read_sql("criteria/evidence_aggregates.sql"),
        extreme_row=extreme.rstrip("\n"),
        counted_items=items.rstrip("\n"),
    )


def _used(params: dict[str, Any], sql: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _code_of(value: bool | None, reason: str | None) -> int:
    """A result as one small integer: 0 false, 1 true, else the unknown's reason code."""
    if value is None:
        return REASON_CODES[reason or "no_data"]
    return 1 if value else 0


def _hits(plan: Plan, need: str) -> str:
    """Event rows of the batch, every domain in one shape, joined to their code sets."""
    selects = []
    for d, k in domain_keys(plan).items():
        selects.append(
            f"    -- domain {k}: {d}\n"
            f"    select {k} as dom, r.rid, r.person_id, r.code, r.event_date, r.end_date, r.num,\n"
            "        r.unit, r.unit_concept, r.range_high, r.qual, r.value_text, r.value_key,\n"
            "        coalesce(m.side, r.modifier_side) as side, m.csk, m.gmask,\n"
            "        ps_side_code(coalesce(m.side, r.modifier_side)) as side_code,\n"
            f"        ps_join_key({k}, m.csk, ps_side_code(coalesce(m.side, r.modifier_side))) as jk\n"
            f"    from stg_{d} as r\n"
            f"    inner join ps_cmap_{d} as m on r.code = m.code and r.concept_id = m.concept_id\n"
            f"    where r.person_id between $person_lo and $person_hi{need}"
        )
    if not selects:
        return (
            "    select 0 as dom, cast(0 as bigint) as rid, cast(0 as bigint) as person_id, '' as code,\n"
            "        cast(null as date) as event_date, cast(null as date) as end_date,\n"
            "        cast(null as double) as num, '' as unit, cast(null as bigint) as unit_concept,\n"
            "        cast(null as double) as range_high, cast(null as double) as qual,\n"
            "        cast(null as varchar) as value_text, cast(null as varchar) as value_key,\n"
            "        cast(null as varchar) as side, -1 as csk, cast(0 as bigint) as gmask,\n"
            "        0 as side_code, cast(-1 as bigint) as jk where false"
        )
    return "\n    union all\n".join(selects)


def state_words(plan: Plan) -> int:
    """How many 64-bit words hold every instance's packed result (`ps_states.w0` …)."""
    return max(1, (len(plan.insts) + PER_WORD - 1) // PER_WORD)


def _person_state(plan: Plan, evidence: bool) -> str:
    """event long → one row per person: every instance's packed result (and, in the
    evidence pass, a map instance → text)."""
    words = state_words(plan)
    cols = [f"bit_or(case when word = {w} then packed end) as w{w}" for w in range(words)]
    if evidence:
        cols.append("map_from_entries(list(struct_pack(k := inst, v := evidence))) as em")
    body = ",\n".join("        " + c for c in cols)
    # the shift amount is cast: UBIGINT << INTEGER would widen every value to HUGEINT
    return (
        "    select\n        person_id,\n" + body + "\n"
        "    from (\n        select\n            *,\n"
        f"            inst // {PER_WORD} as word,\n"
        f"            cast(state as ubigint) << cast({STATE_BITS} * (inst % {PER_WORD}) as ubigint) as packed\n"
        "        from event\n    )\n    group by person_id"
    )


def _node_layers(plan: Plan, evidence: bool, *, need: bool = False) -> tuple[str, dict[str, Any]]:
    """CTEs node_x (every instance's packed result unpacked), node_0 … node_value: layer d
    holds the nodes whose deepest child is in d − 1. Layering keeps each node a computed
    column: nesting the expressions instead would make DuckDB re-derive every child inside
    each parent (slow to bind and to run).

    `need` (the evidence pass over ps_need): person_base's need columns and the status
    pass's target limb are carried, and a node's text is computed only for the persons
    whose kept rows read it (need_all, or a failing top-level criterion that reaches the
    node): an ineligible person's texts are otherwise built for every criterion."""
    depth: dict[int, int] = {}
    for n in plan.nodes:  # children come first
        depth[n.idx] = 1 + max((depth[c] for c in n.children), default=-1)
    params: dict[str, Any] = {}
    layers = max(depth.values(), default=0) + 1
    unpack = [
        f"cast((coalesce(w.w{i.idx // PER_WORD}, cast(0 as ubigint)) >> {STATE_BITS * (i.idx % PER_WORD)})"
        f" & cast(31 as ubigint) as integer) as x{i.idx}"
        for i in plan.insts
    ]
    carried = ["p.person_id", "p.age", "p.gender_concept_id"] + (["w.em"] if evidence else [])
    guard = need and evidence
    readers = _node_readers(plan) if guard else {}
    if need:
        carried += ["p.need_all", "p.need_codes", "p.target_limb", "p.sel"]
    ctes = [
        "node_x as (\n    select\n"
        + ",\n".join("        " + c for c in carried + unpack)
        + "\n    from person_base as p\n    left join ps_states as w on p.person_id = w.person_id\n),"
    ]
    for d in range(layers):
        cols = []
        for n in plan.nodes:
            if depth[n.idx] != d:
                continue
            exprs = _node_exprs(plan, n, params, evidence)
            cols.append(f"-- node {n.idx}: {_describe(plan, n)}")
            if guard and "e" in exprs:
                tests = ["need_all", *(f"need_codes[{p}] = 1" for p in readers.get(n.idx, []))]
                exprs["e"] = f"case when {' or '.join(tests)} then {exprs['e']} end"
            cols += [
                f"{expr} as n{n.idx}{'' if part == 'v' else '_' + part}"
                for part, expr in exprs.items()
            ]
        body = (
            "\n".join(
                "        " + c + ("," if not c.startswith("--") else "") for c in cols
            ).rstrip(",")
            or "        0 as _empty"
        )
        source = (
            f"    select\n        *,\n{body}\n    from {'node_x' if d == 0 else f'node_{d - 1}'}"
        )
        ctes.append(f"node_{d} as (\n{source}\n),")
    ctes.append(f"node_value as (\n    select * from node_{layers - 1}\n),")
    return "\n\n".join(ctes), params


def _describe(plan: Plan, n: Node) -> str:
    """A comment naming what a node column is: plan positions only, never a label or code
    from the criteria file (the legend of `prescreen compile` gives those)."""
    if n.kind == "leaf":
        i = plan.insts[n.leaf_inst()]
        scope = "" if i.scope == "*" else f" on the {SIDE_NAMES[i.scope]} limb"
        group = "" if i.gbit is None else f" group {i.gbit}"
        return f"rule instance i{i.idx}{group}{scope}"
    return f"{n.kind} of {', '.join(f'n{c}' for c in n.children) or 'the person'}"


def _first_unknown(kids: list[str]) -> str:
    return "coalesce(" + ", ".join(f"case when {c} >= 2 then {c} end" for c in kids) + ")"


def _node_exprs(plan: Plan, n: Node, params: dict[str, Any], evidence: bool) -> dict[str, str]:
    """v: the node's result code (0 false, 1 true, >= 2 unknown with its reason, see
    REASON_CODES); i: has events in the window (leaves); e: evidence (evidence pass)."""
    kids = [f"n{c}" for c in n.children]
    out: dict[str, str] = {}
    if n.kind == "leaf":
        return _leaf_exprs(n, evidence)
    if n.kind == "age":
        opc, a, b = n.age_predicate().interval()
        params.update({f"n{n.idx}_opc": opc, f"n{n.idx}_a": a, f"n{n.idx}_b": b})
        test = f"ps_satisfies(age, $n{n.idx}_opc, $n{n.idx}_a, $n{n.idx}_b)"
        out["v"] = f"case when age is null then 2 when {test} then 1 else 0 end"
        if evidence:
            out["e"] = (
                "case when age is null then 'year of birth not recorded'"
                " else 'age ' || age || ' on ' || strftime($index_date, '%Y-%m-%d') end"
            )
        return out
    if n.kind == "sex":
        params[f"n{n.idx}_sex"] = n.sex
        out["v"] = (
            f"case gender_concept_id when $female then case when $n{n.idx}_sex = 'female' then 1 else 0 end"
            f" when $male then case when $n{n.idx}_sex = 'male' then 1 else 0 end else 2 end"
        )
        if evidence:
            out["e"] = (
                "case gender_concept_id when $female then 'female' when $male then 'male'"
                " else 'sex not recorded' end"
            )
        return out
    if n.kind == "not":
        c = kids[0]
        out["v"] = f"case {c} when 0 then 1 when 1 then 0 else {c} end"
        if evidence:
            out["e"] = f"{c}_e"
        return out
    if n.kind == "review":
        c = kids[0]
        params[f"n{n.idx}_because"] = n.because
        out["v"] = f"case when {c} = 1 then {REASON_CODES['review']} else {c} end"
        if evidence:
            out["e"] = f"case when {c} = 1 then $n{n.idx}_because || ': ' || {c}_e else {c}_e end"
        return out
    if n.kind == "groups":
        return _groups_exprs(n, kids, evidence)
    if n.kind == "all":
        out["v"] = (
            f"case when least({', '.join(kids)}) = 0 then 0"
            f" when greatest({', '.join(kids)}) = 1 then 1 else {_first_unknown(kids)} end"
        )
    else:  # any, limb
        out["v"] = (
            f"case when {' or '.join(f'{c} = 1' for c in kids)} then 1"
            f" when greatest({', '.join(kids)}) = 0 then 0 else {_first_unknown(kids)} end"
        )
    if evidence:
        out["e"] = _combined_evidence(n, kids)
    return out


def _leaf_exprs(n: Node, evidence: bool) -> dict[str, str]:
    k = n.inst
    x = f"x{k}"
    raw = f"case when {x} = 0 then $i{k}_dc else ({x} - 1) & 7 end"
    has_in = f"({x} > 0 and (({x} - 1) & 16) <> 0)"
    absent = f"({x} = 0 or (({x} - 1) & 8) <> 0)"
    raw_e = f"case when {x} = 0 then cast($i{k}_de as varchar) else em[{k}] end"
    if n.exam is None:
        out = {"v": raw, "i": has_in}
        if evidence:
            out["e"] = raw_e
        return out
    # missing: {false_if: exam}: no event in the window is a negative finding once the
    # examination that would have recorded one was done
    e = f"n{n.exam}"
    out = {"v": f"case when {absent} and {e} = 1 then 0 else {raw} end", "i": has_in}
    if evidence:
        out["e"] = (
            f"case when {absent} then case when {e} = 1 then ({raw_e}) || '; ' || {e}_e"
            f" else {e}_e end else {raw_e} end"
        )
    return out


def _groups_exprs(n: Node, kids: list[str], evidence: bool) -> dict[str, str]:
    """`per: group`: the first child is the whole code set's presence (window, missing,
    exam); the others are one latest rule per group. Without an event in the window the
    presence decides; else any group's latest result holding makes the rule hold."""
    whole, groups = kids[0], kids[1:]
    inside = f"{whole}_i"
    any_group = (
        f"case when {' or '.join(f'{g} = 1' for g in groups)} then 1"
        f" when greatest({', '.join(groups)}) = 0 then 0 else {_first_unknown(groups)} end"
    )
    out = {"v": f"case when not {inside} then {whole} else {any_group} end"}
    if evidence:
        first_true = (
            "coalesce(" + ", ".join(f"case when {g} = 1 then {g}_e end" for g in groups) + ")"
        )
        with_rows = (
            "concat_ws('; ', "
            + ", ".join(f"case when {g}_i then nullif({g}_e, '') end" for g in groups)
            + ")"
        )
        unknown = (
            "concat_ws('; ', "
            + ", ".join(f"case when {g} >= 2 then nullif({g}_e, '') end" for g in groups)
            + ")"
        )
        out["e"] = (
            f"case when not {inside} then {whole}_e when {' or '.join(f'{g} = 1' for g in groups)}"
            f" then {first_true} when greatest({', '.join(groups)}) = 0 then {with_rows} else {unknown} end"
        )
    return out


def _combined_evidence(n: Node, kids: list[str]) -> str:
    me = f"n{n.idx}"
    if n.kind == "limb":
        r, l_ = kids
        return (
            f"case when {me} = 1 then case when {r} = 1 then 'right: ' || {r}_e else 'left: ' || {l_}_e end"
            f" when {me} = 0 then concat_ws(' | ', 'right: ' || {r}_e, 'left: ' || {l_}_e)"
            f" else concat_ws(' | ', case when {r} >= 2 then 'right: ' || {r}_e end,"
            f" case when {l_} >= 2 then 'left: ' || {l_}_e end) end"
        )
    decisive = "0" if n.kind == "all" else "1"
    first = (
        "coalesce(" + ", ".join(f"case when {c} = {decisive} then {c}_e end" for c in kids) + ")"
    )
    # empty texts are never joined ('x; ; y'): a `per: group` rule without rows in any group has none
    every = "concat_ws('; ', " + ", ".join(f"nullif({c}_e, '')" for c in kids) + ")"
    unknown = (
        "concat_ws('; ', "
        + ", ".join(f"case when {c} >= 2 then nullif({c}_e, '') end" for c in kids)
        + ")"
    )
    return f"case when {me} = {decisive} then {first} when {me} < 2 then {every} else {unknown} end"


# --------------------------------------------------------------------------- outputs
def _code(v: str, kind_param: str) -> str:
    """Result code 0 pass, 1 fail, 2 unknown of a criterion's value code (3 manual apart)."""
    return (
        f"case when {v} >= 2 then 2 when ({v} = 1) = ({kind_param} = 'inclusion') then 0 else 1 end"
    )


def _reason(v: str) -> str:
    """The unknown's reason as prescreen.result_store's reason_code (REASON_CODES − 1)."""
    return f"case when {v} >= 2 then {v} - 1 end"


def _outputs(plan: Plan, evidence: bool, *, need: bool = False) -> tuple[str, dict[str, Any]]:
    """CTEs side_choice and output_row: every reported row's result code, reason and
    evidence per person, limb-scoped rows read on the patient's target limb.

    `need` (the evidence pass, see _node_layers): the target limb is the one the status
    pass chose, not chosen again from rows the pass may not have read; a row's text is kept
    only where someone reads it (need_all, or its top-level criterion fails)."""
    from prescreen import vocabulary

    params: dict[str, Any] = {"male": vocabulary.MALE, "female": vocabulary.FEMALE}
    sel = plan.selection
    per_side = []
    for k, o in enumerate(plan.outputs):
        params[f"o{k}_kind"] = o.kind
        if o.sides is not None:
            for side, node in zip(("R", "L"), o.sides, strict=True):
                per_side.append(f"{_code(f'n{node}', f'$o{k}_kind')} as o{k}_c{side}")
    side_code = (
        "side_code as (\n    select\n        *,\n"
        + "".join(f"        {c},\n" for c in per_side)
        + "        0 as _sides\n    from node_value\n),\n\n"
    )
    if need:
        choice = side_code + (
            "-- target_limb and sel come from the status pass (carried from person_base): the\n"
            "-- evidence pass reads only the failing criteria's code sets for the ineligible\n"
            "side_choice as (\n    select * from side_code\n),"
        )
    elif sel:
        fails = {
            s: " + ".join(f"case when o{k}_c{s} = 1 then 1 else 0 end" for k in sel) for s in "RL"
        }
        unknowns = {
            s: " + ".join(f"case when o{k}_c{s} = 2 then 1 else 0 end" for k in sel) for s in "RL"
        }
        choice = side_code + (
            "side_count as (\n    select\n        *,\n"
            f"        {fails['R']} as nf_r,\n        {unknowns['R']} as nu_r,\n"
            f"        {fails['L']} as nf_l,\n        {unknowns['L']} as nu_l\n"
            "    from side_code\n),\n\n"
            "-- the target limb: a limb on which every limb-scoped criterion passes (both when\n"
            "-- both do); else the limb with the fewest fails, then the fewest unknowns (right\n"
            "-- first); the patient's limb-scoped rows are read on the chosen limb\n"
            "side_choice as (\n    select\n        *,\n"
            "        case\n"
            "            when nf_r = 0 and nu_r = 0 and nf_l = 0 and nu_l = 0 then 'R,L'\n"
            "            when nf_r = 0 and nu_r = 0 then 'R'\n"
            "            when nf_l = 0 and nu_l = 0 then 'L'\n"
            "            when nf_r = 0 and (nf_l > 0 or nu_r <= nu_l) then 'R'\n"
            "            when nf_l = 0 then 'L'\n"
            "        end as target_limb,\n"
            "        case\n"
            "            when nf_r = 0 and nu_r = 0 then 'R'\n"
            "            when nf_l = 0 and nu_l = 0 then 'L'\n"
            "            when nf_r < nf_l or (nf_r = nf_l and nu_r <= nu_l) then 'R'\n"
            "            else 'L'\n"
            "        end as sel\n"
            "    from side_count\n),"
        )
    else:
        choice = (
            "side_choice as (\n    select *, cast(null as varchar) as target_limb,"
            " cast(null as varchar) as sel\n    from node_value\n),"
        )
    tops = top_of_rows(plan)

    def text(k: int, expr: str) -> str:
        if not need:
            return f"{expr} as o{k}_e"
        return f"case when need_all or need_codes[{tops[k]}] = 1 then {expr} end as o{k}_e"

    cols = []
    for k, o in enumerate(plan.outputs):
        cols.append(f"-- output {k}: {o.id}")
        if o.manual:
            cols.append(f"3 as o{k}_c")
            cols.append(f"cast(null as integer) as o{k}_r")
            if evidence:
                ev = "cast(null as varchar)" if o.evidence_node is None else f"n{o.evidence_node}_e"
                cols.append(text(k, ev))
            continue
        if o.sides is None:
            cols.append(f"{_code(f'n{o.node}', f'$o{k}_kind')} as o{k}_c")
            cols.append(f"{_reason(f'n{o.node}')} as o{k}_r")
            if evidence:
                cols.append(text(k, f"n{o.node}_e"))
            continue
        r, l_ = o.sides
        cols.append(f"case when sel = 'R' then o{k}_cR else o{k}_cL end as o{k}_c")
        cols.append(
            f"case when sel = 'R' then {_reason(f'n{r}')} else {_reason(f'n{l_}')} end as o{k}_r"
        )
        if evidence:
            both = f"'right: ' || n{r}_e || ' | left: ' || n{l_}_e"
            one = f"case when sel = 'R' then 'right: ' || n{r}_e else 'left: ' || n{l_}_e end"
            cols.append(text(k, f"case when target_limb = 'R,L' then {both} else {one} end"))
    body = "\n".join("        " + c + ("" if c.startswith("--") else ",") for c in cols)
    out = (
        f"{choice}\n\noutput_row as (\n    select\n        person_id,\n        target_limb,\n"
        f"        sel,\n{body}\n"
        "        0 as _outputs\n    from side_choice\n)\n\nselect * from output_row"
    )
    return out, params


def _indent(sql: str, levels: int = 1) -> str:
    pad = "    " * levels
    return "\n".join(pad + line if line else line for line in sql.strip().splitlines())
