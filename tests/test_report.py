"""Report tables from hand-built result sets: counts written by hand from the definitions."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
from test_report_fixtures import (
    PROVENANCE,
    REASONS,
    VALIDATION,
    patients_frame,
    results_frame,
    small_trial,
)

from prescreen.report import funnel_table, published_tables, site_table, write_reports
from prescreen.report.evaluability import evaluability_counts
from prescreen.report.funnel import funnel_counts
from prescreen.report.sites import site_fail_counts, top_failing
from prescreen.report.worklist import manual_items, sheet_name

TRIAL = small_trial()
# criteria I1, I2, E1, E2 (E2 manual). One row per patient: results in that order.
GRID = {
    1: ("pass", "pass", "pass", "manual"),  # likely eligible
    2: ("fail", "pass", "pass", "manual"),  # fails I1 only; nothing unknown → gained
    3: ("fail", "fail", "pass", "manual"),  # fails two: no unique exclusion
    4: ("pass", "unknown", "fail", "manual"),  # fails E1 only, unknown on I2
    5: ("pass", "unknown", "pass", "manual"),  # needs review
    6: ("pass", "pass", "fail", "manual"),  # fails E1 only → gained
}
SITES = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B", 6: "B"}


def _frames(grid=GRID, sites=SITES, trial=TRIAL):
    ids = trial.criterion_ids()
    rows = [
        (pid, cid, r) for pid, results in grid.items() for cid, r in zip(ids, results, strict=True)
    ]
    rows += [(pid, "I2.check", "manual") for pid in grid]  # sub-rule rows never count
    results = results_frame(rows)
    return results, patients_frame(results, sites, trial)


def test_funnel_sequential_counts_by_hand():
    results, patients = _frames()
    f = funnel_counts(results, patients, TRIAL).set_index("criterion_id")
    # I1 removes 2, 3 (fail); I2 removes 4, 5 (unknown); E1 removes 6; E2 manual keeps 1
    assert f.loc["I1", ["remaining_before", "fail", "unknown", "remaining_after"]].tolist() == [
        6,
        2,
        0,
        4,
    ]
    assert f.loc["I2", ["remaining_before", "fail", "unknown", "remaining_after"]].tolist() == [
        4,
        0,
        2,
        2,
    ]
    assert f.loc["E1", ["remaining_before", "fail", "unknown", "remaining_after"]].tolist() == [
        2,
        1,
        0,
        1,
    ]
    assert f.loc["E2", ["remaining_before", "fail", "unknown", "remaining_after"]].tolist() == [
        1,
        0,
        0,
        1,
    ]
    # the funnel ends at the likely-eligible count
    assert f["remaining_after"].iloc[-1] == (patients["status"] == "likely_eligible").sum()


def test_unique_exclusion_and_gained_if_dropped():
    results, patients = _frames()
    f = funnel_counts(results, patients, TRIAL).set_index("criterion_id")
    assert f.loc["I1", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [2, 1, 1]
    assert f.loc["I2", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [1, 0, 0]
    # E1: patients 4 and 6 fail only E1; 4 is unknown on I2, so only 6 would be likely eligible
    assert f.loc["E1", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [2, 2, 1]
    assert f.loc["I2", "unknown_any"] == 2
    assert f.loc["E2", "manual_any"] == 6


def test_missing_result_row_counts_as_unknown():
    results, patients = _frames()
    results = results[~((results["person_id"] == 1) & (results["criterion_id"] == "E1"))]
    f = funnel_counts(results, patients, TRIAL).set_index("criterion_id")
    assert f.loc["E1", "unknown_any"] == 1


def test_top_three_failing_most_first_ties_in_protocol_order():
    counts = pd.Series({"I1": 3, "I2": 7, "E1": 3, "E2": 0, "E3": 9})
    assert top_failing(counts) == [("E3", 9), ("I2", 7), ("I1", 3)]
    assert top_failing(pd.Series({"I1": 0})) == []


def test_site_fail_counts():
    results, patients = _frames()
    wide = site_fail_counts(results, patients, TRIAL)
    assert wide.loc["A"].tolist() == [2, 1, 0, 0]
    assert wide.loc["B"].tolist() == [0, 0, 2, 0]


def test_evaluability_counts_decided_share():
    results, patients = _frames()
    e = evaluability_counts(results, patients, TRIAL).set_index(["site", "criterion_id"])
    assert "E2" not in e.index.get_level_values("criterion_id")  # manual: not computable
    assert e.loc[("B", "I2")].tolist() == [1, 3]  # patients 4, 5 unknown
    assert e.loc[("A", "I2")].tolist() == [3, 3]


def test_site_with_three_likely_eligible_is_suppressed_with_a_complement():
    # site A: 3 likely eligible (<5), 20 ineligible; site B: 30 / 25; site C: 12 / 14
    grid, sites, pid = {}, {}, 0
    for site, n_le, n_in in (("A", 3, 20), ("B", 30, 25), ("C", 12, 14)):
        for i in range(n_le + n_in):
            pid += 1
            grid[pid] = (
                ("pass", "pass", "pass", "manual") if i < n_le else ("fail",) * 3 + ("manual",)
            )
            sites[pid] = site
    results, patients = _frames(grid, sites)
    table = site_table(results, patients, TRIAL, min_cell=5).set_index("site")
    assert table.loc["A", "likely_eligible"] == "<5"
    # row A: screened = 3 + 0 + 20, so one more cell of row A must hide
    row_a = table.loc["A", ["screened", "needs_review", "ineligible"]].tolist()
    assert sum(v in ("*", "<5") for v in row_a) >= 1
    # column likely_eligible: All sites = A + B + C, so another cell of it must hide
    column = table.loc[["B", "C", "All sites"], "likely_eligible"].tolist()
    assert sum(v in ("*", "<5") for v in column) >= 1
    assert table.loc["A", "needs_review"] == "0"  # zero is published


def test_funnel_table_suppresses_small_steps_and_a_neighbour():
    grid = {pid: ("pass", "pass", "pass", "manual") for pid in range(1, 41)}
    for pid in (1, 2):
        grid[pid] = ("fail", "pass", "pass", "manual")
    results, patients = _frames(grid, {pid: "A" for pid in grid})
    f = funnel_table(results, patients, TRIAL, min_cell=5).set_index("criterion_id")
    assert f.loc["I1", "fail"] == "<5"
    # before − fail − unknown = after: with unknown = 0 published, before or after must hide
    assert "*" in (f.loc["I1", "remaining_before"], f.loc["I1", "remaining_after"])


def test_no_published_count_is_small():
    results, patients = _frames()
    published = published_tables(results, patients, TRIAL, min_cell=5)
    for table in (published.funnel, published.sites, published.evaluability):
        for value in (
            table.drop(columns=["step", "share_decided"], errors="ignore").to_numpy().ravel()
        ):
            assert not (str(value).isdigit() and 1 <= int(value) < 5), table


def test_worklist_helpers():
    used: set[str] = set()
    assert sheet_name("Site 01: A/B [x]*?", used) == "Site 01_ A_B _x___"
    long = "x" * 40
    assert sheet_name(long, used) == "x" * 31
    assert sheet_name(long, used) == "x" * 27 + " (2)"
    assert sheet_name("README", used) == "README (2)"
    assert manual_items(TRIAL) == ["I2.check", "E2"]


def test_write_reports_files(tmp_path):
    results, patients = _frames()
    sweep = pd.DataFrame(
        {
            "parameter": ["I1.age_min"] * 2,
            "value": [18, 20],
            "screened": [6, 6],
            "likely_eligible": [1, 1],
            "needs_review": [2, 2],
            "ineligible": [3, 3],
        }
    )
    write_reports(
        tmp_path,
        trial=TRIAL,
        criterion_result=results,
        patients=patients,
        validation=VALIDATION,
        reasons=REASONS,
        provenance=PROVENANCE,
        min_cell=5,
        sweep=sweep,
    )
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "funnel.csv",
        "sites.csv",
        "evaluability.csv",
        "sweep.csv",
        "summary.json",
        "report.html",
        "worklist.xlsx",
    } <= names
    document = json.loads((tmp_path / "summary.json").read_text())
    assert document["headline"]["screened"] == 6
    assert document["headline"]["likely_eligible"] == "<5"
    assert document["provenance"]["trial"]["criteria_sha256"] == "ab" * 32
    assert "counts" not in document["provenance"]  # raw counts stay local
    html = (tmp_path / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>I1</b>" not in html
    for fetch in ('src="http', 'href="http', "url(http", "@import"):  # nothing fetched at view time
        assert fetch not in html
    book = openpyxl.load_workbook(tmp_path / "worklist.xlsx")
    assert book.sheetnames == ["README", "A", "B"]
    assert "IDENTIFIERS" in book["README"]["A1"].value
    sheet_b = book["B"]
    header = [c.value for c in sheet_b[2]]
    assert header[:6] == ["person_id", "site", "status", "n_unknown", "n_manual", "I1"]
    assert "check E2" in header and "evidence" in header
    ids = [row[0].value for row in sheet_b.iter_rows(min_row=3)]
    assert ids == [5]  # patient 4 fails E1 (ineligible), 5 needs review


def test_worklist_can_be_left_out(tmp_path):
    results, patients = _frames()
    common = {"validation": VALIDATION, "reasons": REASONS, "provenance": PROVENANCE}
    write_reports(tmp_path, trial=TRIAL, criterion_result=results, patients=patients,
                  worklist=False, **common)  # fmt: skip
    names = {p.name for p in tmp_path.iterdir()}
    assert "report.html" in names and "worklist.xlsx" not in names
