"""run.json: what a command ran on and with, so any result can be reproduced.

One `RunManifest` builds run.json for every command that writes an output folder
(`run`, `scan`, `load`, `forecast`). Keys others script against are kept: `as_of` is the
index date of a screen (for `load`, which has none, the extract date it was given, as
before); `index_date`, `extract_date` and `extract_date_source` name the two dates apart.
The two timestamps and `timings_seconds` are the only fields that differ between runs of
the same inputs.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from prescreen import __version__

if TYPE_CHECKING:
    from prescreen.criteria.model import Trial

MANIFEST_FILE = "run.json"


@dataclass
class RunManifest:
    """The provenance of one command's outputs; `as_dict()` is run.json."""

    command: str  # run | scan | load | forecast
    started_at: datetime
    index_date: date | None = None
    extract_date: date | None = None
    extract_date_source: str | None = None
    trial: dict[str, Any] | None = None  # id, version, criteria_sha256 (see trial_fields)
    parameters: dict[str, Any] = field(default_factory=dict)  # defaults of the trial's parameters
    overrides: dict[str, Any] = field(default_factory=dict)
    engine: str | None = None
    input_files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # command-specific keys, appended
    finished_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """run.json's content (finished_at: now, unless set)."""
        doc: dict[str, Any] = {"prescreen_version": __version__, "command": self.command}
        if self.trial is not None:
            doc["trial"] = dict(self.trial)
        doc["as_of"] = _iso(self.extract_date if self.command == "load" else self.index_date)
        doc["index_date"] = _iso(self.index_date)
        doc["extract_date"] = _iso(self.extract_date)
        doc["extract_date_source"] = self.extract_date_source
        if self.engine is not None:
            doc["engine"] = self.engine
        if self.trial is not None and self.command in ("run", "scan"):
            doc["parameters"] = dict(sorted(self.parameters.items()))
            doc["overrides"] = dict(sorted(self.overrides.items()))
        doc["input_files_sha256"] = dict(sorted(self.input_files.items()))
        if self.counts is not None:
            doc["counts"] = self.counts
        doc["software"] = {
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "pandas": pd.__version__,
        }
        doc["started_at"] = self.started_at.isoformat(timespec="seconds")
        finished = self.finished_at or datetime.now(UTC)
        doc["finished_at"] = finished.isoformat(timespec="seconds")
        if self.timings:
            doc["timings_seconds"] = {k: round(v, 3) for k, v in self.timings.items()}
        doc.update(self.extra)
        return doc

    def write(self, folder: Path) -> dict[str, Any]:
        """Write run.json into `folder`; returns what was written."""
        doc = self.as_dict()
        (folder / MANIFEST_FILE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        return doc


def trial_fields(trial: Trial) -> dict[str, Any]:
    """`trial=` and `parameters=` of a manifest for a parsed trial."""
    from prescreen.criteria.parse import trial_hash

    summary = {"id": trial.id, "version": trial.version, "criteria_sha256": trial_hash(trial)}
    return {"trial": summary, "parameters": {k: p.default for k, p in trial.parameters.items()}}


def started_now() -> datetime:
    """A run's start time, UTC, to the microsecond.

    run.json shows it to the second, but a scan's run id and the store's order of
    same-day rescans read the full time: two scans started within one second are two
    runs, not one run recorded twice.
    """
    return datetime.now(UTC)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


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
    """run.json of a `prescreen run` as a dict, for callers without a request (bench/)."""
    return RunManifest(
        command="run",
        started_at=started,
        index_date=as_of,
        trial={"id": trial_id, "version": trial_version, "criteria_sha256": criteria_hash},
        parameters=parameters,
        overrides=overrides,
        engine=engine,
        input_files=input_files,
        counts=counts,
    ).as_dict()
