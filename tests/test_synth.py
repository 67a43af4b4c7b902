"""`prescreen generate`: a deterministic synthetic PAD/CLI registry extract coded as the profile says."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from prescreen.cli import app
from prescreen.synth import generate_extract
from prescreen.synth.schema import TABLES, schema

D = date(2026, 11, 1)
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TRIAL_FILE = ROOT / "trials" / "nl003-cli-iii-2.yaml"

# source-value shapes from docs registry-profile.md
ICD10CM = r"[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"
CPT = r"\d{5}"
ICD10PCS = r"[0-9A-HJ-NP-Z]{7}"
ATC = r"[A-Z]\d{2}[A-Z]{2}\d{2}"
LOINC = r"\d{1,6}-\d"
SEG = "(AO|CIA|EIA|CFA|SFA|POP|ATA|PTA|PER)"
MEASUREMENT_LOCAL = rf"(ANKLE_SBP|TCPO2|ULCER_AREA)\|[RL]|STENOSIS\|{SEG}\|[RL]\|(DSA|CTA|DUS|MRA)"
OBSERVATION = (
    r"(RUTHERFORD|ULCER_COUNT|ULCER_EXPOSURE|GANGRENE_EXTENT)\|[RL]"
    r"|88020-3|ALCOHOL_UNITS_WEEK|TRIAL_PARTICIPATION"
)


def _generate(out: Path, persons: int = 400, seed: int = 7, fmt: str = "csv") -> dict[str, int]:
    return generate_extract(out, persons, 3, seed, fmt, D, None)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("synth") / "x"
    _generate(out, persons=1500, seed=11, fmt="parquet")
    return {name: pq.read_table(out / f"{name}.parquet").to_pandas() for name in TABLES}


def _all_match(values: pd.Series, pattern: str) -> list[str]:
    """Values (non-null) that do not match the pattern in full."""
    rx = re.compile(pattern)
    return sorted({v for v in values.dropna().unique() if not rx.fullmatch(v)})


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    _generate(tmp_path / "a")
    _generate(tmp_path / "b")
    _generate(tmp_path / "c", seed=8)
    for name in TABLES:
        a = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.csv").read_bytes(), name
    assert (tmp_path / "a" / "measurement.csv").read_bytes() != (
        tmp_path / "c" / "measurement.csv"
    ).read_bytes()


def test_row_counts_scale_linearly_and_ids_are_unique(tmp_path):
    small = _generate(tmp_path / "s", persons=500)
    large = _generate(tmp_path / "l", persons=1000)
    assert small["person"] == 500 and large["person"] == 1000
    assert large["observation_period"] == 1000
    assert small["care_site"] == large["care_site"] == 3
    for name in ("visit_occurrence", "condition_occurrence", "drug_exposure", "measurement"):
        assert 1.7 < large[name] / small[name] < 2.3, name
    for name in (t for t in TABLES if t != "death"):
        id_col = TABLES[name][0][0]
        frame = pd.read_csv(tmp_path / "l" / f"{name}.csv", usecols=[id_col])
        assert frame[id_col].is_unique, name
    person = pd.read_csv(tmp_path / "l" / "person.csv")
    assert person["person_source_value"].is_unique


def test_all_v54_columns_in_lower_case(tmp_path):
    _generate(tmp_path / "x", persons=50)
    for name, columns in TABLES.items():
        header = (tmp_path / "x" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [c for c, _ in columns], name
        assert header == header.lower()


def test_codes_follow_the_registry_profile(extract):
    assert not _all_match(extract["condition_occurrence"]["condition_source_value"], ICD10CM)
    proc = extract["procedure_occurrence"]
    assert not _all_match(proc["procedure_source_value"], f"{CPT}|{ICD10PCS}")
    assert set(proc["modifier_source_value"].dropna()) == {"RT", "LT", "50"}
    pcs = proc["procedure_source_value"].str.len() == 7
    assert proc.loc[pcs, "modifier_source_value"].isna().all()  # modifiers are CPT only
    assert not _all_match(extract["drug_exposure"]["drug_source_value"], ATC)
    meas = extract["measurement"]["measurement_source_value"]
    assert not _all_match(meas, f"{LOINC}|{MEASUREMENT_LOCAL}")
    assert not _all_match(extract["observation"]["observation_source_value"], OBSERVATION)
    assert (extract["observation"]["observation_concept_id"] == 0).all()


def test_laterality_on_both_sides(extract):
    obs = extract["observation"]["observation_source_value"]
    assert {"RUTHERFORD|R", "RUTHERFORD|L", "ULCER_EXPOSURE|R", "ULCER_EXPOSURE|L"} <= set(obs)
    meas = set(extract["measurement"]["measurement_source_value"])
    assert {
        "8580-3",
        "8579-5",
        "TCPO2|R",
        "TCPO2|L",
        "STENOSIS|SFA|R|DSA",
        "STENOSIS|POP|L|CTA",
    } <= meas
    ulcers = extract["condition_occurrence"]["condition_source_value"]
    l97 = ulcers[ulcers.str.startswith("L97.")]
    assert set(l97.str[5]) >= {"1", "2"}  # 5th character: side
    assert ulcers.str.match(r"I70\.23").any() and ulcers.str.match(r"I70\.24").any()


def test_mixed_and_unconvertible_units(extract):
    m = extract["measurement"]
    units = m.groupby("measurement_source_value")["unit_source_value"].agg(
        lambda s: set(s.dropna())
    )
    assert units["718-7"] >= {"g/dL", "g/L", "mmol/L", "%"}
    assert units["59261-8"] == {"mmol/mol"} and units["4548-4"] == {"%"}
    assert units["6690-2"] >= {"10*3/uL", "10*9/L", "/uL"}
    assert {"mm[Hg]", "kPa"} <= units["ANKLE_SBP|R"] and {"cm2", "mm2"} <= units["ULCER_AREA|L"]
    assert units["2160-0"] == {"mg/dL"} and units["14682-9"] == {"umol/L"}
    for code in ("1920-8", "1742-6", "2160-0", "14682-9"):
        assert m.loc[m["measurement_source_value"] == code, "range_high"].notna().all(), code
    hcg = m[m["measurement_source_value"] == "2118-8"]
    assert set(hcg["value_as_concept_id"]) <= {9191, 45884084, 9189, 45878583}
    assert hcg["value_source_value"].notna().all()


def test_events_lie_within_the_observation_period(extract):
    period = extract["observation_period"].set_index("person_id")
    for table, col in (
        ("measurement", "measurement_date"),
        ("observation", "observation_date"),
        ("condition_occurrence", "condition_start_date"),
        ("drug_exposure", "drug_exposure_start_date"),
        ("procedure_occurrence", "procedure_date"),
        ("visit_occurrence", "visit_start_date"),
    ):
        events = extract[table]
        assert (pd.to_datetime(events[col]).dt.date <= D).all(), table
        start = events["person_id"].map(period["observation_period_start_date"])
        end = events["person_id"].map(period["observation_period_end_date"])
        assert ((events[col] >= start) & (events[col] <= end)).all(), table
    person = extract["person"]
    assert person["care_site_id"].isna().any() and person["care_site_id"].notna().mean() > 0.95
    assert person["birth_datetime"].isna().any() and person["month_of_birth"].isna().any()
    assert 0.6 < (person["gender_concept_id"] == 8507).mean() < 0.8


def test_csv_and_parquet_hold_the_same_content(tmp_path):
    _generate(tmp_path / "csv", persons=300, fmt="csv")
    _generate(tmp_path / "pq", persons=300, fmt="parquet")
    for name in TABLES:
        types = {field.name: field.type for field in schema(name)}
        from_csv = pacsv.read_csv(
            tmp_path / "csv" / f"{name}.csv",
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
        # Parquet has no second-resolution timestamps: it stores ms, same instants
        from_parquet = pq.read_table(tmp_path / "pq" / f"{name}.parquet").cast(schema(name))
        assert from_csv.equals(from_parquet), name


def test_cli_generate_writes_parquet(tmp_path):
    result = CliRunner().invoke(
        app,
        ["generate", "--out", str(tmp_path / "x"), "--persons", "120", "--sites", "2"]
        + ["--seed", "5", "--format", "parquet", "--as-of", "2026-11-01"],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "x" / "person.parquet").num_rows == 120
    assert pq.read_table(tmp_path / "x" / "care_site.parquet").num_rows == 2


def test_committed_sample_is_what_the_makefile_command_writes(tmp_path):
    """data/sample = prescreen generate --persons 2000 --sites 4 --seed 3 --format csv."""
    generate_extract(tmp_path, 2000, 4, 3, "csv", D, None)
    for name in TABLES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (SAMPLE / f"{name}.csv").read_bytes(), (
            name
        )


@pytest.mark.slow
def test_sample_exercises_every_nl003_rule():
    """Screened with the SQL engine: about a quarter likely eligible, every exclusion fails someone."""
    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.sql_engine import evaluate_sql

    con = duckdb.connect()
    for name, columns in TABLES.items():
        types = ", ".join(f"'{c}': '{_duck(t)}'" for c, t in columns)
        con.execute(
            f"create table {name} as select * from read_csv('{SAMPLE / name}.csv', "
            f"header = true, columns = {{{types}}})"
        )
    con.execute(
        "create table concept_ancestor (ancestor_concept_id bigint, descendant_concept_id bigint,"
        " min_levels_of_separation bigint, max_levels_of_separation bigint)"
    )
    trial = load_trial(str(TRIAL_FILE), {})
    result = evaluate_sql(con, trial, D)
    top = result[result["criterion_id"].isin([c.id for c in trial.criteria])]
    wide = top.pivot(index="person_id", columns="criterion_id", values="result")
    fails = (wide == "fail").sum()
    computable = [c for c in wide.columns if (wide[c] != "manual").any()]
    assert all(fails[c] > 0 for c in computable), fails[fails == 0]
    ineligible = (wide == "fail").any(axis=1)
    review = ~ineligible & (wide == "unknown").any(axis=1)
    eligible = ~ineligible & ~review
    assert 0.2 < eligible.mean() < 0.35
    assert 0.1 < review.mean() < 0.3


def _duck(t) -> str:
    return {"int64": "BIGINT", "double": "DOUBLE", "string": "VARCHAR", "date32[day]": "DATE"}.get(
        str(t), "TIMESTAMP"
    )
