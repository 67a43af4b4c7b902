"""Statuses of one trial under several values of a parameter (`--sweep`), each value's
status pass reusing the run's (or the first value's).

A swept value changes a threshold, a window or a count: a few rule instances' bound
values, or an age limit of the rule tree. The status pass's cost is its per-person,
per-instance work over every event row, so screening each value in full repeats what the
other instances already gave. Here one status pass's per-person words (every instance's
packed result, `ps_states`) are kept: the run's own (keep_status_words), else the first
value's. Each value then recomputes only the instances whose bound row differs from the
kept pass's, over the rows of their code sets. When the value's rule tree is the kept
pass's but for its age limits, only the persons whose words those instances change, or
whose age test the new limits decide otherwise, can change status: the tree runs over them
alone and everyone else keeps the kept status. Otherwise (a tree that differs in anything
else) the new results go into a copy of the kept words and the value's tree runs over
everyone. An instance's packed result depends on its own row and its code set's events
only, so the statuses are those of a full screen (tests/test_sweep_reuse.py holds them
against one). A value whose plan differs in
anything else (another instance list, other codes or units, another index date) is
screened in full, and its words are kept instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from prescreen.criteria.model import Trial
from prescreen.criteria.plan import Plan, build_plan
from prescreen.criteria.sql_compile import (
    PER_WORD,
    STATE_BITS,
    Compiled,
    compile_screen,
    state_words,
    top_positions,
)
from prescreen.criteria.sql_engine import (
    BATCH_PERSONS,
    everyone_status,
    prepare_screen,
    states_into,
    status_tree,
)
from prescreen.sqltext import read_sql, render
from prescreen.status import STATUSES

KEPT = "ps_sweep_states"  # the kept status pass's per-person words
KEPT_STATUS = "ps_sweep_status"  # every person's status from those words and their tree
CHANGED = "ps_sweep_changed"  # the persons whose words a value changes


@dataclass(frozen=True)
class Kept:
    """What produced the kept words: every instance's bound row, the rest of the plan
    that an instance's result depends on, and the rule tree that made the kept statuses."""

    inst_rows: list[dict[str, Any]]
    rest: tuple
    tree: tuple
    ages: dict[int, tuple]  # each age node's test (opcode, a, b): _age_changed compares them


def keep_status_words(
    con: duckdb.DuckDBPyConnection, plan: Plan, status: Compiled, *, exact_concepts: bool
) -> Kept:
    """Keep the words of the status pass just run (`ps_states`, renamed: not copied) for a
    sweep after the screen, whose values then all reuse the run's own pass."""
    con.execute(f"drop table if exists {KEPT}")
    con.execute(f"alter table ps_states rename to {KEPT}")
    _keep_statuses(con, plan)
    return Kept(
        status.tables["inst"],
        _rest(plan, status.tables, exact_concepts),
        _tree(plan, status),
        _ages(plan),
    )


class SweptStatuses:
    """person_id, status per trial, the trials differing in parameter values (one sweep).

    `kept`: the words a screen kept (keep_status_words), else the first value is screened
    in full. Use as a context manager: leaving it drops the kept words.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        index_date: date,
        *,
        exact_concepts: bool = False,
        batch_persons: int = BATCH_PERSONS,
        kept: Kept | None = None,
    ) -> None:
        self.con = con
        self.index_date = index_date
        self.exact_concepts = exact_concepts
        self.batch_persons = batch_persons
        self.kept = kept
        self.recomputed: list[int] = []  # per call: instances recomputed (all: a full pass)
        self.retreed: list[int] = []  # per call: persons the rule tree ran over

    def __enter__(self) -> SweptStatuses:
        return self

    def __exit__(self, *_: object) -> None:
        for table in (KEPT, KEPT_STATUS, CHANGED):
            self.con.execute(f"drop table if exists {table}")
        self.kept = None

    def statuses(self, trial: Trial) -> pd.DataFrame:
        """person_id, status of every person with a row in `ps_status` (as
        sql_engine.person_statuses returns them)."""
        sql, params = self._decided(trial)
        return self.con.execute(f"select * from (\n{sql}\n) order by person_id", params).df()

    def counts(self, trial: Trial) -> dict[str, int]:
        """screened and the count of each status over the persons of person_site, as
        status.status_counts gives them from pipeline.statuses_stage's frame; only the
        counts leave DuckDB (a sweep row needs nothing else)."""
        sql, params = self._decided(trial)
        found = self.con.execute(
            render(read_sql("criteria/sweep_counts.sql"), everyone=everyone_status(sql)), params
        ).fetchall()[0]
        return dict(zip(("screened", *STATUSES), (int(n) for n in found), strict=True))

    def _decided(self, trial: Trial) -> tuple[str, dict[str, Any]]:
        """Decide every person's status under `trial`; returns the query (and its
        parameters) of person_id, status, unordered."""
        plan = build_plan(trial, self.index_date)
        status = compile_screen(plan, evidence=False)
        rows = status.tables["inst"]
        rest = _rest(plan, status.tables, self.exact_concepts)
        changed = self._changed(rows, rest)
        top = {"top": top_positions(plan)}
        if changed is None:
            prepare_screen(self.con, plan, exact_concepts=self.exact_concepts)
            states_into(self.con, status, self.batch_persons, "person")
            self.con.execute(f"create or replace temp table {KEPT} as select * from ps_states")
            self.recomputed.append(len(plan.insts))
            self.retreed.append(status_tree(self.con, plan, status, statuses_only=True))
            _keep_statuses(self.con, plan)
            self.kept = Kept(rows, rest, _tree(plan, status), _ages(plan))
            return f"select * from {KEPT_STATUS}", {}
        self.recomputed.append(len(changed))
        if self.kept is not None and self.kept.tree == _tree(plan, status):
            self._changed_persons(plan, status, changed)
            self._age_changed(plan, self.kept.ages)
            only = compile_screen(plan, evidence=False, only=CHANGED)
            self.retreed.append(status_tree(self.con, plan, only, statuses_only=True))
            sql = render(
                read_sql("criteria/swept_status.sql"), kept_status=KEPT_STATUS, changed=CHANGED
            )
            return sql, top
        self._reuse(plan, status, changed)
        self.retreed.append(status_tree(self.con, plan, status, statuses_only=True))
        return read_sql("criteria/person_status.sql"), top

    def _changed(self, rows: list[dict[str, Any]], rest: tuple) -> set[int] | None:
        """The instances whose bound row differs from the kept one's; None when the kept
        words cannot serve (none kept, or the plans differ in more than those rows)."""
        kept = self.kept
        if kept is None or kept.rest != rest or len(kept.inst_rows) != len(rows):
            return None
        return {new["inst"] for old, new in zip(kept.inst_rows, rows, strict=True) if old != new}

    def _recompute(self, plan: Plan, status: Compiled, changed: set[int]) -> list[int]:
        """`ps_states`: the changed instances' packed results alone (nothing else set);
        returns, per word, the mask of their bits."""
        prepare_screen(self.con, plan, exact_concepts=self.exact_concepts, insts=changed)
        # a batch's memory grows with its (person, instance) groups: fewer instances, more
        # persons per batch (and fewer statements: each costs about 0.1 s at least)
        share = max(1, len(plan.insts) // len(changed))
        states_into(self.con, status, self.batch_persons * share, "person")
        masks = [0] * state_words(plan)
        for inst in changed:
            masks[inst // PER_WORD] |= ((1 << STATE_BITS) - 1) << (STATE_BITS * (inst % PER_WORD))
        return masks

    def _changed_persons(self, plan: Plan, status: Compiled, changed: set[int]) -> None:
        """`ps_states` and `CHANGED`: the persons whose words the changed instances change,
        with their merged words (none when no instance changed)."""
        if not changed:
            self.con.execute(f"create or replace temp table {CHANGED} (person_id bigint)")
            self.con.execute(
                f"create or replace temp table ps_states as select * from {KEPT} limit 0"
            )
            return
        self._merge(self._recompute(plan, status, changed), changed_only=True)
        self.con.execute(
            f"create or replace temp table {CHANGED} as select person_id from ps_states"
        )

    def _age_changed(self, plan: Plan, kept: dict[int, tuple]) -> None:
        """Add to `CHANGED` the persons an age test decides otherwise under this value than
        under the kept pass, with their kept words in `ps_states` (the tree reads them)."""
        moved = [(kept[idx], test) for idx, test in _ages(plan).items() if kept.get(idx) != test]
        if not moved:
            return
        sql = render(read_sql("criteria/age_changed.sql"), changed=CHANGED)
        for (old_opc, old_a, old_b), (new_opc, new_a, new_b) in moved:
            self.con.execute(
                sql,
                {
                    "index_date": self.index_date,
                    "old_opc": old_opc, "old_a": old_a, "old_b": old_b,
                    "new_opc": new_opc, "new_a": new_a, "new_b": new_b,
                },
            )  # fmt: skip
        self.con.execute(
            f"insert into ps_states select k.* from {KEPT} as k "
            f"semi join {CHANGED} as c on k.person_id = c.person_id "
            "anti join ps_states as n on k.person_id = n.person_id"
        )

    def _reuse(self, plan: Plan, status: Compiled, changed: set[int]) -> None:
        """`ps_states`: the kept words, the changed instances' results computed anew (for
        a value with its own rule tree, run over everyone)."""
        if not changed:
            self.con.execute(f"create or replace temp table ps_states as select * from {KEPT}")
            return
        self._merge(self._recompute(plan, status, changed), changed_only=False)

    def _merge(self, masks: list[int], *, changed_only: bool) -> None:
        """`ps_states`: the kept words with the recomputed instances' bits (`masks`) taken
        from the new results in `ps_states`; every person's, or (`changed_only`) only
        those of persons whose words that changes."""
        words = range(len(masks))
        zero = "cast(0 as ubigint)"
        differs = [f"(k{w} & cast($m{w} as ubigint)) <> n{w}" for w in words if masks[w]]
        self.con.execute(
            render(
                read_sql("criteria/merge_states.sql"),
                kept=KEPT,
                pairs=",\n".join(
                    f"        coalesce(k.w{w}, {zero}) as k{w}, coalesce(n.w{w}, {zero}) as n{w}"
                    for w in words
                ),
                merged=",\n".join(
                    f"    (k{w} & ~cast($m{w} as ubigint)) | n{w} as w{w}" for w in words
                ),
                differs="\n    or ".join(differs) if changed_only else "true",
            ),
            {f"m{w}": masks[w] for w in words},
        )
        self.con.execute("drop table ps_states")
        self.con.execute("alter table ps_states_merged rename to ps_states")


def _keep_statuses(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """`KEPT_STATUS`: every person's status from the status tree just run (ps_status),
    which the kept words gave."""
    con.execute(
        f"create or replace temp table {KEPT_STATUS} as\n" + read_sql("criteria/person_status.sql"),
        {"top": top_positions(plan)},
    )


def _tree(plan: Plan, status: Compiled) -> tuple:
    """The status rule tree's statement and parameters but its age tests' limits (`_ages`):
    the same for two values, the same words give the same statuses to everyone whose age
    tests the two decide alike."""
    limits = {f"n{idx}_{part}" for idx in _ages(plan) for part in ("opc", "a", "b")}
    kept = sorted((k, v) for k, v in status.tree_params.items() if k not in limits)
    return (status.tree_sql, repr(kept))


def _ages(plan: Plan) -> dict[int, tuple]:
    """Each age node of the rule tree: its test as (opcode, a, b)."""
    return {n.idx: n.age_predicate().interval() for n in plan.nodes if n.kind == "age"}


def _rest(plan: Plan, tables: dict[str, list[dict[str, Any]]], exact_concepts: bool) -> tuple:
    """What else an instance's packed result depends on: the index date, the codes of
    every code set and whether descendants were matched, the unit conversions (and,
    through the words' layout, the number of instances, compared beside it)."""
    return (
        plan.index_date,
        exact_concepts,
        repr(tables["patterns"]),
        repr(tables["concepts"]),
        repr(tables["units"]),
        tuple(plan.domains()),
    )
