"""What the commands print: results as rich tables (stdout), counts only, never patient rows.

The CLI prints results on a stdout console (pipeable) and diagnostics on a stderr one;
these functions take whichever console they are given.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

STATUS_KEYS = ("screened", "likely_eligible", "needs_review", "ineligible")


def print_counts(
    console: Console, counts: dict[str, int], out_dir: Path, worklist_note: str | None = None
) -> None:
    """The status counts, the files written and, when the worklist is capped, by how much."""
    table = Table(title="Screen result", show_header=True)
    table.add_column("status")
    table.add_column("patients", justify="right")
    for key in STATUS_KEYS:
        table.add_row(key, str(counts[key]))
    console.print(table)
    # list what is really there (--no-worklist, --sweep change the set)
    names = sorted(
        p.name
        for p in out_dir.iterdir()
        if p.is_file() and p.name != "report.html" and not p.name.startswith(".")
    )
    console.print(
        f"outputs in {out_dir}/: report.html (open it first), {', '.join(names)}",
        markup=False,
        highlight=False,
    )
    if worklist_note:
        console.print(worklist_note, markup=False, highlight=False)


def print_changes(
    console: Console, run_id: str, previous_run: str | None, change_counts: dict[str, int]
) -> None:
    """One line: the stored run and how many patients changed since the previous one."""
    since = f"run {previous_run}" if previous_run else "no previous run (every patient is new)"
    shown = ", ".join(f"{k} {v}" for k, v in change_counts.items()) or "none"
    console.print(
        f"run {run_id}; changes since {since}: {shown} (changes.csv)", markup=False, highlight=False
    )


def print_history(console: Console, runs: pd.DataFrame, store_path: Path) -> None:
    """`prescreen history`: the store's runs as a table, oldest first."""
    table = Table(title=f"Runs in {store_path}", show_header=True)
    columns = ["run_id", "trial_id", "registry", "as_of", "started_at", *STATUS_KEYS]
    for column in columns:
        table.add_column(column, justify="right" if column in STATUS_KEYS else "left")
    for row in runs.itertuples(index=False):
        table.add_row(
            row.run_id,
            row.trial_id,
            row.registry,
            str(row.as_of)[:10],
            str(row.started_at)[:19],
            *(str(getattr(row, c)) for c in STATUS_KEYS),
        )
    console.print(table)
    if runs.empty:
        console.print("no runs yet: prescreen scan --trial … --extract … --store …")


def print_newly_eligible(console: Console, published: pd.DataFrame, out_dir: Path) -> None:
    """`prescreen newly-eligible`: the published (suppressed) table and the files written."""
    table = Table(title="Newly likely eligible per site and past month (small cells suppressed)")
    for column in published.columns:
        table.add_column(column, justify="right" if column == "newly_eligible" else "left")
    for row in published.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    console.print(
        f"outputs in {out_dir}/ (forecast.csv, forecast.html, forecast.svg, run.json)",
        markup=False,
        highlight=False,
    )
