"""The synthetic sample (data/sample) loaded for the engine tests that screen it whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from prescreen.criteria.model import Trial
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
D = date(2026, 11, 1)
COLUMNS = "person_id, criterion_id, result, evidence, reason"


def loaded_sample() -> tuple[duckdb.DuckDBPyConnection, Trial]:
    """A fresh in-memory database with the sample loaded, and NL003."""
    con = open_database(None)
    load_extract(SAMPLE, con, extract_date=D, max_quarantine=0.05)
    return con, load_trial("nl003-cli-iii-2", {})
