"""Site names are data (#16.8): kept apart by care_site_id, escaped for each output format."""

from __future__ import annotations

import duckdb
import openpyxl
import pandas as pd
from test_report_fixtures import PROVENANCE, screen_connection, small_trial

from prescreen.report import ReportOptions, write_patient_files, write_reports
from prescreen.sqltext import read_sql

FORMULA = '=HYPERLINK("http://evil.example","x")'


def _person_site(care_sites: list[tuple[int, str | None]], persons: list[int | None]):
    """person_site.sql over a person table (care_site_id per person) and care_site rows."""
    con = duckdb.connect()
    con.execute("create table care_site (care_site_id bigint, care_site_name varchar)")
    con.executemany("insert into care_site values (?, ?)", care_sites)
    con.execute("create table person (person_id bigint, care_site_id bigint)")
    con.executemany("insert into person values (?, ?)", list(enumerate(persons, start=1)))
    con.execute(read_sql("extract/person_site.sql"))
    return con.sql("select person_id, site, site_id from person_site order by person_id").fetchall()


def test_two_care_sites_with_one_name_stay_two_sites():
    rows = _person_site([(7, "Site A"), (8, "Site A"), (9, "Site B")], [7, 8, 9])
    assert rows == [
        (1, "Site A [care_site_id 7]", 7),
        (2, "Site A [care_site_id 8]", 8),
        (3, "Site B", 9),
    ]


def test_names_the_reports_use_themselves_are_told_apart():
    care_sites = [(1, "All sites"), (2, "unknown site"), (3, "  "), (4, "Unknown Site")]
    rows = _person_site(care_sites, [1, 2, 3, 4, None, 99])
    assert rows == [
        (1, "All sites [care_site_id 1]", 1),
        (2, "unknown site [care_site_id 2]", 2),
        (3, "care site [care_site_id 3]", 3),  # a blank name is no name
        (4, "Unknown Site [care_site_id 4]", 4),
        (5, "unknown site", None),  # no care site: the one real 'unknown site'
        (6, "care site [care_site_id 99]", 99),  # a care_site_id without a care_site row
    ]


TRIAL = small_trial()


def _connection(names: dict[int, str], ids: dict[str, int | None]):
    rows = [
        (pid, cid, "pass" if cid != "E2" else "manual")
        for pid in names
        for cid in TRIAL.criterion_ids()
    ]
    return screen_connection(rows, names, TRIAL, site_ids=ids)


def test_same_names_are_separate_rows_in_every_table(tmp_path):
    # two care sites both called 'Site A' reach the reports as two labelled sites
    names = {pid: "Site A [care_site_id 1]" if pid <= 20 else "Site A [care_site_id 2]"
             for pid in range(1, 41)}  # fmt: skip
    con = _connection(names, {"Site A [care_site_id 1]": 1, "Site A [care_site_id 2]": 2})
    write_reports(tmp_path, con, trial=TRIAL, provenance=PROVENANCE,
                  options=ReportOptions(worklist=False))  # fmt: skip
    sites = pd.read_csv(tmp_path / "sites.csv", dtype=str)
    assert sites["site"].tolist() == [
        "Site A [care_site_id 1]",
        "Site A [care_site_id 2]",
        "All sites",
    ]
    assert sites["site_id"].fillna("").tolist() == ["1", "2", ""]
    assert sites["screened"].tolist() == ["20", "20", "40"]


def test_a_formula_in_a_site_name_is_text_in_every_csv_and_workbook(tmp_path):
    names = {pid: FORMULA if pid % 2 else "Site B" for pid in range(1, 41)}
    con = _connection(names, {FORMULA: 1, "Site B": 2})
    write_patient_files(tmp_path, con, ReportOptions())
    write_reports(tmp_path, con, trial=TRIAL, provenance=PROVENANCE)
    for name in ("sites.csv", "patients.csv", "evaluability.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "'=HYPERLINK" in text, name
        for line in text.splitlines():
            for field in line.split(","):
                assert not field.lstrip('"').startswith("="), (name, line)
    for book_name, sheet_name in (("feasibility.xlsx", "Sites"), ("worklist.xlsx", None)):
        book = openpyxl.load_workbook(tmp_path / book_name)
        cells = [
            cell
            for sheet in ([book[sheet_name]] if sheet_name else book.worksheets)
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK")
        ]
        assert cells, book_name
        for cell in cells:  # text, marked as text: Excel never evaluates it
            assert cell.data_type == "s" and cell.quotePrefix, (book_name, cell.coordinate)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in html  # escaped for HTML
