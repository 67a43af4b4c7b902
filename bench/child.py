"""One measured benchmark run, in its own process so peak RSS belongs to this run only.

Called by bench/run.py, never by hand (but it works by hand):

    python bench/child.py lib --extract bench/data/p100000 --trial trials/nl003-cli-iii-2.yaml --out DIR
    python bench/child.py floor --extract bench/data/p100000
    python bench/child.py profile --extract bench/data/p1000000 --trial ... --out FILE

Prints one JSON line (stage timings in seconds, peak RSS in bytes) as its last line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
BENCH = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 1)
FLOOR_TABLES = (
    "person",
    "condition_occurrence",
    "procedure_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
)


def run_columns() -> dict[str, frozenset[str]]:
    """The event-table columns `prescreen run` stores in its temporary database."""
    from prescreen.criteria.staging import columns_read

    return columns_read()


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def stage(name: str) -> None:
    """Tell the parent which stage is running, so a run that dies says where."""
    print(f"BENCH-STAGE {name} {time.perf_counter() - STARTED:.3f}", flush=True)


@contextmanager
def timed(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Announce stage `name` to the parent and record its seconds in `timings`."""
    stage(name)
    tick = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - tick


def floor_sql() -> str:
    return (BENCH / "floor.sql").read_text(encoding="utf-8")


def lib_run(
    extract: Path, trial_path: Path, out: Path, stages: str, db_file: Path
) -> dict[str, Any]:
    """load+validate → floor on the loaded tables → screen → report, each timed."""
    from prescreen.criteria.parse import load_trial, trial_hash
    from prescreen.database import open_database
    from prescreen.extract import load_extract, write_validation_outputs
    from prescreen.pipeline import screen_stage, write_patient_files
    from prescreen.provenance import provenance
    from prescreen.report import write_reports
    from prescreen.status import status_counts

    timings: dict[str, float] = {}
    started_at = datetime.now(UTC)
    trial = load_trial(str(trial_path), {})
    con = open_database(db_file)
    con.execute("set enable_progress_bar = false")

    with timed("load_validate", timings):
        report = load_extract(
            extract, con, extract_date=AS_OF, max_quarantine=0.05, columns=run_columns()
        )
    with timed("floor_tables", timings):
        con.sql(floor_sql()).fetchall()
    with timed("screen", timings):
        # as `prescreen run` does: full results stay in DuckDB, pandas holds per-person values
        screen = screen_stage(con, trial, AS_OF, "sql")
    timings["evaluate_sql"] = timings["screen"]  # key kept: earlier results.json runs have it
    patients = screen.patients
    counts = status_counts(patients)
    rows = int(con.execute("select count(*) from criterion_result").fetchall()[0][0])

    if "report" in stages:
        out.mkdir(parents=True, exist_ok=True)
        with timed("report", timings):
            write_validation_outputs(report, con, out)
            write_patient_files(out, screen, con)
            prov = provenance(
                trial_id=trial.id,
                trial_version=trial.version,
                criteria_hash=trial_hash(trial),
                parameters={k: p.default for k, p in trial.parameters.items()},
                overrides={},
                as_of=AS_OF,
                engine="sql",
                input_files=report.input_files,
                counts=counts,
                started=started_at,
            )
            write_reports(out, con, trial=trial, provenance=prov, load_report=report)
    con.close()
    return {"timings": timings, "counts": counts, "criterion_rows": rows}


def floor_run(extract: Path) -> dict[str, Any]:
    """floor.sql straight on the Parquet files (no load), in a fresh DuckDB."""
    from prescreen.database import open_database

    con = open_database(None)
    con.execute("set enable_progress_bar = false")
    for name in FLOOR_TABLES:
        con.execute(
            f"create view {name} as select * from read_parquet('{extract / (name + '.parquet')}')"
        )
    tick = time.perf_counter()
    rows = con.sql(floor_sql()).fetchall()
    elapsed = time.perf_counter() - tick
    return {"timings": {"floor_parquet": elapsed}, "table_rows": {r[0]: r[1] for r in rows}}


def sql_only_run(extract: Path, trial_path: Path, db_file: Path) -> dict[str, Any]:
    """load, then the criteria engine alone: the status pass for everyone (what sweeps and
    the peer compute), then the evidence pass for the persons someone reads."""
    from prescreen.criteria import sql_engine as engine
    from prescreen.criteria.parse import load_trial
    from prescreen.database import open_database
    from prescreen.extract import load_extract

    trial = load_trial(str(trial_path), {})
    con = open_database(db_file)
    con.execute("set enable_progress_bar = false")
    timings: dict[str, float] = {}
    with timed("load_validate", timings):
        report = load_extract(
            extract, con, extract_date=AS_OF, max_quarantine=0.05, columns=run_columns()
        )
    del report
    with timed("floor_tables", timings):
        con.sql(floor_sql()).fetchall()
    with timed("screen_statuses", timings):  # as sweeps run it: no criterion_result rows
        engine.person_statuses(con, trial, AS_OF)
    with timed("screen_sql", timings):  # statuses and the evidence a run writes
        tables = engine.screen_into(con, trial, AS_OF, evidence="needed")
    rows = int(con.execute("select count(*) from criterion_result").fetchall()[0][0])
    con.close()
    return {
        "timings": timings,
        "criterion_rows": rows,
        "evidence_persons": tables.evidence_persons,
        "persons": tables.persons,
    }


def profile_run(extract: Path, trial_path: Path, out: Path, db_file: Path) -> dict[str, Any]:
    """The per-batch status statement (states.sql) of the first person batch under DuckDB's
    JSON profiler, then the rule tree over every person; profiles go next to `out`."""
    from prescreen.criteria import sql_engine as engine
    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_compile import compile_screen
    from prescreen.database import open_database
    from prescreen.extract import load_extract

    trial = load_trial(str(trial_path), {})
    con = open_database(db_file)
    con.execute("set enable_progress_bar = false")
    stage("load_validate")
    load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05, columns=run_columns())
    stage("profile")
    plan = build_plan(trial, AS_OF)
    engine.prepare_screen(con, plan)
    compiled = compile_screen(plan, evidence=False)
    batches = engine.person_batches(con, engine.BATCH_PERSONS)
    params = {**compiled.states_params, "person_lo": batches[0][0], "person_hi": batches[0][1]}
    out.parent.mkdir(parents=True, exist_ok=True)
    con.execute("pragma enable_profiling = 'json'")
    con.execute(f"pragma profiling_output = '{out}'")
    tick = time.perf_counter()
    con.execute(f"create or replace temp table ps_states as\n{compiled.states_sql}", params)
    elapsed = time.perf_counter() - tick
    con.execute("pragma disable_profiling")
    con.close()
    return {
        "timings": {"evaluate_sql_profiled": elapsed},
        "profile": str(out),
        "batches": len(batches),
        "profiled_batch": list(batches[0]),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["lib", "floor", "profile", "sql"])
    parser.add_argument("--extract", type=Path, required=True)
    parser.add_argument("--trial", type=Path, default=Path("trials/nl003-cli-iii-2.yaml"))
    parser.add_argument("--out", type=Path, default=BENCH / "data" / "out" / "lib")
    parser.add_argument("--stages", default="load,screen,report")
    args = parser.parse_args(argv)
    from prescreen.database import database_file

    # as `prescreen run`: the extract is loaded into a temporary DuckDB file
    with database_file(None) as db_file:
        if args.mode == "lib":
            result = lib_run(args.extract, args.trial, args.out, args.stages, db_file)
        elif args.mode == "sql":
            result = sql_only_run(args.extract, args.trial, db_file)
        elif args.mode == "floor":
            result = floor_run(args.extract)
        else:
            result = profile_run(args.extract, args.trial, args.out, db_file)
    result["peak_rss_bytes"] = peak_rss_bytes()
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
