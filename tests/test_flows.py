"""Screen and scan flows: idempotence, artifacts, Dask equality, retries, store + changes."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_flows_support import age_trial, tiny_extract
from typer.testing import CliRunner

from prescreen.cli import app
from prescreen.errors import ExtractError

pytestmark = pytest.mark.usefixtures("prefect_harness")

AS_OF = date(2026, 11, 1)
TRIAL = "nl003-cli-iii-2"
_TIMESTAMP_KEYS = {"started_at", "finished_at", "timings_seconds"}
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    from prescreen.synth import generate_extract

    folder = tmp_path_factory.mktemp("flows") / "registry"
    generate_extract(
        out_dir=folder, persons=200, sites=3, seed=3, fmt="csv", extract_date=AS_OF, console=None
    )
    return folder


@pytest.fixture(scope="module")
def local_run(extract, tmp_path_factory) -> Path:
    from prescreen.flows.screen import screen

    out = tmp_path_factory.mktemp("local") / "out"
    screen(trial=TRIAL, extract_dir=extract, out_dir=out, index_date=AS_OF)
    return out


def _without_timestamps(value):
    if isinstance(value, dict):
        return {k: _without_timestamps(v) for k, v in value.items() if k not in _TIMESTAMP_KEYS}
    if isinstance(value, list):
        return [_without_timestamps(v) for v in value]
    return value


def _comparable(path: Path):
    """File content with run timestamps removed (run.json, summary.json, HTML, XLSX core)."""
    if path.name == ".prescreen-outputs.json":  # sizes and mtimes of the files: names only
        return sorted(json.loads(path.read_text(encoding="utf-8"))["files"])
    if path.suffix == ".json":
        return _without_timestamps(json.loads(path.read_text(encoding="utf-8")))
    if path.suffix == ".html":
        return _ISO_TIME.sub("<time>", path.read_text(encoding="utf-8"))
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as book:
            return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}
    return path.read_bytes()


def test_screen_is_idempotent(extract, local_run, tmp_path):
    from prescreen.flows.screen import screen

    first = {p.name: _comparable(p) for p in sorted(local_run.iterdir())}
    out = tmp_path / "again"
    screen(trial=TRIAL, extract_dir=extract, out_dir=out, index_date=AS_OF)
    second = {p.name: _comparable(p) for p in sorted(out.iterdir())}
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name
    # CSVs and every other file without timestamps are byte-identical
    assert (local_run / "patients.csv").read_bytes() == (out / "patients.csv").read_bytes()


def test_artifacts_hold_aggregates_only(local_run):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    keys = {a.key for a in artifacts}
    assert {"nl003-cli-iii-2-funnel", "nl003-cli-iii-2-sites", "nl003-cli-iii-2-summary"} <= keys
    sites = next(a for a in artifacts if a.key == "nl003-cli-iii-2-sites")
    assert "person_id" not in json.dumps(sites.data)


@pytest.mark.slow
def test_dask_runner_equals_single_process(extract, local_run, tmp_path):
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner
    from prescreen.flows.screen import screen

    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster:
        runner = DaskTaskRunner(address=cluster.scheduler_address)
        screen.with_options(task_runner=runner)(
            trial=TRIAL, extract_dir=extract, out_dir=out, index_date=AS_OF, partitions=2
        )
    for name in ("patients.csv", "criteria.csv", "funnel.csv", "sites.csv"):
        assert (out / name).read_bytes() == (local_run / name).read_bytes(), name


def test_io_errors_are_retried_and_bad_data_is_not(extract, tmp_path, monkeypatch):
    from prescreen.flows.screen import screen

    from prescreen import stages

    real = stages.validated_extract
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("transient: share unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "validated_extract", flaky)
    tiny = tiny_extract(tmp_path / "tiny", [(1, date(1960, 1, 1), 1, "P1")])
    screen(trial=age_trial(tmp_path), extract_dir=tiny, out_dir=tmp_path / "ok", index_date=AS_OF)
    assert len(calls) == 2  # failed once on I/O, retried once

    def bad_data(*args, **kwargs):
        calls.append(1)
        raise ExtractError("person.csv: no valid person rows; nothing to screen")

    calls.clear()
    monkeypatch.setattr(stages, "validated_extract", bad_data)
    with pytest.raises(ExtractError):
        screen(
            trial=age_trial(tmp_path), extract_dir=tiny, out_dir=tmp_path / "no", index_date=AS_OF
        )
    assert len(calls) == 1  # never retried
    assert not (tmp_path / "no").exists()


@pytest.mark.slow
def test_scan_stores_runs_and_lists_changes(tmp_path, monkeypatch):
    from prescreen.flows.scan import scan

    # every scan starts within the same second, as on a fast machine
    monkeypatch.setattr("prescreen.provenance.datetime", _SameSecond)

    from prescreen.store import run_history

    registry = tmp_path / "registry"
    tiny_extract(
        registry / "2026-11-01",
        [
            (1, date(1976, 10, 15), 1, "P1"),  # 49 on 2026-09-01, 50 on 2026-11-01
            (2, date(1960, 1, 1), 2, "P2"),  # eligible at both
            (3, date(1990, 1, 1), 2, "P3"),  # ineligible at both
        ],
    )
    trial = age_trial(tmp_path)
    store_path = tmp_path / "runs.duckdb"
    out = tmp_path / "out"
    first = scan(
        trial=trial,
        extract_dir=registry,
        out_dir=out,
        store_path=store_path,
        index_date=date(2026, 9, 1),
    )
    assert first.previous_run is None
    second = scan(
        trial=trial,
        extract_dir=registry,
        out_dir=out,
        store_path=store_path,
        index_date=date(2026, 11, 1),
    )
    assert second.previous_run == first.run["run_id"]
    changes = pd.read_csv(out / "changes.csv", dtype=str, keep_default_na=False)
    assert changes.values.tolist() == [
        ["1", "Site A", "ineligible", "likely_eligible", "newly_likely_eligible", "I1 fail", ""]
    ]
    # the same scan again, the same day: compared with the scan before it, nothing changed
    third = scan(
        trial=trial,
        extract_dir=registry,
        out_dir=out,
        store_path=store_path,
        index_date=date(2026, 11, 1),
    )
    assert third.previous_run == second.run["run_id"] != third.run["run_id"]
    assert pd.read_csv(out / "changes.csv").empty
    history = run_history(store_path)
    listed = CliRunner().invoke(app, ["history", "--store", str(store_path)])
    assert listed.exit_code == 0, listed.output
    assert first.run["run_id"] in listed.output and second.run["run_id"] in listed.output
    assert history["registry"].tolist() == ["registry"] * 3
    assert [str(d)[:10] for d in history["as_of"]] == ["2026-09-01", "2026-11-01", "2026-11-01"]


class _SameSecond(datetime):
    """A clock whose every reading falls in one second, a microsecond apart."""

    ticks = 0

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        cls.ticks += 1
        return cls(2026, 11, 30, 6, 0, 0, cls.ticks, tzinfo=tz)


@pytest.mark.slow
def test_worklist_limit_from_the_command_line(extract, local_run, tmp_path):
    out = tmp_path / "capped"
    args = ["run", "--trial", TRIAL, "--extract", str(extract), "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--worklist-limit", "5"])
    assert result.exit_code == 0, result.output
    candidates = pd.read_csv(out / "patients.csv")["status"].ne("ineligible").sum()
    assert candidates > 5
    said = " ".join(result.output.split())  # rich wraps the console line
    assert f"worklist.xlsx shows 5 of {candidates:,} likely_eligible / needs_review" in said
    assert "the full list is patients.csv / criteria.csv" in said
    book = openpyxl.load_workbook(out / "worklist.xlsx")
    listed = sum(book[name].max_row - 2 for name in book.sheetnames[1:])
    assert listed == 5
    assert "NOT EVERY PATIENT IS LISTED" in " ".join(str(c.value) for c in book["README"]["A"])
    assert 'id="worklist-note"' in (out / "report.html").read_text(encoding="utf-8")
    for name in ("patients.csv", "criteria.csv", "funnel.csv", "sites.csv", "evaluability.csv"):
        assert (out / name).read_bytes() == (local_run / name).read_bytes(), name
    refused = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "no"), "--worklist-limit", "-1"]
    )
    assert refused.exit_code != 0 and not (tmp_path / "no").exists()
