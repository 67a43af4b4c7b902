"""One request, parsed once: the trial is read once per run, not per sweep value or partition."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from test_flows_support import age_trial, tiny_extract

from prescreen import request as requests
from prescreen.errors import PrescreenError
from prescreen.request import screen_request

PEOPLE = [(1, date(1960, 1, 1), 1, "P1"), (2, date(1990, 1, 1), 2, "P2")]
AGE_TRIAL_WITH_PARAMETER = """\
trial:
  id: AGE-MIN
  title: Old enough
  version: "1"
  source_text: |
    Aged 50 or older.
parameters:
  I1.age_min:
    default: 50
criteria:
  - id: I1
    kind: inclusion
    text: "Aged 50 or older."
    rule: {age: ">= $I1.age_min"}
"""


def _common(tmp_path) -> dict:
    return {"extract_dir": tmp_path / "x", "out_dir": tmp_path / "out", "index_date": "2026-11-01"}


def test_the_request_is_typed_immutable_and_json_able(tmp_path):
    made = screen_request(
        trial="nl003-cli-iii-2",
        overrides=["E14.hemoglobin_min=70"],
        sweeps=["E14.platelets_min=50,75"],
        extract_date="2026-11-15",
        **_common(tmp_path),
    )
    assert made.index_date == date(2026, 11, 1) and made.extract_date == date(2026, 11, 15)
    assert made.trial.id == "NL003-CLI-III-2" and made.override_map == {"E14.hemoglobin_min": "70"}
    assert made.sweep_map == {"E14.platelets_min": ["50", "75"]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.index_date = date(2020, 1, 1)  # type: ignore[misc]
    params = json.loads(json.dumps(made.parameters()))  # what a deployment stores
    again = screen_request(**params)
    assert again == made


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"engine": "spark"}, "choose sql or pandas"),
        ({"index_date": "01-11-2026"}, "--as-of '01-11-2026' is not a date"),
        (
            {"extract_date": "2026-02-30"},
            "--extract-date '2026-02-30' is not a date: day is out of range for month "
            r"\(the calendar has no such day\)",
        ),
        ({"index_date": "2026-13-01"}, "--as-of '2026-13-01' is not a date: month must be in"),
        ({"worklist_limit": -1}, "--worklist-limit -1"),
        ({"min_cell": 0}, "--min-cell 0"),
        ({"max_quarantine": 5}, "between 0 and 1"),
        ({"overrides": ["E14.hemoglobin_min"]}, "write NAME=VALUE"),
        ({"trial": "no-such-trial"}, "unknown trial"),
    ],
)
def test_bad_options_fail_when_the_request_is_built(tmp_path, change, message):
    with pytest.raises(PrescreenError, match=message):
        screen_request(**{"trial": "nl003-cli-iii-2", **_common(tmp_path), **change})


def test_a_relative_trial_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    age_trial(tmp_path)
    made = screen_request(trial="age-50.yaml", **_common(tmp_path))
    assert made.trial_ref == str(tmp_path / "age-50.yaml")


@pytest.fixture
def parse_count(monkeypatch) -> list[str]:
    from prescreen.criteria import parse

    calls: list[str] = []
    real = parse.load_trial

    def counting(ref, overrides=None):
        calls.append(ref)
        return real(ref, overrides)

    requests._PARSED.clear()
    monkeypatch.setattr(parse, "load_trial", counting)
    return calls


@pytest.mark.usefixtures("prefect_harness")
def test_a_screen_parses_the_trial_once_plus_once_per_sweep_value(tmp_path, parse_count):
    # issue #15.1: the trial was re-read in the flow (twice), per sweep value, per partition
    from prescreen.flows.screen import screen

    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    trial = tmp_path / "age-min.yaml"
    trial.write_text(AGE_TRIAL_WITH_PARAMETER, encoding="utf-8")
    made = screen_request(trial=str(trial), extract_dir=extract, out_dir=tmp_path / "o",
                          index_date="2026-11-01", sweeps=["I1.age_min=40,70"],
                          partitions=2)  # fmt: skip
    assert len(parse_count) == 1  # the CLI's build
    screen(**made.parameters())  # the flow rebuilds the request: no new parse
    assert len(parse_count) == 1 + 2  # + one per sweep value, none per partition


@pytest.mark.usefixtures("prefect_harness")
def test_newly_eligible_parses_the_trial_once(tmp_path, parse_count):
    from prescreen.flows.forecast import forecast

    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    forecast(trial=age_trial(tmp_path), extract_dir=extract, out_dir=tmp_path / "o",
             index_date=date(2026, 11, 1), months=3, min_cell=1)  # fmt: skip
    assert len(parse_count) == 1  # not once per index date


def test_scan_and_newly_eligible_requests_rebuild_from_their_parameters(tmp_path):
    """What a deployment (schedule) or flow run stores rebuilds the same request,
    --exact-concepts included; the flows take exactly those parameters."""
    import inspect

    from prescreen.flows.forecast import forecast
    from prescreen.flows.scan import scan

    from prescreen.forecast import forecast_request
    from prescreen.scan import scan_request

    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    common = {"trial": "nl003-cli-iii-2", "extract_dir": extract, "out_dir": tmp_path / "o"}
    scanned = scan_request(**common, store_path=tmp_path / "s.duckdb", index_date="2026-11-01",
                           exact_concepts=True)  # fmt: skip
    assert scanned.screen.exact_concepts
    params = json.loads(json.dumps(scanned.parameters(with_dates=False)))
    assert scan_request(**params).screen.exact_concepts
    assert set(params) <= set(inspect.signature(scan.fn).parameters)
    counted = forecast_request(**common, index_date="2026-11-01", exact_concepts=True)
    params = json.loads(json.dumps(counted.parameters()))
    assert forecast_request(**params) == counted
    assert set(params) <= set(inspect.signature(forecast.fn).parameters)
