"""What a finished run screened with, read back from its run.json, so a later command
(`prescreen explain --run OUT`) answers for exactly that run or says why it cannot.

run.json records the index and extract dates, the parameter overrides, the criteria hash
(file and overrides) and every input file's SHA-256, never a path or a patient. So the
trial and the extract are given again, and checked against those hashes: a criteria file
edited since, or an extract file replaced, would explain something the run did not decide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from prescreen.criteria.model import Trial
from prescreen.criteria.parse import trial_hash
from prescreen.errors import PrescreenError
from prescreen.extract.discover import discover_files, fingerprint
from prescreen.extract.tables import LOAD_ORDER

EXPLAINABLE = ("run", "scan")  # commands whose run.json describes one screen of persons
COMMAND_NAMES = {"forecast": "newly-eligible"}  # run.json's name → the command users type


@dataclass(frozen=True)
class RunRecord:
    """The settings of one finished run (its run.json)."""

    path: Path
    index_date: date
    extract_date: date | None
    overrides: dict[str, str]
    exact_concepts: bool
    criteria_sha256: str
    input_files: dict[str, str]


def read_run(folder: Path) -> RunRecord:
    """The run whose output folder (or run.json) is `folder`."""
    path = folder / "run.json" if folder.is_dir() else folder
    if not path.is_file():
        raise PrescreenError(
            f"--run {folder}: no run.json there; give the --out folder of a `prescreen run`"
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        command = doc["command"]
        index_date = date.fromisoformat(doc.get("index_date") or doc["as_of"])
        extract_date = date.fromisoformat(doc["extract_date"]) if doc.get("extract_date") else None
        record = RunRecord(
            path=path,
            index_date=index_date,
            extract_date=extract_date,
            overrides={str(k): str(v) for k, v in (doc.get("overrides") or {}).items()},
            # --exact-concepts changes a result only where it dropped descendants
            exact_concepts=bool(doc.get("codesets_without_descendants")),
            criteria_sha256=str(doc["trial"]["criteria_sha256"]),
            input_files={str(k): str(v) for k, v in doc["input_files_sha256"].items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise PrescreenError(
            f"{path}: not a run.json prescreen wrote ({type(exc).__name__}: {exc}); give the "
            "--out folder of a `prescreen run`"
        ) from None
    if command not in EXPLAINABLE:
        raise PrescreenError(
            f"{path}: written by `prescreen {COMMAND_NAMES.get(command, command)}`, which "
            "decides no one person's "
            "criteria; give the --out folder of a `prescreen run` or `prescreen scan`"
        )
    return record


def check_option(record: RunRecord, option: str, given: object, recorded: object) -> None:
    """An option given beside --run must say what the run's run.json says."""
    if given is not None and given != recorded:
        raise PrescreenError(
            f"{option} {settings_text(given)}: the run in {record.path.parent} used "
            f"{settings_text(recorded)} "
            "(run.json); leave the option out to explain as the run screened, or leave out --run"
        )


def settings_text(value: object) -> str:
    """A setting as a message shows it: overrides as NAME=VALUE, …; nothing as none."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "none"
    return str(value or "none")


def check_trial(record: RunRecord, trial: Trial, ref: str) -> None:
    """Refuse a trial (with the run's overrides) other than the one the run screened."""
    if trial_hash(trial) != record.criteria_sha256:
        raise PrescreenError(
            f"--trial {ref}: not the criteria the run in {record.path.parent} screened (its "
            "criteria_sha256 in run.json differs: the file was edited since, or it is another "
            "trial); give the file the run read, or leave out --run"
        )


def check_extract(record: RunRecord, extract_dir: Path) -> None:
    """Refuse an extract whose loaded files differ from the ones the run read (SHA-256)."""
    found = discover_files(extract_dir).files
    now = {found[t].name: found[t] for t in LOAD_ORDER if t in found}
    problems = []
    for name in sorted(set(record.input_files) | set(now)):
        if name not in now:
            problems.append(f"{name} is missing")
        elif name not in record.input_files:
            problems.append(f"{name} was not in the run's extract")
        elif fingerprint(now[name]).sha256 != record.input_files[name]:
            problems.append(f"{name} differs from the file the run read")
    if problems:
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        raise PrescreenError(
            f"--extract {extract_dir}: not the extract the run in {record.path.parent} read "
            f"({shown}); give the extract it read, or leave out --run"
        )
