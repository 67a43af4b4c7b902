"""The extract date belongs to the extract (issue #11.1): cdm_source, else the caller's, else today."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from prescreen.extract import load_extract

CDM_SOURCE_HEADER = (
    "cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description,"
    "source_documentation_reference,cdm_etl_reference,source_release_date,cdm_release_date,"
    "cdm_version,cdm_version_concept_id,vocabulary_version"
)


def _extract(folder: Path, cdm_source_row: str | None = None) -> Path:
    """Two persons and a measurement dated 2026-11-20, after a screen on 2026-11-01."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth\n1,8507,1950\n2,8532,1960\n", encoding="utf-8"
    )
    (folder / "measurement.csv").write_text(
        "measurement_id,person_id,measurement_date\n1,1,2026-10-01\n2,2,2026-11-20\n",
        encoding="utf-8",
    )
    if cdm_source_row is not None:
        (folder / "CDM_SOURCE.csv").write_text(
            f"{CDM_SOURCE_HEADER}\n{cdm_source_row}\n", encoding="utf-8"
        )
    return folder


@pytest.mark.parametrize(
    ("row", "given", "expected", "source", "abbreviation"),
    [
        # source_release_date first, even when the caller gives a date
        (
            "Registry,REG,Team,,,,2026-11-25,2026-11-28,v5.4,756265,v5",
            date(2026, 11, 1),
            date(2026, 11, 25),
            "cdm_source.source_release_date",
            "REG",
        ),
        # no source_release_date: cdm_release_date
        (
            "Registry,REG,Team,,,,,2026-11-28,v5.4,756265,v5",
            None,
            date(2026, 11, 28),
            "cdm_source.cdm_release_date",
            "REG",
        ),
        # a cdm_source without dates: the caller's date, the abbreviation still read
        (
            "Registry,REG,Team,,,,,,v5.4,756265,v5",
            date(2026, 11, 21),
            date(2026, 11, 21),
            "--extract-date",
            "REG",
        ),
        # no cdm_source at all
        (None, date(2026, 11, 21), date(2026, 11, 21), "--extract-date", None),
    ],
)
def test_extract_date_sources(
    tmp_path: Path, row: str | None, given: date | None, expected: date, source: str, abbreviation
) -> None:
    report = load_extract(_extract(tmp_path, row), duckdb.connect(), extract_date=given)
    assert (report.extract_date, report.extract_date_source) == (expected, source)
    assert report.cdm_source_abbreviation == abbreviation
    assert report.reasons.empty  # the 2026-11-20 event is before every one of these dates


def test_run_date_when_nothing_else_says(tmp_path: Path) -> None:
    before = date.today()
    report = load_extract(_extract(tmp_path), duckdb.connect())
    assert before <= report.extract_date <= date.today()
    assert report.extract_date_source == "run date"


def test_events_after_the_index_date_are_kept(tmp_path: Path) -> None:
    # #11.1: a screen as of 2026-11-01 on an extract released 2026-11-25 used to quarantine
    # every later event as "date after extract date"; the index date is not the extract's
    folder = _extract(tmp_path, "Registry,REG,Team,,,,2026-11-25,,v5.4,756265,v5")
    con = duckdb.connect()
    report = load_extract(folder, con, max_quarantine=0.0)
    assert report.validation.set_index("table").loc["measurement", "loaded"] == 2
    assert con.execute("select count(*) from quarantine").fetchone() == (0,)


def test_cdm_source_is_loaded_with_v53_columns(tmp_path: Path) -> None:
    # a v5.3 cdm_source (no cdm_version_concept_id) loads; the column is empty
    folder = _extract(tmp_path)
    (folder / "cdm_source.csv").write_text(
        "cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description,"
        "source_documentation_reference,cdm_etl_reference,source_release_date,"
        "cdm_release_date,cdm_version,vocabulary_version\n"
        "Registry,REG,Team,,,,2026-11-25,2026-11-26,v5.3.1,v5\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    load_extract(folder, con)
    assert con.execute(
        "select cdm_source_abbreviation, source_release_date, cdm_version_concept_id, _row_id "
        "from cdm_source"
    ).fetchall() == [("REG", date(2026, 11, 25), None, 1)]
