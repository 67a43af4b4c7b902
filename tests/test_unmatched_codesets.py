"""Code sets that do not fit the data are loud (#11.4): a run names every code set that
matched no row of the extract in the console, run.json and report.html."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_flows_support import run_cli, tiny_extract

pytestmark = pytest.mark.usefixtures("prefect_harness")

PEOPLE = [(1, date(1960, 1, 1), 1, "P1"), (2, date(1990, 1, 1), 2, "P2")]

TRIAL = """\
trial:
  id: CODES-1
  title: One matching and one silent code set
  version: "1"
  source_text: |
    Aged 50 or older. No dialysis.
codesets:
  dialysis:
    codes: ["90935"]
criteria:
  - id: I1
    kind: inclusion
    text: "Aged 50 or older."
    rule: {age: ">= 50"}
  - id: E1
    kind: exclusion
    text: "Dialysis."
    rule: {event: procedure, codes: dialysis}
"""


def _run(tmp_path, capsys, procedure_code: str) -> tuple[int, str, object]:
    """The two-criterion trial on two persons, person 1 with one procedure row."""
    extract = tiny_extract(tmp_path / "extract", PEOPLE)
    (extract / "procedure_occurrence.csv").write_text(
        "procedure_occurrence_id,person_id,procedure_concept_id,procedure_date,"
        "procedure_type_concept_id,procedure_source_value,procedure_source_concept_id\n"
        f"1,1,0,2026-10-01,32817,{procedure_code},0\n",
        encoding="utf-8",
    )
    trial = tmp_path / "codes.yaml"
    trial.write_text(TRIAL, encoding="utf-8")
    out = tmp_path / "out"
    code, _, stderr = run_cli(
        ["run", "--trial", str(trial), "--extract", str(extract), "--as-of", "2026-11-01",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    return code, stderr, out


def test_a_code_set_matching_nothing_is_named_everywhere(tmp_path, capsys):
    code, stderr, out = _run(tmp_path, capsys, "99213")
    assert code == 0, stderr
    assert "1 code set(s) matched no row" in stderr and "dialysis in procedure_occurrence" in stderr
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["unmatched_codesets"] == [
        {"codeset": "dialysis", "table": "procedure_occurrence"}
    ]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Code sets that matched no row of the extract" in html
    assert "<code>dialysis</code>" in html


def test_no_section_when_every_code_set_matches(tmp_path, capsys):
    code, stderr, out = _run(tmp_path, capsys, "90935")
    assert code == 0, stderr
    assert "matched no row" not in stderr
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["unmatched_codesets"] == []
    assert "Code sets that matched no row" not in (out / "report.html").read_text(encoding="utf-8")
    patients = (out / "patients.csv").read_text(encoding="utf-8").splitlines()
    assert patients[1].startswith("1,") and ",ineligible," in patients[1]  # dialysis excludes
