"""What the CLI commands that go through flows print around them (rich, counts only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console


def run_and_print(console: Console, **params: Any) -> dict[str, Any]:
    """`prescreen run` through the screen flow; prints the validation summary and counts."""
    from prescreen.flows.screen import run_screen

    from prescreen.extract import print_validation_summary
    from prescreen.pipeline import _print_counts

    run = run_screen(**params)
    print_validation_summary(run.load_report, console)
    _print_counts(console, run.provenance["counts"], Path(params["out_dir"]))
    return run.provenance
