"""One chunk of persons -> Arrow tables for every OMOP table of the extract."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prescreen.synth import clinical, labs, limb, population
from prescreen.synth.rows import Rows, coded
from prescreen.synth.schema import EVENT_TABLES


def chunk_tables(
    seed: int,
    chunk: int,
    first_id: int,
    n: int,
    sites: int,
    index_day: int,
    first_row_ids: dict[str, int],
) -> dict[str, pa.Table]:
    """All tables for persons first_id..first_id+n-1; row ids continue from first_row_ids."""
    rng = np.random.default_rng([seed, chunk])
    c = population.cohort(rng, first_id, n, sites, index_day)
    rows = Rows()
    days = limb.limb_events(rng, c, rows)
    clinical.conditions(rng, c, rows)
    clinical.procedures(rng, c, rows)
    clinical.drugs(rng, c, rows)
    clinical.observations(rng, c, rows)
    labs.labs(rng, c, rows)
    _visits(rng, c, rows, days)
    tables = {
        "person": population.person_table(rng, c),
        "observation_period": population.observation_period_table(c, first_id),
        "death": population.death_table(rng, c),
    }
    for name in EVENT_TABLES:
        table, count = rows.table(name, c.person_ids, c.last_day)
        ids = pa.array(np.arange(first_row_ids[name], first_row_ids[name] + count, dtype=np.int64))
        tables[name] = table.set_column(0, table.schema.field(0), ids)
    return tables


def _visits(rng: np.random.Generator, c: population.Cohort, rows: Rows, days: dict) -> None:
    """Outpatient visits at the assessment and imaging days, plus a few earlier ones."""
    site = np.where(c.site == 0, np.nan, c.site)
    every = np.arange(c.n)
    for day in (days["assess"], days["imaging"]):
        rows.add(
            "visit_occurrence",
            every,
            day,
            "OP",
            visit_concept_id=9202,
            visit_end_date=day,
            care_site_id=site,
        )
    extra = rng.poisson(2.5, c.n)
    who = np.repeat(every, extra)
    start = c.ago(rng, 1, 1500, who)
    inpatient = rng.random(len(who)) < 0.12
    end = np.minimum(start + np.where(inpatient, rng.integers(1, 12, len(who)), 0), c.last_day[who])
    rows.add(
        "visit_occurrence",
        who,
        start,
        coded(["OP", "IP"], inpatient.astype(np.int32)),
        visit_concept_id=np.where(inpatient, 9201, 9202),
        visit_end_date=end,
        care_site_id=site[who],
    )
