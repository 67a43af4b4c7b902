"""Crash-safe output folders: a run's files appear all at once or not at all, and a folder is
replaced only when it holds nothing but what prescreen wrote there.

Outputs are written into a hidden staging folder beside `--out` and swapped into place
with two renames; a run killed at any point leaves either the previous complete output or
the new complete one (plus a staging folder the next run removes), never a mixture.

Every output folder carries its own manifest, `.prescreen-outputs.json`: the name, size
and modification time of each file prescreen wrote. The next run replaces the folder only
when it still holds exactly those files, unchanged. Anything else — a file or folder the
user added, a worklist annotated in place, the input extract — makes the run stop with a
message before any work is done, and nothing is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prescreen.errors import PrescreenError

MANIFEST = "run.json"
OUTPUTS_MANIFEST = ".prescreen-outputs.json"
# default --worklist-limit: patients listed in worklist.xlsx (0 = all a sheet holds)
WORKLIST_LIMIT = 50_000
# patients a worklist sheet holds: Excel's 1,048,576 rows less the warning and header rows
WORKLIST_SHEET_MAX = 1_048_576 - 2
# up to this many screened persons every result row is written in full: criteria.csv lists
# every person (`--criteria-csv auto`) and every row gets its evidence text (`--evidence
# auto`); above it both keep to what someone reads (the worklist, the failing criteria)
EVERY_ROW_MAX_PERSONS = 20_000
_STAGING_PREFIX = ".prescreen-staging-"
_RETIRED_PREFIX = ".prescreen-retired-"
# files earlier versions wrote (before the outputs manifest): such a folder may be replaced
_KNOWN_OUTPUTS = frozenset(
    {
        "run.json", "patients.csv", "criteria.csv", "validation.csv", "validation_reasons.csv",
        "quarantine.csv", "funnel.csv", "sites.csv", "evaluability.csv", "sweep.csv",
        "summary.json", "report.html", "worklist.xlsx", "changes.csv", "forecast.csv",
        "forecast.html", "forecast.svg",
    }
)  # fmt: skip


@contextmanager
def staged_output(out_dir: Path, *, inputs: Iterable[Path | None] = ()) -> Iterator[Path]:
    """Yield a staging folder; on clean exit it replaces `out_dir` as one unit.

    Checked first, before any work: `out_dir` holds only files prescreen wrote there,
    unchanged, and contains none of `inputs` (the extract, the store, a --db file).
    """
    out_dir = out_dir.resolve()
    check_output_folder(out_dir, inputs)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(parent, out_dir.name)
    staging = parent / f"{_STAGING_PREFIX}{out_dir.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)  # this process's own earlier attempt
    staging.mkdir()
    try:
        yield staging
        _write_outputs_manifest(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_into_place(staging, out_dir)


def check_output_folder(out_dir: Path, inputs: Iterable[Path | None] = ()) -> None:
    """Raise PrescreenError unless `out_dir` may be replaced by a new output."""
    out_dir = out_dir.resolve()
    for given in inputs:
        if given is None:
            continue
        path = Path(given).resolve()
        if path == out_dir or out_dir in path.parents:
            raise PrescreenError(
                f"--out {out_dir} contains the input {path}; prescreen replaces the whole --out "
                "folder, so choose an output folder outside the extract, the store and --db"
            )
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise PrescreenError(f"--out {out_dir} is a file: give a folder path")
    foreign = _foreign_entries(out_dir)
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise PrescreenError(
            f"--out {out_dir} holds files prescreen did not write or that were changed since "
            f"({shown}); prescreen replaces the whole folder, so move those elsewhere or choose "
            "a new or empty folder — nothing was deleted"
        )


def _foreign_entries(out_dir: Path) -> list[str]:
    """Entries of `out_dir` that are not prescreen's own, unchanged outputs (sorted)."""
    entries = {p.name: p for p in out_dir.iterdir()}
    if not entries:
        return []
    written = _read_outputs_manifest(out_dir)
    foreign = []
    for name, path in sorted(entries.items()):
        if name == OUTPUTS_MANIFEST:
            continue
        if path.is_symlink() or not path.is_file():
            foreign.append(f"{name}/" if path.is_dir() else name)
        elif written is None:  # an output of an earlier version: known names only
            if MANIFEST not in entries or name not in _KNOWN_OUTPUTS:
                foreign.append(name)
        elif name not in written or written[name] != _fingerprint(path):
            foreign.append(name)
    return foreign


def _fingerprint(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _write_outputs_manifest(folder: Path) -> None:
    files = {p.name: _fingerprint(p) for p in sorted(folder.iterdir()) if p.is_file()}
    text = json.dumps({"written_by": "prescreen", "files": files}, indent=1)
    (folder / OUTPUTS_MANIFEST).write_text(text + "\n", encoding="utf-8")


def _read_outputs_manifest(folder: Path) -> dict[str, list[int]] | None:
    path = folder / OUTPUTS_MANIFEST
    if not path.is_file():
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        return {}  # unreadable: every file counts as foreign
    return {str(k): list(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _remove_leftovers(parent: Path, name: str) -> None:
    """Clear staging/retired folders of runs that were killed mid-way.

    A run killed between its two renames leaves no `name` folder but a complete retired
    one: that is the last complete output, so it is put back first.
    """
    target = parent / name
    dead = [p for p in parent.glob(f"{_RETIRED_PREFIX}{name}-*") if not _owner_alive(p)]
    if not target.exists() and dead:
        max(dead, key=lambda p: p.stat().st_mtime).rename(target)
    for prefix in (_STAGING_PREFIX, _RETIRED_PREFIX):
        for leftover in parent.glob(f"{prefix}{name}-*"):
            if not _owner_alive(leftover):
                shutil.rmtree(leftover, ignore_errors=True)


def _owner_alive(folder: Path) -> bool:
    pid = folder.name.rsplit("-", 1)[-1]
    return pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    retired = out_dir.parent / f"{_RETIRED_PREFIX}{out_dir.name}-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(retired)
    staging.rename(out_dir)
    if retired.exists():
        shutil.rmtree(retired, ignore_errors=True)
