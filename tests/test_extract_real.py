"""Real OHDSI exports load with default options: every usable row kept, defects listed.

`tests/fixtures/synthea27nj` is a real ETL-Synthea export; `real_defects.gibleed_like` adds
the two defects OHDSI's GiBleed dataset has (orphan observation periods, source ids
repeated across persons), which made prescreen refuse GiBleed with default options.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from real_defects import SYNTHEA, gibleed_like
from rich.console import Console

from prescreen.criteria.staging import columns_read
from prescreen.extract import load_extract, print_validation_summary, write_validation_outputs

CLINICAL = (
    "condition_occurrence",
    "procedure_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
    "death",
)
# every column stored (a kept database), or only those the screen reads (a run's own)
STORED = {"every column": None, "read columns": columns_read()}


def test_synthea_extract_date_comes_from_cdm_source() -> None:
    report = load_extract(SYNTHEA, duckdb.connect(), extract_date=date(2030, 1, 1))
    assert report.extract_date == date(2022, 10, 10)
    assert report.extract_date_source == "cdm_source.source_release_date"
    assert report.cdm_source_abbreviation == "NJ"


@pytest.mark.parametrize("stored", list(STORED))
def test_gibleed_defects_load_with_default_options(tmp_path: Path, stored: str) -> None:
    injected = gibleed_like(tmp_path / "gibleed")
    assert injected["orphan_periods"] == 28
    assert injected["drug_rows_sharing_an_id"] >= 40
    assert injected["measurement_rows_sharing_an_id"] >= 40
    con = duckdb.connect()
    # default options: nothing relaxed
    report = load_extract(tmp_path / "gibleed", con, columns=STORED[stored])
    v = report.validation.set_index("table")
    clinical = v.loc[list(CLINICAL)]
    assert clinical["quarantined"].sum() <= 0.005 * clinical["rows_in"].sum()
    assert v.loc["person", "loaded"] == v.loc["person", "rows_in"] == 28
    assert (v["rows_in"] == v["loaded"] + v["quarantined"] + v["deduplicated"]).all()
    # the defects are findings, every row kept
    assert v.loc["observation_period", "loaded"] == 56
    assert v.loc["observation_period", "findings"] == 28
    assert v.loc["drug_exposure", "loaded"] == v.loc["drug_exposure", "rows_in"]
    assert v.loc["drug_exposure", "findings"] == injected["drug_rows_sharing_an_id"]
    assert v.loc["measurement", "findings"] == injected["measurement_rows_sharing_an_id"]
    found = {(r.table, r.check): r.count for r in report.findings.itertuples()}
    assert found == {
        ("observation_period", "isForeignKey"): 28,
        ("drug_exposure", "isPrimaryKey"): injected["drug_rows_sharing_an_id"],
        ("measurement", "isPrimaryKey"): injected["measurement_rows_sharing_an_id"],
    }
    # v5.3 column names are ignored with a note, the v5.4 columns they replace are empty
    assert "admitting_source_concept_id" in v.loc["visit_occurrence", "notes"]
    # rows sharing a source id stay apart by _row_id
    shared = con.execute(
        "select count(distinct _row_id), count(*) from drug_exposure where drug_exposure_id in "
        "(select drug_exposure_id from drug_exposure group by 1 having count(*) > 1)"
    ).fetchone()
    assert shared[0] == shared[1] == injected["drug_rows_sharing_an_id"]
    console = Console(record=True, width=200)
    print_validation_summary(report, console)
    shown = console.export_text()
    assert "extract date 2022-10-10 (cdm_source.source_release_date)" in shown
    assert "finding (rows kept): observation_period: isForeignKey person_id" in shown
    write_validation_outputs(report, con, tmp_path / "out")
    findings = (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert len(findings) == 1 + sum(found.values())
    assert findings[0] == "table_name,source_file,line,primary_key,column_name,check_name,reason"


@pytest.mark.parametrize("stored", list(STORED))
def test_gibleed_like_export_screens_nl003_with_default_options(
    tmp_path: Path, stored: str
) -> None:
    """The whole trial on the real export: no option relaxed, every person screened, the
    code sets that fit no code of this Synthea coding listed rather than silently empty."""
    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.sql_engine import screen_into

    gibleed_like(tmp_path / "gibleed")
    con = duckdb.connect()
    report = load_extract(tmp_path / "gibleed", con, columns=STORED[stored])
    screen = screen_into(con, load_trial("nl003-cli-iii-2"), report.extract_date)
    assert screen.persons == 28
    rows = con.execute(
        "select count(distinct person_id), count(*) from criterion_result"
    ).fetchone()
    assert rows[0] == 28
    unmatched = dict(screen.unmatched)
    assert unmatched.get("ulcer_area") == "measurement"  # local registry codes: not in Synthea
    assert "hemoglobin" not in unmatched  # LOINC 718-7 / concept 3000963 are
