"""Laboratory results and vital signs (LOINC), in the mixed units registries report.

A recent panel (within 90 days of D unless `labs_stale`) and for half the persons an older
one; serology at any date; serum hCG for women <= 55. Normal values keep a margin from the
NL003 thresholds after unit conversion; `lab_abnormal` persons get one abnormal analyte.
"""

from __future__ import annotations

import numpy as np

from prescreen.synth.population import Cohort
from prescreen.synth.rows import Rows, choose, coded

POSITIVE = [9191, 45884084]
NEGATIVE = [9189, 45878583]


def labs(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Every measurement row that is not limb-level."""
    f, n = c.flags, c.n
    recent = np.where(
        f["labs_stale"],
        c.index_day - rng.integers(100, 400, n),
        c.index_day - rng.integers(1, 86, n),
    )
    recent = np.maximum(recent, c.index_day - c.history)
    bad = np.where(f["lab_abnormal"], rng.integers(0, 5, n), -1)  # which analyte is abnormal
    _panel(rng, c, rows, np.arange(n), recent, bad)
    old = np.flatnonzero(rng.random(n) < 0.3)
    _panel(rng, c, rows, old, c.ago(rng, 150, 700, old), np.full(n, -1))
    _hba1c(rng, c, rows, recent)
    _blood_pressure(rng, c, rows, recent)
    _serology(rng, c, rows)
    _hcg(rng, c, rows)
    # rare: two conflicting hemoglobin results on the same day
    conflict = np.flatnonzero(rng.random(n) < 0.003)
    rows.add(
        "measurement",
        conflict,
        recent[conflict],
        "718-7",
        value_as_number=rng.uniform(6.5, 7.8, len(conflict)).round(1),
        unit_source_value="g/dL",
        range_low=12.0,
        range_high=16.0,
    )


def _panel(rng, c: Cohort, rows: Rows, who: np.ndarray, day: np.ndarray, bad: np.ndarray) -> None:
    """Hb, WBC, platelets, AST, ALT, creatinine for persons `who` on `day[who]`."""
    m = len(who)
    d = day[who] if len(day) == c.n else day
    b = bad[who]
    taken = rng.random((6, m)) >= 0.005  # an analyte is rarely missing from a panel
    odd = c.flags["unit_unconvertible"][who]
    _hemoglobin(rng, rows, who, d, b, odd, np.flatnonzero(taken[0]))
    _blood_counts(rng, rows, who, d, b, taken)
    _transaminases(rng, rows, who, d, b, taken)
    _creatinine(rng, rows, who, d, b, np.flatnonzero(taken[5]))


def _hemoglobin(rng, rows: Rows, who, d, b, odd, k) -> None:
    """718-7 in g/dL, g/L or mmol/L (g/L internally); `%` for `unit_unconvertible`."""
    m = len(who)
    hb = np.where(b == 0, rng.uniform(55, 77, m), rng.uniform(95, 165, m))
    unit = rng.choice(3, size=m, p=[0.6, 0.3, 0.1])  # g/dL, g/L, mmol/L
    value = np.select(
        [unit == 0, unit == 1], [np.round(hb / 10, 1), np.round(hb)], np.round(hb / 16.11, 1)
    )
    value = np.where(odd, np.round(hb / 3.4), value)
    unit = np.where(odd, 3, unit)
    low = np.select([unit == 0, unit == 1], [12.0, 120.0], np.nan)
    rows.add(
        "measurement",
        who[k],
        d[k],
        "718-7",
        value_as_number=value[k],
        unit_source_value=coded(["g/dL", "g/L", "mmol/L", "%"], unit[k]),
        range_low=low[k],
    )


def _blood_counts(rng, rows: Rows, who, d, b, taken) -> None:
    """Leukocytes and platelets, 10*9/L internally; /uL values are x 1000."""
    m = len(who)
    for row, codes, normal, abnormal, flag in (
        (1, ["6690-2", "26464-8"], (4.0, 11.0), (1.2, 2.8), 1),
        (2, ["777-3", "26515-7"], (150, 420), (25, 70), 2),
    ):
        v = np.where(b == flag, rng.uniform(*abnormal, m), rng.uniform(*normal, m))
        u = rng.choice(4, size=m, p=[0.5, 0.3, 0.1, 0.1])  # 10*3/uL, 10*9/L, 10*3/mm3, /uL
        v = np.where(u == 3, np.round(v * 1000, -1), np.round(v, 1 if flag == 1 else 0))
        k = np.flatnonzero(taken[row])
        rows.add(
            "measurement",
            who[k],
            d[k],
            choose(rng, codes, len(k), [0.8, 0.2]),
            value_as_number=v[k],
            unit_source_value=coded(["10*3/uL", "10*9/L", "10*3/mm3", "/uL"], u[k]),
        )


def _transaminases(rng, rows: Rows, who, d, b, taken) -> None:
    """AST, ALT in U/L or IU/L (a few ukat/L) with the ULN in range_high."""
    m = len(who)
    for row, code, uln in ((3, "1920-8", 40.0), (4, "1742-6", 45.0)):
        v = np.where(b == 3, rng.uniform(4, 9, m) * uln, rng.uniform(10, 70, m))
        ukat = rng.random(m) < 0.05
        iu = rng.random(m) < 0.2
        k = np.flatnonzero(taken[row])
        rows.add(
            "measurement",
            who[k],
            d[k],
            code,
            value_as_number=np.where(ukat, np.round(v / 60, 2), np.round(v))[k],
            unit_source_value=coded(
                ["U/L", "IU/L", "ukat/L"], np.where(ukat, 2, iu.astype(int))[k]
            ),
            range_high=np.where(ukat, np.round(uln / 60, 2), uln)[k],
        )


def _creatinine(rng, rows: Rows, who, d, b, k) -> None:
    """mg/dL (2160-0, ULN 1.2) or umol/L (14682-9, ULN 106)."""
    m = len(who)
    mgdl = rng.uniform(0.6, 2.6, m)
    mgdl = np.where(b == 4, rng.uniform(3.9, 8, m), mgdl)
    si = rng.random(m) < 0.45
    rows.add(
        "measurement",
        who[k],
        d[k],
        coded(["2160-0", "14682-9"], si[k].astype(np.int32)),
        value_as_number=np.where(si, np.round(mgdl * 88.4), np.round(mgdl, 2))[k],
        unit_source_value=coded(["mg/dL", "umol/L"], si[k].astype(np.int32)),
        range_high=np.where(si, 106.0, 1.2)[k],
    )


def _hba1c(rng, c: Cohort, rows: Rows, recent: np.ndarray) -> None:
    """HbA1c in % (4548-4/17856-6) or mmol/mol (59261-8); diabetics, and some others."""
    f, n = c.flags, c.n
    tested = (c.diabetic & ~f["hba1c_missing"]) | (rng.random(n) < 0.3)
    who = np.flatnonzero(tested)
    pct = np.where(
        c.diabetic[who], rng.uniform(5.8, 9.4, len(who)), rng.uniform(4.8, 6.2, len(who))
    )
    pct = np.where(f["hba1c_high"][who], rng.uniform(10.6, 13.5, len(who)), pct)
    _add_hba1c(rng, rows, who, recent[who], pct)
    old = np.flatnonzero(c.diabetic & (rng.random(n) < 0.6))
    _add_hba1c(rng, rows, old, c.ago(rng, 120, 900, old), rng.uniform(6, 11, len(old)))


def _add_hba1c(rng, rows: Rows, who, day, pct) -> None:
    ifcc = rng.random(len(who)) < 0.3
    value = np.where(ifcc, np.round((pct - 2.152) / 0.09148), np.round(pct, 1))
    code = np.where(ifcc, 2, rng.integers(0, 2, len(who)))
    rows.add(
        "measurement",
        who,
        day,
        coded(["4548-4", "17856-6", "59261-8"], code),
        value_as_number=value,
        unit_source_value=coded(["%", "mmol/mol"], ifcc.astype(np.int32)),
    )


def _blood_pressure(rng, c: Cohort, rows: Rows, recent: np.ndarray) -> None:
    """Systolic/diastolic BP with the recent panel and at an older visit."""
    f, n = c.flags, c.n
    every = np.arange(n)
    sbp = np.where(
        f["refractory_htn"], rng.uniform(182, 215, n), rng.normal(142, 14, n).clip(100, 172)
    )
    dbp = np.where(f["refractory_htn"], rng.uniform(95, 120, n), rng.normal(80, 9, n).clip(55, 104))
    for code, v in (("8480-6", sbp), ("8462-4", dbp)):
        rows.add(
            "measurement",
            every,
            recent,
            code,
            value_as_number=np.round(v),
            unit_source_value="mm[Hg]",
        )
    old = np.flatnonzero(rng.random(n) < 0.3)
    day = c.ago(rng, 120, 800, old)
    rows.add(
        "measurement",
        old,
        day,
        "8480-6",
        value_as_number=rng.normal(150, 20, len(old)).round(),
        unit_source_value="mm[Hg]",
    )
    rows.add(
        "measurement",
        old,
        day,
        "8462-4",
        value_as_number=rng.normal(85, 12, len(old)).round(),
        unit_source_value="mm[Hg]",
    )


def _qualitative(rng, rows: Rows, who, day, codes: list[str], positive: np.ndarray) -> None:
    m = len(who)
    word = rng.integers(0, 3, m)
    concept = np.where(positive, np.array(POSITIVE)[word % 2], np.array(NEGATIVE)[word % 2])
    text = coded(
        ["Negative", "Non-reactive", "Not detected", "Positive", "Reactive", "Detected"],
        word + 3 * positive.astype(np.int64),
    )
    rows.add(
        "measurement",
        who,
        day,
        choose(rng, codes, m),
        value_as_concept_id=concept,
        value_source_value=text,
    )


def _serology(rng, c: Cohort, rows: Rows) -> None:
    """HIV, HCV antibodies and HBsAg at any date; `viral_positive` persons have one positive."""
    f, n = c.flags, c.n
    who = np.flatnonzero(~f["serology_missing"] | f["viral_positive"])
    day = c.ago(rng, 5, 900, who)
    which = rng.integers(0, 3, n)
    for j, codes in enumerate(
        (["7917-8", "56888-1"], ["16128-1", "13955-0"], ["5196-1", "5195-3"])
    ):
        positive = f["viral_positive"][who] & (which[who] == j)
        _qualitative(rng, rows, who, day, codes, positive)


def _hcg(rng, c: Cohort, rows: Rows) -> None:
    """Serum hCG (2118-8) for women <= 55: recent, old, urine only, or none."""
    young = np.flatnonzero(c.female & (c.age <= 55.5))
    what = rng.choice(4, size=len(young), p=[0.6, 0.15, 0.1, 0.15])
    pos = c.flags["hcg_positive"][young]
    recent = young[(what == 0) | pos]
    _qualitative(
        rng, rows, recent, c.ago(rng, 1, 12, recent), ["2118-8"], c.flags["hcg_positive"][recent]
    )
    old = young[(what == 1) & ~pos]
    _qualitative(rng, rows, old, c.ago(rng, 30, 400, old), ["2118-8"], np.zeros(len(old), bool))
    urine = young[(what == 2) & ~pos]
    _qualitative(rng, rows, urine, c.ago(rng, 1, 12, urine), ["2106-3"], np.zeros(len(urine), bool))
