"""`prescreen explain`: one person's every criterion and sub-rule, with its evidence.

At scale a screen writes evidence only where someone reads it; this answers "why?" for any
one person, on the same engine and the same extract, without screening everyone's texts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from rich.console import Console
from rich.table import Table

from prescreen.criteria.model import Trial
from prescreen.criteria.sql_engine import LIMB_TABLE, RESULT_COLUMNS, RESULT_TABLE, screen_into
from prescreen.errors import PrescreenError
from prescreen.sqltext import read_sql


def explain_person(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    index_date: date,
    person_id: int,
    *,
    exact_concepts: bool = False,
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """(every reported row of `person_id` with evidence, the target limb, the code sets
    matched without their descendants: `exact_concepts`) from a loaded `con`.

    Only this person is screened, and inside a transaction that is rolled back: a kept
    database (`--db`, maybe a run's, with its results) is left exactly as it was."""
    known = con.execute("select count(*) from person where person_id = ?", [person_id]).fetchall()[
        0
    ][0]
    if not known:
        raise PrescreenError(
            f"--person {person_id}: no such person_id in the extract's person table "
            "(a quarantined person is listed in quarantine.csv)"
        )
    con.execute("begin transaction")
    try:
        tables = screen_into(
            con, trial, index_date, persons=[person_id], exact_concepts=exact_concepts
        )
        rows = con.execute(
            f"select {', '.join(RESULT_COLUMNS)} from {RESULT_TABLE} where person_id = ? "
            "order by ord",
            [person_id],
        ).df()
        limb = con.execute(
            f"select target_limb from {LIMB_TABLE} where person_id = ?", [person_id]
        ).fetchall()
    finally:
        con.execute("rollback")
    return rows, (limb[0][0] if limb else None), tables.exact_only


def _status(rows: pd.DataFrame, trial: Trial) -> str:
    """The person's status by the one status rule (sql/marts/macros.sql)."""
    top = rows[rows["criterion_id"].isin(set(trial.criterion_ids()))]["result"]
    con = duckdb.connect()
    try:
        con.execute(read_sql("marts/macros.sql"))
        counts = {"n_fail": int((top == "fail").sum()), "n_unknown": int((top == "unknown").sum())}
        found = con.execute(read_sql("marts/status_of_counts.sql"), counts).fetchall()
    finally:
        con.close()
    return str(found[0][0])


def print_explanation(
    console: Console, rows: pd.DataFrame, target_limb: str | None, trial: Trial
) -> None:
    """A table: criterion, result, reason, evidence; the status and target limb above it."""
    status = _status(rows, trial)
    pid = int(rows["person_id"].iloc[0]) if len(rows) else "?"
    limb = {"R": "right", "L": "left", "R,L": "right and left"}.get(target_limb or "", "none")
    console.print(f"person {pid}: {status}; target limb: {limb}", highlight=False)
    table = Table(show_header=True, show_lines=False)
    for column in ("criterion", "result", "reason", "evidence"):
        table.add_column(column, overflow="fold")
    for row in rows.itertuples(index=False):
        indent = "  " if "." in row.criterion_id else ""
        table.add_row(
            indent + row.criterion_id, row.result, row.reason if isinstance(row.reason, str) else "",
            row.evidence if isinstance(row.evidence, str) else "",
        )  # fmt: skip
    console.print(table)


def explain_command(
    *,
    trial: Trial,
    extract_dir: Path,
    index_date: date,
    extract_date: date | None,
    person_id: int,
    db_path: Path | None,
    console: Console,
    diagnostics: Console,
    exact_concepts: bool = False,
) -> None:
    """Load the extract (or reuse a kept `--db`), screen one person, print the explanation."""
    from prescreen.database import database_file, open_database
    from prescreen.pipeline import load_stage

    with database_file(db_path) as db_file:
        reuse = db_path is not None and db_path.exists()
        con = open_database(db_file)
        try:
            if not reuse:
                load_stage(
                    con, extract_dir, extract_date=extract_date, max_quarantine=1.0,
                    console=diagnostics, screen_columns_only=db_path is None,
                )  # fmt: skip
            rows, limb, exact_only = explain_person(
                con, trial, index_date, person_id, exact_concepts=exact_concepts
            )
        finally:
            con.close()
    if exact_only:
        diagnostics.print(
            "warning: --exact-concepts: matched without their descendants (no "
            f"concept_ancestor rows): {', '.join(exact_only)}",
            markup=False,
        )
    print_explanation(console, rows, limb, trial)
