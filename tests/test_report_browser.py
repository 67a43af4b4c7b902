"""report.html renders in real headless Chromium: charts, headline numbers, no script errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_report import _frames
from test_report_fixtures import PROVENANCE, REASONS, VALIDATION, small_trial

from prescreen.report import write_reports

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail("chromium is missing: run `bash scripts/ensure-chromium.sh` first")
    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _report(tmp_path: Path) -> Path:
    grid, sites = {}, {}
    for pid in range(1, 61):  # three sites, every status, one small cell
        sites[pid] = "ABC"[pid % 3]
        grid[pid] = (
            ("pass", "pass", "pass", "manual")
            if pid % 4
            else ("fail", "pass", "pass", "manual")
            if pid % 8
            else ("pass", "unknown", "pass", "manual")
        )
    trial = small_trial()
    results, patients = _frames(grid, sites, trial)
    out = tmp_path / "out"
    out.mkdir()
    write_reports(
        out,
        trial=trial,
        criterion_result=results,
        patients=patients,
        validation=VALIDATION,
        reasons=REASONS,
        provenance=PROVENANCE,
    )
    return out / "report.html"


@pytest.mark.browser
def test_report_renders_in_chromium(tmp_path):
    html = _report(tmp_path)
    url = html.resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert text.count("<svg") >= 3, "funnel, impact and site charts are inline SVG"
    assert 'id="count-screened">60<' in text
    assert 'id="count-likely_eligible">' in text
    assert 'data-js-error="1"' not in text, "a script error fired in the page"
    assert "Assumption register" in text and "Provenance" in text

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run = _chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        url,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if "Uncaught" in line or ":CONSOLE" in line]
    assert not errors, errors
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000, "screenshot is suspiciously small (blank page?)"
