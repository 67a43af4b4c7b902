"""Report tables from hand-built result sets: counts written by hand from the definitions."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
from test_report_fixtures import LOAD_REPORT, PROVENANCE, screen_connection, small_trial

from prescreen.report import ReportOptions, published_tables, report_counts, write_reports
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


def _rows(grid=GRID, trial=TRIAL):
    ids = trial.criterion_ids()
    rows = [
        (pid, cid, r) for pid, results in grid.items() for cid, r in zip(ids, results, strict=True)
    ]
    return rows + [(pid, "I2.check", "manual") for pid in grid]  # sub-rule rows never count


def _connection(grid=GRID, sites=SITES, trial=TRIAL):
    return screen_connection(_rows(grid, trial), sites, trial)


def _funnel(con, trial=TRIAL) -> pd.DataFrame:
    return report_counts(con, trial).funnel.set_index("criterion_id")


def test_funnel_sequential_counts_by_hand():
    con = _connection()
    f = _funnel(con)
    # I1 removes 2, 3 (fail); I2 removes 4, 5 (unknown); E1 removes 6; E2 manual keeps 1
    counts = ["remaining_before", "fail", "unknown", "remaining_after"]
    assert f.loc["I1", counts].tolist() == [6, 2, 0, 4]
    assert f.loc["I2", counts].tolist() == [4, 0, 2, 2]
    assert f.loc["E1", counts].tolist() == [2, 1, 0, 1]
    assert f.loc["E2", counts].tolist() == [1, 0, 0, 1]
    # the funnel ends at the likely-eligible count
    assert f["remaining_after"].iloc[-1] == report_counts(con, TRIAL).headline["likely_eligible"]


def test_unique_exclusion_and_gained_if_dropped():
    f = _funnel(_connection())
    assert f.loc["I1", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [2, 1, 1]
    assert f.loc["I2", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [1, 0, 0]
    # E1: patients 4 and 6 fail only E1; 4 is unknown on I2, so only 6 would be likely eligible
    assert f.loc["E1", ["fail_any", "fail_only", "gained_if_dropped"]].tolist() == [2, 2, 1]
    assert f.loc["I2", "unknown_any"] == 2
    assert f.loc["E2", "manual_any"] == 6


def test_missing_result_row_counts_as_unknown_in_status_and_funnel():
    rows = [r for r in _rows() if not (r[0] == 1 and r[1] == "E1")]
    con = screen_connection(rows, SITES, TRIAL)
    f = _funnel(con)
    assert f.loc["E1", "unknown_any"] == 1
    # one rule: the status agrees with the funnel (patient 1 is no longer likely eligible)
    status = con.sql("select status from patient_status where person_id = 1").fetchall()
    assert status == [("needs_review",)]
    assert f["remaining_after"].iloc[-1] == 0


def test_site_criterion_counts():
    counts = report_counts(_connection(), TRIAL).site_criteria
    fails = counts.pivot(index="site", columns="criterion_id", values="n_fail")
    assert fails.loc["A", ["I1", "I2", "E1", "E2"]].tolist() == [2, 1, 0, 0]
    assert fails.loc["B", ["I1", "I2", "E1", "E2"]].tolist() == [0, 0, 2, 0]
    decided = counts.pivot(index="site", columns="criterion_id", values="n_decided")
    assert decided.loc["B", "I2"] == 1 and decided.loc["A", "I2"] == 3  # 4, 5 unknown


def test_top_three_failing_most_first_ties_in_protocol_order():
    ids = ("I1", "I2", "E1", "E2", "E3")
    trial = small_trial(ids=ids, manual=())
    fails = {"I1": 3, "I2": 7, "E1": 3, "E2": 0, "E3": 9}
    grid, sites, pid = {}, {}, 0
    for cid, n in fails.items():  # n patients fail only cid, plus 20 passing everything
        for _ in range(n):
            pid += 1
            grid[pid] = tuple("fail" if c == cid else "pass" for c in ids)
    for _ in range(20):
        pid += 1
        grid[pid] = ("pass",) * len(ids)
    sites = {p: "A" for p in grid}
    con = screen_connection(_rows(grid, trial), sites, trial)
    published = published_tables(report_counts(con, trial), trial, min_cell=1)
    assert published.sites["top_failing"].iloc[0] == "E3 (9); I2 (7); I1 (3)"


def test_evaluability_counts_decided_and_undecided():
    published = published_tables(report_counts(_connection(), TRIAL), TRIAL, min_cell=1)
    e = published.evaluability.set_index(["site", "criterion_id"])
    assert "E2" not in e.index.get_level_values("criterion_id")  # manual: not computable
    assert e.loc[("B", "I2"), ["n_decided", "n_screened", "n_undecided"]].tolist() == [
        "1",
        "3",
        "2",
    ]
    assert e.loc[("A", "I2"), "share_decided"] == "1.000"


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
    con = _connection(grid, sites)
    table = published_tables(report_counts(con, TRIAL), TRIAL).sites.set_index("site")
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
    con = _connection(grid, {pid: "A" for pid in grid})
    f = published_tables(report_counts(con, TRIAL), TRIAL).funnel.set_index("criterion_id")
    assert f.loc["I1", "fail"] == "<5"
    # before − fail − unknown = after: with unknown = 0 published, before or after must hide
    assert "*" in (f.loc["I1", "remaining_before"], f.loc["I1", "remaining_after"])


def test_no_published_count_is_small():
    published = published_tables(report_counts(_connection(), TRIAL), TRIAL, min_cell=5)
    tables = (published.funnel, published.sites, published.evaluability)
    for table in tables:
        counts = table.drop(
            columns=["step", "share_decided", "share_likely_eligible", "site_id", "label"],
            errors="ignore",
        )
        for value in counts.to_numpy().ravel():
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
    con = _connection()
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
    write_reports(tmp_path, con, trial=TRIAL, provenance=PROVENANCE, load_report=LOAD_REPORT,
                  sweep=sweep)  # fmt: skip
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "funnel.csv",
        "sites.csv",
        "evaluability.csv",
        "sweep.csv",
        "summary.json",
        "report.html",
        "worklist.xlsx",
        "feasibility.xlsx",
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
    assert header[:8] == [
        "person_id",
        "person_source_value",
        "site",
        "status",
        "n_unknown",
        "n_manual",
        "target_limb",
        "I1",
    ]
    assert "check E2" in header and "evidence I1" in header
    ids = [row[0].value for row in sheet_b.iter_rows(min_row=3)]
    assert ids == [5]  # patient 4 fails E1 (ineligible), 5 needs review


def test_worklist_can_be_left_out(tmp_path):
    options = ReportOptions(worklist=False)
    write_reports(tmp_path, _connection(), trial=TRIAL, provenance=PROVENANCE, options=options)
    names = {p.name for p in tmp_path.iterdir()}
    assert "report.html" in names and "worklist.xlsx" not in names
