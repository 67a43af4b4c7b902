"""report.html and its charts: what a reader of the shared page sees (#14.8)."""

from __future__ import annotations

import dataclasses

import pytest
from test_report_fixtures import (
    FINDINGS,
    PROVENANCE,
    REASONS,
    VALIDATION,
    LoadReport,
    screen_connection,
    small_trial,
)

from prescreen.criteria.model import Criterion
from prescreen.report import ReportOptions, charts, published_tables, report_counts, write_reports
from prescreen.report.html import HEAT_BINS, evaluability_grid, heat_colour, whole_percent


def _labelled_trial():
    trial = small_trial()
    labels = {"I1": "age 20–80", "I2": "ABI ≤ 0.6", "E1": "acute ischemia", "E2": "consent"}
    trial.criteria = [dataclasses.replace(c, label=labels[c.id]) for c in trial.criteria]
    return trial


def _connection(trial, n=200, sites=("A", "B")):
    ids = trial.criterion_ids()
    rows, site_of = [], {}
    for pid in range(1, n + 1):
        site_of[pid] = sites[pid % len(sites)]
        results = ("pass", "pass", "pass", "manual")
        if pid % 5 == 0:
            results = ("fail", "pass", "pass", "manual")
        elif pid % 7 == 0:
            results = ("pass", "unknown", "pass", "manual")
        rows += list(zip([pid] * len(ids), ids, results, strict=True))
    return screen_connection(rows, site_of, trial)


def _html(tmp_path, trial=None, provenance=PROVENANCE, load_report=None, **options) -> str:
    trial = trial or _labelled_trial()
    write_reports(
        tmp_path,
        _connection(trial),
        trial=trial,
        provenance=provenance,
        load_report=load_report or LoadReport(VALIDATION, REASONS),
        options=ReportOptions(worklist=False, **options),
    )
    return (tmp_path / "report.html").read_text(encoding="utf-8")


def test_header_shows_index_date_and_extract_date(tmp_path):
    html = _html(tmp_path)
    assert 'id="index-date">2026-11-01<' in html
    assert 'id="extract-date">2026-10-28<' in html and "(latest event date)" in html


def test_header_falls_back_to_as_of_without_an_extract_date(tmp_path):
    old_run = {k: v for k, v in PROVENANCE.items() if k not in ("index_date", "extract_date",
               "extract_date_source")}  # fmt: skip
    html = _html(tmp_path, provenance={**old_run, "as_of": "2026-09-30"})
    assert 'id="index-date">2026-09-30<' in html and 'id="extract-date">2026-09-30<' in html


def test_data_quality_findings_are_listed_when_the_load_report_has_them(tmp_path):
    (tmp_path / "with").mkdir()
    html = _html(tmp_path / "with", load_report=LoadReport(VALIDATION, REASONS, FINDINGS))
    assert 'id="findings"' in html and "repeated visit_source_value" in html
    (tmp_path / "without").mkdir()
    assert 'id="findings"' not in _html(tmp_path / "without")


def test_charts_name_criteria_by_their_short_label(tmp_path):
    html = _html(tmp_path)
    funnel = html[html.index('id="funnel"') : html.index('id="impact"')]
    impact = html[html.index('id="impact"') : html.index('id="sites"')]
    for chart in (funnel, impact):
        svg = chart[chart.index("<svg") : chart.index("</svg>")]
        assert "I1 · age 20–80" in svg, "the label sits beside the id on the axis"


def test_a_criterion_without_a_label_is_named_by_its_text_cut_at_a_word():
    trial = small_trial()
    counts = report_counts(_connection(trial), trial)
    assert counts.funnel["label"].iloc[0] == "<b>I1</b> text & more"  # short: whole
    long = Criterion(id="I9", kind="inclusion", text="word " * 30, rule=None)
    from prescreen.report.labels import criterion_label

    label = criterion_label(long)
    assert label.endswith("…") and len(label) <= 40 and not label[:-1].endswith(" wor")


def test_tables_carry_percentages(tmp_path):
    html = _html(tmp_path)
    assert "% likely eligible" in html and "% of screened" in html and "% fail" in html
    sites = html[html.index('id="sites"') : html.index('id="evaluability"')]
    assert " %</td>" in sites


def test_evaluability_85_percent_does_not_look_like_100():
    assert whole_percent(0.999) == 99  # not shown as complete
    full, most = heat_colour(100), heat_colour(whole_percent(0.85))
    assert full != most
    assert _luminance(most[0]) - _luminance(full[0]) > 0.25, "the two shades are far apart"
    assert [label for *_, label in HEAT_BINS][0] == "100 %"


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_evaluability_grid_lists_criteria_as_rows_with_labels():
    trial = _labelled_trial()
    published = published_tables(report_counts(_connection(trial), trial), trial, min_cell=1)
    grid = evaluability_grid(published.evaluability, trial)
    assert grid["sites"] == ["A", "B", "All sites"]
    assert [(r["id"], r["label"]) for r in grid["rows"]] == [
        ("I1", "age 20–80"),
        ("I2", "ABI ≤ 0.6"),
        ("E1", "acute ischemia"),
    ]


def test_rounding_publishes_multiples_instead_of_marks(tmp_path):
    html = _html(tmp_path, round_to=10)
    assert "&lt;5" not in html and ">*<" not in html
    assert 'id="count-screened">200<' in html
    assert "rounded up to a multiple of 10" in html
    sites = (tmp_path / "sites.csv").read_text(encoding="utf-8").splitlines()
    for line in sites[1:]:
        for count in line.split(",")[1:5]:
            assert int(count) % 10 == 0


@pytest.mark.parametrize("name", ["Site $\\foo{$ A", "50% $$ off", "back\\slash $"])
def test_site_names_are_drawn_as_text_not_mathtext(name):
    trial = small_trial()
    con = _connection(trial, sites=(name, "B"))
    published = published_tables(report_counts(con, trial), trial)
    svg = charts.site_chart(published)  # raised ValueError (mathtext) before
    assert "<svg" in svg
