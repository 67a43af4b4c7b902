"""Hand-built tiny OMOP extracts and trials for the flow tests (no tests here)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

PERSON_COLUMNS = (
    "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,"
    "race_concept_id,ethnicity_concept_id,location_id,provider_id,care_site_id,"
    "person_source_value,gender_source_value,gender_source_concept_id,race_source_value,"
    "race_source_concept_id,ethnicity_source_value,ethnicity_source_concept_id"
).split(",")
CARE_SITE_COLUMNS = (
    "care_site_id,care_site_name,place_of_service_concept_id,location_id,"
    "care_site_source_value,place_of_service_source_value"
).split(",")
SITES = {1: "Site A", 2: "Site B"}

AGE_TRIAL = """\
trial:
  id: AGE-50
  title: Fifty or older
  version: "1"
  source_text: |
    Aged 50 or older.
criteria:
  - id: I1
    kind: inclusion
    text: "Aged 50 or older."
    rule: {age: ">= 50"}
"""


def tiny_extract(folder: Path, persons: list[tuple[int, date, int, str]]) -> Path:
    """person.csv + care_site.csv for (person_id, birth date, care_site_id, source value)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "person.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PERSON_COLUMNS)
        for person_id, born, site, source in persons:
            row = dict.fromkeys(PERSON_COLUMNS, "")
            row.update(
                person_id=person_id,
                gender_concept_id=8507,
                year_of_birth=born.year,
                month_of_birth=born.month,
                day_of_birth=born.day,
                birth_datetime=f"{born.isoformat()} 00:00:00",
                race_concept_id=0,
                ethnicity_concept_id=0,
                care_site_id=site,
                person_source_value=source,
                gender_source_value="M",
                gender_source_concept_id=0,
                race_source_concept_id=0,
                ethnicity_source_concept_id=0,
            )
            writer.writerow([row[c] for c in PERSON_COLUMNS])
    with (folder / "care_site.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CARE_SITE_COLUMNS)
        for site_id, name in SITES.items():
            writer.writerow([site_id, name, 8717, "", f"S{site_id}", "hospital"])
    return folder


def age_trial(folder: Path) -> str:
    """Path of a one-criterion trial: inclusion age >= 50 at the index date."""
    path = folder / "age-50.yaml"
    path.write_text(AGE_TRIAL, encoding="utf-8")
    return str(path)


CDM_SOURCE_COLUMNS = (
    "cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description,"
    "source_documentation_reference,cdm_etl_reference,source_release_date,cdm_release_date,"
    "cdm_version,cdm_version_concept_id,vocabulary_version"
).split(",")


def with_cdm_source(folder: Path, abbreviation: str) -> Path:
    """Add an OMOP cdm_source.csv naming the registry `abbreviation`."""
    with (folder / "cdm_source.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CDM_SOURCE_COLUMNS)
        writer.writerow(
            [f"{abbreviation} registry", abbreviation, "Hospital", "", "", "", "2026-11-01",
             "2026-11-01", "v5.4", 756265, "v5.0"]
        )  # fmt: skip
    return folder


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:  # noqa: ANN001 (pytest fixture)
    """`prescreen ARGS` in this process through its real entry point: exit code, stdout, stderr."""
    import os
    import sys

    import pytest

    from prescreen.cli import main

    capsys.readouterr()
    argv, environ = sys.argv, dict(os.environ)
    sys.argv = ["prescreen", *args]
    try:
        with pytest.raises(SystemExit) as stopped:
            main()
    finally:
        sys.argv = argv
        os.environ.clear()
        os.environ.update(environ)  # the CLI sets Prefect's console level for its process
    captured = capsys.readouterr()
    code = stopped.value.code
    return (
        (code if isinstance(code, int) else (0 if code is None else 1)),
        captured.out,
        captured.err,
    )
