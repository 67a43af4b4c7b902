"""One chunk of persons -> Arrow tables for every OMOP table of the extract."""

from __future__ import annotations

from collections.abc import Iterator

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
) -> Iterator[tuple[str, pa.Table]]:
    """(table name, rows) for persons first_id..first_id+n-1; row ids from first_row_ids.

    Yields one table at a time so a chunk never holds every table in Arrow form at once.
    """
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
    yield "person", population.person_table(rng, c)
    yield "observation_period", population.observation_period_table(c, first_id)
    yield "death", population.death_table(rng, c)
    for name in EVENT_TABLES:
        yield name, rows.table(name, c.person_ids, c.last_day, first_row_ids[name])


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
    extra = rng.poisson(1.5, c.n)
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
