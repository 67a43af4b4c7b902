"""prescreen counts what OHDSI's Circe counts for a condition concept set with descendants.

The oracle is tests/circe/condition_count.sql: a DuckDB query that follows, step by step,
the SQL circe-be generates for the cohort "a condition occurrence of concept set X"
(OHDSI/PhenotypeLibrary 519.sql; the file cites the circe-be templates it follows). Circe
cannot be built here (no Maven Central), so its generated SQL is the reference.

Data: the real Synthea export in tests/fixtures/synthea27nj (ETL-Synthea: every event lies in
an observation period). Its CONCEPT_ANCESTOR is empty, so the test writes the rows it needs:
every standard concept's self row (as OMOP vocabularies hold them), the SNOMED sinusitis
children present in its CONCEPT table (Viral, Chronic and Acute bacterial sinusitis are
kinds of Sinusitis). One test marks a coded descendant invalid, which Circe leaves out and
so must prescreen.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import evaluate_sql

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "synthea27nj"
INDEX = date(2023, 1, 1)  # after every event of the export
SINUSITIS, VIRAL, CHRONIC, BACTERIAL = 4283893, 40481087, 257012, 4294548


@pytest.fixture(scope="module")
def con():
    from prescreen.extract import load_extract

    con = duckdb.connect()
    load_extract(FIXTURE, con, extract_date=INDEX, max_quarantine=1.0)
    con.execute("delete from concept_ancestor")
    con.execute(
        "insert into concept_ancestor (ancestor_concept_id, descendant_concept_id,"
        " min_levels_of_separation, max_levels_of_separation, _row_id)"
        " select concept_id, concept_id, 0, 0, row_number() over () from concept"
        " where standard_concept = 'S'"
    )
    links = [(SINUSITIS, VIRAL), (SINUSITIS, CHRONIC), (SINUSITIS, BACTERIAL)]
    con.executemany(
        "insert into concept_ancestor (ancestor_concept_id, descendant_concept_id,"
        " min_levels_of_separation, max_levels_of_separation, _row_id) values (?, ?, 1, 1, ?)",
        [(a, d, 10_000_000 + k) for k, (a, d) in enumerate(links)],
    )
    yield con
    con.close()


def _circe_count(con, with_descendants: list[int], exact: list[int]) -> int:
    sql = (HERE / "circe" / "condition_count.sql").read_text(encoding="utf-8")
    return int(con.execute(sql, [with_descendants, exact, [], []]).fetchall()[0][0])


def _prescreen_count(con, tmp_path, concepts: list[int], descendants: bool) -> int:
    doc = {
        "trial": {"id": "CIRCE", "title": "parity", "version": "1"},
        "codesets": {"x": {"concepts": concepts, "descendants": descendants}},
        "criteria": [
            {
                "id": "I1",
                "kind": "inclusion",
                "text": "has X",
                "rule": {"event": "condition", "codes": "x"},
            }
        ],
    }
    path = tmp_path / "circe.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    results = evaluate_sql(con, load_trial(str(path), {}), INDEX, evidence=False)
    return int(((results["criterion_id"] == "I1") & (results["result"] == "pass")).sum())


@pytest.mark.parametrize(
    "concepts, descendants",
    [
        ([SINUSITIS], True),  # the parent is never coded itself: descendants make the count
        ([SINUSITIS], False),
        ([VIRAL], True),
        ([4251306], False),  # Stress, the export's most frequent condition
    ],
    ids=["sinusitis+desc", "sinusitis", "viral+desc", "stress"],
)
def test_condition_concept_set_counts_match_circe(con, tmp_path, concepts, descendants):
    circe = _circe_count(con, concepts if descendants else [], [] if descendants else concepts)
    assert _prescreen_count(con, tmp_path, concepts, descendants) == circe


def test_an_invalid_descendant_is_left_out_as_circe_does(con, tmp_path):
    # test-only vocabulary change: Viral sinusitis, coded in the data, becomes invalid
    before = _circe_count(con, [SINUSITIS], [])
    con.execute("update concept set invalid_reason = 'U' where concept_id = ?", [VIRAL])
    try:
        circe = _circe_count(con, [SINUSITIS], [])
        assert circe < before  # the chronic-only persons dropped out
        assert _prescreen_count(con, tmp_path, [SINUSITIS], True) == circe
    finally:
        con.execute("update concept set invalid_reason = null where concept_id = ?", [VIRAL])


def test_the_parity_cases_are_not_trivial(con):
    # the sinusitis set with descendants counts more persons than the parent alone
    assert _circe_count(con, [SINUSITIS], []) > _circe_count(con, [], [SINUSITIS]) > 0
