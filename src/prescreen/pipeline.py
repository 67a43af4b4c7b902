"""The screen as a sequence of stages: load → validate → evaluate → report.

The CLI and the Prefect flows call these same functions, so both share one code path.
Each stage takes and returns plain values (paths, dates, DataFrames, a DuckDB
connection); none of them logs patient data.
"""

from __future__ import annotations

import json
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

from prescreen.database import database_file, open_database
from prescreen.errors import CriteriaError, PrescreenError
from prescreen.extract.tables import ALWAYS_PRESENT
from prescreen.outputs import MANIFEST, staged_output
from prescreen.status import patient_status, patient_status_of, status_counts, store_results

if TYPE_CHECKING:  # the report package imports matplotlib: only when reporting
    from prescreen.report.options import ReportOptions

log = logging.getLogger("prescreen")

CRITERIA_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]
# what the pandas engine reads: the tables the loader always creates, but care_site
ENGINE_TABLES = tuple(name for name in ALWAYS_PRESENT if name != "care_site")


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


def parse_assignments(items: Sequence[str], option: str) -> dict[str, list[str]]:
    """`NAME=V1[,V2…]` strings → {NAME: [V1, V2…]}; a malformed item is a user error."""
    parsed: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise CriteriaError(
                f"{option} {item!r}: write NAME=VALUE, e.g. {option} E14.hemoglobin_min=70"
            )
        parsed[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return parsed


def load_stage(
    con: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    *,
    as_of: date | None,
    max_quarantine: float,
    console: Console | None = None,
):
    """Load and validate the extract into `con`; returns the loader's `LoadReport`."""
    from prescreen.extract import load_extract

    if not extract_dir.is_dir():
        raise PrescreenError(
            f"--extract {extract_dir} is not a folder: point it at a folder of OMOP tables "
            "(person.csv, measurement.parquet, …)"
        )
    return load_extract(
        extract_dir, con, as_of=as_of, max_quarantine=max_quarantine, console=console
    )


def evaluate_stage(
    con: duckdb.DuckDBPyConnection, trial: Any, as_of: date, engine: str
) -> pd.DataFrame:
    """Per-patient, per-criterion results from the chosen engine (sql or pandas)."""
    if engine == "sql":
        from prescreen.criteria.sql_engine import evaluate_sql

        return evaluate_sql(con, trial, as_of)
    from prescreen.criteria.pandas_engine import evaluate_pandas

    tables = {name: con.table(name).df() for name in ENGINE_TABLES}
    return evaluate_pandas(tables, trial, as_of)


def person_sites(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → site name, with 'unknown site' for persons without one."""
    return con.execute("select person_id, site from person_site order by person_id").df()


def screen_stage(
    con: duckdb.DuckDBPyConnection, trial: Any, as_of: date, engine: str
) -> ScreenResult:
    """Evaluate the trial into the table `criterion_result` and derive each patient's status.

    The SQL engine writes the table itself (batched, spilling to disk at any size); the
    pandas engine's frame is stored as that table, so every report reads one form.
    """
    started = time.perf_counter()
    if engine == "sql":
        from prescreen.criteria.sql_engine import materialize_sql

        materialize_sql(con, trial, as_of)
    else:
        store_results(con, evaluate_stage(con, trial, as_of, engine))
    patients = patient_status(con, trial.criterion_ids())
    return ScreenResult(
        trial=trial, patients=patients, timings={"screen": time.perf_counter() - started}
    )


def patient_reasons(screen: ScreenResult, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → change reasons (`E3 fail; I2 unknown`) for every patient, by person_id."""
    from prescreen.changes import patient_reasons as reasons_in_database

    return reasons_in_database(con, screen.trial.criterion_ids())


def statuses_stage(
    con: duckdb.DuckDBPyConnection, trial: Any, as_of: date, engine: str
) -> pd.DataFrame:
    """person_id, site, status of every person: the screen for statuses only.

    The SQL engine keeps every per-criterion row in DuckDB (one row per person leaves it),
    so sweeps and forecasts fit in memory at any registry size.
    """
    sites = person_sites(con)
    if engine != "sql":
        results = evaluate_stage(con, trial, as_of, engine)
        statuses = patient_status_of(results, trial.criterion_ids(), sites)
        return statuses[["person_id", "site", "status"]]
    from prescreen.criteria.sql_engine import person_statuses

    statuses = sites.merge(person_statuses(con, trial, as_of), on="person_id", how="left")
    # a person without any result row has nothing failing or unknown (as patient_status)
    statuses["status"] = statuses["status"].fillna("likely_eligible")
    return statuses[["person_id", "site", "status"]].sort_values("person_id", ignore_index=True)


def sweep_stage(
    con: duckdb.DuckDBPyConnection,
    trial_ref: str,
    overrides: dict[str, str],
    sweeps: dict[str, list[str]],
    as_of: date,
    engine: str,
) -> pd.DataFrame | None:
    """Status counts for every value of every swept parameter (others at their run value)."""
    from prescreen.criteria.parse import load_trial

    if not sweeps:
        return None
    rows = []
    for name, values in sweeps.items():
        for value in values:
            trial = load_trial(trial_ref, {**overrides, name: value})
            counts = status_counts(statuses_stage(con, trial, as_of, engine))
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


def load_or_write_validation(con, extract_dir, as_of, max_quarantine, folder, out_dir, console):
    """Run the load stage; when it stops on bad data, still leave validation files to read."""
    from prescreen.errors import ExtractError
    from prescreen.extract import write_validation_outputs

    try:
        return load_stage(
            con, extract_dir, as_of=as_of, max_quarantine=max_quarantine, console=console
        )
    except ExtractError as exc:
        report = getattr(exc, "report", None)
        if report is not None:
            failed = out_dir.parent / f"{out_dir.name}-validation"
            failed.mkdir(parents=True, exist_ok=True)
            write_validation_outputs(report, con, failed)
            raise ExtractError(
                f"{exc} (validation.csv and quarantine.csv are in {failed})"
            ) from exc
        raise


def load_command(
    *,
    extract_dir: Path,
    out_dir: Path,
    db_path: Path | None,
    as_of: date | None,
    max_quarantine: float,
    console: Console | None = None,
) -> None:
    """`prescreen load`: load + validate, write validation.csv / quarantine.csv, print a summary."""
    from prescreen.extract import print_validation_summary, write_validation_outputs

    with database_file(db_path) as db_file:  # compressed on disk, also at 5M persons
        con = open_database(db_file)
        try:
            with staged_output(out_dir) as folder:
                report = load_or_write_validation(
                    con, extract_dir, as_of, max_quarantine, folder, out_dir, console
                )
                write_validation_outputs(report, con, folder)
                manifest = {
                    "input_files_sha256": report.input_files,
                    "as_of": as_of and as_of.isoformat(),
                }
                (folder / MANIFEST).write_text(
                    json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
                )
            if console is not None:
                print_validation_summary(report, console)
        finally:
            con.close()


def compile_command(
    *, trial: str, as_of: date, out_path: Path | None, overrides: Sequence[str] = ()
) -> None:
    """`prescreen compile`: the SQL and bound parameters a screen runs, for audit."""
    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.sql_engine import compile_sql

    override_map = {k: v[-1] for k, v in parse_assignments(overrides, "--set").items()}
    compiled = compile_sql(load_trial(trial, override_map), as_of)
    text = (
        "-- macros (created first, per connection)\n"
        + compiled.macros.rstrip()
        + "\n\n-- the screen\n"
        + compiled.sql.rstrip()
        + "\n\n-- bound parameters\n"
        + "\n".join(_parameter_lines(name, value) for name, value in sorted(compiled.params.items()))
    )
    if out_path is None:
        print(text)
    else:
        out_path.write_text(text + "\n", encoding="utf-8")


def _parameter_lines(name: str, value: Any) -> str:
    """One comment line per scalar, one per element for list parameters (readable diffs)."""
    if isinstance(value, list):
        rows = "\n".join(f"--   {item!r}" for item in value)
        return f"-- ${name} ({len(value)} rows):\n{rows}"
    return f"-- ${name} = {value!r}"


def print_counts(
    console: Console, counts: dict[str, int], out_dir: Path, worklist_note: str | None = None
) -> None:
    """The status counts, the files written and, when the worklist is capped, by how much."""
    from rich.table import Table

    table = Table(title="Screen result", show_header=True)
    table.add_column("status")
    table.add_column("patients", justify="right")
    for key in ("screened", "likely_eligible", "needs_review", "ineligible"):
        table.add_row(key, str(counts[key]))
    console.print(table)
    # list what is really there (--no-worklist, --sweep change the set)
    names = sorted(p.name for p in out_dir.iterdir() if p.is_file() and p.name != "report.html")
    console.print(f"outputs in {out_dir}/: report.html (open it first), {', '.join(names)}")
    if worklist_note:
        console.print(worklist_note)
