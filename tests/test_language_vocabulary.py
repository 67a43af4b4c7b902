"""Code sets with a `vocabulary`: their codes also find that vocabulary's concepts in the
extract's concept table (with descendants), on both engines; invalid descendants are left
out (as OHDSI Circe does); group membership follows the concepts too, so a combination
drug coded only in RxNorm counts for each class it descends from.

The vocabulary is written by hand for the test (ATC classes over RxNorm-like drug ids);
expected results are written from the language reference. D = 2026-11-01.
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
# test ATC classes and the drugs below them (ids made up for the test)
C03, C08, C09, C09DX01 = 21601461, 21601744, 21601782, 50001
DIURETIC, AMLODIPINE, VALSARTAN_TRIPLE, DEPRECATED = 1001, 1002, 1003, 1004
TRIAL = {
    "trial": {"id": "VOCAB", "title": "vocabulary", "version": "1"},
    "codesets": {
        "antihypertensives": {
            "vocabulary": "ATC",
            "descendants": True,
            "groups": {"C03": ["C03*", "C09DX01"], "C08": ["C08*", "C09DX01"], "C09": ["C09*"]},
        },
    },
    "criteria": [
        {"id": "E1", "kind": "exclusion", "text": "any antihypertensive now",
         "rule": {"event": "drug", "codes": "antihypertensives", "label": "antihypertensive", "window": "active"}},
        {"id": "E2", "kind": "exclusion", "text": "three antihypertensive classes now",
         "rule": {"event": "drug", "codes": "antihypertensives", "label": "classes", "window": "active",
                  "count": ">= 3", "count_distinct": "group"}},
    ],
}  # fmt: skip


def _extract() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table, columns in TABLE_COLUMNS.items():
        con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    con.execute(
        "create table concept (concept_id bigint, vocabulary_id varchar, concept_code varchar,"
        " invalid_reason varchar)"
    )
    con.executemany(
        "insert into concept values (?, ?, ?, ?)",
        [(C03, "ATC", "C03", None), (C08, "ATC", "C08", None), (C09, "ATC", "C09", None),
         (C09DX01, "ATC", "C09DX01", None), (DEPRECATED, "RxNorm", "x", "D")],
    )  # fmt: skip
    ancestry = [(C03, DIURETIC), (C08, AMLODIPINE), (C09, VALSARTAN_TRIPLE), (C09DX01, VALSARTAN_TRIPLE),
                (C09, DEPRECATED)]  # fmt: skip
    con.executemany(
        "insert into concept_ancestor (ancestor_concept_id, descendant_concept_id) values (?, ?)",
        ancestry,
    )
    for pid in range(1, 5):
        con.execute(
            "insert into person (person_id, gender_concept_id, year_of_birth) values (?, 8507, 1960)",
            [pid],
        )

    def drug(pid: int, concept: int) -> None:  # local source codes only: the concept decides
        con.execute(
            "insert into drug_exposure (drug_exposure_id, person_id, drug_concept_id, drug_exposure_start_date,"
            " drug_exposure_end_date, drug_source_value) values (?, ?, ?, ?, ?, 'LOCAL')",
            [pid * 10 + concept % 10, pid, concept, D - timedelta(days=30), D + timedelta(days=30)],
        )

    drug(1, VALSARTAN_TRIPLE)  # C09DX01 descends into C03 + C08 (+ C09): three classes
    drug(2, DIURETIC)  # C03 only
    drug(2, AMLODIPINE)  # + C08: two classes
    drug(3, DEPRECATED)  # below C09, but its concept is invalid: not matched
    return con


EXPECTED = {
    (1, "E1"): "fail", (1, "E2"): "fail",
    (2, "E1"): "fail", (2, "E2"): "pass",
    (3, "E1"): "pass", (3, "E2"): "pass",
    (4, "E1"): "pass", (4, "E2"): "pass",
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.yaml"
    path.write_text(yaml.safe_dump(TRIAL, sort_keys=False), encoding="utf-8")
    trial = load_trial(str(path), {})
    return {
        "sql": evaluate_sql(_extract(), trial, D),
        "pandas": evaluate_pandas(_extract(), trial, D),
    }


@pytest.mark.parametrize("engine", ["sql", "pandas"])
@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"p{p}-{c}" for p, c in EXPECTED])
def test_vocabulary_concepts_and_groups(results, engine, key):
    frame = results[engine]
    row = frame[(frame["person_id"] == key[0]) & (frame["criterion_id"] == key[1])].iloc[0]
    assert row["result"] == EXPECTED[key], row["evidence"]


@pytest.mark.parametrize("engine", ["sql", "pandas"])
def test_triple_pill_evidence_names_its_classes(results, engine):
    frame = results[engine]
    row = frame[(frame["person_id"] == 1) & (frame["criterion_id"] == "E2")].iloc[0]
    assert row["evidence"] == "classes: 3 (C03, C08, C09) — LOCAL 2026-10-02"
