"""Forecast: monthly index dates, newly eligible per site and month, suppression."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from test_flows_support import age_trial, tiny_extract

from prescreen.forecast import index_dates, newly_eligible, suppressed_forecast


def test_index_dates_step_back_whole_months_clamped_to_month_end():
    assert index_dates(date(2026, 3, 31), 2) == [
        date(2026, 1, 31),
        date(2026, 2, 28),  # no 31 February: the month's last day
        date(2026, 3, 31),
    ]
    assert index_dates(date(2026, 1, 15), 1) == [date(2025, 12, 15), date(2026, 1, 15)]


def _dated(statuses: dict[date, list[str]], sites: list[str]):
    """A connection holding person_site and date_status as the forecast flow leaves them."""
    import duckdb

    from prescreen.sqltext import read_sql

    con = duckdb.connect()
    ids = list(range(1, len(sites) + 1))
    con.execute("create table person_site (person_id bigint, site varchar, site_id bigint)")
    con.executemany(
        "insert into person_site values (?, ?, null)", list(zip(ids, sites, strict=True))
    )
    con.execute(read_sql("marts/date_status.sql"))
    for day, column in statuses.items():
        con.executemany(
            "insert into date_status values (?, ?, ?)",
            [(day, i, s) for i, s in zip(ids, column, strict=True)],
        )
    return con


def test_newly_eligible_counts_only_transitions_after_the_baseline():
    statuses = {  # inserted out of date order: the mart orders the dates itself
        date(2026, 11, 1): ["ineligible", "likely_eligible", "likely_eligible"],
        date(2026, 9, 1): ["likely_eligible", "ineligible", "needs_review"],
        date(2026, 10, 1): ["likely_eligible", "likely_eligible", "needs_review"],
    }
    con = _dated(statuses, ["A", "A", "B"])
    # baseline month (2026-09) not reported; person 1 eligible from the start never counts
    assert newly_eligible(con).values.tolist() == [
        ["A", "2026-10", 1],
        ["B", "2026-10", 0],
        ["A", "2026-11", 0],
        ["B", "2026-11", 1],
    ]
    # with review counted as eligible, person 3 was eligible all along
    assert newly_eligible(con, include_review=True)["newly_eligible"].tolist() == [1, 0, 0, 0]


def test_newly_eligible_compares_each_month_with_the_month_before_only():
    # eligible, then not, then eligible again: new twice (in 2026-10 and again in 2026-12)
    statuses = {
        date(2026, 9, 1): ["ineligible", "likely_eligible"],
        date(2026, 10, 1): ["likely_eligible", "likely_eligible"],
        date(2026, 11, 1): ["ineligible", "ineligible"],
        date(2026, 12, 1): ["likely_eligible", "ineligible"],
    }
    con = _dated(statuses, ["Site B", "Site A"])
    assert newly_eligible(con).values.tolist() == [
        ["Site A", "2026-10", 0],
        ["Site B", "2026-10", 1],
        ["Site A", "2026-11", 0],
        ["Site B", "2026-11", 0],
        ["Site A", "2026-12", 0],
        ["Site B", "2026-12", 1],
    ]


def test_small_counts_print_as_primary_mark():
    table = pd.DataFrame(
        {"site": ["A"] * 3, "month": ["m1", "m2", "m3"], "newly_eligible": [0, 4, 5]}
    )
    assert suppressed_forecast(table, 5)["newly_eligible"].tolist() == ["0", "<5", "5"]


@pytest.mark.usefixtures("prefect_harness")
def test_forecast_flow_on_hand_built_extract(tmp_path):
    from prescreen.flows.forecast import forecast

    extract = tiny_extract(
        tmp_path / "extract",
        [
            (1, date(1976, 8, 15), 1, "P1"),  # 49 on 08-01, 50 on 09-01 → new in 2026-09
            (2, date(1976, 10, 1), 2, "P2"),  # 50th birthday on the 10-01 index date counts
            (3, date(1970, 1, 1), 1, "P3"),  # eligible at baseline: never new
            (4, date(1990, 1, 1), 2, "P4"),  # never eligible
            (5, date(1976, 11, 1), 1, "P5"),  # birthday on the last index date → 2026-11
        ],
    )
    out = tmp_path / "forecast"
    forecast(
        trial=age_trial(tmp_path),
        extract_dir=extract,
        out_dir=out,
        index_date=date(2026, 11, 1),
        months=3,
        min_cell=1,
    )
    table = pd.read_csv(out / "forecast.csv", dtype=str)
    assert table.values.tolist() == [
        ["Site A", "2026-09", "1"],
        ["Site B", "2026-09", "0"],
        ["Site A", "2026-10", "0"],
        ["Site B", "2026-10", "1"],
        ["Site A", "2026-11", "1"],
        ["Site B", "2026-11", "0"],
    ]
    assert (out / "forecast.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    page = (out / "forecast.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<table>" in page and "<?xml" not in page
    assert "not a projection" in page  # issue #14.10: a past count, said so
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "forecast" and manifest["months"] == 3
    assert manifest["index_dates"][-1] == manifest["as_of"] == "2026-11-01"


def test_the_command_says_it_counts_the_past():
    from typer.testing import CliRunner

    from prescreen.cli import app

    listing = " ".join(CliRunner().invoke(app, ["--help"]).output.split())
    assert "newly-eligible" in listing and "forecast" in listing
    for name in ("newly-eligible", "forecast"):
        shown = " ".join(CliRunner().invoke(app, [name, "--help"]).output.split())
        assert "not a projection" in shown, name
    alias = " ".join(CliRunner().invoke(app, ["forecast", "--help"]).output.split())
    assert "Alias of `newly-eligible` (its old name)" in alias
