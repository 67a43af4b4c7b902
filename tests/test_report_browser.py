"""report.html in real headless Chromium, at a laptop and a narrow width: charts, headline
numbers, no script errors, no table wider than its card, a header title that is whole."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from test_report_fixtures import FINDINGS, PROVENANCE, REASONS, VALIDATION, LoadReport

from prescreen import pipeline
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract
from prescreen.report import write_reports

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = date(2026, 11, 1)
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
# measures the laid-out page: which tables stick out of their card, whether the page
# scrolls sideways, whether the title is cut; the answer lands in an attribute of <html>
LAYOUT_CHECK = """<script>
(function () {
  var problems = [], vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) problems.push("page wider than window");
  var h1 = document.querySelector("header h1"), r = h1.getBoundingClientRect();
  if (r.left < 0 || r.right > vw + 1 || h1.scrollWidth > h1.clientWidth + 1) problems.push("title cut");
  document.querySelectorAll("section").forEach(function (card) {
    var box = card.getBoundingClientRect();
    card.querySelectorAll("table").forEach(function (t) {
      var tb = t.getBoundingClientRect();
      if (tb.right > box.right - 1 || tb.left < box.left) problems.push(card.id + " table");
    });
    if (card.scrollWidth > card.clientWidth + 1) problems.push(card.id + " wider than card");
  });
  document.documentElement.setAttribute("data-layout", problems.join("; ") || "ok");
})();
</script>"""


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


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The committed sample's report.html, two sites renamed the way registries name
    them: with a `$` (mathtext in matplotlib) and very long."""
    out = tmp_path_factory.mktemp("report")
    con = open_database(None)
    try:
        load_extract(SAMPLE, con, extract_date=AS_OF, max_quarantine=0.05)
        con.execute("update person_site set site = 'Site $\\foo{$ A' where site_id = 1")
        con.execute(
            "update person_site set site = 'Site 02 – Rotterdam University Hospital, Department"
            " of Vascular Surgery and Interventional Radiology' where site_id = 2"
        )
        trial = load_trial("nl003-cli-iii-2", {})
        pipeline.screen_stage(con, trial, AS_OF, "sql")
        write_reports(
            out,
            con,
            trial=trial,
            provenance=PROVENANCE,
            load_report=LoadReport(VALIDATION, REASONS, FINDINGS),
        )
    finally:
        con.close()
    return out / "report.html"


@pytest.mark.browser
def test_report_renders_in_chromium(report, tmp_path):
    url = report.resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert text.count("<svg") >= 3, "funnel, impact and site charts are inline SVG"
    assert 'id="count-screened">2000<' in text
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


@pytest.mark.browser
@pytest.mark.parametrize("width", [760, 1280])
def test_no_table_overflows_its_card(report, tmp_path, width):
    checked = tmp_path / "checked.html"
    page = report.read_text(encoding="utf-8")
    checked.write_text(page.replace("</body>", LAYOUT_CHECK + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, f"--window-size={width},3000", "--dump-dom", checked.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    layout = re.search(r'data-layout="([^"]*)"', dom.stdout)
    assert layout, "the layout check did not run"
    assert layout.group(1) == "ok", f"at {width} px: {layout.group(1)}"
