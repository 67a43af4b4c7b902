"""The stages of a screen as the flows call them: one thin function per stage, each taking
the `ScreenRun` (its request and what earlier stages produced).

Each engine or report entry point is called in exactly one place, here (`load_stage`,
`screen_stage`, `sweep_stage`, `statuses_stage`, `write_reports`), so a change of their
shape is one edit. No Prefect: the flows wrap these functions in tasks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from prescreen import pipeline, progress
from prescreen.errors import ExtractError, PrescreenError
from prescreen.outputs import staged_output
from prescreen.provenance import RunManifest, started_now, trial_fields
from prescreen.request import ScreenRequest
from prescreen.status import patient_status, status_counts, store_limbs, store_results

if TYPE_CHECKING:
    from rich.console import Console

    from prescreen.extract import LoadReport
    from prescreen.partition import PartitionResult
    from prescreen.report import WorklistSelection


# what the terminal shows while a stage runs (prescreen.progress); the sweep stage, which
# runs (and does nothing) without --sweep too, notes each of its values instead
STAGE_NOTES = {
    "load_validate": "loading and validating the extract",
    "screen": "screening",
    "write_results": "writing patients.csv, criteria.parquet and criteria.csv",
    "report": "writing the reports and the worklist",
}


@dataclass
class ScreenRun:
    """One screen in progress: the request, each stage's result, timings (memory only)."""

    request: ScreenRequest
    manifest: RunManifest
    load: LoadReport | None = None
    screen: pipeline.ScreenResult | None = None
    worklist: WorklistSelection | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the wall time of the block to `timings[stage]` (seconds, for run.json)."""
        if stage in STAGE_NOTES:
            progress.note(STAGE_NOTES[stage])
        tick = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - tick

    @property
    def counts(self) -> dict[str, int]:
        """Status counts of the screen (screened, likely_eligible, needs_review, ineligible)."""
        return status_counts(self._screen.patients)

    @property
    def _screen(self) -> pipeline.ScreenResult:
        if self.screen is None:
            raise RuntimeError("the screen stage has not run yet")
        return self.screen


def begin(request: ScreenRequest, command: str = "run") -> ScreenRun:
    """A new run of `request`: its manifest (start time, dates, trial) filled in."""
    extract_day, source = extract_date(request)
    manifest = RunManifest(
        command=command,
        started_at=started_now(),
        index_date=request.index_date,
        extract_date=extract_day,
        extract_date_source=source,
        overrides=request.override_map,
        engine=request.engine,
        **trial_fields(request.trial),
    )
    return ScreenRun(request=request, manifest=manifest)


def extract_date(request: ScreenRequest) -> tuple[date, str]:
    """The data's own date and where it came from: --extract-date, else today.

    Without --extract-date the loader treats rows dated after today as implausible (or
    after the index date, when a screen looks at a day later than today, as before).
    """
    if request.extract_date is not None:
        return request.extract_date, "--extract-date"
    today = date.today()
    if request.index_date > today:
        return request.index_date, "index date (later than today; no --extract-date)"
    return today, "today (no --extract-date)"


def load_validated(
    run: ScreenRun, con: duckdb.DuckDBPyConnection, folder: Path, console: Console | None = None
) -> LoadReport:
    """Load + validate into `con`; validation.csv, validation_reasons.csv, quarantine.csv
    into `folder`. When bad data stops the load, those files go to `<out>-validation/`."""
    with run.timed("load_validate"):
        run.load = validated_extract(
            con,
            run.request.extract_dir,
            extract_date=run.request.extract_date,
            max_quarantine=run.request.max_quarantine,
            folder=folder,
            out_dir=run.request.out_dir,
            console=console,
            screen_columns_only=run.request.db_path is None,
        )
    run.manifest.input_files = dict(run.load.input_files)
    # the loader settles the extract date: cdm_source, else --extract-date, else the run date
    run.manifest.extract_date = run.load.extract_date
    run.manifest.extract_date_source = run.load.extract_date_source
    return run.load


def validated_extract(
    con: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    *,
    extract_date: date | None,
    max_quarantine: float,
    folder: Path,
    out_dir: Path,
    console: Console | None = None,
    screen_columns_only: bool = False,
) -> LoadReport:
    """The load stage with its files; on an ExtractError still leaves the files to read.

    `screen_columns_only`: see pipeline.load_stage (True for a run's temporary database)."""
    from prescreen.extract import write_validation_outputs

    try:
        report = pipeline.load_stage(
            con,
            extract_dir,
            extract_date=extract_date,
            max_quarantine=max_quarantine,
            console=console,
            screen_columns_only=screen_columns_only,
        )
    except ExtractError as exc:
        report = getattr(exc, "report", None)
        if report is None:
            raise
        failed = out_dir.parent / f"{out_dir.name}-validation"
        try:
            with staged_output(failed, inputs=(extract_dir,)) as staging:
                write_validation_outputs(report, con, staging)
                RunManifest(command="load", started_at=started_now(), extract_date=report.extract_date,
                            input_files=report.input_files).write(staging)  # fmt: skip
        except PrescreenError as refused:  # that folder holds the user's files: keep them
            raise ExtractError(f"{exc} (validation files not written: {refused})") from exc
        raise ExtractError(f"{exc} (validation.csv and quarantine.csv are in {failed})") from exc
    write_validation_outputs(report, con, folder)
    return report


def evidence_policy(evidence: str, criteria_csv: str) -> str:
    """`--evidence auto` gives every row its evidence wherever criteria.csv lists everyone:
    here `--criteria-csv all`; the size rule (EVERY_ROW_MAX_PERSONS screened) the engine's
    own `auto` applies once it knows how many were screened."""
    return "all" if evidence == "auto" and criteria_csv == "all" else evidence


def screened(run: ScreenRun, con: duckdb.DuckDBPyConnection) -> pipeline.ScreenResult:
    """Every criterion for every person and each person's status (results stay in DuckDB)."""
    request = run.request
    with run.timed("screen"):
        run.screen = pipeline.screen_stage(
            con,
            request.trial,
            request.index_date,
            request.engine,
            evidence=evidence_policy(request.evidence, request.criteria_csv),
            worklist_limit=request.worklist_limit,  # criteria.csv lists them, worklist or not
            exact_concepts=request.exact_concepts,
            keep_states=bool(request.sweep_map),
        )
    # code sets no row of the extract matched: a vocabulary mismatch to look at, not an error
    run.manifest.extra["unmatched_codesets"] = [
        {"codeset": codeset, "table": table} for codeset, table in run.screen.unmatched
    ]
    # --exact-concepts took effect: these matched their listed concepts, no descendants
    run.manifest.extra["codesets_without_descendants"] = run.screen.exact_only
    run.manifest.extra["evidence"] = {
        "policy": run.screen.evidence_policy,
        "persons": run.screen.evidence_persons,
    }
    return run.screen


def combined(
    run: ScreenRun, con: duckdb.DuckDBPyConnection, parts: list[PartitionResult]
) -> pipeline.ScreenResult:
    """The partitions' criterion_result as one screen, in the single-process order."""
    from prescreen.partition import combined_result

    results, limbs = combined_result(parts)
    store_results(con, results)  # one result form: the tables every report reads
    store_limbs(con, limbs)
    patients = patient_status(con, run.request.trial.criterion_ids())
    run.screen = pipeline.ScreenResult(trial=run.request.trial, patients=patients)
    return run.screen


def results_written(run: ScreenRun, folder: Path, con: duckdb.DuckDBPyConnection) -> None:
    """patients.csv, criteria.parquet and criteria.csv, written by DuckDB from its tables."""
    with run.timed("write_results"):
        pipeline.write_patient_files(folder, run._screen, con, run.request.report_options)


def change_reasons(run: ScreenRun, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """person_id → the failing/unknown criteria, for a scan's changes.csv."""
    screen = run._screen
    screen.reasons = pipeline.patient_reasons(screen, con)
    return screen.reasons


def swept(run: ScreenRun, con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Status counts per --sweep value (None without --sweep)."""
    request = run.request
    with run.timed("sweep"):
        run._screen.sweep = pipeline.sweep_stage(
            con,
            request.trial_ref,
            request.override_map,
            request.sweep_map,
            request.index_date,
            request.engine,
            exact_concepts=request.exact_concepts,
            base=run._screen.sweep_base,
        )
    run._screen.sweep_base = None  # its words were dropped with the sweep
    return run._screen.sweep


def reports_written(run: ScreenRun, folder: Path, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The shareable reports, the worklist(s) and run.json into `folder`; returns run.json.

    `con`: the screen's connection, still open (every output is a query of its tables).
    """
    from prescreen.report import write_reports

    screen, load, request = run._screen, run.load, run.request
    if load is None:
        raise RuntimeError("the load stage has not run yet")
    run.manifest.counts = run.counts
    with run.timed("report"):
        written = write_reports(
            folder,
            con,
            trial=request.trial,
            provenance=run.manifest.as_dict(),
            load_report=load,
            sweep=screen.sweep,
            options=request.report_options,
        )
        run.worklist = written.worklist if request.worklist else None
    run.manifest.timings = dict(run.timings)
    return run.manifest.write(folder)


def statuses_at(
    con: duckdb.DuckDBPyConnection,
    request: ScreenRequest,
    index_date: date,
    *,
    position: int,
    total: int,
) -> None:
    """Every person's status at one index date (statuses only), added to `date_status`.

    `position` (1-based) of `total` dates, noted for the terminal (at 1M persons a date
    takes about half a minute). The first date creates the table and takes the extract's
    distinct codes, which the later dates reuse."""
    progress.note(f"statuses at {index_date.isoformat()} (date {position} of {total})")
    first = position == 1
    if first:
        pipeline.dated_statuses_table(con)
    pipeline.statuses_dated(
        con, request.trial, index_date, request.engine,
        exact_concepts=request.exact_concepts, reuse_codes=not first,
    )  # fmt: skip


def without_descendants(con: duckdb.DuckDBPyConnection, request: ScreenRequest) -> list[str]:
    """The code sets --exact-concepts matches without their descendants (SQL engine)."""
    from prescreen.criteria.sql_engine import codesets_without_descendants

    return codesets_without_descendants(
        con, request.trial, request.index_date, exact_concepts=request.exact_concepts
    )


def loaded(
    *,
    extract_dir: Path,
    out_dir: Path,
    db_path: Path | None,
    extract_date: date | None,
    max_quarantine: float,
    console: Console | None = None,
) -> LoadReport:
    """`prescreen load`: load + validate; validation.csv, quarantine.csv and run.json in out_dir."""
    from prescreen.database import working_files

    day, source = (extract_date, "--extract-date") if extract_date else (date.today(), "today")
    manifest = RunManifest(
        command="load", started_at=started_now(), extract_date=day, extract_date_source=source
    )
    out_dir = out_dir.resolve()
    with (
        working_files(db_path) as files,
        staged_output(out_dir, inputs=(extract_dir, db_path)) as folder,
    ):
        con = files.connect()  # a file, compressed on disk, also at 5M persons
        try:
            report = validated_extract(
                con, extract_dir, extract_date=day, max_quarantine=max_quarantine,
                folder=folder, out_dir=out_dir, console=console,
            )  # fmt: skip
        finally:
            con.close()
        manifest.input_files = dict(report.input_files)
        manifest.write(folder)
    return report
