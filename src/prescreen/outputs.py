"""Crash-safe output folders: a run's files appear all at once or not at all.

Outputs are written into a hidden staging folder beside `--out` and swapped into place
with two renames; a run killed at any point leaves either the previous complete output or
the new complete one (plus a staging folder the next run removes), never a mixture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prescreen.errors import PrescreenError

MANIFEST = "run.json"
# default --worklist-limit: patients listed in worklist.xlsx (0 = all a sheet holds)
WORKLIST_LIMIT = 50_000
_STAGING_PREFIX = ".prescreen-staging-"
_RETIRED_PREFIX = ".prescreen-retired-"


@contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; on clean exit it replaces `out_dir` atomically enough.

    Refuses to replace a folder holding files prescreen did not write (no `run.json`
    manifest), so nothing the user put there is ever lost.
    """
    out_dir = out_dir.resolve()
    _refuse_foreign_folder(out_dir)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(parent, out_dir.name)
    staging = parent / f"{_STAGING_PREFIX}{out_dir.name}-{os.getpid()}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_into_place(staging, out_dir)


def _refuse_foreign_folder(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise PrescreenError(f"--out {out_dir} is a file: give a folder path")
    entries = [p.name for p in out_dir.iterdir()]
    if entries and MANIFEST not in entries:
        shown = ", ".join(sorted(entries)[:5])
        raise PrescreenError(
            f"--out {out_dir} already holds files prescreen did not write ({shown}); "
            "choose a new or empty folder so nothing of yours is overwritten"
        )


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
