"""Persons of one chunk: demographics, site, scenario and the perturbation flags.

Every person starts as a core critical-limb-ischemia candidate (Rutherford 5 with a small
ulcer, recent hemodynamics, imaging and labs) unless their `kind` says otherwise; flags then
perturb one NL003 criterion each. Fail flags make a criterion fail, review flags make it
unknown (missing or stale data), so the mix exercises every computable rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prescreen.synth.schema import TABLES

# patient kind: core CLI candidate, or a registry patient who is not (Rutherford 3/4/6, stale)
KINDS = ["core", "claudicant", "rest_pain", "tissue_loss", "stale"]
KIND_P = [0.70, 0.07, 0.07, 0.08, 0.08]

# share of persons given each perturbation; names say what the data show
FAIL_RATES = {
    "age_out": 0.05,  # I1: 81-92 years at D
    "hemo_normal": 0.025,  # I2: ABI/ankle pressure/TcPO2 above thresholds
    "stenosis_mild": 0.025,  # I2: fem-pop/infrapopliteal stenosis < 70 %
    "no_pad_dx": 0.01,  # I2: no I70.2-I70.7/I73.9 diagnosis
    "ulcer_large": 0.025,  # I3: area > 10 cm2
    "ulcer_many": 0.015,  # I3: > 3 ulcers
    "ulcer_deep": 0.015,  # I3 + E5: joint capsule or bone exposed
    "gangrene_ext": 0.015,  # I3: gangrene beyond partial toe
    "ulcer_recent": 0.015,  # I3: onset < 14 days before D
    "ulcer_bone_code": 0.01,  # I3 + E5: L97 6th character 4/6
    "acute_ischemia": 0.012,  # E1
    "recent_revasc": 0.025,  # E2: endovascular or bypass within 28 days
    "recent_sympathectomy": 0.004,  # E2
    "recent_amputation": 0.008,  # E2
    "aortoiliac_stenosis": 0.025,  # E4
    "limb_infection": 0.02,  # E5: cellulitis / osteomyelitis active
    "fascia_exposure": 0.012,  # E5: fascia or tendon exposed
    "nyha_high": 0.02,  # E6: NYHA III-IV
    "recent_cv_event": 0.015,  # E7
    "refractory_htn": 0.012,  # E8
    "prolif_retinopathy": 0.012,  # E9
    "liver_decomp": 0.008,  # E11
    "immunosuppressed": 0.012,  # E12: L04 active
    "chemo": 0.006,  # E12: chemotherapy within 28 days or L01 active
    "viral_positive": 0.015,  # E13
    "lab_abnormal": 0.03,  # E14
    "hba1c_high": 0.02,  # E15
    "cancer": 0.03,  # E16
    "heavy_alcohol": 0.012,  # E18: > 24.85 UK units/week
    "substance_use": 0.008,  # E18: F1x use disorder
    "other_trial": 0.012,  # E19
}
REVIEW_RATES = {
    "labs_stale": 0.05,  # E14: latest labs older than 90 days
    "imaging_stale": 0.04,  # I2: DSA/CTA older than 3 months
    "serology_missing": 0.03,  # E13: never tested
    "inflow_missing": 0.025,  # E4: no aorto-iliac imaging
    "hf_no_nyha": 0.012,  # E6: heart failure without a NYHA class
    "hba1c_missing": 0.02,  # E15: diabetic without a recent HbA1c
    "alcohol_missing": 0.03,  # E18: no alcohol record
    "area_missing": 0.012,  # I3: ulcer area not measured
    "unit_unconvertible": 0.008,  # E14: hemoglobin reported in %
}
MALE, FEMALE = 8507, 8532
EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Cohort:
    """Per-person arrays of one chunk (index i = person_ids[i])."""

    person_ids: np.ndarray
    index_day: int  # D, days since epoch
    female: np.ndarray
    age: np.ndarray  # years at D, float
    site: np.ndarray  # 1..K, 0 = none
    kind: np.ndarray  # index into KINDS
    side: np.ndarray  # study limb: 0 right, 1 left
    other_assessed: np.ndarray
    diabetic: np.ndarray
    heart_failure: np.ndarray
    history: np.ndarray  # days of registry history before D
    last_day: np.ndarray  # death date or D
    death: np.ndarray  # bool
    flags: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.person_ids)

    def is_kind(self, name: str) -> np.ndarray:
        return self.kind == KINDS.index(name)

    def ago(self, rng: np.random.Generator, low: int, high: int, who: np.ndarray) -> np.ndarray:
        """Days since epoch, `low`..`high` days (inclusive) before D, never before history."""
        days = rng.integers(low, high + 1, size=len(who))
        return self.index_day - np.minimum(days, self.history[who])


def cohort(rng: np.random.Generator, first_id: int, n: int, sites: int, index_day: int) -> Cohort:
    """Draw the persons of one chunk and their scenario."""
    flags = {k: rng.random(n) < p for k, p in {**FAIL_RATES, **REVIEW_RATES}.items()}
    female = rng.random(n) < 0.30
    age = np.clip(rng.normal(68, 8.5, n), 42, 79.9)
    age = np.where(flags["age_out"], rng.uniform(80.6, 92, n), age)
    # women of reproductive age: a few young female CLI patients (diabetes, vasculitis, smoking)
    young = female & (rng.random(n) < 0.25)
    age = np.where(young & ~flags["age_out"], rng.uniform(38, 55.5, n), age)
    flags["hcg_positive"] = young & (rng.random(n) < 0.04)
    kind = rng.choice(len(KINDS), size=n, p=KIND_P)
    diabetic = rng.random(n) < 0.5
    diabetic |= flags["hba1c_high"] | flags["hba1c_missing"] | flags["prolif_retinopathy"]
    heart_failure = (rng.random(n) < 0.12) | flags["nyha_high"] | flags["hf_no_nyha"]
    history = rng.integers(900, 4000, size=n)  # covers every event offset used below
    death = rng.random(n) < 0.03
    last_day = np.where(death, index_day - rng.integers(1, 300, size=n), index_day)
    site = rng.integers(1, sites + 1, size=n)
    site[rng.random(n) < 0.01] = 0
    return Cohort(
        person_ids=np.arange(first_id, first_id + n, dtype=np.int64),
        index_day=index_day,
        female=female,
        age=age,
        site=site,
        kind=kind,
        side=rng.integers(0, 2, size=n),
        other_assessed=rng.random(n) < 0.6,
        diabetic=diabetic,
        heart_failure=heart_failure,
        history=history,
        last_day=last_day,
        death=death,
        flags=flags,
    )


def person_table(rng: np.random.Generator, c: Cohort) -> pa.Table:
    """person rows: birth date from age at D, month/day or birth_datetime sometimes missing."""
    birth = c.index_day - np.round(c.age * 365.25).astype(np.int64)
    ymd = (EPOCH + birth.astype("timedelta64[D]")).astype("datetime64[D]")
    year = ymd.astype("datetime64[Y]").astype(np.int64) + 1970
    month = ymd.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (ymd - ymd.astype("datetime64[M]")).astype(np.int64) + 1
    no_md = rng.random(c.n) < 0.04
    no_dt = no_md | (rng.random(c.n) < 0.3)
    n = c.n
    ids = pa.array(c.person_ids)
    regno = pc.binary_join_element_wise(
        "NLR", pc.utf8_lpad(pc.cast(pa.array(c.person_ids * 7 + 1000003), pa.string()), 9, "0"), ""
    )
    gender = np.where(c.female, FEMALE, MALE)
    null_i = pa.nulls(n, pa.int64())
    null_s = pa.nulls(n, pa.string())
    zeros = pa.array(np.zeros(n, np.int64))
    columns = {
        "person_id": ids,
        "gender_concept_id": pa.array(gender),
        "year_of_birth": pa.array(year),
        "month_of_birth": pa.array(month, mask=no_md),
        "day_of_birth": pa.array(day, mask=no_md),
        "birth_datetime": pa.array(birth * 86400, mask=no_dt, type=pa.timestamp("s")),
        "race_concept_id": zeros,
        "ethnicity_concept_id": zeros,
        "location_id": pa.array(c.site, mask=c.site == 0),
        "provider_id": null_i,
        "care_site_id": pa.array(c.site, mask=c.site == 0),
        "person_source_value": regno,
        "gender_source_value": pa.array(np.where(c.female, "F", "M")),
        "gender_source_concept_id": zeros,
        "race_source_value": null_s,
        "race_source_concept_id": zeros,
        "ethnicity_source_value": null_s,
        "ethnicity_source_concept_id": zeros,
    }
    return _table("person", columns)


def observation_period_table(c: Cohort, first_id: int) -> pa.Table:
    """One observation period per person: registry enrolment to death or D."""
    n = c.n
    columns = {
        "observation_period_id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
        "person_id": pa.array(c.person_ids),
        "observation_period_start_date": pa.array(
            (c.index_day - c.history).astype(np.int32), type=pa.date32()
        ),
        "observation_period_end_date": pa.array(c.last_day.astype(np.int32), type=pa.date32()),
        "period_type_concept_id": pa.array(np.full(n, 32879, np.int64)),
    }
    return _table("observation_period", columns)


def death_table(rng: np.random.Generator, c: Cohort) -> pa.Table:
    """death rows for persons who died before D."""
    who = np.flatnonzero(c.death)
    causes = np.array(["I21.9", "I50.9", "A41.9", "I63.9", "C34.90", ""], dtype=object)
    cause = causes[rng.integers(0, len(causes), size=len(who))]
    columns = {
        "person_id": pa.array(c.person_ids[who]),
        "death_date": pa.array(c.last_day[who].astype(np.int32), type=pa.date32()),
        "death_type_concept_id": pa.array(np.full(len(who), 32879, np.int64)),
        "cause_concept_id": pa.array(np.zeros(len(who), np.int64)),
        "cause_source_value": pa.array(cause, mask=cause == "", type=pa.string()),
        "cause_source_concept_id": pa.array(np.zeros(len(who), np.int64)),
    }
    return _table("death", columns)


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Arrow table in CDM column order; columns not given are null."""
    n = len(next(iter(columns.values())))
    arrays = [columns.get(col, pa.nulls(n, typ)) for col, typ in TABLES[name]]
    return pa.Table.from_arrays(arrays, schema=pa.schema(TABLES[name]))
