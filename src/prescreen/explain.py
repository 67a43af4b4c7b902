"""`prescreen explain`: a person's every criterion and sub-rule, with its evidence.

At scale a screen writes evidence only where someone reads it; this answers "why?" for any
person, on the same engine and the same extract, without screening everyone's texts.
Several persons are screened together: one load and one screen of exactly them, since the
load (a whole extract, unless `--db` reuses a kept one) is most of what an explanation costs.
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


def person_ids(values: list[str]) -> list[int]:
    """`--person` values (repeated, or comma lists such as "2,4,17") as person_ids, in
    the order given; a value that is not a whole number is refused before anything loads."""
    ids = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            try:
                ids.append(int(text))
            except ValueError:
                raise PrescreenError(
                    f"--person {value}: {text!r} is not a person_id (a whole number); "
                    "give one per --person or a comma list such as 2,4,17"
                ) from None
    if not ids:
        raise PrescreenError("--person: give at least one person_id")
    return ids


def explain_person(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    index_date: date,
    person_id: int,
    *,
    exact_concepts: bool = False,
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """(every reported row of `person_id` with evidence, the target limb, the code sets
    matched without their descendants: `exact_concepts`) from a loaded `con`."""
    explained, exact_only = explain_persons(
        con, trial, index_date, [person_id], exact_concepts=exact_concepts
    )
    _, rows, limb = explained[0]
    return rows, limb, exact_only


def explain_persons(
    con: duckdb.DuckDBPyConnection,
    trial: Trial,
    index_date: date,
    person_ids: list[int],
    *,
    exact_concepts: bool = False,
) -> tuple[list[tuple[int, pd.DataFrame, str | None]], list[str]]:
    """([(person_id, every reported row with evidence, target limb)] in the order asked,
    each person once; the code sets matched without their descendants) from a loaded `con`.

    Only these persons are screened, and inside a transaction that is rolled back: a kept
    database (`--db`, maybe a run's, with its results) is left exactly as it was."""
    wanted = list(dict.fromkeys(int(p) for p in person_ids))
    if not wanted:
        raise PrescreenError("--person: give at least one person_id")
    known = {
        int(p)
        for (p,) in con.execute(
            "select person_id from person where person_id in (select unnest($ids))",
            {"ids": wanted},
        ).fetchall()
    }
    missing = [p for p in wanted if p not in known]
    if missing:
        shown = ", ".join(str(p) for p in missing[:10]) + (", …" if len(missing) > 10 else "")
        raise PrescreenError(
            f"--person {shown}: no such person_id in the extract's person table "
            "(a quarantined person is listed in quarantine.csv)"
        )
    con.execute("begin transaction")
    try:
        tables = screen_into(con, trial, index_date, persons=wanted, exact_concepts=exact_concepts)
        rows = con.execute(
            f"select {', '.join(RESULT_COLUMNS)} from {RESULT_TABLE} "
            "where person_id in (select unnest($ids)) order by person_id, ord",
            {"ids": wanted},
        ).df()
        limbs = dict(
            con.execute(
                f"select person_id, target_limb from {LIMB_TABLE} "
                "where person_id in (select unnest($ids))",
                {"ids": wanted},
            ).fetchall()
        )
    finally:
        con.execute("rollback")
    explained = []
    for pid in wanted:
        own = rows[rows["person_id"] == pid].reset_index(drop=True)
        explained.append((pid, own, limbs.get(pid)))
    return explained, tables.exact_only


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
    person_ids: list[int],
    db_path: Path | None,
    console: Console,
    diagnostics: Console,
    exact_concepts: bool = False,
) -> None:
    """Load the extract (or reuse a kept `--db`) once, screen the persons together, print
    one explanation each in the order asked."""
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
            explained, exact_only = explain_persons(
                con, trial, index_date, person_ids, exact_concepts=exact_concepts
            )
        finally:
            con.close()
    if exact_only:
        diagnostics.print(
            "warning: --exact-concepts: matched without their descendants (no "
            f"concept_ancestor rows): {', '.join(exact_only)}",
            markup=False,
        )
    for k, (_, rows, limb) in enumerate(explained):
        if k:
            console.print()
        print_explanation(console, rows, limb, trial)
