"""Every person's status at several index dates of one trial, in one pass over the events
(`prescreen newly-eligible`: a count per past month needs a status pass per month).

A date moves only the rule windows, the age and the texts. So the status pass builds each
(person, rule instance) group once with every date's aggregates side by side
(sql_compile.compile_statuses_over), each date decides and packs its own words
(`ps_states_dates`, one row per person and date), and the rule tree runs once per date
over that date's words, exactly as a single screen's tree runs over `ps_states`.
`tests/test_dated_statuses.py` holds every date's statuses equal to a screen at that date.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from prescreen import progress
from prescreen.criteria.model import Trial
from prescreen.criteria.plan import build_plan
from prescreen.criteria.sql_compile import (
    compile_statuses_over,
    inst_dates_sql,
    state_words,
    top_positions,
)
from prescreen.criteria.sql_engine import (
    BATCH_PERSONS,
    person_batches,
    prepare_screen,
    status_tree,
)
from prescreen.sqltext import read_sql

# persons per batch at one date; a batch of a several-date pass holds proportionally fewer
# persons, since its (person, instance) groups carry every date's aggregates
DATE_BATCH_PERSONS = BATCH_PERSONS


def statuses_over(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    dates: list[date],
    *,
    exact_concepts: bool = False,
    batch_persons: int | None = None,
) -> dict[date, pd.DataFrame]:
    """{index date: person_id, status of every person with a status row} (person_status.sql
    at each date; a person without one is likely eligible, as `person_statuses` says)."""
    if not dates:
        return {}
    plans = [build_plan(trial, d) for d in dates]
    prepare_screen(con, plans[-1], exact_concepts=exact_concepts)
    compiled = compile_statuses_over(plans)
    con.execute(inst_dates_sql(len(plans)), {"rows": compiled.date_rows})
    size = batch_persons or max(1_000, DATE_BATCH_PERSONS * 2 // len(plans))
    con.execute("drop table if exists ps_states_dates")
    batches = person_batches(con, size, "person")
    for k, (lo, hi) in enumerate(batches, 1):
        progress.note(f"status pass at {len(dates)} dates: batch {k} of {len(batches)}")
        params = {**compiled.states_params, "person_lo": lo, "person_hi": hi}
        verb = "create temp table ps_states_dates as" if k == 1 else "insert into ps_states_dates"
        con.execute(f"{verb}\n{compiled.states_sql}", params)
    if not batches:  # no person at all: an empty table of the right shape
        params = {**compiled.states_params, "person_lo": 1, "person_hi": 0}
        con.execute(f"create temp table ps_states_dates as\n{compiled.states_sql}", params)
    words = ", ".join(f"w{w}" for w in range(state_words(plans[0])))
    out: dict[date, pd.DataFrame] = {}
    for k, (day, plan, tree) in enumerate(zip(dates, plans, compiled.trees, strict=True)):
        progress.note(f"statuses at {day.isoformat()}")
        con.execute("drop table if exists ps_states")
        con.execute(
            f"create temp table ps_states as select person_id, {words} "
            "from ps_states_dates where di = $di",
            {"di": k},
        )
        status_tree(con, plan, tree)
        out[day] = con.execute(
            read_sql("criteria/person_status.sql"), {"top": top_positions(plan)}
        ).df()
    con.execute("drop table if exists ps_states_dates")
    return out
