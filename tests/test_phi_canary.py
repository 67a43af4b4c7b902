"""PHI canary: a patient's identifiers never reach stdout/stderr, Prefect or exceptions.

A hand-built extract holds one distinctive patient; the screen and scan flows run on it,
and a broken copy makes the load fail. None of the canary strings may appear in captured
output, Prefect's flow-run parameters, task runs, logs or artifacts, or the exception text.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_flows_support import tiny_extract

from prescreen.errors import ExtractError

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

CANARY_SOURCE = "CANARY-7731-ZEBRA"
CANARY_BIRTH = date(1931, 3, 17)
CANARY_ID = 987654321
CANARIES = (CANARY_SOURCE, CANARY_BIRTH.isoformat(), "1931", str(CANARY_ID))
AS_OF = date(2026, 11, 1)


def _prefect_records() -> str:
    """Everything the flows left in Prefect's database, as one text."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        flow_runs = client.read_flow_runs()
        task_runs = client.read_task_runs()
        logs, offset = [], 0
        while batch := client.read_logs(offset=offset, limit=200):
            logs += batch
            offset += len(batch)
        artifacts = client.read_artifacts()
    parts = [json.dumps(r.parameters, default=str) + r.name for r in flow_runs]
    parts += [json.dumps(r.task_inputs, default=str) + r.name for r in task_runs]
    parts += [f"{r.name} {r.message}" for r in logs]
    parts += [json.dumps(a.data, default=str) + (a.description or "") for a in artifacts]
    parts += [str(r.state.message if r.state else "") for r in flow_runs + task_runs]
    assert logs, "the flows logged nothing: the check would prove nothing"
    return "\n".join(parts)


def test_canary_never_leaves_the_outputs(tmp_path, capfd):
    from prescreen.flows.scan import scan
    from prescreen.flows.screen import screen

    people = [
        (CANARY_ID, CANARY_BIRTH, 1, CANARY_SOURCE),
        (11, date(1950, 6, 1), 1, "P11"),
        (12, date(1955, 7, 2), 2, "P12"),
    ]
    extract = tiny_extract(tmp_path / "extract", people)
    screen(trial="nl003-cli-iii-2", extract_dir=extract, out_dir=tmp_path / "out", index_date=AS_OF)
    scan(
        trial="nl003-cli-iii-2",
        extract_dir=extract,
        out_dir=tmp_path / "scan",
        store_path=tmp_path / "runs.duckdb",
        index_date=AS_OF,
    )
    # the canary is in the patient-level outputs (that is their job) ...
    assert str(CANARY_ID) in (tmp_path / "out" / "patients.csv").read_text(encoding="utf-8")
    # ... and a broken extract (the canary twice: duplicate key) fails without echoing it
    broken = tiny_extract(
        tmp_path / "broken", people + [(CANARY_ID, CANARY_BIRTH, 2, CANARY_SOURCE)]
    )
    with pytest.raises(ExtractError) as failure:
        screen(
            trial="nl003-cli-iii-2",
            extract_dir=broken,
            out_dir=tmp_path / "failed",
            index_date=AS_OF,
            max_quarantine=0.0,
        )
    captured = capfd.readouterr()
    texts = {
        "stdout": captured.out,
        "stderr": captured.err,
        "exception": "".join(str(e) for e in (failure.value, failure.value.__cause__) if e),
        "prefect": _prefect_records(),
    }
    for where, text in texts.items():
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked into {where}"
