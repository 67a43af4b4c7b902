"""Language constructs NL003 does not use, each at its boundary, on both engines.

Expected results are written by hand from the language reference (README, "The criteria
language"); each case names its boundary. Index date D = 2026-11-01.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
import yaml
from nl003_cases import TABLE_COLUMNS

from prescreen.criteria.pandas_engine import evaluate_pandas
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import evaluate_sql

D = date(2026, 11, 1)
ENGINES = ["sql", "pandas"]

CODESETS = {
    "hb": {"codes": ["718-7"]},
    "pad_concepts": {"concepts": [321052], "descendants": True},
    "pad_concept_only": {"concepts": [321052]},
    "visit_dx": {"codes": ["Z09"]},
}
CRITERIA = [
    # after: D < date <= D + 30 days
    {"id": "I1", "kind": "inclusion", "text": "follow-up visit planned",
     "rule": {"event": "condition", "codes": "visit_dx", "window": {"after": "30 days"}}},
    # from/to: D - 12 months <= date <= D - 1 day
    {"id": "I2", "kind": "inclusion", "text": "hb in the past year but not today",
     "rule": {"event": "measurement", "codes": "hb", "window": {"from": "-12 months", "to": "-1 days"},
              "value": ">= 100 g/L", "pick": "any"}},
    # min over the window, with unit conversion
    {"id": "I3", "kind": "inclusion", "text": "lowest hb at least 100 g/L",
     "rule": {"event": "measurement", "codes": "hb", "value": ">= 100 g/L", "pick": "min"}},
    # max
    {"id": "E1", "kind": "exclusion", "text": "highest hb above 180 g/L",
     "rule": {"event": "measurement", "codes": "hb", "value": "> 180 g/L", "pick": "max"}},
    # concepts with descendants through concept_ancestor
    {"id": "E2", "kind": "exclusion", "text": "peripheral vascular disease (concept)",
     "rule": {"event": "condition", "codes": "pad_concepts"}},
    # the same concept without descendants
    {"id": "E3", "kind": "exclusion", "text": "exactly concept 321052",
     "rule": {"event": "condition", "codes": "pad_concept_only"}},
    # death without codes, any time up to D
    {"id": "E4", "kind": "exclusion", "text": "deceased", "rule": {"event": "death"}},
    # count of events (not distinct groups), inline codeset
    {"id": "E5", "kind": "exclusion", "text": "two or more hb tests within 30 days",
     "rule": {"event": "measurement", "codes": {"codes": ["718-7"]}, "window": {"within": "30 days"},
              "count": ">= 2"}},
    # missing: true — no record means the rule holds
    {"id": "I4", "kind": "inclusion", "text": "no contraindicating test on record",
     "rule": {"event": "measurement", "codes": "hb", "window": {"within": "7 days"},
              "value": "< 200 g/L", "pick": "latest", "missing": True}},
]  # fmt: skip


def _trial(tmp_path):
    doc = {"trial": {"id": "LANG", "title": "language", "version": "1"}, "codesets": CODESETS,
           "criteria": CRITERIA}  # fmt: skip
    path = tmp_path / "lang.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_trial(str(path), {})


def _extract() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table, columns in TABLE_COLUMNS.items():
        con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    for pid in range(1, 9):
        con.execute(
            "insert into person (person_id, gender_concept_id, year_of_birth) values (?, 8507, 1960)",
            [pid],
        )

    def dx(pid, code, on, concept=0):
        con.execute(
            "insert into condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,"
            " condition_start_date, condition_source_value) values (?, ?, ?, ?, ?)",
            [pid * 100 + len(code), pid, concept, on, code],
        )

    def hb(pid, on, value, unit="g/L"):
        con.execute(
            "insert into measurement (measurement_id, person_id, measurement_date, value_as_number,"
            " unit_source_value, measurement_source_value) values (?, ?, ?, ?, ?, '718-7')",
            [pid * 1000 + on.toordinal() % 997, pid, on, value, unit],
        )

    dx(1, "Z09", D + timedelta(days=30))  # after: last day inside
    dx(2, "Z09", D)  # after: D itself is not after
    hb(1, D - timedelta(days=1), 10.5, "g/dL")  # from/to: D-1 inside; 105 g/L
    hb(2, D, 120.0)  # from/to: D itself outside -> no rows -> unknown
    hb(3, date(2025, 11, 1), 9.9, "g/dL")  # from/to: D-12 months inside; min 99 g/L
    hb(3, date(2026, 6, 1), 190.0)  # max 190 > 180
    hb(4, date(2026, 10, 20), 100.0)
    hb(4, date(2026, 10, 25), 10.0, "g/dL")  # min exactly 100: holds; two tests in 30 days
    con.execute(
        "insert into concept_ancestor values (321052, 4185932, 1, 1), (321052, 321052, 0, 0)"
    )
    dx(5, "I73.9", date(2020, 1, 1), concept=4185932)  # descendant of 321052
    dx(6, "I73.9", date(2020, 1, 1), concept=321052)  # the concept itself
    con.execute(
        "insert into death (person_id, death_date) values (7, ?), (8, ?)",
        [D, D + timedelta(days=1)],
    )
    return con


EXPECTED = {
    # (person, criterion): (result, reason)
    (1, "I1"): ("pass", ""), (2, "I1"): ("fail", ""),
    (1, "I2"): ("pass", ""), (2, "I2"): ("unknown", "no_data"), (3, "I2"): ("pass", ""),  # 190 g/L counts
    (3, "I3"): ("fail", ""), (4, "I3"): ("pass", ""), (5, "I3"): ("unknown", "no_data"),
    (3, "E1"): ("fail", ""), (4, "E1"): ("pass", ""),
    (5, "E2"): ("fail", ""), (6, "E2"): ("fail", ""), (1, "E2"): ("pass", ""),
    (5, "E3"): ("pass", ""), (6, "E3"): ("fail", ""),
    (7, "E4"): ("fail", ""), (8, "E4"): ("pass", ""),  # a death after D is not yet known
    (4, "E5"): ("fail", ""), (1, "E5"): ("pass", ""),
    (5, "I4"): ("pass", ""), (2, "I4"): ("pass", ""),
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    trial = _trial(tmp_path_factory.mktemp("lang"))
    con = _extract()
    try:
        return {
            "sql": evaluate_sql(con, trial, D),
            "pandas": evaluate_pandas(con, trial, D),
        }
    finally:
        con.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"p{p}-{c}" for p, c in EXPECTED])
def test_construct_boundaries(results, engine, key):
    frame = results[engine]
    row = frame[(frame["person_id"] == key[0]) & (frame["criterion_id"] == key[1])].iloc[0]
    reason = "" if row["result"] != "unknown" else str(row["reason"])
    assert (row["result"], reason) == EXPECTED[key], row["evidence"]


def test_min_evidence_shows_the_lowest_value_as_recorded(results):
    # v1.1: a converted value also shows what it reads as in the rule's unit
    for frame in results.values():
        row = frame[(frame["person_id"] == 3) & (frame["criterion_id"] == "I3")].iloc[0]
        assert row["evidence"] == "hb 9.9 g/dL = 99 g/L on 2025-11-01 [718-7]"
