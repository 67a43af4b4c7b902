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
from typing import Any

from prescreen.criteria.codes import to_like
from prescreen.criteria.model import Conversion, compare, tolerance
from prescreen.criteria.plan import SIDE_NAMES, Inst, Node, Output, Plan
from prescreen.sqltext import read_sql, render

# bit planes of event_planes, one bit per rule instance (64 per word)
PLANES = {
    "p": "true",  # the person has an event of the rule's code set (a row in event)
    "t": "v",  # the rule holds
    "u": "v is null",  # unknown
    "a": "absent",  # no event in the window (for `missing: {false_if}`)
    "s": "reason = 'stale'",
    "c": "reason = 'conflict'",
    "x": "reason = 'unit_unknown'",
    "d": "reason = 'side_unknown'",
}
RESULT_CODES = ("pass", "fail", "unknown", "manual")


@dataclass
class Compiled:
    """The screen statement of one trial at one index date, for one connection's tables."""

    sql: str
    params: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]  # bound rows of ps_inst, ps_code_pattern, ...
    legend: list[str] = field(default_factory=list)
    evidence: bool = False


def domain_keys(plan: Plan) -> dict[str, int]:
    return {d: k for k, d in enumerate(plan.domains())}


def codeset_keys(plan: Plan) -> dict[str, int]:
    """Code set name → its integer key (the code map and ps_inst must agree)."""
    return {name: k for k, name in enumerate(sorted(plan.codesets))}


# --------------------------------------------------------------------------- bound tables
def code_rows(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(pattern rows, concept rows); an inert first row keeps the column types."""
    patterns: list[dict[str, Any]] = [{"csk": -1, "role": "none", "gbit": None, "pat": ""}]
    concepts: list[dict[str, Any]] = [{"csk": -1, "concept_id": -1, "descendants": False}]
    for name, csk in codeset_keys(plan).items():
        cs = plan.codesets[name]
        if cs.match_all:
            patterns.append({"csk": csk, "role": "inc", "gbit": None, "pat": "%"})
        patterns += [{"csk": csk, "role": "inc", "gbit": None, "pat": to_like(p)} for p in cs.codes]
        patterns += [{"csk": csk, "role": "exc", "gbit": None, "pat": to_like(p)} for p in cs.exclude]
        for side, pats in cs.sides:
            patterns += [{"csk": csk, "role": side, "gbit": None, "pat": to_like(p)} for p in pats]
        for bit, (_, pats) in enumerate(cs.groups):
            patterns += [{"csk": csk, "role": "grp", "gbit": bit, "pat": to_like(p)} for p in pats]
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
        rows += [{"conv_id": cid, "unit": c.unit, "factor": c.factor, "offset": c.offset} for c in table]
    return rows


def inst_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per rule instance: everything the per-row judgement needs."""
    csk, dom, conv = codeset_keys(plan), domain_keys(plan), conversion_ids(plan)
    rows = []
    for i in plan.insts:
        e, pred = i.event, i.event.predicate
        v1, v2 = _thresholds(i)
        rows.append(
            {
                "inst": i.idx, "dom": dom[e.domain], "csk": csk[e.codeset], "scope": i.scope,
                "gbit": i.gbit, "lo": i.bounds.lo, "hi": i.bounds.hi, "active": i.bounds.active,
                "span_from": i.bounds.span_from, "vkind": i.vkind,
                "op": pred.op if pred is not None and pred.kind in ("num", "uln") else "=",
                "v1": v1, "t1": tolerance(v1) if v1 is not None else 0.0,
                "v2": v2, "t2": tolerance(v2) if v2 is not None else 0.0,
                "vals": list(pred.values) if pred is not None and pred.kind == "in" else [],
                "conv_id": conv.get(i.conversions, -1), "pick": e.pick,
                "has_count": e.count is not None,
                "cnt_op": e.count[0] if e.count else "=", "cnt_n": e.count[1] if e.count else 0.0,
                "cnt_t": tolerance(e.count[1]) if e.count else 0.0,
                "distinct_grp": e.count_distinct, "missing": e.missing,
                "label": e.label, "no_data_text": i.no_data_text(), "target_unit": i.target_unit,
                "group_names": list(plan.codesets[e.codeset].group_names()),
            }
        )  # fmt: skip
    if not rows:  # a trial without event rules: one inert row keeps the column types
        rows.append(
            {"inst": -1, "dom": -1, "csk": -1, "scope": "*", "gbit": None, "lo": None,
             "hi": plan.index_date, "active": False, "span_from": None, "vkind": "none",
             "op": "=", "v1": None, "t1": 0.0, "v2": None, "t2": 0.0, "vals": [""],
             "conv_id": -1, "pick": "any", "has_count": False, "cnt_op": "=", "cnt_n": 0.0, "cnt_t": 0.0,
             "distinct_grp": False, "missing": False, "label": "", "no_data_text": "",
             "target_unit": "", "group_names": [""]}
        )  # fmt: skip
    return rows


def _thresholds(i: Inst) -> tuple[float | None, float | None]:
    pred = i.event.predicate
    if pred is None:
        return None, None
    if pred.kind in ("qual", "in"):
        return i.qual_target, None
    return pred.v1, pred.v2


def no_rows_result(inst: Inst) -> tuple[bool | None, str | None, str]:
    """Result of an event rule for a person with no matching event at all (any date)."""
    e = inst.event
    if e.count is not None:
        v = True if compare(0, e.count[0], e.count[1]) else e.missing
        return v, None if v is not None else "no_data", f"{e.label}: 0"
    return e.missing, None if e.missing is not None else "no_data", inst.no_data_text()


# --------------------------------------------------------------------------- statement
def compile_screen(plan: Plan, *, evidence: bool, need_filter: bool = False) -> Compiled:
    """The screen statement for `plan`; `need_filter` restricts it to the persons of
    the table `ps_need` (the evidence pass)."""
    params: dict[str, Any] = {"index_date": plan.index_date, "person_lo": 0, "person_hi": 0}
    for inst in plan.insts:
        dv, dr, de = no_rows_result(inst)
        params[f"i{inst.idx}_dv"] = dv
        params[f"i{inst.idx}_dr"] = dr
        if evidence:
            params[f"i{inst.idx}_de"] = de
    need = "\n        and r.person_id in (select person_id from ps_need)" if need_filter else ""
    event = render(
        read_sql("criteria/event_result.sql"),
        evidence_aggregates=_indent(read_sql("criteria/evidence_aggregates.sql"), 2) if evidence else "",
        evidence_columns=_indent(read_sql("criteria/evidence_columns.sql"), 2) if evidence else "",
    )
    if evidence:
        event = render(read_sql("criteria/event_evidence.sql"), event_result=_indent(event, 1))
    layers, node_params = _node_layers(plan, evidence)
    params.update(node_params)
    outputs, out_params = _outputs(plan, evidence)
    params.update(out_params)
    sql = render(
        read_sql("criteria/screen.sql"),
        hits=_hits(plan, need),
        event_result=_indent(event, 1),
        event_planes=_event_planes(plan, evidence),
        person_filter=need.replace("r.person_id", "p.person_id"),
        node_layers=layers,
        outputs=outputs,
    )
    # only the parameters the statement names (a manual row binds nothing, for example)
    params = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    patterns, concepts = code_rows(plan)
    tables = {
        "inst": inst_rows(plan), "patterns": patterns, "concepts": concepts,
        "units": unit_rows(plan),
    }  # fmt: skip
    return Compiled(sql, params, tables, legend(plan), evidence)


def _hits(plan: Plan, need: str) -> str:
    """Event rows of the batch, every domain in one shape, joined to their code sets."""
    selects = []
    for d, k in domain_keys(plan).items():
        selects.append(
            f"    -- domain {k}: {d}\n"
            f"    select {k} as dom, r.rid, r.person_id, r.code, r.event_date, r.end_date, r.num,\n"
            "        r.unit, r.unit_concept, r.range_high, r.qual, r.value_text, r.value_key,\n"
            "        coalesce(m.side, r.modifier_side) as side, m.csk, m.gmask\n"
            f"    from stg_{d} as r\n"
            f"    inner join ps_cmap_{d} as m on r.code = m.code and r.concept_id = m.concept_id\n"
            f"    where r.person_id between $person_lo and $person_hi{need}"
        )
    if not selects:
        return (
            "    select 0 as dom, 0::bigint as rid, 0::bigint as person_id, '' as code,\n"
            "        null::date as event_date, null::date as end_date, null::double as num,\n"
            "        '' as unit, null::bigint as unit_concept, null::double as range_high,\n"
            "        null::double as qual, null::varchar as value_text, null::varchar as value_key,\n"
            "        null::varchar as side, -1 as csk, 0::bigint as gmask where false"
        )
    return "\n    union all\n".join(selects)


def _event_planes(plan: Plan, evidence: bool) -> str:
    """event long → one row per person: a bit per rule in each plane (and the evidence
    texts in one list, rule numbers beside them). Bit aggregates cost next to nothing."""
    words = max(1, (len(plan.insts) + 63) // 64)
    cols = [
        f"coalesce(bit_or(case when inst // 64 = {w} and {cond} then cast(1 as ubigint) << (inst % 64) end),"
        f" cast(0 as ubigint)) as {plane}{w}"
        for plane, cond in PLANES.items()
        for w in range(words)
    ]
    if evidence:
        cols += ["list(inst) as ks", "list(evidence) as es"]
    body = ",\n".join("            " + c for c in cols)
    grades = ", list_grade_up(ks) as g" if evidence else ""
    return (
        f"    select *{grades} from (\n        select\n            person_id,\n{body}\n"
        "        from event\n        group by person_id\n    )"
    )


def _bit(plane: str, k: int) -> str:
    word, bit = divmod(k, 64)
    return f"((coalesce(w.{plane}{word}, cast(0 as ubigint)) >> {bit}) & cast(1 as ubigint)) = 1"


def _position(k: int) -> str:
    """1-based position of rule k among the person's rules in rule order."""
    word, bit = divmod(k, 64)
    below = [f"bit_count(coalesce(w.p{j}, cast(0 as ubigint)))" for j in range(word)]
    below.append(f"bit_count(coalesce(w.p{word}, cast(0 as ubigint)) & cast({(1 << bit) - 1} as ubigint))")
    return "1 + " + " + ".join(below)


def _node_layers(plan: Plan, evidence: bool) -> tuple[str, dict[str, Any]]:
    """CTEs node_0 … node_value: layer d holds the nodes whose deepest child is in d − 1.

    Layering keeps each node a computed column: nesting the expressions instead would make
    DuckDB re-derive every child inside each parent (slow to bind and to run).
    """
    depth: dict[int, int] = {}
    for n in plan.nodes:  # children come first
        depth[n.idx] = 1 + max((depth[c] for c in n.children), default=-1)
    params: dict[str, Any] = {}
    layers = max(depth.values(), default=0) + 1
    ctes = []
    for d in range(layers):
        cols = []
        for n in plan.nodes:
            if depth[n.idx] != d:
                continue
            exprs = _node_exprs(plan, n, params, evidence)
            cols.append(f"-- node {n.idx}: {_describe(plan, n)}")
            cols += [f"{expr} as n{n.idx}_{part}" for part, expr in exprs.items()]
        body = "\n".join(
            "        " + c + ("," if not c.startswith("--") else "") for c in cols
        ).rstrip(",") or "        0 as _empty"
        if d == 0:
            source = (
                "    select\n        p.person_id,\n" + body + "\n"
                "    from person_base as p\n    left join event_planes as w on p.person_id = w.person_id"
            )
        elif any(n.kind == "leaf" and depth[n.idx] == d for n in plan.nodes):
            # a leaf with `missing: {false_if}` sits above its exam's layer and reads its
            # rule's bits again
            source = (
                f"    select\n        n.*,\n{body}\n    from node_{d - 1} as n\n"
                "    left join event_planes as w on n.person_id = w.person_id"
            )
        else:
            source = f"    select\n        *,\n{body}\n    from node_{d - 1}"
        ctes.append(f"node_{d} as (\n{source}\n),")
    ctes.append(f"node_value as (\n    select * from node_{layers - 1}\n),")
    return "\n\n".join(ctes), params


def _describe(plan: Plan, n: Node) -> str:
    if n.kind == "leaf":
        i = plan.insts[n.inst]
        scope = "" if i.scope == "*" else f" on the {SIDE_NAMES[i.scope]} limb"
        group = "" if i.gbit is None else f" group {i.event.codeset}[{i.gbit}]"
        return f"rule instance i{i.idx} ({i.event.label}{group}{scope})"
    return f"{n.kind} of {', '.join(f'n{c}' for c in n.children) or 'the person'}"


def _node_exprs(plan: Plan, n: Node, params: dict[str, Any], evidence: bool) -> dict[str, str]:
    """v (value), r (reason of an unknown), i (has events in the window: leaves only),
    e (evidence, in the evidence pass)."""
    kids = [f"n{c}" for c in n.children]
    if n.kind == "leaf":
        return _leaf_exprs(n, evidence)
    if n.kind == "age":
        pred = n.predicate
        params[f"n{n.idx}_v1"] = pred.v1
        params[f"n{n.idx}_t1"] = tolerance(pred.v1)
        if pred.kind == "between":
            params[f"n{n.idx}_v2"] = pred.v2
            params[f"n{n.idx}_t2"] = tolerance(pred.v2)
            test = (
                f"ps_satisfies(p.age, 'between', '=', $n{n.idx}_v1, $n{n.idx}_t1,"
                f" $n{n.idx}_v2, $n{n.idx}_t2)"
            )
        else:
            params[f"n{n.idx}_op"] = pred.op
            test = f"ps_compare(p.age, $n{n.idx}_op, $n{n.idx}_v1, $n{n.idx}_t1)"
        out = {"v": test, "r": "case when p.age is null then 'no_data' end"}
        if evidence:
            out["e"] = (
                "case when p.age is null then 'year of birth not recorded'"
                " else 'age ' || p.age || ' on ' || strftime($index_date, '%Y-%m-%d') end"
            )
        return out
    if n.kind == "sex":
        params[f"n{n.idx}_sex"] = n.sex
        out = {
            "v": f"case p.gender_concept_id when $female then $n{n.idx}_sex = 'female'"
            f" when $male then $n{n.idx}_sex = 'male' end",
            "r": "case when p.gender_concept_id is null or p.gender_concept_id not in ($male, $female)"
            " then 'no_data' end",
        }
        if evidence:
            out["e"] = (
                "case p.gender_concept_id when $female then 'female' when $male then 'male'"
                " else 'sex not recorded' end"
            )
        return out
    if n.kind == "not":
        c = kids[0]
        out = {"v": f"not {c}_v", "r": f"{c}_r"}
        if evidence:
            out["e"] = f"{c}_e"
        return out
    if n.kind == "review":
        c = kids[0]
        params[f"n{n.idx}_because"] = n.because
        out = {
            "v": f"case when {c}_v then null else {c}_v end",
            "r": f"case when {c}_v then 'review' else {c}_r end",
        }
        if evidence:
            out["e"] = f"case when {c}_v then $n{n.idx}_because || ': ' || {c}_e else {c}_e end"
        return out
    if n.kind == "groups":
        return _groups_exprs(n, kids, evidence)
    joiner = " and " if n.kind == "all" else " or "
    out = {
        "v": "(" + joiner.join(f"{c}_v" for c in kids) + ")",
        "r": f"case when n{n.idx}_v is null then coalesce("
        + ", ".join(f"case when {c}_v is null then {c}_r end" for c in kids)
        + ") end",
    }
    if evidence:
        out["e"] = _combined_evidence(n, kids)
    return out


def _leaf_exprs(n: Node, evidence: bool) -> dict[str, str]:
    k = n.inst
    has = _bit("p", k)
    raw_v = (
        f"case when {has} then case when {_bit('u', k)} then null else {_bit('t', k)} end"
        f" else cast($i{k}_dv as boolean) end"
    )
    raw_r = (
        f"case when {has} then case when not {_bit('u', k)} then null when {_bit('s', k)} then 'stale'"
        f" when {_bit('c', k)} then 'conflict' when {_bit('x', k)} then 'unit_unknown'"
        f" when {_bit('d', k)} then 'side_unknown' else 'no_data' end"
        f" else cast($i{k}_dr as varchar) end"
    )
    has_in = f"({has} and not {_bit('a', k)} and not {_bit('d', k)})"
    raw_e = f"case when {has} then w.es[w.g[{_position(k)}]] else cast($i{k}_de as varchar) end"
    if n.exam is None:
        out = {"v": raw_v, "r": raw_r, "i": has_in}
        if evidence:
            out["e"] = raw_e
        return out
    # missing: {false_if: exam}: no event in the window is a negative finding once the
    # examination that would have recorded one was done
    x = f"n{n.exam}"
    absent = f"(not {has} or {_bit('a', k)})"
    out = {
        "v": f"case when {absent} and {x}_v then false else {raw_v} end",
        "r": f"case when {absent} and {x}_v then null else {raw_r} end",
        "i": has_in,
    }
    if evidence:
        out["e"] = (
            f"case when {absent} then case when {x}_v then ({raw_e}) || '; ' || {x}_e"
            f" else {x}_e end else {raw_e} end"
        )
    return out


def _groups_exprs(n: Node, kids: list[str], evidence: bool) -> dict[str, str]:
    """`per: group`: the first child is the whole code set's presence (window, missing,
    exam); the others are one latest rule per group. Without an event in the window the
    presence decides; else any group's latest result holding makes the rule hold."""
    whole, groups = kids[0], kids[1:]
    inside = f"coalesce({whole}_i, false)"
    any_group = "(" + " or ".join(f"{g}_v" for g in groups) + ")"
    out = {
        "v": f"case when not {inside} then {whole}_v else {any_group} end",
        "r": f"case when not {inside} then {whole}_r when {any_group} is null then coalesce("
        + ", ".join(f"case when {g}_v is null then {g}_r end" for g in groups)
        + ") end",
    }
    if evidence:
        first_true = "coalesce(" + ", ".join(f"case when {g}_v then {g}_e end" for g in groups) + ")"
        with_rows = "concat_ws('; ', " + ", ".join(f"case when {g}_i then nullif({g}_e, '') end" for g in groups) + ")"
        unknown = "concat_ws('; ', " + ", ".join(
            f"case when {g}_v is null then nullif({g}_e, '') end" for g in groups
        ) + ")"
        out["e"] = (
            f"case when not {inside} then {whole}_e when {any_group} then {first_true}"
            f" when not {any_group} then {with_rows} else {unknown} end"
        )
    return out


def _combined_evidence(n: Node, kids: list[str]) -> str:
    me = f"n{n.idx}_v"
    if n.kind == "limb":
        r, l_ = kids
        return (
            f"case when {me} then case when {r}_v then 'right: ' || {r}_e else 'left: ' || {l_}_e end"
            f" when not {me} then concat_ws(' | ', 'right: ' || {r}_e, 'left: ' || {l_}_e)"
            f" else concat_ws(' | ', case when {r}_v is null then 'right: ' || {r}_e end,"
            f" case when {l_}_v is null then 'left: ' || {l_}_e end) end"
        )
    decisive = "false" if n.kind == "all" else "true"
    first = "coalesce(" + ", ".join(f"case when {c}_v = {decisive} then {c}_e end" for c in kids) + ")"
    # empty texts are never joined ('x; ; y'): a `per: group` rule without rows in any group has none
    every = "concat_ws('; ', " + ", ".join(f"nullif({c}_e, '')" for c in kids) + ")"
    unknown = "concat_ws('; ', " + ", ".join(f"case when {c}_v is null then nullif({c}_e, '') end" for c in kids) + ")"
    return (
        f"case when {me} = {decisive} then {first}"
        f" when {me} is not null then {every} else {unknown} end"
    )


# --------------------------------------------------------------------------- outputs
def _code(v: str, kind_param: str) -> str:
    """Result code 0 pass, 1 fail, 2 unknown of a criterion value (3 manual is set apart)."""
    return f"case when {v} is null then 2 when {v} = ({kind_param} = 'inclusion') then 0 else 1 end"


def _outputs(plan: Plan, evidence: bool) -> tuple[str, dict[str, Any]]:
    """CTEs side_choice and output_row: every reported row's result code, reason and
    evidence per person, limb-scoped rows read on the patient's target limb."""
    params: dict[str, Any] = {"male": 8507, "female": 8532}
    from prescreen import vocabulary

    params.update(male=vocabulary.MALE, female=vocabulary.FEMALE)
    sel = plan.selection
    per_side = []
    for k, o in enumerate(plan.outputs):
        params[f"o{k}_kind"] = o.kind
        if o.sides is not None:
            for side, node in zip(("R", "L"), o.sides, strict=True):
                per_side.append(f"{_code(f'n{node}_v', f'$o{k}_kind')} as o{k}_c{side}")
    if sel:
        fails = {s: " + ".join(f"case when o{k}_c{s} = 1 then 1 else 0 end" for k in sel) for s in "RL"}
        unknowns = {s: " + ".join(f"case when o{k}_c{s} = 2 then 1 else 0 end" for k in sel) for s in "RL"}
        choice = (
            "side_code as (\n    select\n        *,\n"
            + "".join(f"        {c},\n" for c in per_side)
            + "        0 as _sides\n    from node_value\n),\n\n"
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
    cols = []
    for k, o in enumerate(plan.outputs):
        cols.append(f"-- output {k}: {o.id}")
        if o.manual:
            cols.append(f"3 as o{k}_c")
            cols.append(f"cast(null as varchar) as o{k}_r")
            if evidence:
                ev = "cast(null as varchar)" if o.evidence_node is None else f"n{o.evidence_node}_e"
                cols.append(f"{ev} as o{k}_e")
            continue
        if o.sides is None:
            cols.append(f"{_code(f'n{o.node}_v', f'$o{k}_kind')} as o{k}_c")
            cols.append(f"case when n{o.node}_v is null then n{o.node}_r end as o{k}_r")
            if evidence:
                cols.append(f"n{o.node}_e as o{k}_e")
            continue
        r, l_ = o.sides
        side_code = (
            f"case when sel = 'R' then {_code(f'n{r}_v', f'$o{k}_kind')}"
            f" else {_code(f'n{l_}_v', f'$o{k}_kind')} end"
        )
        cols.append(f"{side_code} as o{k}_c")
        cols.append(
            f"case when sel = 'R' then case when n{r}_v is null then n{r}_r end"
            f" else case when n{l_}_v is null then n{l_}_r end end as o{k}_r"
        )
        if evidence:
            cols.append(
                f"case when target_limb = 'R,L' then 'right: ' || n{r}_e || ' | left: ' || n{l_}_e"
                f" when sel = 'R' then 'right: ' || n{r}_e else 'left: ' || n{l_}_e end as o{k}_e"
            )
    body = "\n".join("        " + c + ("" if c.startswith("--") else ",") for c in cols)
    out = f"{choice}\n\noutput_row as (\n    select\n        person_id,\n        target_limb,\n{body}\n        0 as _outputs\n    from side_choice\n)\n\nselect * from output_row"
    return out, params


# --------------------------------------------------------------------------- legend
def legend(plan: Plan) -> list[str]:
    """What each generated name means: criterion → sub-rule → node/instance → code set,
    window, value test and the bound parameters that carry them."""
    lines = [f"index date {plan.index_date} ($index_date)"]
    for k, o in enumerate(plan.outputs):
        where = (
            "manual"
            if o.manual
            else f"node n{o.node}" if o.sides is None else f"right n{o.sides[0]}, left n{o.sides[1]} (target limb)"
        )
        lines.append(f"output o{k} {o.id} ({o.kind}{', top level' if o.top_level else ''}): {where}")
    for i in plan.insts:
        e = i.event
        parts = [f"i{i.idx}: {e.domain} {e.label!r}, code set {e.codeset}"]
        if i.gbit is not None:
            parts.append(f"group {plan.codesets[e.codeset].group_names()[i.gbit]!r}")
        if i.scope != "*":
            parts.append(f"{SIDE_NAMES[i.scope]} limb")
        parts.append(f"window {i.bounds.text} (lo {i.bounds.lo}, hi {i.bounds.hi}"
                     + (f", span from {i.bounds.span_from}" if i.bounds.active else "") + ")")
        if e.predicate is not None:
            parts.append(f"value {e.predicate.text!r}, pick {e.pick}")
        if e.count is not None:
            parts.append(f"count {e.count[0]} {e.count[1]:g}" + (" distinct groups" if e.count_distinct else ""))
        missing = {True: "true", False: "false", None: "unknown"}[e.missing]
        parts.append(f"missing {missing}" + (" unless examined" if e.exam is not None else ""))
        lines.append("; ".join(parts) + f" -> ps_inst row {i.idx}, $i{i.idx}_dv/_dr")
    return lines


def _indent(sql: str, levels: int = 1) -> str:
    pad = "    " * levels
    return "\n".join(pad + line if line else line for line in sql.strip().splitlines())


def output_params(plan: Plan) -> dict[str, Any]:
    return {"out_ids": [o.id for o in plan.outputs]}


__all__ = ["Compiled", "compile_screen", "Output", "RESULT_CODES"]
