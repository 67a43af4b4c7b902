"""NL003-CLI-III-2: the trial definition's structure and its boundary cases on both engines.

Expected results live in `nl003_cases.py`, written by hand from the protocol and the
assumption register; every case runs on the DuckDB SQL engine and on the pandas engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from nl003_cases import CASES, Case, D, build_extract

TRIAL_FILE = Path(__file__).resolve().parents[1] / "trials" / "nl003-cli-iii-2.yaml"
INCLUSION_IDS = [f"I{n}" for n in range(1, 7)]
EXCLUSION_IDS = [f"E{n}" for n in range(1, 20)]
MANUAL_IDS = {"I4", "I6", "E3", "E10", "E17"}
MANUAL_SUBRULES = {
    "I3.ulcer_care",
    "I5.contraception",
    "E1.acute_on_chronic",
    "E9.exam_not_possible",
    "E12.corticosteroids",
    "E13.hbv_dna_exception",
    "E14.other_labs",
    "E16.tumour_screening",
}
ENGINES = ["sql", "pandas"]


# --------------------------------------------------------------------------- structure
@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(TRIAL_FILE.read_text(encoding="utf-8"))


def test_header(raw):
    trial = raw["trial"]
    assert trial["id"] == "NL003-CLI-III-2"
    assert trial["title"] and trial["version"]
    assert "Inclusion Criteria:" in trial["source_text"]
    assert "Exclusion Criteria:" in trial["source_text"]


def test_every_protocol_criterion_is_defined_in_order(raw):
    assert [c["id"] for c in raw["criteria"]] == INCLUSION_IDS + EXCLUSION_IDS
    for c in raw["criteria"]:
        expected_kind = "inclusion" if c["id"].startswith("I") else "exclusion"
        assert c["kind"] == expected_kind, c["id"]


def test_texts_are_verbatim_protocol_sentences(raw):
    source = raw["trial"]["source_text"]
    for c in raw["criteria"]:
        assert c["text"].strip(), c["id"]
        assert c["text"] in source, f"{c['id']} text is not verbatim from source_text"
        number = c["id"][1:]
        # the text is the numbered item: it follows "<n>. " in the protocol
        assert f"{number}. {c['text']}" in source, c["id"]


def test_manual_criteria_carry_reasons_and_computable_ones_rules(raw):
    for c in raw["criteria"]:
        if c["id"] in MANUAL_IDS:
            assert c.get("manual") is True, c["id"]
            assert c.get("reason", "").strip(), c["id"]
            assert "rule" not in c, c["id"]
        else:
            assert "rule" in c and not c.get("manual"), c["id"]


def test_manual_subrules_carry_reasons(raw):
    subrules = {s["id"]: s for c in raw["criteria"] for s in c.get("subrules", [])}
    for sid in MANUAL_SUBRULES:
        assert subrules[sid].get("manual") is True, sid
        assert subrules[sid].get("reason", "").strip(), sid
    for c in raw["criteria"]:
        for sub in c.get("subrules", []):
            assert sub["id"].startswith(f"{c['id']}."), sub["id"]
            assert ("rule" in sub) != bool(sub.get("manual")), f"{sub['id']}: rule xor manual"


def test_e3_shows_recent_surgery_as_evidence_rule(raw):
    e3 = next(c for c in raw["criteria"] if c["id"] == "E3")
    assert e3["evidence_rule"]["event"] == "procedure"


def test_parameters_are_used_and_documented(raw):
    text = TRIAL_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$([A-Z][0-9]+\.[a-z0-9_]+)", text))
    declared = set(raw["parameters"])
    assert used <= declared, f"undeclared: {sorted(used - declared)}"
    assert declared <= used, f"unused: {sorted(declared - used)}"
    for name, spec in raw["parameters"].items():
        assert spec.get("note", "").strip(), name
        assert "default" in spec, name


def test_assumption_register_is_complete(raw):
    ids = [a["id"] for a in raw["assumptions"]]
    assert len(ids) == len(set(ids))
    for a in raw["assumptions"]:
        for key in ("criteria", "text_says", "assumed", "why"):
            assert a.get(key), f"{a['id']} lacks {key}"
    covered = {cid for a in raw["assumptions"] for cid in a["criteria"]}
    # every criterion whose numbers or symbols the text lost has an assumption
    assert {"I2", "I5", "E4", "E6", "E8", "E13", "E14", "E15", "E16", "E18"} <= covered


def test_hba1c_mmol_mol_is_read_by_the_ifcc_ngsp_master_equation(raw):
    # % = 0.09148 x mmol/mol + 2.152 (A17): one rule judges every unit
    e15 = next(c for c in raw["criteria"] if c["id"] == "E15")
    high = next(s for s in e15["subrules"] if s["id"] == "E15.hba1c_high")
    assert high["rule"]["convert"] == {"mmol/mol": {"factor": 0.09148, "offset": 2.152}}


def test_criteria_check_accepts_the_file():
    from prescreen.criteria.check import check_files

    assert check_files([TRIAL_FILE]) == []


def test_load_trial_lists_alive_then_the_25_protocol_criteria():
    from prescreen.criteria.parse import load_trial

    trial = load_trial(str(TRIAL_FILE), {})
    assert list(trial.criterion_ids()) == ["ALIVE"] + INCLUSION_IDS + EXCLUSION_IDS


# --------------------------------------------------------------------------- engines
def _screen(engine: str, overrides: dict[str, str] | None = None) -> pd.DataFrame:
    from prescreen.criteria.parse import load_trial

    trial = load_trial(str(TRIAL_FILE), overrides or {})
    extract, _ = build_extract()
    con = extract.duckdb()
    try:
        if engine == "sql":
            from prescreen.criteria.sql_engine import evaluate_sql

            return evaluate_sql(con, trial, D)
        from prescreen.criteria.pandas_engine import evaluate_pandas

        return evaluate_pandas(con, trial, D)
    finally:
        con.close()


@pytest.fixture(scope="module")
def screened() -> Callable[[str], pd.DataFrame]:
    cache: dict[str, pd.DataFrame] = {}

    def get(engine: str) -> pd.DataFrame:
        if engine not in cache:
            cache[engine] = _screen(engine)
        return cache[engine]

    return get


@pytest.fixture(scope="module")
def person_ids() -> dict[str, int]:
    return build_extract()[1]


def _row(results: pd.DataFrame, person_id: int, criterion_id: str) -> pd.Series:
    rows = results[(results["person_id"] == person_id) & (results["criterion_id"] == criterion_id)]
    assert len(rows) == 1, f"{len(rows)} rows for person {person_id}, {criterion_id}"
    return rows.iloc[0]


def _reason(row: pd.Series) -> str:
    reason = row["reason"]
    return "" if reason is None or pd.isna(reason) else str(reason)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.criterion}-{c.name}")
def test_boundary_case(case: Case, engine: str, screened, person_ids):
    row = _row(screened(engine), person_ids[case.name], case.criterion)
    got = (row["result"], _reason(row) if row["result"] == "unknown" else "")
    assert got == (case.expected, case.reason), f"{case.why}\nevidence: {row['evidence']}"


@pytest.mark.parametrize("engine", ENGINES)
def test_every_criterion_and_subrule_is_reported_for_every_patient(engine, screened, raw):
    results = screened(engine)
    ids = {"ALIVE"} | {c["id"] for c in raw["criteria"]}
    # facts folded into their parent's evidence (report: false) are no rows of their own
    ids |= {
        s["id"] for c in raw["criteria"] for s in c.get("subrules", []) if s.get("report", True)
    }
    assert set(results["criterion_id"]) == ids
    assert not ids & {"E15.diabetes", "E15.hba1c_recorded", "E6.heart_failure", "E4.imaging"}
    per_person = results.groupby("person_id")["criterion_id"].nunique()
    assert (per_person == len(ids)).all()
    assert len(per_person) == len(CASES)


@pytest.mark.parametrize("engine", ENGINES)
def test_manual_subrules_are_manual(engine, screened):
    results = screened(engine)
    manual = results[results["criterion_id"].isin(MANUAL_SUBRULES | MANUAL_IDS)]
    assert set(manual["result"]) == {"manual"}


@pytest.mark.parametrize("engine", ENGINES)
def test_recent_surgery_is_evidence_for_e3(engine, screened, person_ids):
    row = _row(screened(engine), person_ids["e3_manual_with_recent_surgery"], "E3")
    assert row["result"] == "manual"
    assert "35656" in str(row["evidence"])


def test_engines_agree_row_for_row(screened):
    columns = ["person_id", "criterion_id", "result", "reason"]

    def normal(df: pd.DataFrame) -> pd.DataFrame:
        df = df[columns].copy()
        df["reason"] = df["reason"].fillna("").astype(str)
        df["person_id"] = df["person_id"].astype("int64")
        return df.sort_values(columns[:2], ignore_index=True)

    pd.testing.assert_frame_equal(normal(screened("sql")), normal(screened("pandas")))


@pytest.mark.parametrize("engine", ENGINES)
def test_parameter_override_moves_the_threshold(engine, person_ids):
    # E14.hemoglobin_min 80 -> 70: hemoglobin 79 g/L no longer excludes
    results = _screen(engine, {"E14.hemoglobin_min": "70"})
    row = _row(results, person_ids["e14_hemoglobin_79_g_l"], "E14")
    assert row["result"] == "pass"
