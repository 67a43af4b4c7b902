"""The SQL and pandas engines agree on random patients, events, units and rules.

Hypothesis builds a small trial (random event rules, windows, value tests, picks,
counts, missing-data policies, limb groups and combinators) and a small extract whose
dates sit on and around the window edges, then compares both engines' criterion_result
row for row: result, reason and evidence.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nl003_cases import TABLE_COLUMNS

from prescreen.criteria.pandas_engine import evaluate_pandas
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import evaluate_sql

D = date(2026, 11, 1)
OFFSETS = [-800, -400, -366, -365, -91, -90, -89, -31, -30, -15, -14, -13, -1, 0, 1, 30, 31, 92]
CODESETS = {
    "lab": {"codes": ["LAB1", "LAB2"]},
    "limb_lab": {"codes": ["LL|R", "LL|L", "LL"], "sides": {"R": ["LL|R"], "L": ["LL|L"]}},
    "qual": {"codes": ["Q1"]},
    "cat": {"codes": ["CAT|*"]},
    "dx": {"codes": ["X1.*", "Y9"], "exclude": ["X1.9"]},
    "ulcer": {"codes": ["L97.*"], "sides": {"R": ["L97.?1*"], "L": ["L97.?2*"]}},
    "drugs": {
        "codes": ["C03*", "C07*", "C09*", "L04*"],
        "groups": {"C03": ["C03*"], "C07": ["C07*"], "C09": ["C09*"], "L04": ["L04*"]},
    },
    "proc": {"codes": ["75710", "35656"]},
    "concepts": {"concepts": [100], "descendants": True},
}

dates = st.sampled_from(OFFSETS).map(lambda o: D + timedelta(days=o))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


@st.composite
def extracts(draw) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in TABLE_COLUMNS}
    n_persons = draw(st.integers(1, 6))
    ids = iter(range(1, 10_000))
    for pid in range(1, n_persons + 1):
        rows["person"].append(
            {
                "person_id": pid,
                "gender_concept_id": draw(st.sampled_from([8507, 8532, 0])),
                "year_of_birth": draw(maybe(st.integers(1940, 2010))),
                "month_of_birth": draw(maybe(st.integers(1, 12))),
                "day_of_birth": draw(maybe(st.integers(1, 28))),
            }
        )
        for _ in range(draw(st.integers(0, 6))):
            rows["measurement"].append(
                {
                    "measurement_id": next(ids),
                    "person_id": pid,
                    "measurement_concept_id": draw(st.sampled_from([0, 100, 101])),
                    "measurement_date": draw(dates),
                    "measurement_source_value": draw(
                        st.sampled_from(["LAB1", "LAB2", "LL|R", "LL|L", "LL", "Q1", "OTHER"])
                    ),
                    "value_as_number": draw(maybe(st.sampled_from([0.5, 1.0, 7.9, 8.0, 40.0, 79.9, 80.0, 121.0]))),
                    "unit_source_value": draw(maybe(st.sampled_from(["", "g/dL", "g/L", "mmol/L", "%", "kPa", "mm[Hg]", "xyz"]))),
                    "range_high": draw(maybe(st.sampled_from([0.0, 10.0, 40.0]))),
                    "value_as_concept_id": draw(st.sampled_from([0, 9191, 9189])),
                    "value_source_value": draw(maybe(st.sampled_from(["Positive", "negative", "Indeterminate"]))),
                }
            )
        for _ in range(draw(st.integers(0, 3))):
            rows["observation"].append(
                {
                    "observation_id": next(ids),
                    "person_id": pid,
                    "observation_date": draw(dates),
                    "observation_source_value": draw(st.sampled_from(["CAT|R", "CAT|L", "Q1"])),
                    "value_as_number": draw(maybe(st.sampled_from([1.0, 3.0, 5.0]))),
                    "value_as_string": draw(maybe(st.sampled_from(["none", "fascia", "BONE", "positive"]))),
                }
            )
        for _ in range(draw(st.integers(0, 3))):
            start = draw(dates)
            rows["condition_occurrence"].append(
                {
                    "condition_occurrence_id": next(ids),
                    "person_id": pid,
                    "condition_start_date": start,
                    "condition_end_date": draw(maybe(st.sampled_from([start, start + timedelta(days=20), D]))),
                    "condition_source_value": draw(st.sampled_from(["X1.1", "X1.9", "Y9", "L97.412", "L97.521", "Z00"])),
                }
            )
        for _ in range(draw(st.integers(0, 3))):
            rows["drug_exposure"].append(
                {
                    "drug_exposure_id": next(ids),
                    "person_id": pid,
                    "drug_exposure_start_date": draw(dates),
                    "drug_exposure_end_date": draw(maybe(dates)),
                    "days_supply": draw(maybe(st.sampled_from([1, 14, 400]))),
                    "drug_source_value": draw(st.sampled_from(["C03AA01", "C07AB02", "C09AA05", "L04AX01"])),
                }
            )
        for _ in range(draw(st.integers(0, 2))):
            rows["procedure_occurrence"].append(
                {
                    "procedure_occurrence_id": next(ids),
                    "person_id": pid,
                    "procedure_date": draw(dates),
                    "procedure_source_value": draw(st.sampled_from(["75710", "35656"])),
                    "modifier_source_value": draw(maybe(st.sampled_from(["RT", "LT", "50"]))),
                }
            )
    rows["concept_ancestor"] = [
        {"ancestor_concept_id": 100, "descendant_concept_id": 101},
        {"ancestor_concept_id": 100, "descendant_concept_id": 100},
    ]
    return rows


windows = st.sampled_from(
    [None, "active", {"within": "90 days"}, {"within": "1 months"}, {"before": "14 days"},
     {"after": "30 days"}, {"from": "-12 months", "to": "-1 days"}, {"within": "2 weeks"}]
)  # fmt: skip


@st.composite
def event_rules(draw) -> dict:
    kind = draw(st.sampled_from(["lab", "qual", "cat", "presence", "count", "drug_active"]))
    rule: dict = {"window": draw(windows)}
    if kind == "lab":
        rule.update(
            event="measurement",
            codes=draw(st.sampled_from(["lab", "limb_lab", "concepts"])),
            value=draw(st.sampled_from(["< 80 g/L", ">= 8 g/dL", "<= 0.5", "between 1 and 40", "> 3 x ULN", "< 60 mm[Hg]", "!= 8"])),
            pick=draw(st.sampled_from(["any", "latest", "min", "max"])),
        )
        if rule["value"] == "< 80 g/L" and draw(st.booleans()):
            rule["convert"] = {"mmol/L": 16.11}
    elif kind == "qual":
        rule.update(
            event=draw(st.sampled_from(["measurement", "observation"])), codes="qual",
            value=draw(st.sampled_from(["positive", "negative"])),
            pick=draw(st.sampled_from(["any", "latest"])),
        )  # fmt: skip
    elif kind == "cat":
        rule.update(
            event="observation", codes="cat", value=draw(st.sampled_from(["in [none, fascia]", "in [bone]", ">= 3"])),
            pick=draw(st.sampled_from(["any", "latest"])),
        )  # fmt: skip
    elif kind == "presence":
        rule.update(
            event=draw(st.sampled_from(["condition", "procedure"])),
        )
        rule["codes"] = {"condition": draw(st.sampled_from(["dx", "ulcer"])), "procedure": "proc"}[rule["event"]]
        if rule["window"] == "active" and rule["event"] != "condition":
            rule["window"] = None
    elif kind == "count":
        rule.update(event="drug", codes="drugs", count=draw(st.sampled_from([">= 2", ">= 3", "< 2"])))
        if draw(st.booleans()):
            rule["count_distinct"] = "group"
    else:
        rule.update(event="drug", codes="drugs", window="active")
    if rule["window"] == "active" and rule["event"] not in ("drug", "condition"):
        rule["window"] = None
    if rule["window"] is None:
        del rule["window"]
    missing = draw(st.sampled_from([None, True, False, "unknown"]))
    if missing is not None:
        rule["missing"] = missing
    return rule


def rules(depth: int = 0):
    leaves = st.one_of(
        event_rules(),
        st.sampled_from([{"age": ">= 40"}, {"age": "between 20 and 80"}, {"sex": "female"}, {"sex": "male"}]),
    )
    if depth >= 2:
        return leaves
    sub = rules(depth + 1)
    return st.one_of(
        leaves,
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        sub.map(lambda r: {"not": r}),
        st.lists(event_rules(), min_size=1, max_size=3).map(lambda xs: {"limb": {"all": xs}})
        if depth == 0
        else leaves,
    )


@st.composite
def trials(draw) -> dict:
    criteria = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["inclusion", "exclusion"]))
        cid = f"{'I' if kind == 'inclusion' else 'E'}{i + 1}"
        criteria.append({"id": cid, "kind": kind, "text": f"criterion {i}", "rule": draw(rules())})
    return {
        "trial": {"id": "RANDOM", "title": "random", "version": "1"},
        "codesets": CODESETS,
        "criteria": criteria,
    }


def _connection(rows: dict[str, list[dict]]):
    import duckdb

    con = duckdb.connect()
    for table, columns in TABLE_COLUMNS.items():
        con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        names = list(columns)
        data = [[r.get(c, 0 if c.endswith("_concept_id") else None) for c in names] for r in rows[table]]
        if data:
            con.executemany(f"insert into {table} values ({', '.join('?' for _ in names)})", data)
    return con


@settings(max_examples=60, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])
@given(trial_doc=trials(), rows=extracts())
def test_engines_agree(tmp_path_factory, trial_doc, rows):
    path = tmp_path_factory.mktemp("trial") / "random.yaml"
    path.write_text(yaml.safe_dump(trial_doc, sort_keys=False), encoding="utf-8")
    trial = load_trial(str(path), {})
    con = _connection(rows)
    try:
        by_sql = evaluate_sql(con, trial, D)
        # persons screened in batches of 2 give exactly the same rows
        pd.testing.assert_frame_equal(by_sql, evaluate_sql(con, trial, D, batch_persons=2))
        # statuses only (sweeps, forecasts): the same results, no evidence texts
        bare = evaluate_sql(con, trial, D, evidence=False)
        assert bare["evidence"].isna().all()
        pd.testing.assert_frame_equal(by_sql.drop(columns="evidence"), bare.drop(columns="evidence"))
        by_pandas = evaluate_pandas(con, trial, D)
    finally:
        con.close()

    def normal(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for column in ("reason", "evidence"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        return frame.sort_values(["person_id", "criterion_id"], ignore_index=True)

    pd.testing.assert_frame_equal(normal(by_sql), normal(by_pandas), check_dtype=False)
