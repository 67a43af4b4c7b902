"""Ischemic ulcers: diagnoses with onset dates (I70.23x/I70.24x, L97.xyz, I70.26x) and
the ulcer assessment on the study limb (area, count, exposure, gangrene extent)."""

from __future__ import annotations

import numpy as np

from prescreen.synth.population import Cohort
from prescreen.synth.rows import Rows, coded, sided


def has_ulcer(c: Cohort) -> np.ndarray:
    """Persons whose study limb has an ischemic ulcer (all kinds but claudication/rest pain)."""
    return ~(c.is_kind("claudicant") | c.is_kind("rest_pain"))


def ulcer_diagnoses(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Active ulcer codes with onset (recent for `ulcer_recent`), healed ulcers, gangrene."""
    f, side = c.flags, c.side
    ulcer = np.flatnonzero(has_ulcer(c))
    onset = np.where(
        f["ulcer_recent"][ulcer],
        c.index_day - rng.integers(2, 14, size=len(ulcer)),
        c.ago(rng, 21, 330, ulcer),
    )
    s = side[ulcer]
    site = rng.choice(np.array([3, 4, 5, 8, 9]), size=len(ulcer), p=[0.15, 0.25, 0.45, 0.1, 0.05])
    with_dx = ulcer[~f["no_pad_dx"][ulcer]]
    i70 = [f"I70.2{3 + k}{loc}" for k in (0, 1) for loc in "1234589"]
    loc_idx = rng.integers(0, 7, size=len(with_dx))
    rows.add(
        "condition_occurrence",
        with_dx,
        onset[~f["no_pad_dx"][ulcer]],
        coded(i70, side[with_dx] * 7 + loc_idx),
    )
    depth = rng.choice(np.array([1, 2, 8, 9]), size=len(ulcer), p=[0.3, 0.5, 0.1, 0.1])
    bone = f["ulcer_bone_code"][ulcer] | c.is_kind("tissue_loss")[ulcer]
    depth = np.where(bone, rng.choice(np.array([4, 6]), size=len(ulcer)), depth)
    laterality = np.where(rng.random(len(ulcer)) < 0.03, 9, s + 1)  # a few unspecified side
    codes = site * 100 + laterality * 10 + depth
    vocab = [f"L97.{k:03d}" for k in range(1000)]
    rows.add("condition_occurrence", ulcer, onset, coded(vocab, codes))
    _healed_and_gangrene(rng, c, rows)


def _healed_and_gangrene(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    f, side = c.flags, c.side
    # a healed ulcer on the other limb years ago (end date set: not active)
    healed = np.flatnonzero(rng.random(c.n) < 0.15)
    start = c.ago(rng, 500, 2500, healed)
    rows.add(
        "condition_occurrence",
        healed,
        start,
        coded(["L97.512", "L97.511"], side[healed]),
        condition_end_date=start + rng.integers(30, 200, size=len(healed)),
    )
    gangrene = np.flatnonzero(c.is_kind("tissue_loss") | f["gangrene_ext"])
    rows.add(
        "condition_occurrence",
        gangrene,
        c.ago(rng, 14, 120, gangrene),
        coded(
            ["I70.261", "I70.262", "I70.263"],
            np.where(rng.random(len(gangrene)) < 0.1, 2, side[gangrene]),
        ),
    )


def ulcer_assessment(rng: np.random.Generator, c: Cohort, rows: Rows, assess: np.ndarray) -> None:
    """ULCER_AREA/COUNT/EXPOSURE and GANGRENE_EXTENT on the study limb at the assessment."""
    f = c.flags
    who = np.flatnonzero(has_ulcer(c))
    m, side, when = len(who), c.side[who], assess[who]
    large = f["ulcer_large"][who] | (c.is_kind("tissue_loss")[who] & (rng.random(m) < 0.5))
    area = np.where(large, rng.uniform(10.6, 30, m), rng.uniform(0.4, 9.6, m)).round(1)
    mm2 = rng.random(m) < 0.12
    measured = ~f["area_missing"][who]
    rows.add(
        "measurement",
        who[measured],
        when[measured],
        sided("ULCER_AREA", side[measured]),
        value_as_number=np.where(mm2, np.round(area * 100), area)[measured],
        unit_source_value=coded(["cm2", "mm2"], mm2[measured].astype(np.int32)),
    )
    count = np.where(
        f["ulcer_many"][who], rng.integers(4, 7, m), rng.choice([1, 2, 3], m, p=[0.6, 0.3, 0.1])
    )
    rows.add("observation", who, when, sided("ULCER_COUNT", side), value_as_number=count)
    _ulcer_depth(rng, c, rows, who, when)
    # an older, larger assessment
    old = who[rng.random(m) < 0.5]
    rows.add(
        "measurement",
        old,
        assess[old] - rng.integers(100, 300, len(old)),
        sided("ULCER_AREA", c.side[old]),
        value_as_number=rng.uniform(1, 20, len(old)).round(1),
        unit_source_value="cm2",
    )


def _ulcer_depth(rng: np.random.Generator, c: Cohort, rows: Rows, who, when) -> None:
    """ULCER_EXPOSURE (none for candidates) and GANGRENE_EXTENT (sometimes not recorded)."""
    f, m, side = c.flags, len(who), c.side[who]
    exposure = np.select(
        [
            f["ulcer_deep"][who] | c.is_kind("tissue_loss")[who],
            f["fascia_exposure"][who],
        ],
        [rng.integers(3, 5, m), rng.integers(1, 3, m)],
        0,
    )
    exposures = ["none", "fascia", "tendon", "joint_capsule", "bone"]
    rows.add(
        "observation",
        who,
        when,
        sided("ULCER_EXPOSURE", side),
        value_as_string=coded(exposures, exposure),
    )
    extent = np.select(
        [c.is_kind("tissue_loss")[who], f["gangrene_ext"][who]],
        [rng.integers(3, 5, m), rng.integers(2, 4, m)],
        (rng.random(m) < 0.25).astype(np.int64),
    )
    recorded = (extent >= 2) | (rng.random(m) < 0.9)
    extents = ["none", "partial_toe", "whole_toe", "forefoot", "beyond_forefoot"]
    rows.add(
        "observation",
        who[recorded],
        when[recorded],
        sided("GANGRENE_EXTENT", side[recorded]),
        value_as_string=coded(extents, extent[recorded]),
    )
