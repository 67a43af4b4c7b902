"""Limb-level clinical data: PAD diagnoses, ulcers, Rutherford, hemodynamics, imaging.

The study limb (`Cohort.side`) carries the CLI findings; the other limb is assessed for
60 % of persons with milder values. Values for core candidates sit inside NL003's I2/I3
thresholds with a margin, so rounding and unit conversion never flip a result.
"""

from __future__ import annotations

import numpy as np

from prescreen.synth import ulcer
from prescreen.synth.population import Cohort
from prescreen.synth.rows import Coded, Rows, coded, sided

SEGMENTS = ["AO", "CIA", "EIA", "CFA", "SFA", "POP", "ATA", "PTA", "PER"]
MODALITIES = ["DSA", "CTA", "DUS", "MRA"]
_STENOSIS = [f"STENOSIS|{g}|{s}|{m}" for g in SEGMENTS for s in "RL" for m in MODALITIES]


def stenosis_code(segment: int, side: np.ndarray, modality: np.ndarray):
    """`STENOSIS|<segment>|<side>|<modality>` codes (segment index, side 0/1, modality index)."""
    return coded(_STENOSIS, (segment * 2 + side) * len(MODALITIES) + modality)


def limb_events(rng: np.random.Generator, c: Cohort, rows: Rows) -> dict[str, np.ndarray]:
    """Add every limb-level row; returns per-person days of assessment and imaging."""
    f = c.flags
    assess = np.where(
        c.is_kind("stale"),
        c.index_day - rng.integers(100, 300, size=c.n),
        c.index_day - rng.integers(3, 76, size=c.n),
    )
    imaging = np.where(
        f["imaging_stale"],
        c.index_day - rng.integers(120, 400, size=c.n),
        c.index_day - rng.integers(5, 86, size=c.n),
    )
    _pad_diagnoses(rng, c, rows)
    ulcer.ulcer_diagnoses(rng, c, rows)
    _rutherford(rng, c, rows, assess)
    _hemodynamics(rng, c, rows, assess)
    _imaging(rng, c, rows, imaging)
    ulcer.ulcer_assessment(rng, c, rows, assess)
    return {"assess": assess, "imaging": imaging}


def _pad_diagnoses(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Atherosclerosis history: I70.21x claudication, I70.22x rest pain, I73.9."""
    f, side = c.flags, c.side
    pad = np.flatnonzero(~f["no_pad_dx"])
    claud = ["I70.211", "I70.212"]
    rows.add("condition_occurrence", pad, c.ago(rng, 300, 3000, pad), coded(claud, side[pad]))
    rest = np.flatnonzero(~f["no_pad_dx"] & ~c.is_kind("claudicant"))
    rows.add(
        "condition_occurrence",
        rest,
        c.ago(rng, 120, 600, rest),
        coded(["I70.221", "I70.222"], side[rest]),
    )
    # unsided atherosclerosis code for some (realism: I73.9 without side)
    some = np.flatnonzero((rng.random(c.n) < 0.2) & ~f["no_pad_dx"])
    rows.add("condition_occurrence", some, c.ago(rng, 200, 3000, some), "I73.9")
    nopad = np.flatnonzero(f["no_pad_dx"])
    rows.add("condition_occurrence", nopad, c.ago(rng, 200, 2000, nopad), "E11.51")


def _rutherford(rng: np.random.Generator, c: Cohort, rows: Rows, assess: np.ndarray) -> None:
    """RUTHERFORD|side: latest grade by kind on the study limb, an older grade, the other limb."""
    grade = np.select(
        [c.is_kind("claudicant"), c.is_kind("rest_pain"), c.is_kind("tissue_loss")], [3, 4, 6], 5
    )
    every = np.arange(c.n)
    rows.add("observation", every, assess, sided("RUTHERFORD", c.side), value_as_number=grade)
    old = np.flatnonzero(rng.random(c.n) < 0.7)
    rows.add(
        "observation",
        old,
        assess[old] - rng.integers(90, 400, size=len(old)),
        sided("RUTHERFORD", c.side[old]),
        value_as_number=np.maximum(grade[old] - rng.integers(0, 2, size=len(old)), 2),
    )
    other = np.flatnonzero(c.other_assessed)
    rows.add(
        "observation",
        other,
        assess[other],
        sided("RUTHERFORD", 1 - c.side[other]),
        value_as_number=rng.integers(1, 5, size=len(other)),
    )


def _pressure(rng: np.random.Generator, mmhg: np.ndarray) -> tuple[np.ndarray, Coded]:
    """mm[Hg] values, 10 % reported in kPa (1 decimal)."""
    kpa = rng.random(len(mmhg)) < 0.1
    value = np.where(kpa, np.round(mmhg / 7.50062, 1), np.round(mmhg))
    return value, coded(["mm[Hg]", "kPa"], kpa.astype(np.int32))


def _hemodynamics(rng: np.random.Generator, c: Cohort, rows: Rows, assess: np.ndarray) -> None:
    """ABI (8580-3/8579-5), ANKLE_SBP|side, TCPO2|side on the study limb (+ older, other limb)."""
    ischemic = ~(c.flags["hemo_normal"] | c.is_kind("claudicant"))
    n = c.n
    has_abi = rng.random(n) < 0.85
    has_sbp = (rng.random(n) < 0.75) | ~has_abi
    has_tc = rng.random(n) < 0.5
    abi = np.where(ischemic, rng.uniform(0.12, 0.48, n), rng.uniform(0.56, 0.95, n)).round(2)
    sbp = np.where(ischemic, rng.uniform(28, 67, n), rng.uniform(82, 150, n))
    tc = np.where(ischemic, rng.uniform(4, 27, n), rng.uniform(36, 65, n))
    abi_codes = ["8580-3", "8579-5"]
    for has, kind in ((has_abi, "abi"), (has_sbp, "sbp"), (has_tc, "tc")):
        who = np.flatnonzero(has)
        when = assess[who]
        if kind == "abi":
            unit = coded(["{ratio}"], np.where(rng.random(len(who)) < 0.5, 0, -1))
            rows.add(
                "measurement",
                who,
                when,
                coded(abi_codes, c.side[who]),
                value_as_number=abi[who],
                unit_source_value=unit,
            )
            continue
        value, unit = _pressure(rng, (sbp if kind == "sbp" else tc)[who])
        code = sided("ANKLE_SBP" if kind == "sbp" else "TCPO2", c.side[who])
        rows.add("measurement", who, when, code, value_as_number=value, unit_source_value=unit)
    # older ABI on the study limb (outside 90 days), and the other limb's ABI
    old = np.flatnonzero(rng.random(n) < 0.3)
    rows.add(
        "measurement",
        old,
        assess[old] - rng.integers(100, 500, size=len(old)),
        coded(abi_codes, c.side[old]),
        value_as_number=rng.uniform(0.3, 0.8, len(old)).round(2),
    )
    other = np.flatnonzero(c.other_assessed)
    rows.add(
        "measurement",
        other,
        assess[other],
        coded(abi_codes, 1 - c.side[other]),
        value_as_number=rng.uniform(0.55, 1.1, len(other)).round(2),
    )


def _imaging(rng: np.random.Generator, c: Cohort, rows: Rows, day: np.ndarray) -> None:
    """DSA/CTA study (procedure + STENOSIS rows), inflow segments, an older duplex study."""
    cta, bilateral = _imaging_study(rng, c, rows, day)
    _runoff_stenosis(rng, c, rows, day, cta)
    _inflow_stenosis(rng, c, rows, day, cta, bilateral)
    _duplex(rng, c, rows)


def _imaging_study(rng: np.random.Generator, c: Cohort, rows: Rows, day: np.ndarray):
    """The DSA (75710/75716) or CTA (75635/73706) procedure; returns modality and bilaterality."""
    n, side = c.n, c.side
    every = np.arange(n)
    cta = (rng.random(n) < 0.4).astype(np.int64)  # modality index: 0 DSA, 1 CTA
    bilateral = rng.random(n) < 0.4
    proc = np.where(cta == 1, np.where(bilateral, 2, 3), np.where(bilateral, 1, 0))
    modifier = np.where(bilateral, 2, side)  # RT, LT, 50
    modifier = np.where(proc == 2, -1, modifier)  # 75635 carries no modifier
    rows.add(
        "procedure_occurrence",
        every,
        day,
        coded(["75710", "75716", "75635", "73706"], proc),
        modifier_source_value=coded(["RT", "LT", "50"], modifier),
    )
    return cta, bilateral


def _runoff_stenosis(rng: np.random.Generator, c: Cohort, rows: Rows, day, cta) -> None:
    """CFA to PER stenosis on the study limb; one severe target segment unless perturbed."""
    f, n, side = c.flags, c.n, c.side
    severe = ~(f["stenosis_mild"] | c.is_kind("claudicant"))
    target = rng.choice(np.array([4, 5, 6, 7, 8]), size=n, p=[0.4, 0.2, 0.15, 0.15, 0.1])
    for seg in range(3, 9):
        is_target = (target == seg) & severe
        occluded = rng.random(n) < 0.35
        value = np.where(
            is_target, np.where(occluded, 100, rng.integers(70, 100, n)), rng.integers(0, 66, n)
        )
        measured = is_target | (rng.random(n) < 0.25)
        who = np.flatnonzero(measured)
        rows.add(
            "measurement",
            who,
            day[who],
            stenosis_code(seg, side[who], cta[who]),
            value_as_number=value[who].astype(float),
            unit_source_value="%",
        )


def _inflow_stenosis(rng: np.random.Generator, c: Cohort, rows: Rows, day, cta, bilateral) -> None:
    """CIA/EIA (E4) from the same study, and the other limb's SFA on bilateral studies."""
    f, side = c.flags, c.side
    # inflow (aorto-iliac), by the same study for most, within 12 months
    inflow = np.flatnonzero(~f["inflow_missing"])
    for seg in (1, 2):
        value = np.where(
            f["aortoiliac_stenosis"][inflow] & (seg == 1),
            rng.integers(70, 101, len(inflow)),
            rng.integers(0, 50, len(inflow)),
        )
        rows.add(
            "measurement",
            inflow,
            day[inflow],
            stenosis_code(seg, side[inflow], cta[inflow]),
            value_as_number=value.astype(float),
            unit_source_value="%",
        )
    other = np.flatnonzero(bilateral)
    rows.add(
        "measurement",
        other,
        day[other],
        stenosis_code(4, 1 - side[other], cta[other]),
        value_as_number=rng.integers(0, 80, len(other)).astype(float),
        unit_source_value="%",
    )


def _duplex(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """An older duplex ultrasound (DUS does not count for I2)."""
    n, side = c.n, c.side
    dus = np.flatnonzero(rng.random(n) < 0.3)
    dus_day = c.ago(rng, 200, 900, dus)
    for seg in (4, 5):
        rows.add(
            "measurement",
            dus,
            dus_day,
            stenosis_code(seg, side[dus], np.full(len(dus), 2)),
            value_as_number=rng.integers(30, 101, len(dus)).astype(float),
            unit_source_value="%",
        )
