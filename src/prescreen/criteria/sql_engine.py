"""The DuckDB engine: statuses first for everyone, evidence where someone reads it.

A screen runs in two passes over batches of persons (consecutive person_id ranges, so
memory stays bounded and DuckDB's zone maps skip other persons' row groups):

1. the status pass computes every person's result and reason per reported row and the
   target limb (`ps_status`), with no text at all;
2. the evidence pass reruns the same statement with evidence texts, only for the persons
   someone will read: the worklist (likely eligible, then needs review, capped like the
   worklist) and the ineligible, whose failing criteria explain them.

The results land in one table, `criterion_code`, read through the view
`criterion_result(person_id, criterion_id, result, evidence, reason, ord)` that every
output reads (prescreen.result_store); `person_limb(person_id, target_limb)` holds the
limb each patient qualifies through (or comes closest on).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb
import pandas as pd

from prescreen import outputs, progress
from prescreen.criteria.model import Trial
from prescreen.criteria.plan import Plan, build_plan
from prescreen.criteria.sql_compile import (
    Compiled,
    codeset_keys,
    compile_screen,
    top_codeset_keys,
    top_positions,
)
from prescreen.criteria.staging import DOMAIN_TABLES, prepare_staging
from prescreen.database import insertion_order
from prescreen.errors import CriteriaError
from prescreen.outputs import EVERY_ROW_MAX_PERSONS
from prescreen.result_store import engine_labels, write_labels
from prescreen.sqltext import read_sql, render

if TYPE_CHECKING:  # swept.py builds on this module
    from prescreen.criteria.swept import Kept

RESULT_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]
RESULT_TABLE = "criterion_result"
LIMB_TABLE = "person_limb"
MATCH_TABLE = "codeset_match"
# persons per statement run: bounds DuckDB's memory for the per-person aggregation
BATCH_PERSONS = 50_000
# up to this many persons every row gets its evidence; above, only where someone reads it
# (the number up to which criteria.csv lists every person: prescreen.outputs)
FULL_EVIDENCE_PERSONS = EVERY_ROW_MAX_PERSONS
EVIDENCE_POLICIES = ("auto", "all", "needed", "none")
# the worklist order's sites where a database has no person_site (tables built by hand)
NO_SITES = (
    "(select cast(null as bigint) as person_id, cast(null as varchar) as site,"
    " cast(null as bigint) as site_id where false)"
)


@dataclass(frozen=True)
class ScreenTables:
    """What a screen left in the connection, and what it found about the code sets."""

    persons: int
    evidence_persons: int
    evidence_policy: str
    unmatched: list[tuple[str, str]]  # (code set, OMOP table) with no matching code
    kept: Kept | None = None  # the status pass's words kept for a sweep
    # code sets asking for descendants, matched on their own concepts (--exact-concepts)
    exact_only: list[str] = field(default_factory=list)


class Prepared(NamedTuple):
    """What binding a plan found out about the extract's codes."""

    unmatched: list[tuple[str, str]]  # (code set, OMOP table) matching no code at all
    exact_only: list[str]  # code sets asking for descendants, matched without them


def screen_into(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    index_date: date,
    *,
    evidence: str = "auto",
    worklist_limit: int = 50_000,
    persons: list[int] | None = None,
    batch_persons: int = BATCH_PERSONS,
    exact_concepts: bool = False,
    results: bool = True,
    keep_states: bool = False,
    reuse_codes: bool = False,
) -> ScreenTables:
    """Screen every person into `criterion_result` and `person_limb` (see module doc).

    `evidence`: auto (all rows up to FULL_EVIDENCE_PERSONS persons, else `needed`), all,
    needed (worklist persons and the failing rows of the ineligible) or none.
    `persons`: screen exactly these persons, every row with its evidence (`prescreen
    explain`); criterion_result then holds their rows only.
    `exact_concepts`: allow code sets with `descendants: true` on an extract without
    concept_ancestor (their concepts then match exactly; a warning, not an error).
    `results=False`: statuses only (sweeps and forecasts): the screen stops at `ps_status`,
    one row of result codes per person, and the run's own criterion_result stays as it is.
    `keep_states`: keep the status pass's per-person words for a sweep that follows
    (criteria/swept.py; returned in `kept`).
    `reuse_codes`: the event tables' distinct codes are those an earlier screen of this
    connection took, from the same loaded tables (prepare_screen).
    """
    if evidence not in EVIDENCE_POLICIES:
        raise CriteriaError(f"evidence {evidence!r}: choose one of {', '.join(EVIDENCE_POLICIES)}")
    plan = build_plan(trial, index_date)
    unmatched, exact_only = prepare_screen(
        con, plan, exact_concepts=exact_concepts, reuse_codes=reuse_codes
    )
    listed = persons is not None
    chosen = 0
    if listed:  # only these persons are screened at all: their rows decide their results
        chosen = _need_persons(con, plan, "persons", worklist_limit, persons)
    status = compile_screen(plan, evidence=False, only="ps_need" if listed else None)
    states_into(con, status, batch_persons, "ps_need" if listed else "person")
    total = status_tree(con, plan, status, statuses_only=not results and not listed)
    kept = None
    if keep_states and not listed:
        from prescreen.criteria.swept import keep_status_words  # it builds on this module

        kept = keep_status_words(con, plan, status, exact_concepts=exact_concepts)
    if not results:
        return ScreenTables(total, 0, "none", unmatched, kept, exact_only)
    if listed:
        policy = "persons"
    else:
        policy = (
            evidence
            if evidence != "auto"
            else ("all" if total <= FULL_EVIDENCE_PERSONS else "needed")
        )
        chosen = _need_persons(con, plan, policy, worklist_limit, None)
    if chosen:
        _evidence_pass(con, plan, batch_persons)
    else:
        con.execute("create or replace temp table ps_evidence (person_id bigint, es varchar[])")
    progress.note(f"assembling the results of {total:,} persons")
    assemble_results(con, plan)
    return ScreenTables(total, chosen, policy, unmatched, kept, exact_only)


def status_tree(
    con: duckdb.DuckDBPyConnection, plan: Plan, status: Compiled, *, statuses_only: bool = False
) -> int:
    """`ps_status` (one row per person: result and reason codes per output row, target
    limb) from the rule tree over `ps_states`; returns its number of persons.

    `statuses_only` (sweeps and newly-eligible, which read only each person's status): the
    codes of the top-level rows alone, the others NULL at their positions, and no reasons
    or target limb, so DuckDB computes none of the columns nobody reads (the tree at 1M
    persons 2.8–3.3 s → 2.2–2.5 s: bench/notes.md, "sixteenth round")."""
    n_out = len(plan.outputs)
    if statuses_only:
        top = {k - 1 for k in top_positions(plan)}
        codes = ", ".join(f"o{k}_c" if k in top else "cast(null as integer)" for k in range(n_out))
        columns = f"person_id, [{codes}] as codes"
    else:
        columns = (
            "person_id, target_limb, sel, "
            f"[{', '.join(f'o{k}_c' for k in range(n_out))}] as codes, "
            f"[{', '.join(f'o{k}_r' for k in range(n_out))}] as reasons"
        )
    con.execute(
        f"create or replace temp table ps_status as select {columns} from (\n{status.tree_sql}\n)",
        status.tree_params,
    )
    return int(con.execute("select count(*) from ps_status").fetchall()[0][0])


def prepare_screen(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    *,
    exact_concepts: bool = False,
    insts: Collection[int] | None = None,
    reuse_codes: bool = False,
) -> Prepared:
    """Staging views, macros and the bound tables of `plan`; returns the code sets that
    match no code of their table (a trial whose coding does not fit the data) and those
    matched without the descendants they ask for (`exact_concepts`).

    `insts`: bind only these rule instances and the codes of their code sets (a pass that
    recomputes some instances: criteria/swept.py, on the data a full screen of this
    connection read); `codeset_match` is then left as it is and no unmatched code set is
    returned.
    `reuse_codes`: keep the distinct codes per table (`ps_codes_<domain>`) an earlier
    screen of this connection took. Only for the same loaded tables: the screens of one
    load at several index dates (`prescreen newly-eligible`), whose codes do not move with
    the date. One scan of measurement's codes is about 1 s at 1M persons."""
    prepare_staging(con)
    for table in ("person", *(DOMAIN_TABLES[d] for d in plan.domains())):
        if not _exists(con, table):
            raise CriteriaError(f"the trial reads {table}, which this database does not have")
    con.execute(read_sql("marts/macros.sql"))  # the status rule, written once
    con.execute(read_sql("criteria/macros.sql"))
    compiled_tables = compile_screen(plan, evidence=False).tables
    inst_rows = compiled_tables["inst"]
    if insts is not None:
        inst_rows = [row for row in inst_rows if row["inst"] in insts]
    read = {row["csk"] for row in inst_rows}
    con.execute(read_sql("criteria/code_pattern.sql"), {"patterns": compiled_tables["patterns"]})
    descendants, exact_only = _descendants_sql(con, plan, exact_concepts)
    con.execute(
        render(
            read_sql("criteria/concept_member.sql"),
            by_code=_by_code_sql(con, plan),
            descendants=descendants,
        ),
        {"concepts": compiled_tables["concepts"]},
    )
    keys = codeset_keys(plan)
    for d in plan.domains():
        read_here = [
            keys[name]
            for name, domain in plan.codeset_uses()
            if domain == d and (insts is None or keys[name] in read)
        ]
        # a table's distinct codes, one scan of its rows: a full screen takes them anew, a
        # pass recomputing some instances (a sweep value, on the data that screen read)
        # reuses them
        if (insts is None and not reuse_codes) or not _exists(con, f"ps_codes_{d}"):
            con.execute(
                f"create or replace temp table ps_codes_{d} as\n"
                f"select distinct code, concept_id from stg_{d}"
            )
        con.execute(
            f"create or replace temp table ps_cmap_{d} as\n"
            + render(read_sql("criteria/code_map.sql"), codes=f"ps_codes_{d}"),
            {"csks": read_here},
        )
    # at least one row keeps the table's column types (an inert one: inst < 0 is left out)
    con.execute(read_sql("criteria/inst_table.sql"), {"rows": inst_rows or _inert(compiled_tables)})
    con.execute(read_sql("criteria/inst_side.sql"))
    # ps_need must exist for the evidence statement to bind, even before it is filled
    con.execute(
        "create temp table if not exists ps_need (person_id bigint, all_rows boolean, sel varchar)"
    )
    con.execute("create temp table if not exists ps_need_key (person_id bigint, csk integer)")
    con.execute(read_sql("criteria/unit_conv.sql"), {"rows": compiled_tables["units"]})
    return Prepared(_codeset_matches(con, plan) if insts is None else [], exact_only)


def _inert(tables: dict[str, list[dict]]) -> list[dict]:
    """One instance row that binds nothing (inst −1): the types of a row, no instance."""
    return [{**tables["inst"][0], "inst": -1}] if tables["inst"] else []


def _by_code_sql(con: duckdb.DuckDBPyConnection, plan: Plan) -> str:
    """The union that finds a vocabulary's concepts by code, or nothing (no concept table,
    or no code set names its vocabulary)."""
    if not any(cs.vocabulary for cs in plan.codesets.values()) or _rows(con, "concept") == 0:
        return ""
    return read_sql("criteria/concept_by_code.sql")


def _descendants_sql(
    con: duckdb.DuckDBPyConnection, plan: Plan, exact: bool
) -> tuple[str, list[str]]:
    """The union that adds descendants, or nothing, and the code sets then matched without
    the descendants they ask for; refuses to do that silently (an extract with concept ids
    but no concept_ancestor, unless `exact`)."""
    wanted = [
        name
        for name, cs in plan.codesets.items()
        if cs.descendants and (cs.concepts or cs.vocabulary)
    ]
    if not wanted:
        return "", []
    if _rows(con, "concept_ancestor") > 0:
        # as OHDSI Circe does: a descendant whose concept row is invalid (deprecated,
        # upgraded) is left out when the extract has a concept table to say so
        valid = (
            "\nand not exists (select 1 from concept as c where c.concept_id = a.descendant_concept_id"
            " and c.invalid_reason is not null)"
            if _rows(con, "concept") > 0 and _has_column(con, "concept", "invalid_reason")
            else ""
        )
        return (
            "union all\nselect s.csk, a.descendant_concept_id, s.role, s.gbit from seed as s\n"
            "inner join concept_ancestor as a on s.concept_id = a.ancestor_concept_id\n"
            "where s.descendants" + valid
        ), []
    coded = [
        (d, DOMAIN_TABLES[d])
        for d in {plan_domain for _, plan_domain in plan.codeset_uses()}
        if _has_concept_ids(con, d)
    ]
    if coded and not exact:
        tables = ", ".join(sorted(t for _, t in coded))
        raise CriteriaError(
            f"code set(s) {', '.join(sorted(wanted))} ask for descendants of their concepts, but the "
            f"extract has no concept_ancestor rows while {tables} carry concept ids: add the "
            "vocabulary's CONCEPT_ANCESTOR table to the extract, or rerun with --exact-concepts to "
            "match the listed concepts only"
        )
    return "", sorted(wanted) if coded else []


def codesets_without_descendants(
    con: duckdb.DuckDBPyConnection, trial: Trial, index_date: date, *, exact_concepts: bool
) -> list[str]:
    """The code sets a screen of `trial` matches without the descendants they ask for
    (`exact_concepts` on an extract without concept_ancestor rows), for the commands
    whose statuses-only screens report nothing else; raises as a screen would."""
    prepare_staging(con)
    return _descendants_sql(con, build_plan(trial, index_date), exact_concepts)[1]


def _has_concept_ids(con: duckdb.DuckDBPyConnection, domain: str) -> bool:
    if domain == "death":
        return False
    found = con.execute(
        f"select count(*) from (select 1 from stg_{domain} where concept_id <> 0 limit 1)"
    )
    return bool(found.fetchall()[0][0])


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [table]
        ).fetchall()[0][0]
    )


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.columns where table_name = ? and column_name = ?",
            [table, column],
        ).fetchall()[0][0]
    )


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    if not _exists(con, table):
        return 0
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def _codeset_matches(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[tuple[str, str]]:
    """`codeset_match(codeset, omop_table, codes_matched)`; returns the empty ones."""
    keys = codeset_keys(plan)
    rows: list[dict[str, str | int]] = []
    empty: list[tuple[str, str]] = []
    for name, domain in plan.codeset_uses():
        if name.startswith("_all_") or plan.codesets[name].match_all:
            continue
        n = con.execute(
            f"select count(*) from ps_cmap_{domain} where csk = ?", [keys[name]]
        ).fetchall()[0][0]
        rows.append({"codeset": name, "omop_table": DOMAIN_TABLES[domain], "codes_matched": int(n)})
        if n == 0:
            empty.append((name, DOMAIN_TABLES[domain]))
    con.execute(
        f"create or replace table {MATCH_TABLE} (codeset varchar, omop_table varchar, codes_matched bigint)"
    )
    if rows:
        con.execute(
            f"insert into {MATCH_TABLE} select * from (select unnest($rows, recursive := true))",
            {"rows": rows},
        )
    return empty


def states_into(
    con: duckdb.DuckDBPyConnection, compiled: Compiled, size: int, persons_table: str
) -> None:
    """`ps_states`: the per-batch statement run over every batch of persons."""
    con.execute("drop table if exists ps_states")
    first = True
    batches = person_batches(con, size, persons_table)
    kind = "evidence" if compiled.evidence else "status"
    for k, (lo, hi) in enumerate(batches, 1):
        progress.note(f"{kind} pass: batch {k} of {len(batches)}")
        params = {**compiled.states_params, "person_lo": lo, "person_hi": hi}
        if first:
            con.execute(f"create temp table ps_states as\n{compiled.states_sql}", params)
            first = False
        else:
            con.execute(f"insert into ps_states\n{compiled.states_sql}", params)
    if first:  # no person at all: an empty table of the right shape
        params = {**compiled.states_params, "person_lo": 1, "person_hi": 0}
        con.execute(f"create temp table ps_states as\n{compiled.states_sql}", params)


def person_batches(
    con: duckdb.DuckDBPyConnection, size: int, table: str = "person"
) -> list[tuple[int, int]]:
    """Inclusive person_id ranges of about `size` persons each, covering every person."""
    bounds = con.execute(
        "select min(person_id), max(person_id) from ("
        f"  select person_id, (row_number() over (order by person_id) - 1) // $size as batch"
        f"  from {table}) group by batch order by batch",
        {"size": max(1, size)},
    ).fetchall()
    return [(int(lo), int(hi)) for lo, hi in bounds]


def _need_persons(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    policy: str,
    worklist_limit: int,
    persons: list[int] | None,
) -> int:
    """`ps_need(person_id, all_rows, sel)`: who gets evidence, whether every row does, and
    the limb the status pass read limb-scoped criteria on;
    `ps_need_key(person_id, csk)`: the code sets whose rows each of them needs."""
    top = top_positions(plan)
    if policy == "persons":
        con.execute(
            read_sql("criteria/need_listed_persons.sql"),
            {"ids": [int(p) for p in persons or []]},
        )
    else:
        sites = "person_site" if _exists(con, "person_site") else NO_SITES
        order = render(read_sql("marts/worklist_order.sql"), sites=sites)
        con.execute(
            render(read_sql("criteria/need_persons.sql"), order=order),
            {
                "top": top,
                "top_csks": top_codeset_keys(plan),
                "policy": policy,
                "limit": max(0, worklist_limit),
                "sheet_max": outputs.WORKLIST_SHEET_MAX,  # the worklist's own bound
            },
        )
    con.execute(read_sql("criteria/need_keys.sql"), {"csks": sorted(codeset_keys(plan).values())})
    return int(con.execute("select count(*) from ps_need").fetchall()[0][0])


def _evidence_pass(con: duckdb.DuckDBPyConnection, plan: Plan, batch_persons: int) -> None:
    compiled = compile_screen(plan, evidence=True, need_filter=True)
    n_out = len(plan.outputs)
    states_into(con, compiled, batch_persons, "ps_need")
    texts = ", ".join(f"o{k}_e" for k in range(n_out))
    con.execute(
        render(read_sql("criteria/evidence_kept.sql"), texts=texts, tree=compiled.tree_sql),
        compiled.tree_params,
    )


def assemble_results(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """criterion_result (criterion_code, its labels and the view: prescreen.result_store)
    and person_limb from the two passes (one row per person and reported row; evidence
    only where the need set asked for it).

    criterion_code is stored in person and protocol order, the order criteria.parquet and
    criteria.csv list it in. The passes leave their tables in whatever order their
    threads finished (at 1M persons, thousands of persons out of place), so the statement
    sorts the persons (one row each) and unnests them with insertion order kept, which is
    far cheaper than sorting every row (bench/notes.md, "seventeenth round").
    """
    with insertion_order(con):
        con.execute(read_sql("criteria/assemble.sql"))
    write_labels(con, engine_labels([o.id for o in plan.outputs]))
    con.execute(read_sql("criteria/person_limb.sql"))


# --------------------------------------------------------------------------- callers
def evaluate_sql(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
    evidence: bool = True,
    exact_concepts: bool = False,
) -> pd.DataFrame:
    """criterion_result as a frame (RESULT_COLUMNS, person then protocol order), every
    row with its evidence (or none): what tests and small screens compare."""
    screen_into(
        con, trial, as_of, evidence="all" if evidence else "none",
        batch_persons=batch_persons, exact_concepts=exact_concepts,
    )  # fmt: skip
    frame = con.execute(
        f"select {', '.join(RESULT_COLUMNS)} from {RESULT_TABLE} order by person_id, ord"
    ).df()
    frame["person_id"] = frame["person_id"].astype("int64")
    return frame


def person_statuses(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
    exact_concepts: bool = False,
) -> pd.DataFrame:
    """person_id, status of every person with a row in `ps_status`, by person_id."""
    sql, params = status_query(
        con, trial, as_of, batch_persons=batch_persons, exact_concepts=exact_concepts
    )
    return con.execute(f"select * from (\n{sql}\n) order by person_id", params).df()


def everyone_status(statuses: str) -> str:
    """The query of person_id, site, status of every person of person_site, from a query of
    person_id, status (status_query, a sweep value's): persons without a status row are
    likely eligible (sql/criteria/everyone_status.sql)."""
    return render(read_sql("criteria/everyone_status.sql"), statuses=statuses.strip())


def status_query(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    as_of: date,
    *,
    batch_persons: int = BATCH_PERSONS,
    exact_concepts: bool = False,
    reuse_codes: bool = False,
) -> tuple[str, dict[str, Any]]:
    """Screen for statuses only (forecasts; sweeps reuse one status pass:
    criteria/swept.py) and return the query of person_id, status (unordered) and its
    parameters, so the statuses can stay in DuckDB. No result row is assembled, and the
    run's own criterion_result stays as it is. `reuse_codes`: as screen_into."""
    screen_into(
        con, trial, as_of, evidence="none", batch_persons=batch_persons,
        exact_concepts=exact_concepts, results=False, reuse_codes=reuse_codes,
    )  # fmt: skip
    return read_sql("criteria/person_status.sql"), {"top": top_positions(build_plan(trial, as_of))}
