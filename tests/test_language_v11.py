"""Criteria language v1.1 constructs at their boundaries, on both engines.

Every expected result, reason and evidence text is written by hand from the engine
contract (engine-spec v1.1: §5 instance results, §6 nodes, §7 target limb, §8 evidence),
never produced by an engine. Index date D = 2026-11-01; each case names its boundary.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import duckdb
import pytest
import yaml
from nl003_cases import TABLE_COLUMNS

from prescreen.criteria.pandas_engine import evaluate_pandas, screen_into_pandas
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import evaluate_sql, screen_into

D = date(2026, 11, 1)
ENGINES = ["sql", "pandas"]
HBA1C_PERCENT = {"mmol/mol": {"factor": 0.09148, "offset": 2.152}}  # % = 0.09148 × mmol/mol + 2.152


def ago(days: int) -> date:
    return D - timedelta(days=days)


CODESETS = {
    "rutherford": {"codes": ["RUTH5*"]},  # the side is the code's |R / |L segment
    "ulcer": {"codes": ["L97.*"], "sides": {"R": ["L97.?1*"], "L": ["L97.?2*"]}},
    "osteo": {"codes": ["M86*"]},
    "imaging": {"codes": ["73718"]},
    "stenosis": {"codes": ["STEN|*"], "groups": {"sfa": ["STEN|SFA*"], "pop": ["STEN|POP*"]}},
    "heart_failure": {"codes": ["I50*"]},
    "immunosuppressant": {"codes": ["L04*"]},
    "hba1c": {"codes": ["4548-4"]},
    "alt": {"codes": ["1742-6"]},
    "hb": {"codes": ["718-7"]},
}
CRITERIA = [
    {"id": "I2", "kind": "inclusion", "text": "critical limb ischemia of the target limb",
     "rule": {"limb": {"event": "condition", "codes": "rutherford", "label": "Rutherford 5"}}},
    {"id": "I3", "kind": "inclusion", "text": "an ulcer on the target limb",
     "rule": {"limb": {"event": "condition", "codes": "ulcer", "label": "ulcer"}}},
    {"id": "E1", "kind": "exclusion", "text": "osteomyelitis (negative once the foot was imaged)",
     "rule": {"event": "condition", "codes": "osteo", "label": "osteomyelitis", "window": {"within": "90 days"},
              "missing": {"false_if": {"event": "procedure", "codes": "imaging", "label": "foot imaging",
                                       "window": {"within": "90 days"}}}}},
    {"id": "E2", "kind": "exclusion", "text": "a stenosis of 50 % or more in any segment (latest per segment)",
     "rule": {"event": "measurement", "codes": "stenosis", "label": "stenosis", "per": "group",
              "pick": "latest", "value": ">= 50 %", "window": {"within": "12 months"}}},
    {"id": "E3", "kind": "exclusion", "text": "heart failure (the cardiologist decides)",
     "rule": {"review": {"event": "condition", "codes": "heart_failure", "label": "heart failure"},
              "because": "cardiologist decides"}},
    {"id": "E4", "kind": "exclusion", "text": "an immunosuppressant within 4 weeks",
     "rule": {"event": "drug", "codes": "immunosuppressant", "label": "immunosuppressant",
              "window": {"active_within": "28 days"}}},
    {"id": "E5", "kind": "exclusion", "text": "HbA1c above 10 %",
     "rule": {"event": "measurement", "codes": "hba1c", "label": "HbA1c", "value": "> 10 %", "pick": "latest",
              "window": {"within": "90 days"}, "convert": HBA1C_PERCENT}},
    {"id": "E6", "kind": "exclusion", "text": "ALT above 3 x ULN",
     "rule": {"event": "measurement", "codes": "alt", "label": "ALT", "value": "> 3 x ULN", "pick": "latest",
              "window": {"within": "90 days"}}},
    {"id": "E7", "kind": "exclusion", "text": "hemoglobin below 80 g/L",
     "rule": {"event": "measurement", "codes": "hb", "label": "hemoglobin", "value": "< 80 g/L", "pick": "latest",
              "window": {"within": "90 days"}}},
]  # fmt: skip


class _Rows:
    """A tiny extract: one typed DuckDB table per OMOP table the tests use."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        for table, columns in TABLE_COLUMNS.items():
            self.con.execute(
                f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})"
            )
        self._id = 0

    def _next(self) -> int:
        self._id += 1
        return self._id

    def person(self, pid: int) -> None:
        self.con.execute(
            "insert into person (person_id, gender_concept_id, year_of_birth) values (?, 8507, 1960)",
            [pid],
        )

    def condition(self, pid: int, code: str, on: date) -> None:
        self.con.execute(
            "insert into condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,"
            " condition_start_date, condition_source_value) values (?, ?, 0, ?, ?)",
            [self._next(), pid, on, code],
        )

    def procedure(self, pid: int, code: str, on: date) -> None:
        self.con.execute(
            "insert into procedure_occurrence (procedure_occurrence_id, person_id, procedure_concept_id,"
            " procedure_date, procedure_source_value) values (?, ?, 0, ?, ?)",
            [self._next(), pid, on, code],
        )

    def drug(self, pid: int, code: str, start: date, days_supply: int) -> None:
        self.con.execute(
            "insert into drug_exposure (drug_exposure_id, person_id, drug_concept_id,"
            " drug_exposure_start_date, days_supply, drug_source_value) values (?, ?, 0, ?, ?, ?)",
            [self._next(), pid, start, days_supply, code],
        )

    def measurement(
        self, pid: int, code: str, on: date, value: float, unit: str | None,
        *, unit_concept: int = 0, range_high: float | None = None,
    ) -> None:  # fmt: skip
        self.con.execute(
            "insert into measurement (measurement_id, person_id, measurement_concept_id, measurement_date,"
            " value_as_number, unit_source_value, unit_concept_id, range_high, measurement_source_value,"
            " value_as_concept_id) values (?, ?, 0, ?, ?, ?, ?, ?, ?, 0)",
            [self._next(), pid, on, value, unit, unit_concept, range_high, code],
        )

    def death(self, pid: int, on: date) -> None:
        self.con.execute("insert into death (person_id, death_date) values (?, ?)", [pid, on])


def _extract() -> duckdb.DuckDBPyConnection:
    x = _Rows()
    for pid in range(1, 21):
        x.person(pid)
    # target limb: Rutherford 5 on the right only, an ulcer on the left only
    x.condition(1, "RUTH5|R", ago(20))
    x.condition(1, "L97.421", ago(20))
    # both limbs qualify
    for code in ("RUTH5|R", "RUTH5|L", "L97.411", "L97.421"):
        x.condition(2, code, ago(20))
    # an ulcer without a side: unknown on either limb
    x.condition(3, "RUTH5|R", ago(20))
    x.condition(3, "L97.9", ago(31))
    # only the left limb qualifies
    x.condition(20, "RUTH5|L", ago(20))
    x.condition(20, "L97.521", ago(20))
    # false_if: no osteomyelitis, but the foot was imaged (4); not imaged (5); found (6)
    x.procedure(4, "73718", ago(10))
    x.condition(6, "M86.171", ago(5))
    # per group: an old 70 % superseded by a newer 30 % in the same segment (7); the
    # other segment's latest result holds (8)
    x.measurement(7, "STEN|SFA", ago(60), 70.0, "%")
    x.measurement(7, "STEN|SFA", ago(10), 30.0, "%")
    x.measurement(8, "STEN|SFA", ago(10), 30.0, "%")
    x.measurement(8, "STEN|POP", ago(30), 60.0, "%")
    # review: heart failure on record
    x.condition(9, "I50.9", date(2026, 1, 1))
    # active_within 28 days: a one-day exposure 10 days ago (10) and 40 days ago (11)
    x.drug(10, "L04AX01", ago(10), 1)
    x.drug(11, "L04AX01", ago(40), 1)
    # affine conversion: 86 mmol/mol = 10.0193 % (12); 10 % itself is not above 10 % (13)
    x.measurement(12, "4548-4", ago(30), 86.0, "mmol/mol")
    x.measurement(13, "4548-4", ago(30), 10.0, "%")
    # tolerance: 2.85 / 0.95 gives 3.0000000000000004, which is 3 x ULN (14); 2.86 is above (15)
    x.measurement(14, "1742-6", ago(30), 2.85, "U/L", range_high=0.95)
    x.measurement(15, "1742-6", ago(30), 2.86, "U/L", range_high=0.95)
    # NaN is no value (16); a unit given only as unit_concept_id 8713 = g/dL (17);
    # a lower-case unit (18)
    x.measurement(16, "718-7", ago(30), math.nan, "g/L")
    x.measurement(17, "718-7", ago(30), 7.5, None, unit_concept=8713)
    x.measurement(18, "718-7", ago(30), 7.9, "g/dl")
    # ALIVE: death on the index date (19); person 20 dies the day after it
    x.death(19, D)
    x.death(20, D + timedelta(days=1))
    return x.con


EXPECTED = {
    # (person, criterion): (result, reason, evidence)
    # target limb: neither limb passes both I2 and I3 (one fail each): the right limb is
    # reported (fewest fails, then fewest unknowns, right first)
    (1, "I2"): ("pass", "", "right: Rutherford 5 (R) on 2026-10-12 [RUTH5|R]"),
    (1, "I3"): ("fail", "", "right: no ulcer on or before 2026-11-01"),
    # both limbs qualify: both are shown
    (2, "I2"): ("pass", "", "right: Rutherford 5 (R) on 2026-10-12 [RUTH5|R] | left: Rutherford 5 (L) on 2026-10-12 [RUTH5|L]"),
    (2, "I3"): ("pass", "", "right: ulcer (R) on 2026-10-12 [L97.411] | left: ulcer (L) on 2026-10-12 [L97.421]"),
    # an unsided ulcer makes the limb rule unknown (the right limb: no fail there)
    (3, "I2"): ("pass", "", "right: Rutherford 5 (R) on 2026-10-12 [RUTH5|R]"),
    (3, "I3"): ("unknown", "side_unknown", "right: ulcer (side not recorded) on 2026-10-01 [L97.9]"),
    (20, "I2"): ("pass", "", "left: Rutherford 5 (L) on 2026-10-12 [RUTH5|L]"),
    (20, "I3"): ("pass", "", "left: ulcer (L) on 2026-10-12 [L97.521]"),
    # false_if: imaged and nothing found is a negative finding; not imaged stays unknown
    (4, "E1"): ("pass", "", "no osteomyelitis recorded within 90 days before 2026-11-01; foot imaging on 2026-10-22 [73718]"),
    (5, "E1"): ("unknown", "no_data", "no foot imaging within 90 days before 2026-11-01"),
    (6, "E1"): ("fail", "", "osteomyelitis on 2026-10-27 [M86.171]"),
    # per group, latest: the newer 30 % supersedes the older 70 % in the same segment
    (7, "E2"): ("pass", "", "stenosis (sfa) 30 % on 2026-10-22 [STEN|SFA]"),
    (8, "E2"): ("fail", "", "stenosis (pop) 60 % on 2026-10-02 [STEN|POP]"),
    # no stenosis measured at all: a value rule's missing data is unknown by default
    (1, "E2"): ("unknown", "no_data", "no stenosis within 12 months before 2026-11-01"),
    # review: a positive finding becomes unknown for the investigator
    (9, "E3"): ("unknown", "review", "cardiologist decides: heart failure on 2026-01-01 [I50.9]"),
    (1, "E3"): ("pass", "", "no heart failure on or before 2026-11-01"),
    # active_within 28 days: the exposure's span must reach D - 28 days
    (10, "E4"): ("fail", "", "immunosuppressant on 2026-10-22 [L04AX01]"),
    (11, "E4"): ("pass", "", "no immunosuppressant active within 28 days before 2026-11-01; last on 2026-09-22"),
    # affine conversion
    (12, "E5"): ("fail", "", "HbA1c 86 mmol/mol = 10.0193 % on 2026-10-02 [4548-4]"),
    (13, "E5"): ("pass", "", "HbA1c 10 % on 2026-10-02 [4548-4]"),
    # tolerance: 2.85 with ULN 0.95 is exactly 3 x ULN, not above it
    (14, "E6"): ("pass", "", "ALT 2.85 U/L (ULN 0.95) on 2026-10-02 [1742-6]"),
    (15, "E6"): ("fail", "", "ALT 2.86 U/L (ULN 0.95) on 2026-10-02 [1742-6]"),
    # NaN cannot be compared: the latest result is uninterpretable
    (16, "E7"): ("unknown", "unit_unknown", "hemoglobin (no value) g/L on 2026-10-02 [718-7]"),
    # the unit from unit_concept_id 8713 (g/dL): 7.5 g/dL = 75 g/L
    (17, "E7"): ("fail", "", "hemoglobin 7.5 g/dL (unit_concept_id 8713) = 75 g/L on 2026-10-02 [718-7]"),
    # g/dl is g/dL
    (18, "E7"): ("fail", "", "hemoglobin 7.9 g/dL = 79 g/L on 2026-10-02 [718-7]"),
    # ALIVE: a death on the index date excludes; one after it is not yet known
    (19, "ALIVE"): ("fail", "", "death on 2026-11-01"),
    (20, "ALIVE"): ("pass", "", "no death on or before 2026-11-01"),
}  # fmt: skip
TARGET_LIMBS = {1: None, 2: "R,L", 3: "R", 20: "L"}


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    doc = {"trial": {"id": "V11", "title": "language v1.1", "version": "1"}, "codesets": CODESETS,
           "criteria": CRITERIA}  # fmt: skip
    path = tmp_path_factory.mktemp("v11") / "v11.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_trial(str(path), {})


@pytest.fixture(scope="module")
def screened(trial):
    """Per engine: the result frame, the stored tables' rows and the target limbs."""
    out = {}
    for engine in ENGINES:
        con = _extract()
        try:
            if engine == "sql":
                frame = evaluate_sql(con, trial, D)
            else:
                frame = evaluate_pandas(con, trial, D)
                assert screen_into_pandas(con, trial, D) == 20
            out[engine] = {
                "frame": frame,
                "stored": con.execute(
                    "select person_id, criterion_id, result, evidence, reason, ord"
                    " from criterion_result order by person_id, ord"
                ).fetchall(),
                "types": con.execute("describe criterion_result").fetchall()
                + con.execute("describe person_limb").fetchall(),
                "limbs": dict(
                    con.execute("select person_id, target_limb from person_limb").fetchall()
                ),
            }
        finally:
            con.close()
    return out


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"p{p}-{c}" for p, c in EXPECTED])
def test_v11_boundaries(screened, engine, key):
    frame = screened[engine]["frame"]
    rows = frame[(frame["person_id"] == key[0]) & (frame["criterion_id"] == key[1])]
    assert len(rows) == 1
    row = rows.iloc[0]
    got = (row["result"], _text(row["reason"]), _text(row["evidence"]))
    assert got == EXPECTED[key]


@pytest.mark.parametrize("engine", ENGINES)
def test_target_limb(screened, engine):
    limbs = screened[engine]["limbs"]
    assert {pid: limbs[pid] for pid in TARGET_LIMBS} == TARGET_LIMBS


@pytest.mark.parametrize("engine", ENGINES)
def test_every_person_gets_every_row_in_protocol_order(screened, engine, trial):
    frame = screened[engine]["frame"]
    # each criterion, then its reported sub-rules
    ids = [i for c in trial.criteria for i in (c.id, *(s.id for s in c.subrules if s.report))]
    assert ids[0] == "ALIVE"
    assert list(frame["person_id"]) == [pid for pid in range(1, 21) for _ in ids]
    assert list(frame["criterion_id"]) == ids * 20
    assert frame["evidence"].notna().all()


def test_both_engines_store_the_same_tables(screened):
    """screen_into_pandas fills criterion_result and person_limb as the SQL engine does:
    same columns and types, same rows (ord = the 1-based output position)."""
    sql, pandas = screened["sql"], screened["pandas"]
    assert pandas["types"] == sql["types"]
    assert pandas["stored"] == sql["stored"]
    assert [r[5] for r in pandas["stored"][:3]] == [1, 2, 3]


def test_screen_into_matches_the_frame(trial):
    """The SQL engine's screen_into, then the pandas engine's, over one connection: the
    second replaces the first's tables."""
    con = _extract()
    try:
        screen_into(con, trial, D, evidence="all")
        before = con.execute("select * from person_limb order by person_id").fetchall()
        screen_into_pandas(con, trial, D)
        after = con.execute("select * from person_limb order by person_id").fetchall()
    finally:
        con.close()
    assert before == after
