"""The DuckDB engine: a trial compiled to one SQL statement with bound parameters.

Each domain table the trial uses is read once for its rows (joined to a small
code → code-set map built from the table's distinct codes), whatever the number of
criteria: adding criteria adds rows to the bound `$inst` table, not table scans.
Everything a criteria file says reaches DuckDB as a parameter; the compiler only
pastes SQL files from `sql/criteria/` and column lists it generates itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from prescreen.criteria.codes import to_like
from prescreen.criteria.model import Trial, compare
from prescreen.criteria.plan import Inst, Node, Plan, build_plan
from prescreen.sqltext import read_sql, render

RESULT_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]
# persons per statement run: bounds DuckDB's memory for the per-person aggregation
BATCH_PERSONS = 50_000
_NO_TEXT = "cast(null as varchar)"


@dataclass(frozen=True)
class CompiledSQL:
    sql: str
    params: dict[str, Any]
    macros: str


def compile_sql(
    trial: Trial, as_of: date, *, with_ancestors: bool = True, evidence: bool = True
) -> CompiledSQL:
    """The SQL and parameters that screen every person against `trial` at `as_of`.

    `evidence=False` leaves every evidence text NULL: statuses only, for sweeps and forecasts
    that count patients many times over.
    """
    plan = build_plan(trial, as_of)
    params: dict[str, Any] = {"as_of": as_of, "person_lo": -(2**63), "person_hi": 2**63 - 1}
    params.update(_code_params(plan))
    params.update(_inst_params(plan))
    node_sql, node_params = _node_layers(plan, evidence)
    params.update(node_params)
    outputs = plan.outputs
    params.update(
        out_ord=list(range(len(outputs))),
        out_id=[o.id for o in outputs],
        out_kind=[o.kind for o in outputs],
        out_manual=[o.manual for o in outputs],
    )
    uses_descendants = with_ancestors and any(cs.descendants for cs in plan.codesets.values())
    descendants = (
        "union\n    select s.codeset, s.csk, a.descendant_concept_id from concept_seed as s\n"
        "    inner join concept_ancestor as a on s.concept_id = a.ancestor_concept_id\n"
        "    where s.descendants"
        if uses_descendants
        else ""
    )
    sql = render(
        read_sql("criteria/screen.sql"),
        descendants=descendants,
        domain_ctes=_domain_ctes(plan),
        hits_union=_hits_union(plan),
        event_result=_indent(
            render(
                read_sql("criteria/event_result.sql"),
                evidence=read_sql("criteria/event_evidence.sql").strip() if evidence else _NO_TEXT,
                evidence_row=read_sql("criteria/evidence_row.sql").strip() if evidence else "null",
                evidence_join=read_sql("criteria/evidence_join.sql").strip() if evidence else "",
            )
        ),
        event_wide=_event_wide(plan, evidence),
        node_layers=node_sql,
        out_v=", ".join(_out(o.node, "v") for o in outputs),
        out_r=", ".join(_out(o.node, "r") for o in outputs),
        out_e=", ".join(_evidence_out(o) if evidence else _NO_TEXT for o in outputs),
    )
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return CompiledSQL(sql, used, read_sql("criteria/macros.sql"))


def evaluate_sql(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
    evidence: bool = True,
) -> pd.DataFrame:
    """criterion_result: one row per person and reported criterion (see RESULT_COLUMNS).

    Persons are screened in batches of consecutive person_id ranges (each batch one run of
    the same statement with other bounds): the per-person aggregation then fits in memory
    at any registry size, and on tables stored in person order DuckDB's zone maps skip the
    row groups outside the batch, so the batches together still read each table about once.
    """
    compiled = _prepared(con, trial, as_of, evidence=evidence)
    # through Arrow: strings stay columnar (a .df() of millions of evidence strings is slow)
    parts = [
        con.sql(compiled.sql, params=params).to_arrow_table()
        for params in _batch_params(con, compiled, batch_persons)
    ]
    if not parts:
        return _empty_result()
    table = pa.concat_tables(parts)
    parts.clear()  # let Arrow free each buffer as pandas takes it over
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    frame["person_id"] = frame["person_id"].astype("int64")
    return frame[RESULT_COLUMNS]


RESULT_TABLE = "criterion_result"


def materialize_sql(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
) -> int:
    """Screen into the DuckDB table `criterion_result` (RESULT_COLUMNS, person order).

    For large registries: the results, evidence included, stay in DuckDB (which spills to
    disk) instead of becoming one pandas frame of tens of millions of strings.
    Returns the number of rows.
    """
    compiled = _prepared(con, trial, as_of, evidence=True)
    columns = ", ".join(RESULT_COLUMNS)
    con.execute(
        f"create or replace table {RESULT_TABLE} (person_id bigint, criterion_id varchar,"
        " result varchar, evidence varchar, reason varchar)"
    )
    for params in _batch_params(con, compiled, batch_persons):
        con.execute(
            f"insert into {RESULT_TABLE} select {columns} from ({compiled.sql})", params
        )
    return int(con.execute(f"select count(*) from {RESULT_TABLE}").fetchall()[0][0])


def person_statuses(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
) -> pd.DataFrame:
    """person_id, status of every person, screened for statuses only (no evidence texts).

    For sweeps and forecasts, which screen the registry many times: only one row per person
    leaves DuckDB, not one per person and criterion.
    """
    compiled = _prepared(con, trial, as_of, evidence=False)
    sql = render(read_sql("criteria/person_status.sql"), screen=_indent(compiled.sql))
    parts = [
        con.sql(sql, params={**params, "top_ids": trial.criterion_ids()}).to_arrow_table()
        for params in _batch_params(con, compiled, batch_persons)
    ]
    if not parts:
        return pd.DataFrame({"person_id": pd.Series(dtype="int64"), "status": pd.Series(dtype=object)})
    frame = pa.concat_tables(parts).to_pandas()
    frame["person_id"] = frame["person_id"].astype("int64")
    return frame


def _prepared(
    con: duckdb.DuckDBPyConnection, trial: Trial, as_of: date, *, evidence: bool
) -> CompiledSQL:
    """The compiled screen for this connection, its macros created."""
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses other work
    has_ancestors = bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = 'concept_ancestor'"
        ).fetchall()[0][0]
    )
    compiled = compile_sql(trial, as_of, with_ancestors=has_ancestors, evidence=evidence)
    con.execute(compiled.macros)
    return compiled


def _batch_params(
    con: duckdb.DuckDBPyConnection, compiled: CompiledSQL, size: int
) -> Iterator[dict[str, Any]]:
    """The compiled parameters once per person batch, with that batch's person_id bounds."""
    for lo, hi in person_batches(con, size):
        yield {**compiled.params, "person_lo": lo, "person_hi": hi}


def person_batches(con: duckdb.DuckDBPyConnection, size: int) -> list[tuple[int, int]]:
    """Inclusive person_id ranges of about `size` persons each, covering every person."""
    bounds = con.execute(
        "select min(person_id), max(person_id) from ("
        "  select person_id, (row_number() over (order by person_id) - 1) // $size as batch"
        "  from person) group by batch order by batch",
        {"size": max(1, size)},
    ).fetchall()
    return [(int(lo), int(hi)) for lo, hi in bounds]


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "person_id" else object) for c in RESULT_COLUMNS})


# --------------------------------------------------------------------------- parameters
def _code_params(plan: Plan) -> dict[str, Any]:
    # an inert first row keeps the column types when the trial has no code patterns
    patterns: list[dict[str, Any]] = [
        {"codeset": "", "csk": -1, "ord": 0, "grp": None, "gidx": None, "role": "none", "pat": ""}
    ]
    concepts: list[dict[str, Any]] = [
        {"codeset": "", "csk": -1, "concept_id": -1, "descendants": False}
    ]
    keys = _codeset_keys(plan)
    for name, cs in sorted(plan.codesets.items()):
        csk = keys[name]
        row = {"codeset": name, "csk": csk, "ord": 0, "grp": None, "gidx": None}
        sorted_groups = sorted(g for g, _ in cs.groups)
        if cs.match_all:
            patterns.append({**row, "role": "inc", "pat": "%"})
        patterns += [{**row, "role": "inc", "pat": to_like(p)} for p in cs.codes]
        patterns += [{**row, "role": "exc", "pat": to_like(p)} for p in cs.exclude]
        for side, pats in cs.sides:
            patterns += [{**row, "role": side, "pat": to_like(p)} for p in pats]
        for order, (group, pats) in enumerate(cs.groups):
            patterns += [
                {"codeset": name, "csk": csk, "ord": order, "grp": group,
                 "gidx": sorted_groups.index(group), "role": "grp", "pat": to_like(p)}  # fmt: skip
                for p in pats
            ]
        concepts += [
            {"codeset": name, "csk": csk, "concept_id": c, "descendants": cs.descendants}
            for c in cs.concepts
        ]
    return {"patterns": patterns, "concepts": concepts}


def _inst_params(plan: Plan) -> dict[str, Any]:
    insts, units = [], [{"inst": -1, "unit": "", "factor": 1.0}]
    csk = _codeset_keys(plan)
    domains = plan.domains()
    for i in plan.insts:
        e, pred = i.event, i.event.predicate
        insts.append(
            {
                "inst": i.idx,
                "dc": _dc_key(domains.index(e.domain), csk[e.codeset]),
                "domain": e.domain,
                "codeset": e.codeset,
                "scope": i.scope,
                "lo": i.bounds.lo,
                "hi": i.bounds.hi,
                "active": i.bounds.active,
                "vkind": i.vkind,
                "op": pred.op if pred and pred.kind not in ("qual", "in") else "=",
                "v1": i.qual_target if i.qual_target is not None else (pred.v1 if pred else None),
                "v2": pred.v2 if pred else None,
                "vals": list(pred.values) if pred and pred.kind == "in" else [],
                "pick": e.pick,
                "has_count": e.count is not None,
                "cnt_op": e.count[0] if e.count else None,
                "cnt_n": e.count[1] if e.count else None,
                "distinct_grp": e.count_distinct,
                "missing": e.missing,
                "label": e.label,
                "no_data_text": i.no_data_text(),
                "group_names": sorted(g for g, _ in plan.codesets[e.codeset].groups),
            }
        )
        units += [{"inst": i.idx, "unit": u, "factor": f} for u, f in i.unit_factors]
    if not insts:  # a trial without event rules: one inert row keeps the column types
        insts.append(
            {"inst": -1, "dc": -1, "domain": "", "codeset": "", "scope": "*", "lo": None, "hi": plan.as_of,
             "active": False, "vkind": "none", "op": "=", "v1": None, "v2": None, "vals": [""],
             "pick": "any", "has_count": False, "cnt_op": None, "cnt_n": None,
             "distinct_grp": False, "missing": False, "label": "", "no_data_text": "",
             "group_names": []}
        )  # fmt: skip
    defaults = [_no_rows_result(i) for i in plan.insts] or [(None, None, "")]
    default_v, default_r, default_e = zip(*defaults, strict=True)
    events = [i.event for i in plan.insts]
    return {
        "inst": insts,
        "units": units,
        # aggregates no rule of this trial needs are switched off (constant-false filters)
        "uses_min": any(e.pick == "min" for e in events),
        "uses_max": any(e.pick == "max" for e in events),
        "uses_groups": any(e.count_distinct for e in events),
        "default_v": list(default_v),
        "default_r": list(default_r),
        "default_e": list(default_e),
    }


def _no_rows_result(inst: Inst) -> tuple[bool | None, str | None, str]:
    """Result of an event rule for a person with no matching event at all (any date)."""
    e = inst.event
    if e.count is not None:
        v = True if compare(0, e.count[0], e.count[1]) else e.missing
        return v, None if v is not None else "no_data", f"{e.label}: 0" + (" ()" if e.count_distinct else "")
    return e.missing, None if e.missing is not None else "no_data", inst.no_data_text()


# --------------------------------------------------------------------------- SQL pieces
def _domain_ctes(plan: Plan) -> str:
    parts = []
    for d in plan.domains():
        parts.append(f"rows_{d} as (\n{_indent(read_sql(f'criteria/domains/{d}.sql'))}\n),\n")
        parts.append(f"codes_{d} as (\n    select distinct code, concept_id from rows_{d}\n),\n")
        code_map = render(read_sql("criteria/code_map.sql"), codes=f"codes_{d}")
        parts.append(f"code_map_{d} as (\n{_indent(code_map)}\n),\n")
    return "\n".join(parts)


def _codeset_keys(plan: Plan) -> dict[str, int]:
    """Code set name → its integer key (the code map and the rule table must agree)."""
    return {name: k for k, name in enumerate(sorted(plan.codesets))}


def _dc_key(domain_index: int, codeset_index: int) -> int:
    """One integer for a (domain, code set) pair: joins on it hash a number, not two strings."""
    return domain_index * 1_048_576 + codeset_index


def _hits_union(plan: Plan) -> str:
    selects = [
        f"    select r.rid, r.person_id, r.event_date, r.end_date, r.code, r.num, r.unit, r.range_high,\n"
        f"        r.value_concept, r.value_text, coalesce(m.coded_side, r.modifier_side) as side,\n"
        f"        m.grp, m.gidx, {_dc_key(k, 0)} + m.csk as dc\n"
        f"    from rows_{d} as r\n"
        f"    inner join code_map_{d} as m on r.code = m.code and r.concept_id = m.concept_id"
        for k, d in enumerate(plan.domains())
    ]
    if not selects:
        return (
            "    select 0::bigint as rid, 0::bigint as person_id, null::date as event_date, null::date as end_date,\n"
            "        '' as code, null::double as num, '' as unit, null::double as range_high,\n"
            "        null::bigint as value_concept, null::varchar as value_text, null::varchar as side,\n"
            "        null::varchar as grp, null::integer as gidx, -1 as dc where false"
        )
    return "\n    union all\n".join(selects)


# bit planes of event_wide, one bit per rule (64 rules per word): the rule has a row,
# its value is true, unknown, and the reason of an unknown
_PLANES = {
    "p": "true",
    "t": "v",
    "u": "v is null",
    "s": "reason = 'stale'",
    "c": "reason = 'conflict'",
    "x": "reason = 'unit_unknown'",
}


def _event_wide(plan: Plan, evidence: bool) -> str:
    """event_result long → one row per person: bit planes of every rule's result and,
    for evidence, the texts in one list with the rule numbers beside them.

    Bit aggregates cost next to nothing, so statuses take no per-rule column at all; a
    PIVOT (which re-groups by person and rule) was a quarter of the screen.
    """
    words = max(1, (len(plan.insts) + 63) // 64)
    cols = [
        f"coalesce(bit_or(1::ubigint << (inst % 64)) filter (where inst // 64 = {w} and {cond}),"
        f" 0::ubigint) as {plane}{w}"
        for plane, cond in _PLANES.items()
        for w in range(words)
    ]
    if evidence:
        cols += ["list(inst) as ks", "list(evidence) as es"]
    body = ",\n".join("            " + c for c in cols)
    grades = ", list_grade_up(ks) as g" if evidence else ""
    return (
        f"    select *{grades} from (\n        select\n            person_id,\n{body}\n"
        "        from event_result\n        group by person_id\n    )"
    )


def _bit(plane: str, k: int) -> str:
    word, bit = divmod(k, 64)
    return f"((coalesce(w.{plane}{word}, 0::ubigint) >> {bit}) & 1::ubigint) = 1"


def _position(k: int) -> str:
    """1-based position of rule k among the person's rules in rule order."""
    word, bit = divmod(k, 64)
    below = [f"bit_count(coalesce(w.p{j}, 0::ubigint))" for j in range(word)]
    below.append(f"bit_count(coalesce(w.p{word}, 0::ubigint) & {(1 << bit) - 1}::ubigint)")
    return "1 + " + " + ".join(below)


def _node_layers(plan: Plan, evidence: bool = True) -> tuple[str, dict[str, Any]]:
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
            if depth[n.idx] == d:
                v, r, e = _node_exprs(n, params)
                cols += [f"{v} as n{n.idx}_v", f"{r} as n{n.idx}_r"]
                if evidence:
                    cols.append(f"{e} as n{n.idx}_e")
        body = ",\n".join("        " + c for c in cols) or "        0 as _empty"
        if d == 0:
            source = (
                "    select\n        p.person_id,\n" + body + "\n"
                "    from person_base as p\n    left join event_wide as w on p.person_id = w.person_id"
            )
        else:
            source = f"    select\n        *,\n{body}\n    from node_{d - 1}"
        ctes.append(f"node_{d} as (\n{source}\n),")
    ctes.append(f"node_value as (\n    select * from node_{layers - 1}\n),")
    return "\n\n".join(ctes), params


def _node_exprs(n: Node, params: dict[str, Any]) -> tuple[str, str, str]:
    kids = [f"n{c}" for c in n.children]
    if n.kind == "leaf":
        k, one = n.inst, n.inst + 1
        has = _bit("p", k)
        reason = (
            f"case when not {_bit('u', k)} then null when {_bit('s', k)} then 'stale'"
            f" when {_bit('c', k)} then 'conflict' when {_bit('x', k)} then 'unit_unknown'"
            " else 'no_data' end"
        )
        return (
            f"case when {has} then case when {_bit('u', k)} then null else {_bit('t', k)} end"
            f" else ($default_v::boolean[])[{one}] end",
            f"case when {has} then {reason} else ($default_r::varchar[])[{one}] end",
            f"case when {has} then w.es[w.g[{_position(k)}]] else ($default_e::varchar[])[{one}] end",
        )
    if n.kind == "age":
        pred = n.predicate
        params[f"age{n.idx}_v1"] = pred.v1
        if pred.kind == "between":
            params[f"age{n.idx}_v2"] = pred.v2
            test = f"p.age between $age{n.idx}_v1 and $age{n.idx}_v2"
        else:
            params[f"age{n.idx}_op"] = pred.op
            test = f"ps_compare(p.age, $age{n.idx}_op, $age{n.idx}_v1)"
        return (
            test,
            "case when p.age is null then 'no_data' end",
            "case when p.age is null then 'year of birth not recorded'"
            " else 'age ' || p.age || ' on ' || strftime($as_of, '%Y-%m-%d') end",
        )
    if n.kind == "sex":
        params[f"sex{n.idx}"] = n.sex
        return (
            f"case p.gender_concept_id when 8532 then $sex{n.idx} = 'female'"
            f" when 8507 then $sex{n.idx} = 'male' end",
            "case when p.gender_concept_id not in (8507, 8532) or p.gender_concept_id is null"
            " then 'no_data' end",
            "case p.gender_concept_id when 8532 then 'female' when 8507 then 'male'"
            " else 'sex not recorded' end",
        )
    if n.kind == "not":
        c = kids[0]
        return f"not {c}_v", f"{c}_r", f"{c}_e"
    if n.kind in ("all", "any", "limb"):
        joiner = " and " if n.kind == "all" else " or "
        value = "(" + joiner.join(f"{c}_v" for c in kids) + ")"
        reason = (
            f"case when n{n.idx}_v is null then coalesce("
            + ", ".join(f"case when {c}_v is null then {c}_r end" for c in kids)
            + ") end"
        )
        return value, reason, _combined_evidence(n, kids)
    raise ValueError(n.kind)


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
    every = "concat_ws('; ', " + ", ".join(f"{c}_e" for c in kids) + ")"
    unknown = "concat_ws('; ', " + ", ".join(f"case when {c}_v is null then {c}_e end" for c in kids) + ")"
    return (
        f"case when {me} = {decisive} then {first}"
        f" when {me} is not null then {every} else {unknown} end"
    )


def _out(node: int | None, part: str) -> str:
    return "null" if node is None else f"n{node}_{part}"


def _evidence_out(output) -> str:
    node = output.evidence_node if output.manual else output.node
    return _out(node, "e")


def _indent(sql: str) -> str:
    return "\n".join("    " + line if line else line for line in sql.strip().splitlines())
