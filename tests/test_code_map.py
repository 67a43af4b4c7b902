"""Each OMOP table's code map holds only the code sets the trial reads in that table.

A code set matched in a table nobody reads it from turns that table's rows into hits the
instance join then drops: the death check's match-all code set once made every event row
of every table a hit (39 % of a status batch at 1M, bench/notes.md)."""

from __future__ import annotations

import pytest
from sample_screen import D, loaded_sample

from prescreen.criteria.parse import ALIVE_CODESET
from prescreen.criteria.plan import build_plan
from prescreen.criteria.sql_compile import codeset_keys
from prescreen.criteria.sql_engine import prepare_screen


@pytest.fixture(scope="module")
def maps():
    con, trial = loaded_sample()
    plan = build_plan(trial, D)
    prepare_screen(con, plan)
    keys = codeset_keys(plan)
    found = {
        domain: {
            row[0] for row in con.execute(f"select distinct csk from ps_cmap_{domain}").fetchall()
        }
        for domain in plan.domains()
    }
    read = {d: {keys[name] for name, dom in plan.codeset_uses() if dom == d} for d in found}
    con.close()
    return keys, found, read


def test_every_code_map_holds_only_code_sets_read_in_its_table(maps):
    _, found, read = maps
    for domain, csks in found.items():
        assert csks, f"no code of {domain} matched any code set: the sample should exercise it"
        assert csks <= read[domain], domain


def test_the_match_all_death_code_set_maps_the_death_table_alone(maps):
    keys, found, _ = maps
    alive = keys[ALIVE_CODESET]
    assert alive in found["death"]
    assert all(alive not in csks for domain, csks in found.items() if domain != "death")
