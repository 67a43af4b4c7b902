"""`prescreen criteria check`: every problem of every file, each with its line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prescreen.criteria.parse import trial_problems
from prescreen.criteria.plan import plan_problems


def check_files(paths: Iterable[Path]) -> list[str]:
    """Problems found in the given criteria files (empty: all valid)."""
    problems: list[str] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8")
            continue
        found = trial_problems(text, str(path))
        if not found:
            found = plan_problems(path)
        problems.extend(found)
    return problems
