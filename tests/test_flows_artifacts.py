"""Prefect artifacts show exactly the suppressed tables of the report, with its --min-cell."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from test_flows_support import AGE_TRIAL, tiny_extract

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _latest(key: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found = [a for a in client.read_artifacts() if a.key == key]
    return max(found, key=lambda a: a.created)


def _records(artifact) -> list[dict]:
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data


@pytest.mark.parametrize("min_cell", [5, 3])
def test_artifacts_are_the_report_tables(tmp_path, min_cell):
    # issue #14.3: the summary artifact printed raw counts under a hard-coded `<5` and no
    # complementary suppression: 3 likely eligible of 11 showed `<5` but ineligible 8 in
    # clear, so the Prefect UI gave away the hidden cell that report.html hides
    from prescreen.flows.screen import screen

    trial_id = f"ART-{min_cell}"
    trial = tmp_path / "trial.yaml"
    trial.write_text(AGE_TRIAL.replace("id: AGE-50", f"id: {trial_id}"), encoding="utf-8")
    people = [(i, date(1950, 1, 1), 1, f"P{i}") for i in range(1, 4)]  # 3 eligible
    people += [(i, date(1995, 1, 1), 1 + i % 2, f"P{i}") for i in range(4, 12)]  # 8 not
    extract = tiny_extract(tmp_path / "extract", people)
    out = tmp_path / "out"
    screen(trial=str(trial), extract_dir=extract, out_dir=out, index_date=date(2026, 11, 1),
           min_cell=min_cell)  # fmt: skip
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    key = trial_id.lower()
    markdown = _latest(f"{key}-summary").data
    rows = dict(line.strip("|").replace(" ", "").split("|")[:2] for line in markdown.splitlines()
                if line.startswith("| ") and "status" not in line)  # fmt: skip
    assert rows == {k: str(v) for k, v in summary["headline"].items()}
    for name in ("funnel", "sites"):
        published = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        assert _records(_latest(f"{key}-{name}")) == published.to_dict(orient="records")
    if min_cell == 5:  # the report hides 3 (primary) and, so it cannot be subtracted, 8
        assert rows["likely_eligible"] == "<5" and rows["ineligible"] == "*"
        assert "| 8 |" not in markdown and "| 3 |" not in markdown
    else:  # with --min-cell 3 both are shown, in the artifact as in the report
        assert rows["likely_eligible"] == "3" and rows["ineligible"] == "8"
