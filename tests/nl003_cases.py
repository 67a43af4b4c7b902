"""Hand-built patients for the NL003-CLI-III-2 boundary tests, with expected results.

Every case is one patient built from a few OMOP rows around the index date D and the
result of ONE top-level criterion, written by hand from the protocol text and the
assumption register in `trials/nl003-cli-iii-2.yaml` (never produced by an engine).
Each case's docstring names the boundary it sits on.

Inclusion: rule true -> pass, false -> fail. Exclusion: rule true -> fail, false -> pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count

import duckdb

D = date(2026, 11, 1)  # index date (--as-of): the day the informed consent is signed
M3 = date(2026, 8, 1)  # D - 3 calendar months
M12 = date(2025, 11, 1)  # D - 12 calendar months


def ago(days: int) -> date:
    """The date `days` days before D (0 = D itself)."""
    return D - timedelta(days=days)


# --------------------------------------------------------------------------- OMOP tables
_ID = "bigint"
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "person": {
        "person_id": _ID,
        "gender_concept_id": _ID,
        "year_of_birth": _ID,
        "month_of_birth": _ID,
        "day_of_birth": _ID,
        "birth_datetime": "timestamp",
        "race_concept_id": _ID,
        "ethnicity_concept_id": _ID,
        "location_id": _ID,
        "provider_id": _ID,
        "care_site_id": _ID,
        "person_source_value": "varchar",
        "gender_source_value": "varchar",
    },
    "condition_occurrence": {
        "condition_occurrence_id": _ID,
        "person_id": _ID,
        "condition_concept_id": _ID,
        "condition_start_date": "date",
        "condition_end_date": "date",
        "condition_type_concept_id": _ID,
        "condition_source_value": "varchar",
        "condition_source_concept_id": _ID,
    },
    "procedure_occurrence": {
        "procedure_occurrence_id": _ID,
        "person_id": _ID,
        "procedure_concept_id": _ID,
        "procedure_date": "date",
        "procedure_type_concept_id": _ID,
        "modifier_concept_id": _ID,
        "procedure_source_value": "varchar",
        "procedure_source_concept_id": _ID,
        "modifier_source_value": "varchar",
    },
    "drug_exposure": {
        "drug_exposure_id": _ID,
        "person_id": _ID,
        "drug_concept_id": _ID,
        "drug_exposure_start_date": "date",
        "drug_exposure_end_date": "date",
        "drug_type_concept_id": _ID,
        "days_supply": _ID,
        "drug_source_value": "varchar",
        "drug_source_concept_id": _ID,
    },
    "measurement": {
        "measurement_id": _ID,
        "person_id": _ID,
        "measurement_concept_id": _ID,
        "measurement_date": "date",
        "measurement_type_concept_id": _ID,
        "value_as_number": "double",
        "value_as_concept_id": _ID,
        "unit_concept_id": _ID,
        "range_low": "double",
        "range_high": "double",
        "measurement_source_value": "varchar",
        "measurement_source_concept_id": _ID,
        "unit_source_value": "varchar",
        "value_source_value": "varchar",
    },
    "observation": {
        "observation_id": _ID,
        "person_id": _ID,
        "observation_concept_id": _ID,
        "observation_date": "date",
        "observation_type_concept_id": _ID,
        "value_as_number": "double",
        "value_as_string": "varchar",
        "value_as_concept_id": _ID,
        "observation_source_value": "varchar",
        "observation_source_concept_id": _ID,
        "unit_concept_id": _ID,
        "unit_source_value": "varchar",
    },
    "death": {"person_id": _ID, "death_date": "date", "death_type_concept_id": _ID},
    "concept_ancestor": {
        "ancestor_concept_id": _ID,
        "descendant_concept_id": _ID,
        "min_levels_of_separation": _ID,
        "max_levels_of_separation": _ID,
    },
}

MALE, FEMALE = 8507, 8532


class Extract:
    """Rows of a tiny OMOP extract; `duckdb()` loads them into typed in-memory tables."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {table: [] for table in TABLE_COLUMNS}
        self._ids = count(1)

    def _add(self, table: str, **values) -> None:
        row = {c: 0 for c in TABLE_COLUMNS[table] if c.endswith("_concept_id")}
        row.update(values)
        self.rows[table].append(row)

    def person(
        self,
        pid: int,
        sex: int = MALE,
        year: int | None = 1960,
        month: int | None = 5,
        day: int | None = 5,
        birth_datetime: datetime | None = None,
    ) -> None:
        self._add(
            "person",
            person_id=pid,
            gender_concept_id=sex,
            year_of_birth=year,
            month_of_birth=month,
            day_of_birth=day,
            birth_datetime=birth_datetime,
            care_site_id=1,
        )

    def condition(self, pid: int, code: str, start: date, end: date | None = None) -> None:
        self._add(
            "condition_occurrence",
            condition_occurrence_id=next(self._ids),
            person_id=pid,
            condition_start_date=start,
            condition_end_date=end,
            condition_source_value=code,
        )

    def procedure(self, pid: int, code: str, on: date, modifier: str | None = None) -> None:
        self._add(
            "procedure_occurrence",
            procedure_occurrence_id=next(self._ids),
            person_id=pid,
            procedure_date=on,
            procedure_source_value=code,
            modifier_source_value=modifier,
        )

    def drug(
        self,
        pid: int,
        atc: str,
        start: date,
        end: date | None = None,
        days_supply: int | None = None,
    ) -> None:
        self._add(
            "drug_exposure",
            drug_exposure_id=next(self._ids),
            person_id=pid,
            drug_exposure_start_date=start,
            drug_exposure_end_date=end,
            days_supply=days_supply,
            drug_source_value=atc,
        )

    def measurement(
        self,
        pid: int,
        code: str,
        on: date,
        value: float | None = None,
        unit: str | None = None,
        *,
        range_high: float | None = None,
        concept: int = 0,
        text: str | None = None,
    ) -> None:
        self._add(
            "measurement",
            measurement_id=next(self._ids),
            person_id=pid,
            measurement_date=on,
            value_as_number=value,
            value_as_concept_id=concept,
            range_high=range_high,
            measurement_source_value=code,
            unit_source_value=unit,
            value_source_value=text,
        )

    def observation(
        self, pid: int, code: str, on: date, value: float | None = None, text: str | None = None
    ) -> None:
        self._add(
            "observation",
            observation_id=next(self._ids),
            person_id=pid,
            observation_date=on,
            value_as_number=value,
            value_as_string=text,
            observation_source_value=code,
        )

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with one typed table per OMOP table (empty tables included)."""
        con = duckdb.connect()
        for table, columns in TABLE_COLUMNS.items():
            ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            con.execute(f"create table {table} ({ddl})")
            names = list(columns)
            rows = [[row.get(name) for name in names] for row in self.rows[table]]
            if rows:
                marks = ", ".join("?" for _ in names)
                con.executemany(f"insert into {table} ({', '.join(names)}) values ({marks})", rows)
        return con


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    name: str
    criterion: str
    expected: str  # pass | fail | unknown | manual
    reason: str  # for unknown: no_data | stale | unit_unknown | conflict; else ""
    build: Callable[[Extract, int], None]
    why: str


CASES: list[Case] = []


def case(criterion: str, expected: str, reason: str = ""):
    """Register a builder as a case; its docstring is the boundary it tests."""

    def register(build: Callable[[Extract, int], None]):
        CASES.append(
            Case(build.__name__, criterion, expected, reason, build, (build.__doc__ or "").strip())
        )
        return build

    return register


# ---------------------------------------------------------------- I1 age 20..80 inclusive
@case("I1", "pass")
def i1_twentieth_birthday_on_index(x, p):
    """Born 2006-11-01: exactly 20 on D (lower bound inclusive)."""
    x.person(p, year=2006, month=11, day=1)


@case("I1", "fail")
def i1_one_day_short_of_20(x, p):
    """Born 2006-11-02: 19 on D."""
    x.person(p, year=2006, month=11, day=2)


@case("I1", "pass")
def i1_age_80_day_before_81st_birthday(x, p):
    """Born 1945-11-02: still 80 on D (upper bound inclusive)."""
    x.person(p, year=1945, month=11, day=2)


@case("I1", "fail")
def i1_81st_birthday_on_index(x, p):
    """Born 1945-11-01: 81 on D."""
    x.person(p, year=1945, month=11, day=1)


@case("I1", "unknown", "no_data")
def i1_no_year_of_birth(x, p):
    """No year of birth: age unknown."""
    x.person(p, year=None, month=None, day=None)


@case("I1", "pass")
def i1_missing_month_and_day_read_as_july_first(x, p):
    """Year 2006 only: birthday read as 2006-07-01, so 20 on D."""
    x.person(p, year=2006, month=None, day=None)


@case("I1", "fail")
def i1_missing_day_read_as_fifteenth(x, p):
    """2006-12 without day: birthday read as 2006-12-15, so 19 on D."""
    x.person(p, year=2006, month=12, day=None)


@case("I1", "fail")
def i1_birth_datetime_wins(x, p):
    """Fields say 2006-01-01 (20), birth_datetime says 2006-11-02 (19): the datetime wins."""
    x.person(p, year=2006, month=1, day=1, birth_datetime=datetime(2006, 11, 2, 8, 30))


# ---------------------------------------------------------------- I2 limb ischemia
def i2_patient(
    x,
    p,
    side="R",
    *,
    rutherford=5,
    abi=(0.4, None),
    sbp=None,
    tcpo2=None,
    stenosis=80.0,
    segment="SFA",
    modality="DSA",
    assessed=None,
    imaged=None,
    procedure="75710",
    other_side_rutherford=3,
    diagnosis="I70.231",
):
    """A patient whose `side` limb qualifies for I2 unless a keyword changes it.

    The other limb has Rutherford 3 (claudication), so it never qualifies but is assessed.
    """
    assessed = assessed or ago(10)
    imaged = imaged or ago(20)
    other = "L" if side == "R" else "R"
    x.person(p)
    if diagnosis:
        x.condition(p, diagnosis, ago(400))
    if procedure:
        x.procedure(p, procedure, imaged, "RT" if side == "R" else "LT")
    if rutherford is not None:
        x.observation(p, f"RUTHERFORD|{side}", assessed, rutherford)
    if other_side_rutherford is not None:
        x.observation(p, f"RUTHERFORD|{other}", assessed, other_side_rutherford)
    abi_code = "8580-3" if side == "R" else "8579-5"
    if abi is not None:
        x.measurement(p, abi_code, assessed, abi[0], abi[1])
    if sbp is not None:
        x.measurement(p, f"ANKLE_SBP|{side}", assessed, sbp[0], sbp[1])
    if tcpo2 is not None:
        x.measurement(p, f"TCPO2|{side}", assessed, tcpo2[0], tcpo2[1])
    if stenosis is not None:
        x.measurement(p, f"STENOSIS|{segment}|{side}|{modality}", imaged, stenosis, "%")


NOT_LOW = {"abi": (0.8, None), "sbp": (110.0, "mm[Hg]"), "tcpo2": (45.0, "mm[Hg]")}


def i2_hemodynamic(x, p, **measure):
    """I2 patient where every hemodynamic measure is normal except the one given."""
    i2_patient(x, p, **{**NOT_LOW, **measure})


@case("I2", "pass")
def i2_qualifying_right_limb(x, p):
    """Diagnosis, DSA, Rutherford 5, ABI 0.4 and SFA 80 % all on the right limb."""
    i2_patient(x, p)


@case("I2", "pass")
def i2_qualifying_left_limb(x, p):
    """Mirror image: the left limb qualifies (ABI code 8579-5 is the left side)."""
    i2_patient(x, p, side="L")


@case("I2", "pass")
def i2_both_limbs_qualify(x, p):
    """Both limbs meet I2: passes (the investigator picks one)."""
    i2_patient(x, p, other_side_rutherford=5)
    x.measurement(p, "8579-5", ago(10), 0.3, "{ratio}")
    x.measurement(p, "STENOSIS|POP|L|CTA", ago(20), 100.0, "%")


@case("I2", "fail")
def i2_low_abi_on_the_other_limb(x, p):
    """Right: Rutherford 5 + stenosis, normal hemodynamics; left: ABI 0.4 but Rutherford 3."""
    i2_hemodynamic(x, p)
    x.measurement(p, "8579-5", ago(10), 0.4, None)


@case("I2", "fail")
def i2_stenosis_on_the_other_limb(x, p):
    """Right: Rutherford 5, ABI 0.4, SFA 40 %; left: SFA 90 % but Rutherford 3."""
    i2_patient(x, p, stenosis=40.0)
    x.measurement(p, "STENOSIS|SFA|L|DSA", ago(20), 90.0, "%")


@case("I2", "unknown", "no_data")
def i2_hemodynamics_only_on_unassessed_rutherford_limb(x, p):
    """Right: Rutherford 5 + stenosis, no hemodynamics; left: ABI 0.4, no Rutherford."""
    i2_patient(x, p, abi=None, other_side_rutherford=None)
    x.measurement(p, "8579-5", ago(10), 0.4, None)


@case("I2", "pass")
def i2_abi_at_threshold(x, p):
    """ABI 0.50: <= 0.5 qualifies (A2), ratio unit {ratio}."""
    i2_hemodynamic(x, p, abi=(0.5, "{ratio}"))


@case("I2", "fail")
def i2_abi_just_above(x, p):
    """ABI 0.51 with normal ankle pressure and TcPO2: no hemodynamic criterion met."""
    i2_hemodynamic(x, p, abi=(0.51, None))


@case("I2", "pass")
def i2_ankle_pressure_at_threshold(x, p):
    """Ankle SBP 70 mmHg: <= 70 qualifies (A1)."""
    i2_hemodynamic(x, p, sbp=(70.0, "mm[Hg]"))


@case("I2", "fail")
def i2_ankle_pressure_just_above(x, p):
    """Ankle SBP 71 mmHg with normal ABI and TcPO2."""
    i2_hemodynamic(x, p, sbp=(71.0, "mm[Hg]"))


@case("I2", "pass")
def i2_ankle_pressure_kpa_inside(x, p):
    """9.33 kPa = 69.98 mmHg: qualifies."""
    i2_hemodynamic(x, p, sbp=(9.33, "kPa"))


@case("I2", "fail")
def i2_ankle_pressure_kpa_outside(x, p):
    """9.34 kPa = 70.06 mmHg: does not qualify."""
    i2_hemodynamic(x, p, sbp=(9.34, "kPa"))


@case("I2", "pass")
def i2_tcpo2_just_below(x, p):
    """TcPO2 29.9 mmHg: < 30 qualifies."""
    i2_hemodynamic(x, p, tcpo2=(29.9, "mm[Hg]"))


@case("I2", "fail")
def i2_tcpo2_at_threshold(x, p):
    """TcPO2 30 mmHg: the protocol says < 30, strict."""
    i2_hemodynamic(x, p, tcpo2=(30.0, "mm[Hg]"))


@case("I2", "pass")
def i2_tcpo2_kpa_inside(x, p):
    """TcPO2 3.99 kPa = 29.93 mmHg: qualifies."""
    i2_hemodynamic(x, p, tcpo2=(3.99, "kPa"))


@case("I2", "fail")
def i2_tcpo2_kpa_outside(x, p):
    """TcPO2 4.01 kPa = 30.08 mmHg: does not qualify."""
    i2_hemodynamic(x, p, tcpo2=(4.01, "kPa"))


@case("I2", "unknown", "no_data")
def i2_abi_normal_others_missing(x, p):
    """ABI 0.8 but no ankle pressure or TcPO2: another measure might still qualify."""
    i2_patient(x, p, abi=(0.8, None))


@case("I2", "unknown", "unit_unknown")
def i2_only_hemodynamic_in_unknown_unit(x, p):
    """The only hemodynamic value is an ankle pressure in mg/dL: not a pressure unit."""
    i2_patient(x, p, abi=None, sbp=(60.0, "mg/dL"))


@case("I2", "unknown", "stale")
def i2_assessment_older_than_90_days(x, p):
    """Rutherford and ABI on D-91 only: stale (window 90 days inclusive)."""
    i2_patient(x, p, assessed=ago(91))


@case("I2", "pass")
def i2_assessment_exactly_90_days(x, p):
    """Rutherford and ABI on D-90: inside the window."""
    i2_patient(x, p, assessed=ago(90))


@case("I2", "fail")
def i2_rutherford_6(x, p):
    """Rutherford 6 (major tissue loss) is not grade 5."""
    i2_patient(x, p, rutherford=6)


@case("I2", "fail")
def i2_rutherford_4(x, p):
    """Rutherford 4 (rest pain, no ulcer) is not grade 5."""
    i2_patient(x, p, rutherford=4)


@case("I2", "fail")
def i2_latest_rutherford_decides(x, p):
    """Rutherford 5 on D-40, then 6 on D-10: the latest (6) decides."""
    i2_patient(x, p, rutherford=6)
    x.observation(p, "RUTHERFORD|R", ago(40), 5)


@case("I2", "pass")
def i2_stenosis_at_threshold(x, p):
    """SFA stenosis 70 % by DSA: >= 70 qualifies (A3)."""
    i2_patient(x, p, stenosis=70.0)


@case("I2", "fail")
def i2_stenosis_just_below(x, p):
    """SFA stenosis 69 %: not severe."""
    i2_patient(x, p, stenosis=69.0)


@case("I2", "pass")
def i2_infrapopliteal_occlusion_by_cta(x, p):
    """Posterior tibial occlusion (100 %) by CTA on the limb: qualifies."""
    i2_patient(x, p, segment="PTA", modality="CTA", stenosis=100.0, procedure="75635")


@case("I2", "unknown", "no_data")
def i2_stenosis_by_duplex_only(x, p):
    """SFA 90 % by duplex ultrasound: not DSA/CTA, so the stenosis is not established."""
    i2_patient(x, p, modality="DUS", stenosis=90.0, procedure=None)


@case("I2", "unknown", "no_data")
def i2_common_femoral_stenosis_not_counted(x, p):
    """CFA 90 % by DSA: not SFA/popliteal/infrapopliteal; the required stenosis is unknown."""
    i2_patient(x, p, segment="CFA", stenosis=90.0)


@case("I2", "pass")
def i2_imaging_exactly_three_months(x, p):
    """DSA and stenosis on D-3 months (2026-08-01): inside the window (A9)."""
    i2_patient(x, p, imaged=M3)


@case("I2", "unknown", "stale")
def i2_imaging_one_day_before_three_months(x, p):
    """DSA and stenosis on 2026-07-31 only: outside the window, earlier imaging exists."""
    i2_patient(x, p, imaged=M3 - timedelta(days=1))


@case("I2", "fail")
def i2_no_ischemic_disease_diagnosis(x, p):
    """Limb findings qualify but no lower-limb ischemic disease is coded."""
    i2_patient(x, p, diagnosis=None)


@case("I2", "pass")
def i2_diagnosis_i73_9(x, p):
    """Peripheral vascular disease I73.9 counts as lower-limb ischemic disease."""
    i2_patient(x, p, diagnosis="I73.9")


# ---------------------------------------------------------------- I3 ulcer on one limb
def i3_patient(
    x,
    p,
    side="R",
    *,
    code=None,
    onset=None,
    end=None,
    area=(5.0, "cm2"),
    count_=1,
    exposure="none",
    gangrene="none",
    assessed=None,
):
    """A patient with an ischemic ulcer on `side` that meets every I3 part."""
    assessed = assessed or ago(10)
    x.person(p)
    if code is not False:
        x.condition(p, code or ("L97.412" if side == "R" else "L97.422"), onset or ago(30), end)
    add_ulcer_assessment(x, p, side, area, count_, exposure, gangrene, assessed)


def limb_patient(x, p, side="R", *, exposure="none", **i2):
    """A patient whose `side` limb meets I2 and I3 (the study limb), other limbs unassessed
    for ulcers."""
    i2_patient(x, p, side, **i2)
    x.condition(p, "L97.412" if side == "R" else "L97.422", ago(30))
    add_ulcer_assessment(x, p, side, (5.0, "cm2"), 1, exposure, "none", ago(10))


def add_ulcer_assessment(x, p, side, area, count_, exposure, gangrene, assessed):
    if area is not None:
        x.measurement(p, f"ULCER_AREA|{side}", assessed, area[0], area[1])
    if count_ is not None:
        x.observation(p, f"ULCER_COUNT|{side}", assessed, count_)
    if exposure is not None:
        x.observation(p, f"ULCER_EXPOSURE|{side}", assessed, text=exposure)
    if gangrene is not None:
        x.observation(p, f"GANGRENE_EXTENT|{side}", assessed, text=gangrene)


@case("I3", "pass")
def i3_qualifying_right_ulcer(x, p):
    """L97.412 (right heel) for 30 days, 5 cm2, 1 ulcer, no exposure, no gangrene."""
    i3_patient(x, p)


@case("I3", "pass")
def i3_qualifying_left_ulcer_i70_24(x, p):
    """Left-leg ulcer coded I70.245: the side comes from the code."""
    i3_patient(x, p, side="L", code="I70.245")


@case("I3", "pass")
def i3_onset_exactly_14_days(x, p):
    """Ulcer onset D-14: 'at least 2 weeks' met (bound inclusive)."""
    i3_patient(x, p, onset=ago(14))


@case("I3", "fail")
def i3_onset_13_days(x, p):
    """Ulcer onset D-13: under 2 weeks."""
    i3_patient(x, p, onset=ago(13))


@case("I3", "fail")
def i3_ulcer_healed(x, p):
    """Ulcer ended D-1: no active ulcer at D."""
    i3_patient(x, p, end=ago(1))


@case("I3", "pass")
def i3_ulcer_end_on_index_still_active(x, p):
    """Ulcer end date = D: still active on D (end >= D)."""
    i3_patient(x, p, end=D)


@case("I3", "pass")
def i3_area_at_threshold(x, p):
    """Largest ulcer 10 cm2: 'no more than 10cm2'."""
    i3_patient(x, p, area=(10.0, "cm2"))


@case("I3", "fail")
def i3_area_just_above(x, p):
    """Largest ulcer 10.1 cm2."""
    i3_patient(x, p, area=(10.1, "cm2"))


@case("I3", "pass")
def i3_area_mm2_at_threshold(x, p):
    """1000 mm2 = 10 cm2."""
    i3_patient(x, p, area=(1000.0, "mm2"))


@case("I3", "fail")
def i3_area_mm2_just_above(x, p):
    """1010 mm2 = 10.1 cm2."""
    i3_patient(x, p, area=(1010.0, "mm2"))


@case("I3", "unknown", "unit_unknown")
def i3_area_unknown_unit(x, p):
    """Area in [sin_i] (square inches are not in the profile): not convertible."""
    i3_patient(x, p, area=(1.0, "[sin_i]"))


@case("I3", "unknown", "no_data")
def i3_area_missing(x, p):
    """No ulcer area recorded."""
    i3_patient(x, p, area=None)


@case("I3", "unknown", "stale")
def i3_assessment_older_than_90_days(x, p):
    """Area, count, exposure and gangrene assessed on D-91 only."""
    i3_patient(x, p, assessed=ago(91))


@case("I3", "pass")
def i3_three_ulcers(x, p):
    """3 ulcers on the limb: 'shall not exceed 3'."""
    i3_patient(x, p, count_=3)


@case("I3", "fail")
def i3_four_ulcers(x, p):
    """4 ulcers on the limb."""
    i3_patient(x, p, count_=4)


@case("I3", "pass")
def i3_tendon_exposed(x, p):
    """Tendon exposed: not bone or joint capsule."""
    i3_patient(x, p, exposure="tendon")


@case("I3", "fail")
def i3_joint_capsule_exposed(x, p):
    """Joint capsule exposed."""
    i3_patient(x, p, exposure="joint_capsule")


@case("I3", "fail")
def i3_bone_exposed(x, p):
    """Bone exposed."""
    i3_patient(x, p, exposure="bone")


@case("I3", "fail")
def i3_bone_level_ulcer_code(x, p):
    """Exposure recorded 'none' but the active ulcer code L97.414 has bone necrosis."""
    i3_patient(x, p, code="L97.414")


@case("I3", "unknown", "no_data")
def i3_exposure_missing(x, p):
    """No exposure assessment recorded."""
    i3_patient(x, p, exposure=None)


@case("I3", "pass")
def i3_partial_toe_gangrene(x, p):
    """Partial toe gangrene is allowed."""
    i3_patient(x, p, gangrene="partial_toe")


@case("I3", "fail")
def i3_whole_toe_gangrene(x, p):
    """Whole-toe gangrene goes beyond 'partial toe'."""
    i3_patient(x, p, gangrene="whole_toe")


@case("I3", "pass")
def i3_no_gangrene_record_and_no_gangrene_code(x, p):
    """No gangrene assessment and no gangrene diagnosis: no gangrene."""
    i3_patient(x, p, gangrene=None)


@case("I3", "unknown", "no_data")
def i3_gangrene_code_without_extent(x, p):
    """I70.261 (right leg gangrene) active, extent not recorded: extent unknown."""
    i3_patient(x, p, gangrene=None)
    x.condition(p, "I70.261", ago(20))


@case("I3", "unknown", "no_data")
def i3_bilateral_gangrene_code_without_extent(x, p):
    """I70.263 (bilateral) counts for the right limb too."""
    i3_patient(x, p, gangrene=None)
    x.condition(p, "I70.263", ago(20))


@case("I3", "pass")
def i3_gangrene_code_on_other_limb(x, p):
    """I70.262 (left leg gangrene) does not concern the right ulcer limb."""
    i3_patient(x, p, gangrene=None)
    x.condition(p, "I70.262", ago(20))


@case("I3", "pass")
def i3_large_ulcer_on_the_other_limb(x, p):
    """Right ulcer qualifies; a 15 cm2 area recorded on the left (no left ulcer code)."""
    i3_patient(x, p)
    x.measurement(p, "ULCER_AREA|L", ago(10), 15.0, "cm2")


@case("I3", "fail")
def i3_small_area_only_on_the_other_limb(x, p):
    """Right ulcer is 15 cm2; the 5 cm2 assessment is on the left, which has no ulcer code."""
    i3_patient(x, p, area=(15.0, "cm2"))
    add_ulcer_assessment(x, p, "L", (5.0, "cm2"), 1, "none", "none", ago(10))


@case("I3", "pass")
def i3_second_limb_qualifies(x, p):
    """Right ulcer too large, left ulcer qualifies on every part (no exposure, so E5 holds
    on the left too): the left limb is the target limb, and I3 passes on it (A22)."""
    i3_patient(x, p, area=(15.0, "cm2"))
    x.condition(p, "L97.522", ago(40))
    add_ulcer_assessment(x, p, "L", (4.0, "cm2"), 2, "none", "partial_toe", ago(10))


@case("I3", "unknown", "side_unknown")
def i3_ulcer_code_without_side(x, p):
    """L97.909 (unspecified side) may be on either limb: unknown for each, not absent (A21)."""
    i3_patient(x, p, code="L97.909")


# ---------------------------------------------------------------- I5 pregnancy test
@case("I5", "pass")
def i5_man_without_test(x, p):
    """Men need no pregnancy test."""
    x.person(p, sex=MALE, year=1990)


@case("I5", "pass")
def i5_woman_56th_birthday_on_index(x, p):
    """Woman born 1970-11-01: 56 on D, above reproductive age (<= 55, A12)."""
    x.person(p, sex=FEMALE, year=1970, month=11, day=1)


@case("I5", "unknown", "no_data")
def i5_woman_aged_55_without_test(x, p):
    """Woman born 1970-11-02: still 55 on D, of reproductive age, no hCG."""
    x.person(p, sex=FEMALE, year=1970, month=11, day=2)


@case("I5", "pass")
def i5_negative_serum_hcg_14_days(x, p):
    """Negative serum hCG on D-14 (window inclusive), coded by concept 9189."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2118-8", ago(14), concept=9189)


@case("I5", "unknown", "stale")
def i5_negative_serum_hcg_15_days(x, p):
    """Negative serum hCG on D-15 only: too old."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2118-8", ago(15), concept=9189)


@case("I5", "pass")
def i5_negative_by_source_text(x, p):
    """Result given only as text 'Non-reactive'."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2118-8", ago(3), text="Non-reactive")


@case("I5", "fail")
def i5_positive_serum_hcg(x, p):
    """Positive serum hCG (concept 45884084)."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2118-8", ago(3), concept=45884084)


@case("I5", "unknown", "no_data")
def i5_urine_test_only(x, p):
    """Only a urine hCG (2106-3): the protocol asks for a blood test (A12)."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2106-3", ago(3), concept=9189)


@case("I5", "unknown", "conflict")
def i5_conflicting_results_same_day(x, p):
    """Negative and positive serum hCG on the same latest day."""
    x.person(p, sex=FEMALE, year=1990)
    x.measurement(p, "2118-8", ago(2), text="Negative")
    x.measurement(p, "2118-8", ago(2), text="Positive")


@case("I5", "unknown", "no_data")
def i5_unknown_sex_of_reproductive_age(x, p):
    """Sex not coded (0), age 36, no test: cannot tell whether a test is needed."""
    x.person(p, sex=0, year=1990)


# ---------------------------------------------------------------- E1 acute limb ischemia
@case("E1", "fail")
def e1_acute_ischemia_28_days(x, p):
    """I74.3 onset D-28: acute, current (A13)."""
    x.person(p)
    x.condition(p, "I74.3", ago(28))


@case("E1", "fail")
def e1_ongoing_acute_ischemia_29_days(x, p):
    """I74.3 onset D-29 with no end date: still ongoing, so current (A13)."""
    x.person(p)
    x.condition(p, "I74.3", ago(29))


@case("E1", "pass")
def e1_ended_acute_ischemia_29_days(x, p):
    """I74.3 onset D-29, ended D-5: outside the 28-day window and no longer ongoing."""
    x.person(p)
    x.condition(p, "I74.3", ago(29), ago(5))


@case("E1", "fail")
def e1_ongoing_acute_ischemia_two_years(x, p):
    """I74.3 onset D-730, no end date: ongoing whatever its onset (A13)."""
    x.person(p)
    x.condition(p, "I74.3", ago(730))


@case("E1", "fail")
def e1_ends_on_index_day(x, p):
    """I74.4 onset D-90, end D: ongoing on D (active: end >= D)."""
    x.person(p)
    x.condition(p, "I74.4", ago(90), D)


@case("E1", "pass")
def e1_none(x, p):
    """No acute ischemia coded."""
    x.person(p)
    x.condition(p, "I70.231", ago(300))


# ---------------------------------------------------------------- E2 recent procedures
@case("E2", "fail")
def e2_endovascular_28_days(x, p):
    """Femoral-popliteal angioplasty 37224 on D-28: 'within 4 weeks' (A6)."""
    x.person(p)
    x.procedure(p, "37224", ago(28), "RT")


@case("E2", "pass")
def e2_endovascular_29_days(x, p):
    """37224 on D-29: outside 4 weeks."""
    x.person(p)
    x.procedure(p, "37224", ago(29), "RT")


@case("E2", "fail")
def e2_pcs_dilation(x, p):
    """ICD-10-PCS 047K3ZZ (dilation, right femoral artery) on D-5."""
    x.person(p)
    x.procedure(p, "047K3ZZ", ago(5))


@case("E2", "fail")
def e2_bypass(x, p):
    """Femoral-popliteal bypass 35656 on D."""
    x.person(p)
    x.procedure(p, "35656", D)


@case("E2", "fail")
def e2_sympathectomy(x, p):
    """Lumbar sympathectomy 64818 on D-20."""
    x.person(p)
    x.procedure(p, "64818", ago(20))


@case("E2", "fail")
def e2_toe_amputation(x, p):
    """Toe amputation 28820 on D-7."""
    x.person(p)
    x.procedure(p, "28820", ago(7), "LT")


@case("E2", "fail")
def e2_pcs_amputation(x, p):
    """ICD-10-PCS 0Y6N0Z0 (detachment, left foot) on D-7."""
    x.person(p)
    x.procedure(p, "0Y6N0Z0", ago(7))


@case("E2", "pass")
def e2_diagnostic_angiography_only(x, p):
    """DSA 75710 on D-3 is imaging, not revascularization."""
    x.person(p)
    x.procedure(p, "75710", ago(3))


# ---------------------------------------------------------------- E4 aorto-iliac stenosis
@case("E4", "fail")
def e4_iliac_stenosis_70_by_duplex(x, p):
    """Common iliac 70 % by duplex: >= 70 excludes, any modality (A14)."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|R|DUS", ago(30), 70.0, "%")


@case("E4", "pass")
def e4_iliac_stenosis_69(x, p):
    """Common iliac 69 %."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|R|DUS", ago(30), 69.0, "%")


@case("E4", "fail")
def e4_any_segment_counts_on_same_day(x, p):
    """Aorta 30 % and external iliac 100 % on the same day: the occlusion excludes."""
    x.person(p)
    x.measurement(p, "STENOSIS|AO|R|CTA", ago(30), 30.0, "%")
    x.measurement(p, "STENOSIS|EIA|L|CTA", ago(30), 100.0, "%")


@case("E4", "pass")
def e4_femoral_dsa_without_iliac_stenosis(x, p):
    """A DSA recorded a common femoral stenosis and no aorto-iliac one: the inflow was imaged
    and nothing was found, a negative finding (A14)."""
    x.person(p)
    x.measurement(p, "STENOSIS|CFA|R|DSA", ago(30), 90.0, "%")


@case("E4", "unknown", "no_data")
def e4_femoral_duplex_only(x, p):
    """Only a duplex ultrasound of the femoral artery: no angiography, inflow not imaged."""
    x.person(p)
    x.measurement(p, "STENOSIS|CFA|R|DUS", ago(30), 90.0, "%")


@case("E4", "pass")
def e4_angiography_procedure_without_findings(x, p):
    """A lower-limb DSA (CPT 75710) on D-200 and no stenosis recorded: negative finding."""
    x.person(p)
    x.procedure(p, "75710", ago(200), "RT")


@case("E4", "unknown", "no_data")
def e4_angiography_older_than_12_months(x, p):
    """The only DSA was done D-12 months - 1 day: not in the window, no imaging."""
    x.person(p)
    x.procedure(p, "75710", M12 - timedelta(days=1), "RT")


@case("E4", "unknown", "no_data")
def e4_no_imaging(x, p):
    """Nothing imaged: unknown, and the evidence says no imaging rather than no stenosis."""
    x.person(p)


@case("E4", "pass")
def e4_stenosis_stented_since(x, p):
    """Left common iliac 85 % on D-200, 15 % on D-30 after stenting: the latest result of
    the segment decides (A14)."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|L|CTA", ago(200), 85.0, "%")
    x.measurement(p, "STENOSIS|CIA|L|DSA", ago(30), 15.0, "%")


@case("E4", "fail")
def e4_other_segment_old_high(x, p):
    """Right common iliac 85 % on D-200 (never re-imaged), left 15 % on D-30: each segment
    and side keeps its own latest result."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|R|CTA", ago(200), 85.0, "%")
    x.measurement(p, "STENOSIS|CIA|L|DSA", ago(30), 15.0, "%")


@case("E4", "fail")
def e4_exactly_12_months(x, p):
    """Iliac 80 % on D-12 months (2025-11-01): inside the window."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|L|MRA", M12, 80.0, "%")


@case("E4", "unknown", "stale")
def e4_older_than_12_months(x, p):
    """Iliac 80 % on 2025-10-31 only: stale."""
    x.person(p)
    x.measurement(p, "STENOSIS|CIA|L|MRA", M12 - timedelta(days=1), 80.0, "%")


# ---------------------------------------------------------------- E5 infection / exposure
@case("E5", "fail")
def e5_active_cellulitis(x, p):
    """Cellulitis of the right lower limb L03.115, no end date."""
    x.person(p)
    x.condition(p, "L03.115", ago(5))


@case("E5", "pass")
def e5_resolved_cellulitis(x, p):
    """Cellulitis ended D-1."""
    x.person(p)
    x.condition(p, "L03.115", ago(40), ago(1))


@case("E5", "fail")
def e5_osteomyelitis(x, p):
    """Osteomyelitis M86.171 active."""
    x.person(p)
    x.condition(p, "M86.171", ago(60))


@case("E5", "pass")
def e5_fascia_exposed_on_the_other_limb(x, p):
    """The right limb meets I2 and I3; fascia is exposed on the left: E5 is judged on the
    target (right) limb, where nothing is exposed (A22, A24)."""
    limb_patient(x, p, "R")
    x.observation(p, "ULCER_EXPOSURE|L", ago(10), text="fascia")


@case("E5", "fail")
def e5_fascia_exposed_on_the_target_limb(x, p):
    """The right limb meets I2 and I3 but its latest exposure is 'fascia' (A24)."""
    limb_patient(x, p, "R", exposure="fascia")


@case("E5", "pass")
def e5_exposure_healed(x, p):
    """Bone exposed on D-60, latest (D-10) 'none' on the same limb."""
    x.person(p)
    x.observation(p, "ULCER_EXPOSURE|R", ago(60), text="bone")
    x.observation(p, "ULCER_EXPOSURE|R", ago(10), text="none")


@case("E5", "pass")
def e5_one_limb_exposed_other_not(x, p):
    """The left limb qualifies with no exposure; the right shows bone: the target limb is the
    left one, and E5 passes on it."""
    limb_patient(x, p, "L")
    x.observation(p, "ULCER_EXPOSURE|R", ago(10), text="bone")


@case("E5", "pass")
def e5_exposure_older_than_90_days(x, p):
    """Bone exposure on D-91 only: not current; no recent finding -> not observed."""
    x.person(p)
    x.observation(p, "ULCER_EXPOSURE|R", ago(91), text="bone")


@case("E5", "fail")
def e5_muscle_level_ulcer_code(x, p):
    """Right limb qualifies; an active L97.413 (right heel, muscle necrosis) breaches the fascia."""
    limb_patient(x, p, "R")
    x.condition(p, "L97.413", ago(30))


@case("E5", "pass")
def e5_nothing_recorded(x, p):
    """No infection, no exposure record, no deep ulcer code."""
    x.person(p)


# ---------------------------------------------------------------- E6 NYHA III-IV
@case("E6", "fail")
def e6_nyha_3(x, p):
    """NYHA III (A4)."""
    x.person(p)
    x.observation(p, "88020-3", ago(30), 3)


@case("E6", "pass")
def e6_nyha_2_with_heart_failure(x, p):
    """Heart failure with NYHA II."""
    x.person(p)
    x.condition(p, "I50.22", ago(700))
    x.observation(p, "88020-3", ago(30), 2)


@case("E6", "fail")
def e6_nyha_4_exactly_12_months(x, p):
    """NYHA IV on D-12 months (2025-11-01): inside the window."""
    x.person(p)
    x.observation(p, "88020-3", M12, 4)


@case("E6", "pass")
def e6_no_heart_failure_no_nyha(x, p):
    """No heart failure and no NYHA class: not excluded."""
    x.person(p)


@case("E6", "unknown", "no_data")
def e6_heart_failure_without_nyha(x, p):
    """Heart failure I50.22 coded but no NYHA class."""
    x.person(p)
    x.condition(p, "I50.22", ago(700))


@case("E6", "unknown", "stale")
def e6_heart_failure_nyha_older_than_12_months(x, p):
    """Heart failure, NYHA III only on 2025-10-31."""
    x.person(p)
    x.condition(p, "I50.22", ago(700))
    x.observation(p, "88020-3", M12 - timedelta(days=1), 3)


# ---------------------------------------------------------------- E7 recent CV events
@case("E7", "fail")
def e7_stroke_exactly_3_months(x, p):
    """Cerebral infarction I63.9 on D-3 months (2026-08-01) (A7)."""
    x.person(p)
    x.condition(p, "I63.9", M3)


@case("E7", "pass")
def e7_stroke_3_months_and_a_day(x, p):
    """Cerebral infarction on 2026-07-31."""
    x.person(p)
    x.condition(p, "I63.9", M3 - timedelta(days=1))


@case("E7", "fail")
def e7_unstable_angina(x, p):
    """Unstable angina I20.0 on D-10."""
    x.person(p)
    x.condition(p, "I20.0", ago(10))


@case("E7", "pass")
def e7_stable_angina(x, p):
    """Stable angina I20.9 is not unstable angina."""
    x.person(p)
    x.condition(p, "I20.9", ago(10))


@case("E7", "fail")
def e7_myocardial_infarction(x, p):
    """NSTEMI I21.4 on D-60."""
    x.person(p)
    x.condition(p, "I21.4", ago(60))


# ---------------------------------------------------------------- E8 refractory hypertension
def e8_patient(x, p, atcs=("C09AA02", "C08CA01", "C03AA03"), sbp=None, dbp=None):
    x.person(p)
    for atc in atcs:
        x.drug(p, atc, ago(100), D + timedelta(days=60))
    if sbp is not None:
        x.measurement(p, "8480-6", ago(5), sbp, "mm[Hg]")
    if dbp is not None:
        x.measurement(p, "8462-4", ago(5), dbp, "mm[Hg]")


@case("E8", "fail")
def e8_three_classes_sbp_180(x, p):
    """Three classes and SBP 180: >= 180 (A5)."""
    e8_patient(x, p, sbp=180.0, dbp=90.0)


@case("E8", "pass")
def e8_three_classes_bp_179_109(x, p):
    """Three classes, 179/109."""
    e8_patient(x, p, sbp=179.0, dbp=109.0)


@case("E8", "fail")
def e8_three_classes_dbp_110(x, p):
    """Three classes, DBP 110."""
    e8_patient(x, p, sbp=150.0, dbp=110.0)


@case("E8", "pass")
def e8_two_classes_high_bp(x, p):
    """Two classes only, 200/120: not refractory by the protocol's definition."""
    e8_patient(x, p, atcs=("C09AA02", "C08CA01"), sbp=200.0, dbp=120.0)


@case("E8", "pass")
def e8_three_drugs_two_classes(x, p):
    """Three drugs from two classes (two RAAS agents), 200/120: classes counted (A15)."""
    e8_patient(x, p, atcs=("C09AA02", "C09CA01", "C08CA01"), sbp=200.0, dbp=120.0)


@case("E8", "unknown", "no_data")
def e8_three_classes_no_bp(x, p):
    """Three classes, no blood pressure recorded."""
    e8_patient(x, p)


@case("E8", "fail")
def e8_days_supply_reaches_index(x, p):
    """Third class started D-30 with 31 days supply: active through D."""
    e8_patient(x, p, atcs=("C09AA02", "C08CA01"), sbp=185.0, dbp=95.0)
    x.drug(p, "C07AB02", ago(30), days_supply=31)


@case("E8", "pass")
def e8_days_supply_ends_day_before(x, p):
    """Third class started D-30 with 30 days supply: ended D-1."""
    e8_patient(x, p, atcs=("C09AA02", "C08CA01"), sbp=185.0, dbp=95.0)
    x.drug(p, "C07AB02", ago(30), days_supply=30)


# ---------------------------------------------------------------- E9 proliferative retinopathy
@case("E9", "fail")
def e9_stable_pdr(x, p):
    """E11.3551: type 2 diabetes with stable proliferative retinopathy, right eye."""
    x.person(p)
    x.condition(p, "E11.3551", ago(400))


@case("E9", "fail")
def e9_pdr_without_macular_edema(x, p):
    """E10.3592: proliferative retinopathy without macular edema (A23)."""
    x.person(p)
    x.condition(p, "E10.3592", ago(400))


@case("E9", "fail")
def e9_other_proliferative_retinopathy(x, p):
    """H35.21: other non-diabetic proliferative retinopathy, right eye."""
    x.person(p)
    x.condition(p, "H35.21", ago(400))


@case("E9", "pass")
def e9_nonproliferative_retinopathy(x, p):
    """E11.3291: mild non-proliferative retinopathy."""
    x.person(p)
    x.condition(p, "E11.3291", ago(400))


# ---------------------------------------------------------------- E11 liver disease
@case("E11", "fail")
def e11_alcoholic_cirrhosis_with_ascites(x, p):
    """K70.31 active."""
    x.person(p)
    x.condition(p, "K70.31", ago(100))


@case("E11", "pass")
def e11_cirrhosis_without_ascites(x, p):
    """K70.30: alcoholic cirrhosis without ascites is not decompensated."""
    x.person(p)
    x.condition(p, "K70.30", ago(100))


@case("E11", "pass")
def e11_ascites_resolved(x, p):
    """R18.8 ended D-1."""
    x.person(p)
    x.condition(p, "R18.8", ago(100), ago(1))


@case("E11", "fail")
def e11_jaundice(x, p):
    """Jaundice R17 ongoing."""
    x.person(p)
    x.condition(p, "R17", ago(3))


# ---------------------------------------------------------------- E12 immunosuppression
@case("E12", "fail")
def e12_immunosuppressant_active(x, p):
    """Mycophenolate L04AA06 active at D."""
    x.person(p)
    x.drug(p, "L04AA06", ago(200), D + timedelta(days=30))


@case("E12", "pass")
def e12_immunosuppressant_stopped(x, p):
    """Mycophenolate ended D-1."""
    x.person(p)
    x.drug(p, "L04AA06", ago(200), ago(1))


@case("E12", "pass")
def e12_corticosteroid_only(x, p):
    """Prednisolone H02AB06 active: evidence for the investigator, not an exclusion (A16)."""
    x.person(p)
    x.drug(p, "H02AB06", ago(50), D + timedelta(days=30))


@case("E12", "fail")
def e12_chemotherapy_28_days(x, p):
    """Chemotherapy infusion 96413 on D-28."""
    x.person(p)
    x.procedure(p, "96413", ago(28))


@case("E12", "pass")
def e12_chemotherapy_29_days(x, p):
    """Chemotherapy infusion 96413 on D-29."""
    x.person(p)
    x.procedure(p, "96413", ago(29))


@case("E12", "fail")
def e12_radiotherapy(x, p):
    """Radiation treatment delivery 77385 on D-3."""
    x.person(p)
    x.procedure(p, "77385", ago(3))


@case("E12", "fail")
def e12_antineoplastic_on_start_day(x, p):
    """L01 drug started on D, no end, no days supply: active on D only."""
    x.person(p)
    x.drug(p, "L01BA01", D)


# ---------------------------------------------------------------- E13 serology
def e13_tests(x, p, hiv="Negative", hcv="Negative", hbsag="Negative", on=None):
    on = on or ago(30)
    x.person(p)
    for code, result in (("7917-8", hiv), ("16128-1", hcv), ("5196-1", hbsag)):
        if result is not None:
            x.measurement(p, code, on, text=result)


@case("E13", "pass")
def e13_all_negative(x, p):
    """HIV, HCV and HBsAg negative."""
    e13_tests(x, p)


@case("E13", "fail")
def e13_hiv_reactive(x, p):
    """HIV antibody 'Reactive' alone excludes ('and' read as 'or', A19)."""
    e13_tests(x, p, hiv="Reactive")


@case("E13", "unknown", "review")
def e13_hbsag_positive(x, p):
    """HBsAg positive by concept 9191: the protocol admits stable chronic hepatitis B, so the
    investigator decides (needs review, never excluded) (A19)."""
    e13_tests(x, p, hbsag=None)
    x.measurement(p, "5196-1", ago(30), concept=9191)


@case("E13", "fail")
def e13_hiv_diagnosis_without_test(x, p):
    """B20 coded, no tests."""
    x.person(p)
    x.condition(p, "B20", ago(1000))


@case("E13", "unknown", "no_data")
def e13_no_tests(x, p):
    """No serology and no diagnosis."""
    x.person(p)


@case("E13", "unknown", "no_data")
def e13_hcv_not_tested(x, p):
    """HIV and HBsAg negative, HCV not tested."""
    e13_tests(x, p, hcv=None)


@case("E13", "unknown", "unit_unknown")
def e13_indeterminate_result(x, p):
    """HCV 'Indeterminate' is neither positive nor negative."""
    e13_tests(x, p, hcv="Indeterminate")


@case("E13", "pass")
def e13_latest_test_decides(x, p):
    """HCV positive 2 years ago, negative (concept 45878583) on D-30, others negative."""
    e13_tests(x, p, hcv=None)
    x.measurement(p, "16128-1", ago(730), text="Positive")
    x.measurement(p, "16128-1", ago(30), concept=45878583)


# ---------------------------------------------------------------- E14 screening labs
NORMAL_LABS = {  # analyte: (LOINC, value, unit, upper limit of normal)
    "hb": ("718-7", 130.0, "g/L", None),
    "wbc": ("6690-2", 7.0, "10*9/L", None),
    "plt": ("777-3", 250.0, "10*9/L", None),
    "ast": ("1920-8", 30.0, "U/L", 40.0),
    "alt": ("1742-6", 30.0, "U/L", 40.0),
    "cr": ("2160-0", 1.0, "mg/dL", 1.2),
}


def e14_labs(x, p, on=None, **override):
    """Normal labs on D-10 except `override`: analyte=(value, unit, uln), or None to omit."""
    on = on or ago(10)
    x.person(p)
    for analyte, (code, value, unit, uln) in NORMAL_LABS.items():
        if analyte in override:
            if override[analyte] is None:
                continue
            value, unit, uln = override[analyte]
        x.measurement(p, code, on, value, unit, range_high=uln)


@case("E14", "pass")
def e14_all_normal(x, p):
    """All six analytes normal within 90 days."""
    e14_labs(x, p)


@case("E14", "fail")
def e14_hemoglobin_79_g_l(x, p):
    """Hemoglobin 79 g/L < 80."""
    e14_labs(x, p, hb=(79.0, "g/L", None))


@case("E14", "pass")
def e14_hemoglobin_80_g_l(x, p):
    """Hemoglobin 80 g/L: not < 80."""
    e14_labs(x, p, hb=(80.0, "g/L", None))


@case("E14", "fail")
def e14_hemoglobin_7_9_g_dl(x, p):
    """7.9 g/dL = 79 g/L."""
    e14_labs(x, p, hb=(7.9, "g/dL", None))


@case("E14", "pass")
def e14_hemoglobin_8_0_g_dl(x, p):
    """8.0 g/dL = 80 g/L."""
    e14_labs(x, p, hb=(8.0, "g/dL", None))


@case("E14", "fail")
def e14_hemoglobin_mmol_below(x, p):
    """4.96 mmol/L x 16.11 = 79.9 g/L."""
    e14_labs(x, p, hb=(4.96, "mmol/L", None))


@case("E14", "pass")
def e14_hemoglobin_mmol_above(x, p):
    """4.97 mmol/L x 16.11 = 80.07 g/L."""
    e14_labs(x, p, hb=(4.97, "mmol/L", None))


@case("E14", "unknown", "unit_unknown")
def e14_hemoglobin_in_percent(x, p):
    """Hemoglobin in % cannot be converted to g/L; every other analyte is normal."""
    e14_labs(x, p, hb=(13.0, "%", None))


@case("E14", "fail")
def e14_wbc_2_9(x, p):
    """WBC 2.9 x 10^9/L < 3.0."""
    e14_labs(x, p, wbc=(2.9, "10*9/L", None))


@case("E14", "pass")
def e14_wbc_3_0(x, p):
    """WBC 3.0 x 10^9/L."""
    e14_labs(x, p, wbc=(3.0, "10*9/L", None))


@case("E14", "fail")
def e14_wbc_per_ul_below(x, p):
    """2900 /uL = 2.9 x 10^9/L."""
    e14_labs(x, p, wbc=(2900.0, "/uL", None))


@case("E14", "pass")
def e14_wbc_per_ul_at_threshold(x, p):
    """3000 /uL = 3.0 x 10^9/L."""
    e14_labs(x, p, wbc=(3000.0, "/uL", None))


@case("E14", "fail")
def e14_wbc_thousands_per_ul_below(x, p):
    """2.99 x 10^3/uL (= 10^9/L)."""
    e14_labs(x, p, wbc=(2.99, "10*3/uL", None))


@case("E14", "fail")
def e14_platelets_74(x, p):
    """Platelets 74 x 10^9/L < 75."""
    e14_labs(x, p, plt=(74.0, "10*9/L", None))


@case("E14", "pass")
def e14_platelets_75_per_mm3(x, p):
    """75 x 10^3/mm3 = 75 x 10^9/L."""
    e14_labs(x, p, plt=(75.0, "10*3/mm3", None))


@case("E14", "pass")
def e14_ast_exactly_3_uln(x, p):
    """AST 120 U/L with ULN 40: 3 x ULN is not > 3 x ULN (A11)."""
    e14_labs(x, p, ast=(120.0, "U/L", 40.0))


@case("E14", "fail")
def e14_ast_above_3_uln(x, p):
    """AST 121 U/L with ULN 40."""
    e14_labs(x, p, ast=(121.0, "U/L", 40.0))


@case("E14", "fail")
def e14_alt_above_3_uln_in_ukat(x, p):
    """ALT 1.51 ukat/L with ULN 0.5 ukat/L: ratio in the row's own unit."""
    e14_labs(x, p, alt=(1.51, "ukat/L", 0.5))


@case("E14", "pass")
def e14_alt_exactly_3_uln_in_ukat(x, p):
    """ALT 1.5 ukat/L with ULN 0.5."""
    e14_labs(x, p, alt=(1.5, "ukat/L", 0.5))


@case("E14", "unknown", "unit_unknown")
def e14_ast_without_uln(x, p):
    """AST 100 U/L without range_high: a ULN predicate cannot be judged."""
    e14_labs(x, p, ast=(100.0, "U/L", None))


@case("E14", "fail")
def e14_creatinine_above_3_uln(x, p):
    """Creatinine 3.61 mg/dL with ULN 1.2 (3 x ULN = 3.6)."""
    e14_labs(x, p, cr=(3.61, "mg/dL", 1.2))


@case("E14", "pass")
def e14_creatinine_exactly_3_uln(x, p):
    """Creatinine 3.0 mg/dL with ULN 1.0."""
    e14_labs(x, p, cr=(3.0, "mg/dL", 1.0))


@case("E14", "fail")
def e14_creatinine_umol_above_3_uln(x, p):
    """Creatinine (14682-9) 320 umol/L with ULN 106 (3 x ULN = 318)."""
    e14_labs(x, p, cr=None)
    x.measurement(p, "14682-9", ago(10), 320.0, "umol/L", range_high=106.0)


@case("E14", "unknown", "no_data")
def e14_no_labs(x, p):
    """No laboratory results at all."""
    x.person(p)


@case("E14", "unknown", "stale")
def e14_labs_older_than_90_days(x, p):
    """All labs normal but on D-91."""
    e14_labs(x, p, on=ago(91))


@case("E14", "pass")
def e14_labs_exactly_90_days(x, p):
    """All labs normal on D-90 (window inclusive, A8)."""
    e14_labs(x, p, on=ago(90))


@case("E14", "pass")
def e14_latest_hemoglobin_decides(x, p):
    """Hemoglobin 70 g/L on D-60, 120 g/L on D-10: the latest decides."""
    e14_labs(x, p)
    x.measurement(p, "718-7", ago(60), 70.0, "g/L")


# ---------------------------------------------------------------- E15 HbA1c
@case("E15", "pass")
def e15_hba1c_10_percent(x, p):
    """HbA1c 10.0 %: not > 10."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(20), 10.0, "%")


@case("E15", "fail")
def e15_hba1c_10_1_percent(x, p):
    """HbA1c 10.1 %."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(20), 10.1, "%")


@case("E15", "fail")
def e15_hba1c_86_mmol_mol(x, p):
    """86 mmol/mol = 10.02 %: > 85.8 mmol/mol (A17)."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "59261-8", ago(20), 86.0, "mmol/mol")


@case("E15", "pass")
def e15_hba1c_85_mmol_mol(x, p):
    """85 mmol/mol = 9.93 %."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "59261-8", ago(20), 85.0, "mmol/mol")


@case("E15", "pass")
def e15_no_diabetes_no_hba1c(x, p):
    """No diabetes and no HbA1c: 'after treatment' does not apply."""
    x.person(p)


@case("E15", "unknown", "no_data")
def e15_diabetes_without_hba1c(x, p):
    """Type 2 diabetes, no HbA1c."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))


@case("E15", "unknown", "no_data")
def e15_insulin_without_hba1c(x, p):
    """On insulin (A10AB01), no diabetes code, no HbA1c."""
    x.person(p)
    x.drug(p, "A10AB01", ago(100), D + timedelta(days=30))


@case("E15", "unknown", "stale")
def e15_diabetes_hba1c_older_than_90_days(x, p):
    """Diabetes, HbA1c 8 % on D-91 only."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(91), 8.0, "%")


@case("E15", "pass")
def e15_hba1c_exactly_90_days(x, p):
    """Diabetes, HbA1c 8 % on D-90."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "17856-6", ago(90), 8.0, "%")


@case("E15", "pass")
def e15_latest_hba1c_decides(x, p):
    """11 % on D-80, 9 % on D-5."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(80), 11.0, "%")
    x.measurement(p, "4548-4", ago(5), 9.0, "%")


# ---------------------------------------------------------------- E16 malignancy
@case("E16", "fail")
def e16_colon_cancer(x, p):
    """C18.9 years ago."""
    x.person(p)
    x.condition(p, "C18.9", ago(3000), ago(2500))


@case("E16", "fail")
def e16_history_code(x, p):
    """Z85.3: personal history of breast cancer."""
    x.person(p)
    x.condition(p, "Z85.3", ago(100))


@case("E16", "fail")
def e16_basal_cell_carcinoma(x, p):
    """C44.311 basal cell carcinoma of the nose: malignant, no skin exception (A20)."""
    x.person(p)
    x.condition(p, "C44.311", ago(900))


@case("E16", "pass")
def e16_carcinoma_in_situ(x, p):
    """D05.10 carcinoma in situ is not a malignant tumour here."""
    x.person(p)
    x.condition(p, "D05.10", ago(900))


# ---------------------------------------------------------------- E18 alcohol / substances
@case("E18", "fail")
def e18_alcohol_25_uk_units(x, p):
    """25 UK units/week > 24.85 (= 14 protocol units, A18)."""
    x.person(p)
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 25.0)


@case("E18", "pass")
def e18_alcohol_at_threshold(x, p):
    """24.85 UK units/week: not more than 14 protocol units."""
    x.person(p)
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 24.85)


@case("E18", "pass")
def e18_alcohol_20_uk_units(x, p):
    """20 UK units (above 14 UK units, below 14 protocol units)."""
    x.person(p)
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 20.0)


@case("E18", "fail")
def e18_heavy_drinking_exactly_12_months(x, p):
    """30 units on D-12 months, 2 units since: heavy drinking within the 12 months."""
    x.person(p)
    x.observation(p, "ALCOHOL_UNITS_WEEK", M12, 30.0)
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(10), 2.0)


@case("E18", "unknown", "stale")
def e18_alcohol_record_older_than_12_months(x, p):
    """30 units on 2025-10-31 only."""
    x.person(p)
    x.observation(p, "ALCOHOL_UNITS_WEEK", M12 - timedelta(days=1), 30.0)


@case("E18", "unknown", "no_data")
def e18_no_alcohol_record(x, p):
    """No alcohol record and no substance use disorder."""
    x.person(p)


@case("E18", "fail")
def e18_active_alcohol_dependence(x, p):
    """F10.20 since 2015, no end date (still active)."""
    x.person(p)
    x.condition(p, "F10.20", date(2015, 3, 1))
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 0.0)


@case("E18", "pass")
def e18_dependence_in_remission(x, p):
    """F10.21 (in remission) is not current abuse; 0 units/week."""
    x.person(p)
    x.condition(p, "F10.21", ago(200))
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 0.0)


@case("E18", "pass")
def e18_nicotine_only(x, p):
    """F17.210 nicotine dependence is not a substance in E18."""
    x.person(p)
    x.condition(p, "F17.210", ago(200))
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 4.0)


@case("E18", "fail")
def e18_cannabis_use_ended_within_12_months(x, p):
    """F12.20 from D-100 to D-50: within the 12 months."""
    x.person(p)
    x.condition(p, "F12.20", ago(100), ago(50))
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 0.0)


@case("E18", "pass")
def e18_old_resolved_dependence(x, p):
    """F10.20 2019-2020, ended: neither active nor within 12 months."""
    x.person(p)
    x.condition(p, "F10.20", date(2019, 1, 1), date(2020, 1, 1))
    x.observation(p, "ALCOHOL_UNITS_WEEK", ago(30), 3.0)


# ---------------------------------------------------------------- E19 other trials
@case("E19", "fail")
def e19_trial_visit_exactly_3_months(x, p):
    """Last study visit on 2026-08-01 (A7)."""
    x.person(p)
    x.observation(p, "TRIAL_PARTICIPATION", M3, text="NCT00000001")


@case("E19", "pass")
def e19_trial_visit_3_months_and_a_day(x, p):
    """Last study visit on 2026-07-31."""
    x.person(p)
    x.observation(p, "TRIAL_PARTICIPATION", M3 - timedelta(days=1), text="NCT00000001")


@case("E19", "pass")
def e19_no_trial(x, p):
    """No trial participation recorded."""
    x.person(p)


# ---------------------------------------------------------------- manual criteria
for _cid in ("I4", "I6", "E3", "E10", "E17"):

    def _manual(x, p):
        """A manual criterion is manual for every patient."""
        x.person(p)

    _manual.__name__ = f"{_cid.lower()}_is_manual"
    case(_cid, "manual")(_manual)


@case("E3", "manual")
def e3_manual_with_recent_surgery(x, p):
    """Bypass on D-10: still manual; the surgery is shown as evidence."""
    x.person(p)
    x.procedure(p, "35656", ago(10), "RT")


# ---------------------------------------------------------------- NL003 v1.1 readings
# ALIVE (built in): the dead are not candidates (A27)
@case("ALIVE", "fail")
def alive_died_before_index(x, p):
    """Death on D-10: ineligible, with the death as evidence."""
    x.person(p)
    x.rows["death"].append({"person_id": p, "death_date": ago(10), "death_type_concept_id": 0})


@case("ALIVE", "fail")
def alive_died_on_index(x, p):
    """Death on D itself: 'on or before the index date'."""
    x.person(p)
    x.rows["death"].append({"person_id": p, "death_date": D, "death_type_concept_id": 0})


@case("ALIVE", "pass")
def alive_dies_after_index(x, p):
    """Death on D+1 is not yet known on D."""
    x.person(p)
    x.rows["death"].append(
        {"person_id": p, "death_date": D + timedelta(days=1), "death_type_concept_id": 0}
    )


# I2 and I3 on one target limb (A22)
@case("I3", "fail")
def limb_ischemia_right_ulcer_left(x, p):
    """I2 holds on the right limb only and the only ulcer is on the left: no limb meets both;
    the right limb (one fail, as the left) is reported, and I3 fails there. (I70.221: rest
    pain, no ulcer coded with the ischemia.)"""
    i2_patient(x, p, "R", diagnosis="I70.221")
    x.condition(p, "L97.422", ago(30))
    add_ulcer_assessment(x, p, "L", (5.0, "cm2"), 1, "none", "none", ago(10))


@case("I2", "pass")
def limb_ischemia_right_ulcer_left_i2(x, p):
    """The same patient: I2 passes on the reported (right) limb; the patient is ineligible
    through I3."""
    i2_patient(x, p, "R", diagnosis="I70.221")
    x.condition(p, "L97.422", ago(30))
    add_ulcer_assessment(x, p, "L", (5.0, "cm2"), 1, "none", "none", ago(10))


@case("I3", "pass")
def limb_both_criteria_on_the_left(x, p):
    """I2 and I3 both hold on the left limb: the patient qualifies through it."""
    limb_patient(x, p, "L")


@case("I2.rutherford", "pass")
def limb_rutherford_read_on_target_limb(x, p):
    """Rutherford 5 on the right (the qualifying limb), 2 on the left: I2.rutherford is read
    on the target limb, not 'conflicting'."""
    limb_patient(x, p, "R", other_side_rutherford=2)


# I5: pregnancy excludes (A12)
@case("I5", "fail")
def i5_positive_urine_hcg(x, p):
    """Woman of 30 with a positive urine hCG on D-20: possibly pregnant, excluded."""
    x.person(p, sex=FEMALE, year=1996)
    x.measurement(p, "2106-3", ago(20), text="Positive")


@case("I5", "pass")
def i5_negative_serum_after_positive_urine(x, p):
    """Positive urine hCG on D-60, negative serum hCG on D-5: the latest test decides."""
    x.person(p, sex=FEMALE, year=1996)
    x.measurement(p, "2106-3", ago(60), text="Positive")
    x.measurement(p, "2118-8", ago(5), text="Negative")


@case("I5", "fail")
def i5_pregnancy_code(x, p):
    """O09.90 (supervision of high-risk pregnancy) on D-100 excludes even with a negative
    serum hCG on D-5."""
    x.person(p, sex=FEMALE, year=1990)
    x.condition(p, "O09.90", ago(100))
    x.measurement(p, "2118-8", ago(5), text="Negative")


@case("I5", "pass")
def i5_pregnancy_code_older_than_9_months(x, p):
    """Z33.1 on D-9 months - 1 day and a negative serum hCG on D-5."""
    x.person(p, sex=FEMALE, year=1990)
    x.condition(p, "Z33.1", date(2026, 1, 31))
    x.measurement(p, "2118-8", ago(5), text="Negative")


@case("I5", "pass")
def i5_pregnancy_code_on_a_man(x, p):
    """A pregnancy code on a man's record is a data error, not a pregnancy."""
    x.person(p, sex=MALE, year=1960)
    x.condition(p, "Z33.1", ago(30))


# E8: a fixed-dose combination counts as its components' classes (A15)
@case("E8", "fail")
def e8_triple_pill_counts_three_classes(x, p):
    """C09DX01 (valsartan, amlodipine, hydrochlorothiazide) alone = C09 + C08 + C03, SBP 185."""
    e8_patient(x, p, atcs=("C09DX01",), sbp=185.0, dbp=95.0)


@case("E8", "pass")
def e8_two_pills_two_classes(x, p):
    """C09DA01 (losartan + diuretic) and C03AA03: C09 + C03 only, SBP 185."""
    e8_patient(x, p, atcs=("C09DA01", "C03AA03"), sbp=185.0, dbp=95.0)


# E12: a recent antineoplastic course is current (A16)
@case("E12", "fail")
def e12_one_day_infusion_10_days_ago(x, p):
    """L01XC02 given on D-10 only (start = end): within 28 days, a current recipient."""
    x.person(p)
    x.drug(p, "L01XC02", ago(10), ago(10))


@case("E12", "fail")
def e12_infusion_exactly_28_days_ago(x, p):
    """L01BA01 on D-28 only: the 28-day bound is inclusive."""
    x.person(p)
    x.drug(p, "L01BA01", ago(28), ago(28))


@case("E12", "pass")
def e12_infusion_29_days_ago(x, p):
    """L01BA01 on D-29 only: no longer current."""
    x.person(p)
    x.drug(p, "L01BA01", ago(29), ago(29))


# E14: exact boundaries (A29)
@case("E14.ast_alt", "pass")
def e14_alt_exactly_3_uln(x, p):
    """ALT 2.85 with ULN 0.95 is exactly 3 x ULN, not above it (2.85 / 0.95 in floating
    point is 3.0000000000000004)."""
    e14_labs(x, p, alt=(2.85, "U/L", 0.95))


@case("E14.ast_alt", "unknown", "unit_unknown")
def e14_alt_not_a_number(x, p):
    """ALT recorded as NaN: no value, not 'above every number'."""
    e14_labs(x, p, alt=(float("nan"), "U/L", 40.0))


# E15: the latest HbA1c decides whatever its unit (A17)
@case("E15", "fail")
def e15_mmol_mol_under_percent_code(x, p):
    """86 mmol/mol recorded under the % code 4548-4: converted (10.02 %), not unknown."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(20), 86.0, "mmol/mol")


@case("E15", "pass")
def e15_newer_normal_ifcc_overrules_older_high_percent(x, p):
    """11 % on D-60, then 60 mmol/mol (7.64 %) on D-10: the latest decides across units."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x.measurement(p, "4548-4", ago(60), 11.0, "%")
    x.measurement(p, "59261-8", ago(10), 60.0, "mmol/mol")


@case("E15", "fail")
def e15_unit_from_unit_concept_only(x, p):
    """HbA1c 10.5 with no unit text but unit_concept_id 8554 (percent): read as %."""
    x.person(p)
    x.condition(p, "E11.9", ago(2000))
    x._add(
        "measurement", measurement_id=next(x._ids), person_id=p, measurement_date=ago(10),
        value_as_number=10.5, unit_concept_id=8554, measurement_source_value="4548-4",
    )  # fmt: skip


def build_extract() -> tuple[Extract, dict[str, int]]:
    """All cases in one extract: person_id = case number; returns {case name: person_id}."""
    x = Extract()
    ids: dict[str, int] = {}
    for pid, c in enumerate(CASES, start=1001):
        assert c.name not in ids, f"duplicate case name {c.name}"
        ids[c.name] = pid
        c.build(x, pid)
    return x, ids
