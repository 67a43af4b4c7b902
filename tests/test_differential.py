"""The SQL and pandas engines agree on random patients, events, units and rules.

Hypothesis builds a small trial and a small extract whose dates sit on and around the
window edges and whose values sit on and around the thresholds, then compares both
engines' criterion_result row for row (result, reason, evidence, in the same order) and
the patients' target limbs. The trials use every construct of criteria language v1.1:
limb groups in several criteria at once (target-limb selection), sub-rules inside limb
groups, unsided and bilateral rows, `missing: {false_if}`, `per: group`, `review`,
`active_within`, affine conversions, codes in several groups, counts, every pick.
The extracts carry NaN and infinity, units given only as unit_concept_id (with and
without a concept table), mixed-case units and qualitative results by concept and text.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from unittest.mock import patch

import duckdb
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nl003_cases import TABLE_COLUMNS

from prescreen.criteria import pandas_engine
from prescreen.criteria.pandas_engine import evaluate_pandas, screen_into_pandas
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import evaluate_sql

D = date(2026, 11, 1)
OFFSETS = [
    -800, -400, -366, -365, -91, -90, -89, -41, -40, -31, -30, -29, -28, -27, -15, -14, -13,
    -10, -1, 0, 1, 30, 31, 92,
]  # fmt: skip
CODESETS = {
    "lab": {"codes": ["LAB1", "LAB2"]},
    "limb_lab": {"codes": ["LL|R", "LL|L", "LL"], "sides": {"R": ["LL|R"], "L": ["LL|L"]}},
    "qual": {"codes": ["Q1"]},
    "cat": {"codes": ["CAT|*", "CAT"]},
    "dx": {"codes": ["X1.*", "Y9"], "exclude": ["X1.9"]},
    # side from `sides:` patterns; L97.9 names no side (an unsided row)
    "ulcer": {"codes": ["L97.*"], "sides": {"R": ["L97.?1*"], "L": ["L97.?2*"]}},
    # side from a |R / |L segment; RUTH alone names none
    "rutherford": {"codes": ["RUTH*"]},
    "drugs": {
        "codes": ["C03*", "C07*", "C09*", "L04*"],
        # the ATC codes also find the extract's ATC concepts, and their RxNorm descendants
        "vocabulary": "ATC",
        "descendants": True,
        # a fixed-dose combination (C09DA: ARB + diuretic) belongs to two groups
        "groups": {"C03": ["C03*", "C09DA*"], "C07": ["C07*"], "C09": ["C09*"], "L04": ["L04*"]},
    },
    "proc": {"codes": ["75710", "35656"]},
    "exam": {"codes": ["EXAM*"]},
    "concepts": {"concepts": [100], "descendants": True},
    "a1c": {"codes": ["A1C"]},
    "alt": {"codes": ["ALT"]},
    # one stenosis per segment; STEN|IL|* is in the code set but in no group
    "stenosis": {
        "codes": ["STEN|*"],
        "groups": {"sfa": ["STEN|SFA*"], "pop": ["STEN|POP*"]},
    },
}
UCUM_ROWS = [(8713, "g/dL"), (7777, "g/dl"), (9579, "mmol/mol"), (8840, "mg/dL"), (5555, "furlong")]

dates = st.sampled_from(OFFSETS).map(lambda o: D + timedelta(days=o))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
# None is one choice among many (st.one_of would make half the values missing)
some = lambda values: st.sampled_from([None, *values])  # noqa: E731


@st.composite
def extracts(draw) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in TABLE_COLUMNS}
    ids = iter(range(1, 10_000))
    for pid in range(1, draw(st.integers(1, 8)) + 1):
        rows["person"].append(
            {
                "person_id": pid,
                "gender_concept_id": draw(st.sampled_from([8507, 8532, 0])),
                "year_of_birth": draw(maybe(st.integers(1940, 2010))),
                "month_of_birth": draw(maybe(st.integers(1, 12))),
                "day_of_birth": draw(maybe(st.integers(1, 28))),
            }
        )
        for _ in range(draw(st.integers(0, 12))):
            rows["measurement"].append(_measurement(draw, next(ids), pid))
            if draw(st.integers(0, 2)) == 0:  # a second result the same day: `latest` may conflict
                twin = dict(rows["measurement"][-1], measurement_id=next(ids))
                twin["value_as_number"] = draw(
                    some(MEASURED[MEASUREMENT_CODES[twin["measurement_source_value"]]][1])
                )
                twin["value_as_concept_id"] = draw(st.sampled_from([0, 9191, 9189]))
                rows["measurement"].append(twin)
        for _ in range(draw(st.integers(0, 4))):
            rows["observation"].append(
                {
                    "observation_id": next(ids),
                    "person_id": pid,
                    "observation_date": draw(dates),
                    "observation_source_value": draw(
                        st.sampled_from(["CAT|R", "CAT|L", "CAT", "Q1"])
                    ),
                    "value_as_number": draw(maybe(st.sampled_from([1.0, 3.0, 5.0, math.nan]))),
                    "value_as_string": draw(
                        maybe(st.sampled_from(["none", "fascia", "BONE", "Positive", " absent "]))
                    ),
                    "value_as_concept_id": draw(st.sampled_from([0, 9191, 9189])),
                }
            )
        for _ in range(draw(st.integers(0, 4))):
            start = draw(dates)
            rows["condition_occurrence"].append(
                {
                    "condition_occurrence_id": next(ids),
                    "person_id": pid,
                    "condition_start_date": start,
                    "condition_end_date": draw(maybe(st.sampled_from([start, start + timedelta(days=20), D]))),
                    "condition_source_value": draw(
                        st.sampled_from(["X1.1", "X1.9", "Y9", "L97.412", "L97.521", "L97.9", "Z00",
                                         "RUTH|R", "RUTH|L", "RUTH"])
                    ),
                }
            )  # fmt: skip
        for _ in range(draw(st.integers(0, 7))):
            rows["drug_exposure"].append(
                {
                    "drug_exposure_id": next(ids),
                    "person_id": pid,
                    "drug_exposure_start_date": draw(dates),
                    "drug_exposure_end_date": draw(maybe(dates)),
                    "days_supply": draw(maybe(st.sampled_from([1, 14, 400]))),
                    "drug_source_value": draw(
                        st.sampled_from(
                            ["C03AA01", "C07AB02", "C09AA05", "C09DA01", "L04AX01", "LOCAL7"]
                        )
                    ),
                    # RxNorm-like ids under the test ATC concepts (303 is under an invalid one)
                    "drug_concept_id": draw(st.sampled_from([0, 301, 302, 303, 304])),
                }
            )
        for _ in range(draw(st.integers(0, 4))):
            rows["procedure_occurrence"].append(
                {
                    "procedure_occurrence_id": next(ids),
                    "person_id": pid,
                    "procedure_date": draw(dates),
                    "procedure_source_value": draw(st.sampled_from(["75710", "35656", "EXAM1"])),
                    # RT/LT/50: right, left, both limbs; none: an unsided row
                    "modifier_source_value": draw(maybe(st.sampled_from(["RT", "LT", "50", "rt"]))),
                }
            )
        if draw(st.integers(0, 5)) == 0:
            rows["death"].append(
                {
                    "person_id": pid,
                    "death_date": D + timedelta(days=draw(st.sampled_from([-100, 0, 1]))),
                }
            )
    rows["concept_ancestor"] = [
        {"ancestor_concept_id": 100, "descendant_concept_id": 101},
        {"ancestor_concept_id": 100, "descendant_concept_id": 100},
        # test ATC classes (concept table below) over RxNorm-like drugs; 303 is invalid
        {"ancestor_concept_id": 201, "descendant_concept_id": 301},
        {"ancestor_concept_id": 202, "descendant_concept_id": 302},
        {"ancestor_concept_id": 202, "descendant_concept_id": 303},
        {"ancestor_concept_id": 203, "descendant_concept_id": 304},
    ]
    # the extract's own UCUM concepts (or none: the built-in ids then name the units)
    rows["concept"] = draw(maybe(st.lists(st.sampled_from(UCUM_ROWS), unique=True, max_size=5)))
    return rows


# per kind of code: plausible recorded units (a few odd ones) and values on and around
# the thresholds the rules use; a unit of None leaves it to unit_concept_id
MEASURED = {
    "lab": (
        ["g/dL", "g/dl", "G/L", "g/L", "mmol/L", "", None, "xyz"],
        [0.5, 4.96, 7.9, 8.0, 10.0, 40.0, 79.9, 80.0, 121.0, math.nan, math.inf, -math.inf],
    ),
    "a1c": (["%", "mmol/mol", "mmol/mol", None], [8.0, 10.0, 64.0, 86.0, 10.0195, math.nan]),
    "alt": (["U/L", "[U]/L", None], [0.5, 2.85, 3.0, 121.0, math.nan, math.inf]),
    "stenosis": (["%", "", None], [40.0, 50.0, 60.0, math.nan]),
    "other": ([None, "", "xyz", "kPa", "mm[Hg]"], [1.0, 8.0, 80.0, math.nan]),
}
MEASUREMENT_CODES = {
    "LAB1": "lab", "LAB2": "lab", "LL|R": "lab", "LL|L": "lab", "LL": "lab", "Q1": "other",
    "OTHER": "other", "A1C": "a1c", "ALT": "alt", "STEN|SFA|R": "stenosis", "STEN|SFA|L": "stenosis",
    "STEN|POP|R": "stenosis", "STEN|POP|L": "stenosis", "STEN|IL|R": "stenosis", "STEN|SFA": "stenosis",
}  # fmt: skip


def _measurement(draw, mid: int, pid: int) -> dict:
    code = draw(st.sampled_from(sorted(MEASUREMENT_CODES)))
    units, values = MEASURED[MEASUREMENT_CODES[code]]
    unit = draw(st.sampled_from(units))
    return {
        "measurement_id": mid,
        "person_id": pid,
        "measurement_concept_id": draw(st.sampled_from([0, 0, 100, 101])),
        "measurement_date": draw(dates),
        "measurement_source_value": code,
        "value_as_number": draw(some(values)),
        "unit_source_value": unit,
        # a unit given only as a concept id: known (8713 g/dL, 9579 mmol/mol), in the
        # concept table only (7777 g/dl, 5555) or nowhere (999)
        "unit_concept_id": draw(
            st.sampled_from(
                [0, 8713, 8840, 9579, 7777, 5555, 999] if unit is None else [0, 0, 0, 8713]
            )
        ),
        "range_high": draw(some([0.0, 0.95, 0.95, 1.0, 40.0, math.nan, math.inf])),
        "value_as_concept_id": draw(st.sampled_from([0, 0, 9191, 9189, 45884084, 4181412, 9190])),
        "value_source_value": draw(some(["Positive", " negative ", "Detected", "Indeterminate"])),
    }


windows = st.sampled_from(
    [None, "active", {"active_within": "28 days"}, {"within": "90 days"}, {"within": "1 months"},
     {"before": "14 days"}, {"after": "30 days"}, {"from": "-12 months", "to": "-1 days"},
     {"within": "2 weeks"}]
)  # fmt: skip
ACTIVE = ("active", "active_within")
AFFINE = {"mmol/mol": {"factor": 0.09148, "offset": 2.152}}


def _window_kind(window) -> str | None:
    return window if isinstance(window, str) else next(iter(window)) if window else None


@st.composite
def event_rules(draw, exam: bool = True, sided: bool = False) -> dict:
    """An event rule; `sided`: mostly of code sets whose codes name a limb (limb groups)."""
    kinds = ["lab", "a1c", "uln", "qual", "cat", "presence", "count", "drug_active", "per_group"]
    kind = draw(st.sampled_from(["lab", "cat", "presence", "per_group", "a1c"] if sided else kinds))
    rule: dict = {"window": draw(windows)}
    if kind == "lab":
        rule.update(
            event="measurement",
            codes="limb_lab" if sided else draw(st.sampled_from(["lab", "limb_lab", "concepts"])),
            value=draw(
                st.sampled_from(
                    ["< 80 g/L", ">= 8 g/dL", "<= 0.5", "between 1 and 40", "< 60 mm[Hg]", "!= 8"]
                )
            ),
            pick=draw(st.sampled_from(["any", "latest", "min", "max"])),
        )
        if rule["value"] == "< 80 g/L" and draw(st.booleans()):
            rule["convert"] = {"mmol/L": 16.11}
    elif kind == "a1c":  # % = 0.09148 × mmol/mol + 2.152
        rule.update(
            event="measurement", codes="a1c", value=draw(st.sampled_from(["> 8 %", "<= 10 %"])),
            pick=draw(st.sampled_from(["any", "latest", "min", "max"])), convert=AFFINE,
        )  # fmt: skip
    elif kind == "uln":  # 2.85 with ULN 0.95 is exactly 3 x ULN
        rule.update(
            event="measurement", codes="alt", value=draw(st.sampled_from(["> 3 x ULN", ">= 3 x ULN"])),
            pick=draw(st.sampled_from(["any", "latest", "max"])),
        )  # fmt: skip
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
        rule["event"] = draw(st.sampled_from(["condition", "procedure"]))
        choices = {"condition": ["dx", "ulcer", "rutherford"], "procedure": ["proc", "exam"]}[
            rule["event"]
        ]
        choices = [c for c in choices if c not in ("dx", "exam")] if sided else choices
        rule["codes"] = draw(st.sampled_from(choices))
    elif kind == "count":
        # 1.9999999999: the count tolerance decides (2 is not > it)
        count = draw(st.sampled_from([">= 2", ">= 3", "< 2", "> 1.9999999999"]))
        rule.update(event="drug", codes="drugs", count=count)
        if draw(st.booleans()):
            rule["count_distinct"] = "group"
    elif kind == "drug_active":
        rule.update(
            event="drug",
            codes="drugs",
            window=draw(st.sampled_from(["active", {"active_within": "28 days"}])),
        )
    else:
        rule.update(
            event="measurement", codes="stenosis", per="group", pick="latest",
            value=draw(st.sampled_from([">= 50", "< 50"])),
        )  # fmt: skip
    if _window_kind(rule["window"]) in ACTIVE and rule["event"] not in ("drug", "condition"):
        rule["window"] = None
    if rule["window"] is None:
        del rule["window"]
    missing = draw(
        st.sampled_from([None, True, False, "unknown", "false_if"] if exam else [None, True, False])
    )
    if missing == "false_if":
        exam_rule = {"event": "procedure", "codes": "exam", "window": {"within": "90 days"}}
        rule["missing"] = {"false_if": draw(st.sampled_from([exam_rule, {"not": exam_rule}]))}
    elif missing is not None:
        rule["missing"] = missing
    return rule


def rules(depth: int = 0):
    leaves = st.one_of(
        event_rules(),
        st.sampled_from(
            [{"age": ">= 40"}, {"age": "between 20 and 80"}, {"sex": "female"}, {"sex": "male"}]
        ),
    )
    if depth >= 2:
        return leaves
    sub = rules(depth + 1)
    return st.one_of(
        leaves,
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        sub.map(lambda r: {"not": r}),
        sub.map(lambda r: {"review": r, "because": "investigator decides"}),
    )


@st.composite
def criteria(draw, cid: str, kind: str) -> dict:
    """One criterion: plain, or with a limb group (alone, and-ed or or-ed with more),
    with sub-rules referenced inside the limb group, outside it, or reported alone."""
    subrules, inside, outside = [], [], []
    for j in range(draw(st.integers(0, 2))):
        sid = f"{cid}.s{j}"
        place = draw(st.sampled_from(["inside", "outside", "alone"]))
        body = draw(event_rules(sided=place == "inside"))
        if place != "inside" and draw(st.booleans()):
            body = {"limb": body}  # a sub-rule holding a limb group of its own
        sub = {"id": sid, "rule": body}
        if place != "alone" and draw(st.booleans()):
            sub["report"] = False
        subrules.append(sub)
        (inside if place == "inside" else outside if place == "outside" else []).append(
            {"ref": sid}
        )
    shape = draw(st.sampled_from(["plain", "limb", "limb_and", "limb_or", "manual"]))
    doc: dict = {"id": cid, "kind": kind, "text": f"criterion {cid}"}
    if subrules:
        doc["subrules"] = subrules
    if shape == "manual":  # its sub-rules are reported on their own
        doc.update(manual=True, reason="chart review")
        if draw(st.booleans()):
            doc["evidence_rule"] = draw(event_rules(exam=False))
        return doc
    if shape == "plain" and inside:
        shape = "limb"
    if shape == "plain":
        rule = draw(rules())
        doc["rule"] = {"all": [rule, *outside]} if outside else rule
        return doc
    body = [*draw(st.lists(event_rules(sided=True), min_size=1, max_size=2)), *inside]
    limb = {"limb": {"all": body} if len(body) > 1 else body[0]}
    if shape == "limb":
        doc["rule"] = {"all": [limb, *outside]} if outside else limb
    else:
        more = outside or [draw(rules(1))]
        doc["rule"] = {"all" if shape == "limb_and" else "any": [limb, *more]}
    return doc


@st.composite
def trials(draw) -> dict:
    items = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["inclusion", "exclusion"]))
        items.append(draw(criteria(f"{'I' if kind == 'inclusion' else 'E'}{i + 1}", kind)))
    return {
        "trial": {"id": "RANDOM", "title": "random", "version": "1"},
        "codesets": CODESETS,
        "criteria": items,
    }


def _connection(rows: dict) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table, columns in TABLE_COLUMNS.items():
        con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        names = list(columns)
        data = [
            [r.get(c, 0 if c.endswith("_concept_id") else None) for c in names] for r in rows[table]
        ]
        if data:  # one statement for all rows: executemany binds and runs one per row
            row = f"({', '.join('?' for _ in names)})"
            values = [value for r in data for value in r]
            con.execute(f"insert into {table} values {', '.join(row for _ in data)}", values)
    if rows["concept"] is not None:
        con.execute(
            "create table concept (concept_id bigint, vocabulary_id varchar, concept_code varchar,"
            " invalid_reason varchar)"
        )
        for cid, code in rows["concept"]:
            con.execute("insert into concept values (?, 'UCUM', ?, null)", [cid, code])
        # ATC classes: C03AA (a diuretic), C09D (ARB combinations, also in group C03 by its
        # code C09DA…), and a deprecated drug; L99 matches no pattern of the code set
        atc = [(201, "C03AA", None), (202, "C09DA", None), (203, "L99", None), (303, "X", "D")]
        con.executemany("insert into concept values (?, 'ATC', ?, ?)", atc)
    return con


def _load(tmp_path_factory, trial_doc: dict):
    path = tmp_path_factory.mktemp("trial") / "random.yaml"
    path.write_text(yaml.safe_dump(trial_doc, sort_keys=False), encoding="utf-8")
    return load_trial(str(path), {})


def _exact(frame: pd.DataFrame) -> pd.DataFrame:
    """None and NaN as one marker, so a missing text never equals an empty one."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype) in ("str", "string"):
            frame[column] = (
                frame[column].astype(object).where(frame[column].notna(), "<NULL>").astype(str)
            )
    return frame.reset_index(drop=True)


def _first_result(compute):
    """`compute` whose first result is returned again for every later call (counted)."""

    def first(*args):
        first.calls += 1
        if not first.results:
            first.results.append(compute(*args))
        return first.results[0]

    first.calls, first.results = 0, []
    return first


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(trial_doc=trials(), rows=extracts())
def test_engines_agree(tmp_path_factory, trial_doc, rows):
    trial = _load(tmp_path_factory, trial_doc)
    con = _connection(rows)
    # screen_into_pandas and evaluate_pandas below wrap one computation of the pandas
    # engine on the same tables: compute it once, check both wrappers on it
    once = _first_result(pandas_engine._screen)
    try:
        by_sql = evaluate_sql(con, trial, D)
        sql_limbs = con.execute(
            "select person_id, target_limb from person_limb order by person_id"
        ).df()
        with patch.object(pandas_engine, "_screen", once):
            persons = screen_into_pandas(con, trial, D)
        pandas_limbs = con.execute(
            "select person_id, target_limb from person_limb order by person_id"
        ).df()
        stored = con.execute(
            "select person_id, criterion_id, result, evidence, reason from criterion_result order by person_id, ord"
        ).df()
        with patch.object(pandas_engine, "_screen", once):
            by_pandas = evaluate_pandas(con, trial, D)
    finally:
        con.close()
    assert once.calls == 2
    assert persons == len(rows["person"])
    # the same rows in the same order (person, then protocol order), texts byte for byte
    pd.testing.assert_frame_equal(_exact(by_sql), _exact(by_pandas), check_dtype=False)
    pd.testing.assert_frame_equal(_exact(stored), _exact(by_pandas), check_dtype=False)
    pd.testing.assert_frame_equal(_exact(sql_limbs), _exact(pandas_limbs), check_dtype=False)


@settings(
    max_examples=6,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(trial_doc=trials(), rows=extracts())
def test_sql_batches_and_status_pass_agree(tmp_path_factory, trial_doc, rows):
    trial = _load(tmp_path_factory, trial_doc)
    con = _connection(rows)
    try:
        by_sql = evaluate_sql(con, trial, D)
        # persons screened in batches of 2 give exactly the same rows
        pd.testing.assert_frame_equal(by_sql, evaluate_sql(con, trial, D, batch_persons=2))
        # statuses only (sweeps, forecasts): the same results, no evidence texts
        bare = evaluate_sql(con, trial, D, evidence=False)
    finally:
        con.close()
    assert bare["evidence"].isna().all()
    pd.testing.assert_frame_equal(by_sql.drop(columns="evidence"), bare.drop(columns="evidence"))
