"""run.json: what a screen was run on and with, so any result can be reproduced."""

from __future__ import annotations

import platform
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from prescreen import __version__


def provenance(
    *,
    trial_id: str,
    trial_version: str | None,
    criteria_hash: str,
    parameters: dict[str, Any],
    overrides: dict[str, Any],
    as_of: date,
    engine: str,
    input_files: dict[str, str],
    counts: dict[str, int],
    started: datetime,
) -> dict[str, Any]:
    """The provenance record; the two timestamps are the only non-reproducible fields."""
    return {
        "prescreen_version": __version__,
        "trial": {"id": trial_id, "version": trial_version, "criteria_sha256": criteria_hash},
        "as_of": as_of.isoformat(),
        "engine": engine,
        "parameters": dict(sorted(parameters.items())),
        "overrides": dict(sorted(overrides.items())),
        "input_files_sha256": dict(sorted(input_files.items())),
        "counts": counts,
        "software": {
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "pandas": pd.__version__,
        },
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
