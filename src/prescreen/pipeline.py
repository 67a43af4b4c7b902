"""The screen as a sequence of stages: load → validate → evaluate → report.

The CLI and the Prefect flows call these same functions, so both share one code path.
Each stage takes and returns plain values (paths, dates, DataFrames, a DuckDB
connection); none of them logs patient data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
from rich.console import Console

from prescreen import progress
from prescreen.console import print_counts  # noqa: F401  (its old home; tests import it here)
from prescreen.errors import PrescreenError
from prescreen.outputs import WORKLIST_LIMIT
from prescreen.sqltext import read_sql, render
from prescreen.status import patient_status, patient_status_of, status_counts

if TYPE_CHECKING:  # report imports matplotlib, swept builds on sql_engine: only when used
    from prescreen.criteria.swept import Kept
    from prescreen.report.options import ReportOptions

log = logging.getLogger("prescreen")

CRITERIA_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]


@dataclass
class ScreenResult:
    """What one screen produced.

    The results themselves are tables of the screen's DuckDB connection, whichever
    engine produced them: `criterion_result` and, derived from it, `top_result` and
    `patient_status` (prescreen.status). In memory: the per-person statuses only.
    """

    trial: Any
    patients: pd.DataFrame
    sweep: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    criteria_written: bool = False
    reasons: pd.DataFrame | None = None  # person_id → change reasons, when asked for
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (code set, table)
    evidence_policy: str = "all"  # who has evidence text: all, needed, none, persons
    evidence_persons: int = 0
    sweep_base: Kept | None = None  # the status pass's words kept for the sweep
    # code sets asking for descendants, matched on their own concepts (--exact-concepts)
    exact_only: list[str] = field(default_factory=list)


def load_stage(
    con: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    *,
    extract_date: date | None,
    max_quarantine: float,
    console: Console | None = None,
    screen_columns_only: bool = False,
):
    """Load and validate the extract into `con`; returns the loader's `LoadReport`.

    The one call of `extract.load_extract`: `extract_date` is the data's own date (rows
    dated after it are implausible), never the screen's index date; None lets the loader
    settle it (the extract's cdm_source release date, else the run date).
    `screen_columns_only`: event tables keep only the columns the screen reads (a database
    nobody keeps); a database the user keeps (`--db`) holds every column.
    """
    from prescreen.criteria.staging import columns_read
    from prescreen.extract import load_extract

    if not extract_dir.is_dir():
        raise PrescreenError(
            f"--extract {extract_dir} is not a folder: point it at a folder of OMOP tables "
            "(person.csv, measurement.parquet, …)"
        )
    return load_extract(
        extract_dir,
        con,
        extract_date=extract_date,
        max_quarantine=max_quarantine,
        console=console,
        columns=columns_read() if screen_columns_only else None,
    )


def evaluate_stage(
    con: duckdb.DuckDBPyConnection,
    trial: Any,
    as_of: date,
    engine: str,
    *,
    exact_concepts: bool = False,
) -> pd.DataFrame:
    """Per-patient, per-criterion results from the chosen engine (sql or pandas)."""
    if engine == "sql":
        from prescreen.criteria.sql_engine import evaluate_sql

        return evaluate_sql(con, trial, as_of, exact_concepts=exact_concepts)
    from prescreen.criteria.pandas_engine import evaluate_pandas

    return evaluate_pandas(con, trial, as_of, exact_concepts=exact_concepts)


def person_sites(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → site name, with 'unknown site' for persons without one."""
    return con.execute("select person_id, site from person_site order by person_id").df()


def screen_stage(
    con: duckdb.DuckDBPyConnection,
    trial: Any,
    as_of: date,
    engine: str,
    *,
    evidence: str = "auto",
    worklist_limit: int = WORKLIST_LIMIT,
    exact_concepts: bool = False,
    keep_states: bool = False,
) -> ScreenResult:
    """Screen into the tables `criterion_result` and `person_limb`, and derive each
    patient's status (the table `patient_status`). `keep_states`: a sweep follows (the
    SQL engine keeps its status pass for it: criteria/swept.py).

    Both engines write the same tables, so every report reads one form. The SQL engine
    computes evidence text only where someone reads it (`evidence`: auto, all, needed,
    none; `worklist_limit` as the worklist's, 0 = no cap); the pandas engine, the
    independent oracle, always writes every row's evidence.
    """
    started = time.perf_counter()
    if engine == "sql":
        from prescreen.criteria.sql_engine import screen_into

        tables = screen_into(
            con, trial, as_of, evidence=evidence, worklist_limit=worklist_limit,
            exact_concepts=exact_concepts, keep_states=keep_states,
        )  # fmt: skip
        unmatched, policy, evidence_persons = (
            tables.unmatched, tables.evidence_policy, tables.evidence_persons
        )  # fmt: skip
        kept, exact_only = tables.kept, tables.exact_only
    else:
        from prescreen.criteria.pandas_engine import screen_into_pandas

        evidence_persons = screen_into_pandas(con, trial, as_of, exact_concepts=exact_concepts)
        unmatched, policy, kept, exact_only = [], "all", None, []
    progress.note("patient status")
    patients = patient_status(con, trial.criterion_ids())
    return ScreenResult(
        trial=trial,
        patients=patients,
        timings={"screen": time.perf_counter() - started},
        unmatched=unmatched,
        evidence_policy=policy,
        evidence_persons=evidence_persons,
        sweep_base=kept,
        exact_only=exact_only,
    )


def patient_reasons(screen: ScreenResult, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → change reasons (`E3 fail; I2 unknown`) for every patient, by person_id."""
    from prescreen.changes import patient_reasons as reasons_in_database

    return reasons_in_database(con, screen.trial.criterion_ids())


def statuses_stage(
    con: duckdb.DuckDBPyConnection,
    trial: Any,
    as_of: date,
    engine: str,
    *,
    exact_concepts: bool = False,
) -> pd.DataFrame:
    """person_id, site, status of every person by person_id: the screen for statuses only
    (a sweep with the pandas engine; tests and bench/sweep.py --check hold the SQL
    engine's sweeps and newly-eligible's statuses against it).

    The SQL engine keeps every per-criterion row in DuckDB (one row per person leaves it);
    the pandas engine's results go to a scratch connection, so the run's own
    criterion_result stays as it is.
    """
    if engine != "sql":
        results = evaluate_stage(con, trial, as_of, engine, exact_concepts=exact_concepts)
        statuses = patient_status_of(results, trial.criterion_ids(), person_sites(con))
        return statuses[["person_id", "site", "status"]]
    from prescreen.criteria.sql_engine import everyone_status, status_query

    found, params = status_query(con, trial, as_of, exact_concepts=exact_concepts)
    return con.execute(f"{everyone_status(found)}\norder by person_id", params).df()


def statuses_dated(
    con: duckdb.DuckDBPyConnection,
    trial: Any,
    index_date: date,
    engine: str,
    *,
    exact_concepts: bool = False,
    reuse_codes: bool = False,
) -> None:
    """Every person's status at `index_date` added to the table `date_status` (index_date,
    person_id, status; created by `dated_statuses_table`).

    The statuses stay in DuckDB: `prescreen newly-eligible` counts over them with SQL
    (sql/marts/newly_eligible.sql), so no frame of every person leaves DuckDB per date.
    `reuse_codes`: a screen of this connection at another index date already took the
    extract's distinct codes (sql_engine.prepare_screen).
    """
    from prescreen.criteria.sql_engine import everyone_status, status_query

    if engine == "sql":
        statuses, params = status_query(
            con, trial, index_date, exact_concepts=exact_concepts, reuse_codes=reuse_codes
        )
    else:
        from prescreen.criteria.pandas_engine import screen_into_pandas

        screen_into_pandas(con, trial, index_date, exact_concepts=exact_concepts)
        patient_status(con, trial.criterion_ids())
        statuses, params = "select person_id, status from patient_status", {}
    con.execute(
        render(read_sql("marts/date_status_add.sql"), everyone=everyone_status(statuses)),
        {**params, "index_date": index_date},
    )


def dated_statuses_table(con: duckdb.DuckDBPyConnection) -> None:
    """The empty table `date_status` that statuses_dated fills, one index date at a time."""
    con.execute(read_sql("marts/date_status.sql"))


def sweep_stage(
    con: duckdb.DuckDBPyConnection,
    trial_ref: str,
    overrides: dict[str, str],
    sweeps: dict[str, list[str]],
    as_of: date,
    engine: str,
    *,
    exact_concepts: bool = False,
    base: Kept | None = None,
) -> pd.DataFrame | None:
    """Status counts for every value of every swept parameter (others at their run value).

    With the SQL engine, the values share one status pass: each recomputes only the rule
    instances its value changes (criteria/swept.py). `base`: the run's status pass, kept
    by screen_stage(keep_states=True); without it the first value is screened in full."""
    from prescreen.criteria.swept import SweptStatuses
    from prescreen.request import parsed_trial

    if not sweeps:
        return None
    rows: list[dict[str, Any]] = []
    total = sum(len(values) for values in sweeps.values())
    with SweptStatuses(con, as_of, exact_concepts=exact_concepts, kept=base) as swept:
        for name, values in sweeps.items():
            for value in values:
                progress.note(f"sweep: {name}={value} ({len(rows) + 1} of {total})")
                trial = parsed_trial(trial_ref, {**overrides, name: value})
                counts = (
                    swept.counts(trial)
                    if engine == "sql"
                    else status_counts(
                        statuses_stage(con, trial, as_of, engine, exact_concepts=exact_concepts)
                    )
                )
                rows.append({"parameter": name, "value": value, **counts})
    return pd.DataFrame(rows)


def write_patient_files(
    folder: Path,
    screen: ScreenResult,
    con: duckdb.DuckDBPyConnection,
    options: ReportOptions | None = None,
) -> None:
    """patients.csv, criteria.parquet and criteria.csv as the output contract fixes them
    (prescreen.report.write_patient_files), once per screen."""
    from prescreen.report import ReportOptions, write_patient_files

    if screen.criteria_written:
        return
    write_patient_files(folder, con, options or ReportOptions())
    screen.criteria_written = True


def compile_command(
    *, trial: str, index_date: date, out_path: Path | None, overrides: Sequence[str] = ()
) -> str:
    """`prescreen compile`: the SQL, bound tables and parameters a screen runs, with a
    legend tying every generated column to its criterion (criteria/audit.py).

    Returns the text; written to `out_path` when given.
    """
    from prescreen.criteria.audit import compile_text
    from prescreen.request import parse_assignments, parsed_trial

    override_map = {k: v[-1] for k, v in parse_assignments(overrides, "--set").items()}
    text = compile_text(parsed_trial(trial, override_map), index_date).rstrip()
    if out_path is not None:
        out_path.write_text(text + "\n", encoding="utf-8")
    return text
