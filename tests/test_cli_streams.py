"""Results on stdout, diagnostics on stderr, Prefect quiet unless --verbose, errors once.

Real processes (the console configuration happens before Prefect is imported), reporting
to the session's Prefect API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from test_flows_support import age_trial, tiny_extract

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

PEOPLE = [(1, date(1960, 1, 1), 1, "P1"), (2, date(1990, 1, 1), 2, "P2")]
PREFECT_NOISE = ("INFO", "View at", "Beginning flow run", "Finished in state")


def _prescreen(*args: str) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "COLUMNS": "200"}
    command = [sys.executable, "-m", "prescreen.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_results_on_stdout_and_no_prefect_lines(tmp_path):
    # issue #14.5: Prefect's INFO lines and a dead "View at http://127.0.0.1:…" link
    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    done = _prescreen("run", "--trial", age_trial(tmp_path), "--extract", str(extract),
                      "--as-of", "2026-11-01", "--out", str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Screen result" in done.stdout and "likely_eligible" in done.stdout
    assert "Extract validation" in done.stderr and "Extract validation" not in done.stdout
    for noise in PREFECT_NOISE:
        assert noise not in done.stderr + done.stdout, noise


def test_an_error_in_a_flow_is_printed_once(tmp_path):
    extract = tmp_path / "no-person"
    extract.mkdir()
    (extract / "care_site.csv").write_text("care_site_id,care_site_name\n1,A\n", encoding="utf-8")
    args = ["run", "--trial", age_trial(tmp_path), "--extract", str(extract),
            "--as-of", "2026-11-01", "--out", str(tmp_path / "out")]  # fmt: skip
    done = _prescreen(*args)
    assert done.returncode == 1
    assert done.stderr.count("no person table") == 1, done.stderr
    assert "Traceback" not in done.stderr
    for noise in PREFECT_NOISE:
        assert noise not in done.stderr, noise
    verbose = _prescreen("--verbose", *args)  # Prefect's own lines, on request
    assert verbose.returncode == 1
    assert "Beginning flow run" in verbose.stderr and "no person table" in verbose.stderr
