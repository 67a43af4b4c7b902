"""Comorbidities, procedures, drugs and non-limb observations, with dates relative to D.

Background events (old MI, healed cellulitis, revascularization months ago, past drugs)
fall outside NL003's windows; flagged persons get the event inside the window.
"""

from __future__ import annotations

import numpy as np

from prescreen.synth.population import Cohort
from prescreen.synth.rows import Coded, Rows, choose, coded

_HTN_CLASSES = [
    ["C02AC05"],
    ["C03AA03", "C03CA01"],
    ["C07AB02", "C07AB07"],
    ["C08CA01"],
    ["C09AA02", "C09AA05", "C09CA01"],
]


def _some(rng: np.random.Generator, n: int, p: float, mask: np.ndarray | None = None) -> np.ndarray:
    pick = rng.random(n) < p
    return np.flatnonzero(pick if mask is None else pick & mask)


def _condition(rng, c: Cohort, rows: Rows, who, low, high, codes, p=None, end=None) -> None:
    """Condition rows for persons `who`, onset low..high days before D."""
    start = c.ago(rng, low, high, who)
    extra = {} if end is None else {"condition_end_date": start + rng.integers(*end, len(who))}
    rows.add("condition_occurrence", who, start, choose(rng, codes, len(who), p), **extra)


def conditions(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Comorbid diagnoses: background prevalence plus the flagged exclusions."""
    f, n = c.flags, c.n
    add = lambda who, lo, hi, codes, **kw: _condition(rng, c, rows, who, lo, hi, codes, **kw)  # noqa: E731
    add(_some(rng, n, 0.75), 400, 4000, ["I10"])
    add(_some(rng, n, 0.6), 400, 4000, ["E78.5", "E78.00"])
    add(_some(rng, n, 0.45), 400, 4000, ["F17.210", "Z87.891"])
    add(_some(rng, n, 0.35), 300, 4000, ["I25.10"])
    add(_some(rng, n, 0.2), 200, 3000, ["N18.3", "N18.4"])
    add(_some(rng, n, 0.12), 200, 3000, ["I48.91"])
    add(np.flatnonzero(c.diabetic), 700, 4000, ["E11.9", "E11.51", "E11.621", "E11.65"])
    add(_some(rng, n, 0.15, c.diabetic), 300, 2000, ["E11.3293", "E11.3393", "E11.40"])
    add(np.flatnonzero(c.heart_failure), 100, 3000, ["I50.22", "I50.32", "I50.9"])
    add(_some(rng, n, 0.12), 150, 4000, ["I21.4", "I21.9", "I63.9", "I20.0"])  # outside 3 months
    add(np.flatnonzero(f["recent_cv_event"]), 1, 85, ["I63.9", "I21.4", "I20.0", "I61.9", "I22.9"])
    add(_some(rng, n, 0.02), 60, 1500, ["I74.3", "I74.4"])  # old acute ischemia
    add(np.flatnonzero(f["acute_ischemia"]), 1, 27, ["I74.3", "I74.4", "I74.5"])
    side = c.side
    inf = np.flatnonzero(f["limb_infection"])
    rows.add(
        "condition_occurrence",
        inf,
        c.ago(rng, 3, 60, inf),
        coded(
            ["L03.115", "L03.116", "M86.171", "M86.172", "M72.6"],
            np.where(rng.random(len(inf)) < 0.6, side[inf], side[inf] + 2),
        ),
    )
    add(_some(rng, n, 0.05), 200, 1500, ["L03.115", "L03.116"], end=(7, 40))  # resolved
    add(np.flatnonzero(f["prolif_retinopathy"]), 100, 2000, ["E11.3553", "E11.3591", "H35.23"])
    add(_some(rng, n, 0.05), 300, 3000, ["K76.0", "K70.0"])  # compensated, not excluding
    add(
        np.flatnonzero(f["liver_decomp"]),
        30,
        1000,
        ["K70.31", "R18.8", "K72.10", "I85.11", "K74.60"],
    )
    viral = np.flatnonzero(f["viral_positive"])
    add(viral[rng.random(len(viral)) < 0.5], 300, 3000, ["B20", "B18.2", "B18.1"])
    cancer = np.flatnonzero(f["cancer"])
    add(cancer, 200, 3000, ["C61", "C34.90", "C18.9", "C50.911", "Z85.46", "C44.91", "C67.9"])
    add(_some(rng, n, 0.03), 200, 3000, ["D12.6", "D04.9", "D36.9"])  # benign / in situ
    add(np.flatnonzero(f["substance_use"]), 20, 300, ["F10.20", "F12.20", "F11.20", "F14.10"])
    add(_some(rng, n, 0.02), 500, 3000, ["F10.21", "F11.21"])  # in remission
    add(_some(rng, n, 0.1), 100, 2000, ["M19.90", "J44.9", "G62.9", "E66.9"])


def procedures(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Past and recent (E2, E12) procedures, with RT/LT/50 modifiers on CPT limb codes."""
    f, n, side = c.flags, c.n, c.side
    mod = ["RT", "LT", "50"]

    def add(who, lo, hi, codes, sided=True, p=None):
        modifier = coded(mod, side[who]) if sided else coded(mod, np.full(len(who), -1))
        rows.add(
            "procedure_occurrence",
            who,
            c.ago(rng, lo, hi, who),
            choose(rng, codes, len(who), p),
            modifier_source_value=modifier,
        )

    revasc = ["37224", "37225", "37226", "37228", "37229", "35656", "35566"]
    add(_some(rng, n, 0.35), 60, 2000, revasc)
    add(_some(rng, n, 0.04), 60, 2000, ["047K3ZZ", "047L3DZ", "041K0JN"], sided=False)
    add(np.flatnonzero(f["recent_revasc"]), 1, 27, revasc)
    sym = np.flatnonzero(f["recent_sympathectomy"])
    add(sym, 1, 27, ["64818", "01BN0ZZ"], sided=False)
    add(_some(rng, n, 0.05), 90, 2000, ["28820", "28805", "27880"])  # old amputation
    add(np.flatnonzero(f["recent_amputation"]), 1, 27, ["28820", "28825", "28805"])
    add(_some(rng, n, 0.01), 60, 1000, ["0Y6P0Z0", "0Y6Q0Z0"], sided=False)
    retina = np.flatnonzero(c.diabetic & (rng.random(n) < 0.4))
    add(retina, 10, 600, ["92250", "92014", "92004"], sided=False)
    cancer = np.flatnonzero(f["cancer"] & (rng.random(n) < 0.4))
    add(cancer, 400, 2000, ["96413", "77385"], sided=False)  # past chemoradiotherapy
    chemo = np.flatnonzero(f["chemo"] & (rng.random(n) < 0.6))
    add(chemo, 1, 27, ["96413", "96409", "77385"], sided=False)


def drugs(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """Current (days_supply covering D) and past drug exposures, ATC in drug_source_value."""
    f, n = c.flags, c.n
    # antihypertensive classes: 0-4, more often RAAS/CCB/beta blocker (weighted draw)
    k = rng.choice(5, size=n, p=[0.12, 0.3, 0.35, 0.17, 0.06])
    k = np.where(f["refractory_htn"], np.maximum(k, 3), k)
    keys = rng.random((n, 5)) ** (1 / np.array([0.5, 1.5, 2.0, 2.0, 3.0]))
    order = np.argsort(-keys, axis=1)
    for rank in range(4):
        who = np.flatnonzero(k > rank)
        cls = order[who, rank]
        for j, atcs in enumerate(_HTN_CLASSES):
            sub = who[cls == j]
            _current(rng, c, rows, sub, choose(rng, atcs, len(sub)))
    _current(rng, c, rows, _some(rng, n, 0.7), "C10AA05")
    _current(rng, c, rows, _some(rng, n, 0.65), "B01AC06")
    _current(rng, c, rows, _some(rng, n, 0.25), "B01AC04")
    diab = np.flatnonzero(c.diabetic & (rng.random(n) < 0.85))
    _current(
        rng, c, rows, diab, choose(rng, ["A10BA02", "A10AE04", "A10BK01", "A10BJ06"], len(diab))
    )
    _current(rng, c, rows, _some(rng, n, 0.04), "H02AB06")  # evidence only (E12.corticosteroids)
    imm = np.flatnonzero(f["immunosuppressed"])
    _current(rng, c, rows, imm, choose(rng, ["L04AX01", "L04AD01", "L04AX03"], len(imm)))
    chemo = np.flatnonzero(f["chemo"])
    _current(rng, c, rows, chemo, choose(rng, ["L01BC06", "L02BG04"], len(chemo)))
    # past courses: ended long before D (not active)
    past = _some(rng, n, 0.15)
    start = c.ago(rng, 400, 2000, past)
    rows.add(
        "drug_exposure",
        past,
        start,
        choose(rng, ["L04AX03", "H02AB06", "J01CR02", "C03CA01"], len(past)),
        drug_exposure_end_date=start + 30,
        days_supply=30,
    )
    once = _some(rng, n, 0.1)  # no end, no supply: active on its start day only
    rows.add(
        "drug_exposure",
        once,
        c.ago(rng, 5, 300, once),
        choose(rng, ["J01CR02", "N02BE01"], len(once)),
    )


def _current(rng: np.random.Generator, c: Cohort, rows: Rows, who: np.ndarray, code) -> None:
    """An active prescription (start 1-80 days before D, 90 days supply) and its previous fill."""
    start = c.ago(rng, 1, 80, who)
    end = np.where(rng.random(len(who)) < 0.5, np.nan, start + 89)
    end = np.where(end > c.index_day, np.nan, end)
    rows.add("drug_exposure", who, start, code, days_supply=90, drug_exposure_end_date=end)
    refill = rng.random(len(who)) < 0.5
    before = (start - 90)[refill]
    code = code if isinstance(code, str) else Coded(code.vocab, code.idx[refill])
    rows.add(
        "drug_exposure",
        who[refill],
        before,
        code,
        days_supply=90,
        drug_exposure_end_date=before + 89,
    )


def observations(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """NYHA class, alcohol units, trial participation."""
    f, n = c.flags, c.n
    hf = np.flatnonzero(c.heart_failure & ~f["hf_no_nyha"])
    nyha = np.where(f["nyha_high"][hf], rng.integers(3, 5, len(hf)), rng.integers(1, 3, len(hf)))
    rows.add("observation", hf, c.ago(rng, 10, 300, hf), "88020-3", value_as_number=nyha)
    old = _some(rng, n, 0.5, c.heart_failure)
    rows.add(
        "observation",
        old,
        c.ago(rng, 400, 1500, old),
        "88020-3",
        value_as_number=rng.integers(1, 5, len(old)),
    )
    _alcohol(rng, c, rows)
    _trials(rng, c, rows)


def _alcohol(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """ALCOHOL_UNITS_WEEK within 12 months (heavy for `heavy_alcohol`) and older records."""
    f, n = c.flags, c.n
    alc = np.flatnonzero(~f["alcohol_missing"])
    units = np.where(
        f["heavy_alcohol"][alc],
        rng.uniform(26, 60, len(alc)),
        rng.gamma(1.2, 4, len(alc)).clip(0, 24),
    )
    rows.add(
        "observation",
        alc,
        c.ago(rng, 5, 330, alc),
        "ALCOHOL_UNITS_WEEK",
        value_as_number=units.round(),
    )
    hist = _some(rng, n, 0.4)
    rows.add(
        "observation",
        hist,
        c.ago(rng, 400, 2000, hist),
        "ALCOHOL_UNITS_WEEK",
        value_as_number=rng.uniform(0, 40, len(hist)).round(),
    )


def _trials(rng: np.random.Generator, c: Cohort, rows: Rows) -> None:
    """TRIAL_PARTICIPATION: last visit of another trial within 3 months, or long ago."""
    f, n = c.flags, c.n
    trial = np.flatnonzero(f["other_trial"])
    rows.add(
        "observation",
        trial,
        c.ago(rng, 1, 85, trial),
        "TRIAL_PARTICIPATION",
        value_as_string=choose(rng, ["NCT04274049", "NCT03363165", "EUCT-2024-5012"], len(trial)),
    )
    past = _some(rng, n, 0.03)
    rows.add(
        "observation",
        past,
        c.ago(rng, 200, 1500, past),
        "TRIAL_PARTICIPATION",
        value_as_string=choose(rng, ["NCT02368808", "NCT01408901"], len(past)),
    )
