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

from prescreen.console import print_counts  # noqa: F401  (its old home; tests import it here)
from prescreen.errors import PrescreenError
from prescreen.status import patient_status, status_counts

if TYPE_CHECKING:  # the report package imports matplotlib: only when reporting
    from prescreen.report.results import ResultCodes, Results

log = logging.getLogger("prescreen")

CRITERIA_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]


@dataclass
class ScreenResult:
    """What one screen produced, kept in memory for the report stage.

    In memory (`criterion_result` set): the long frame, every row with its evidence.
    In DuckDB (`results_table` set): the full results stay in that table and only
    per-person values are here: `patients` and the top-level result `codes`.
    """

    trial: Any
    patients: pd.DataFrame
    criterion_result: pd.DataFrame | None = None
    codes: ResultCodes | None = None  # aligned with `patients` (in-database path)
    sweep: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    results_table: str | None = None
    criteria_written: bool = False
    reasons: pd.DataFrame | None = None  # person_id → change reasons, when asked for

    @property
    def results(self) -> Results:
        """What the report functions count from: the codes, else the long frame."""
        if self.codes is not None:
            return self.codes
        if self.criterion_result is None:
            raise RuntimeError("a screen result holds neither codes nor a result frame")
        return self.criterion_result


def load_stage(
    con: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    *,
    extract_date: date,
    max_quarantine: float,
    console: Console | None = None,
):
    """Load and validate the extract into `con`; returns the loader's `LoadReport`.

    The one call of `extract.load_extract`: `extract_date` is the data's own date (rows
    dated after it are implausible), never the screen's index date.
    """
    from prescreen.extract import load_extract

    if not extract_dir.is_dir():
        raise PrescreenError(
            f"--extract {extract_dir} is not a folder: point it at a folder of OMOP tables "
            "(person.csv, measurement.parquet, …)"
        )
    return load_extract(
        extract_dir, con, extract_date=extract_date, max_quarantine=max_quarantine, console=console
    )


def evaluate_stage(
    con: duckdb.DuckDBPyConnection, trial: Any, as_of: date, engine: str
) -> pd.DataFrame:
    """Per-patient, per-criterion results from the chosen engine (sql or pandas)."""
    if engine == "sql":
        from prescreen.criteria.sql_engine import evaluate_sql

        return evaluate_sql(con, trial, as_of)
    from prescreen.criteria.pandas_engine import evaluate_pandas

    return evaluate_pandas(con, trial, as_of)


def person_sites(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → site name, with 'unknown site' for persons without one."""
    return con.execute("select person_id, site from person_site order by person_id").df()


def screen_stage(
    con: duckdb.DuckDBPyConnection,
    trial: Any,
    as_of: date,
    engine: str,
    *,
    in_database: bool = False,
) -> ScreenResult:
    """Evaluate the trial and derive each patient's status.

    `in_database` (SQL engine): keep the full results in DuckDB and hold in memory only
    per-person values (patients, the top-level result codes); patients.csv and criteria.csv
    are then written by DuckDB (`write_patient_files(folder, screen, con)`), and the
    worklist reads its evidence from there.
    """
    if in_database and engine == "sql":
        return _screen_in_database(con, trial, as_of)
    started = time.perf_counter()
    results = evaluate_stage(con, trial, as_of, engine)
    patients = patient_status(results, trial.criterion_ids(), person_sites(con))
    return ScreenResult(
        trial=trial,
        criterion_result=results,
        patients=patients,
        timings={"screen": time.perf_counter() - started},
    )


def _screen_in_database(con: duckdb.DuckDBPyConnection, trial: Any, as_of: date) -> ScreenResult:
    from prescreen import results_db
    from prescreen.criteria.sql_engine import RESULT_TABLE, screen_into

    started = time.perf_counter()
    screen_into(con, trial, as_of)
    patients = results_db.patient_status(con, trial.criterion_ids())
    return ScreenResult(
        trial=trial,
        patients=patients,
        codes=results_db.result_codes(con, patients, trial.criterion_ids()),
        timings={"screen": time.perf_counter() - started},
        results_table=RESULT_TABLE,
    )


def patient_reasons(screen: ScreenResult, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → change reasons (`E3 fail; I2 unknown`) for every patient, by person_id."""
    from prescreen.changes import patient_reasons as reasons_of_frame

    ids = screen.trial.criterion_ids()
    if screen.results_table is not None:
        from prescreen import results_db

        return results_db.patient_reasons(con, ids)
    if screen.criterion_result is None:
        raise RuntimeError("a screen result holds neither a results table nor a result frame")
    reasons = reasons_of_frame(screen.criterion_result, ids)
    merged = screen.patients[["person_id"]].merge(reasons, on="person_id", how="left")
    merged["reasons"] = merged["reasons"].fillna("").astype(str)
    return merged


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
        return patient_status(results, trial.criterion_ids(), sites)[["person_id", "site", "status"]]
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
    from prescreen.request import parsed_trial

    if not sweeps:
        return None
    rows = []
    for name, values in sweeps.items():
        for value in values:
            trial = parsed_trial(trial_ref, {**overrides, name: value})
            counts = status_counts(statuses_stage(con, trial, as_of, engine))
            rows.append({"parameter": name, "value": value, **counts})
    return pd.DataFrame(rows)


def write_patient_files(
    folder: Path, screen: ScreenResult, con: duckdb.DuckDBPyConnection | None = None
) -> None:
    """patients.csv and criteria.csv exactly as the output contract fixes them.

    DuckDB's CSV writer produces the same bytes as pandas' to_csv, several times faster
    (criteria.csv has one row per patient and criterion: tens of millions of rows).
    """
    if screen.criteria_written:
        return
    if screen.results_table is not None:
        from prescreen import results_db

        if con is None:
            raise RuntimeError("patients and criteria live in DuckDB: pass the connection")
        results_db.write_patients_csv(con, folder / "patients.csv")
        con.execute("set preserve_insertion_order = true")
        table = con.table(screen.results_table).select(", ".join(CRITERIA_COLUMNS))
        table.write_csv(str(folder / "criteria.csv"), header=True)
    else:
        if screen.criterion_result is None:
            raise RuntimeError("a screen result holds neither a results table nor a result frame")
        writer = duckdb.connect()
        try:
            writer.execute("set preserve_insertion_order = true")
            writer.from_df(screen.patients).write_csv(str(folder / "patients.csv"), header=True)
            criteria = screen.criterion_result[CRITERIA_COLUMNS]
            writer.from_df(criteria).write_csv(str(folder / "criteria.csv"), header=True)
        finally:
            writer.close()
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


