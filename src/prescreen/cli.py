"""The `prescreen` command line: verbs a user would say, one request and one call each.

Every command builds its request first (the trial parsed, the dates and options checked),
so bad input fails before Prefect or DuckDB start. Results go to stdout (pipeable),
diagnostics to stderr. Errors from user input (`PrescreenError`) are caught once here and
printed as one actionable line (exit 1); anything else is a bug in prescreen (exit 2).
`--debug` shows tracebacks, `--verbose` Prefect's own log lines.
"""

from __future__ import annotations

import atexit
import errno
import gc
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from prescreen import progress
from prescreen.errors import PrescreenError
from prescreen.outputs import WORKLIST_LIMIT, check_output_folder

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Batch pre-screening of OMOP CDM registry extracts against trial criteria.",
)
criteria_app = typer.Typer(no_args_is_help=True, help="Check and inspect trial criteria files.")
app.add_typer(criteria_app, name="criteria")

QUIET_PREFECT = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
out = Console(highlight=False)  # results: stdout
err = Console(stderr=True, highlight=False)  # diagnostics, errors: stderr
_state = {"debug": False}

AsOf = Annotated[str, typer.Option("--as-of", help="Index date of the screen (YYYY-MM-DD).")]
ExtractDate = Annotated[
    str | None,
    typer.Option(
        "--extract-date",
        help="The extract's own date (YYYY-MM-DD): rows dated after it are quarantined as "
        "implausible. Default: today (or the index date when that is later).",
    ),
]
Engine = Annotated[str, typer.Option(help="sql (DuckDB, default) or pandas.")]
MinCell = Annotated[int, typer.Option(help="Suppress counts 1..k-1 in shareable aggregates.")]
MaxQuarantine = Annotated[
    float, typer.Option(help="Stop when a table's quarantined share exceeds this fraction.")
]
StoreWait = Annotated[
    float,
    typer.Option(help="Seconds to wait for a results store another program holds open."),
]
ExactConcepts = Annotated[
    bool,
    typer.Option(
        help="Run code sets with `descendants: true` on an extract without "
        "concept_ancestor, matching their concepts exactly (a warning instead of an error).",
    ),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show Prefect's log lines on the console.")
    ] = False,
) -> None:
    _state["debug"] = debug
    # before Prefect is imported: its console prints nothing (see prescreen.flows.settings)
    if verbose:
        os.environ.pop(QUIET_PREFECT, None)
    else:
        os.environ.setdefault(QUIET_PREFECT, "CRITICAL")


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the extract into.")],
    persons: Annotated[int, typer.Option(min=1, help="Number of persons.")] = 2000,
    sites: Annotated[int, typer.Option(min=1, help="Number of sites (care sites).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same extract.")] = 3,
    format: Annotated[str, typer.Option(help="csv or parquet.")] = "csv",
    extract_date: Annotated[
        str,
        typer.Option(
            "--extract-date", "--as-of", help="Extract date (YYYY-MM-DD); no event lies after it."
        ),
    ] = "2026-11-01",
) -> None:
    """Write a synthetic multi-site PAD/CLI registry extract in OMOP CDM v5.4 layout.

    Example: prescreen generate --persons 2000 --sites 4 --seed 3 --out data/sample
    """
    from prescreen.request import as_date
    from prescreen.synth import generate_extract

    if format not in ("csv", "parquet"):
        raise PrescreenError(f"--format {format!r}: choose csv or parquet")
    generate_extract(
        out_dir=out_dir,
        persons=persons,
        sites=sites,
        seed=seed,
        fmt=format,
        extract_date=as_date(extract_date, "--extract-date"),
        console=err,
    )


@app.command()
def load(
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables (CSV, CSV.gz, Parquet).")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for validation.csv and quarantine.csv.")
    ] = Path("out"),
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to keep (default: a temporary one).")
    ] = None,
    extract_date: Annotated[
        str | None,
        typer.Option(
            "--extract-date",
            "--as-of",
            help="The extract's own date: rows dated after it are quarantined (default today; "
            "--as-of is the old name).",
        ),
    ] = None,
    max_quarantine: MaxQuarantine = 0.05,
) -> None:
    """Load an extract into DuckDB and validate it; bad rows are quarantined, never dropped.

    Example: prescreen load --extract data/sample --out out/
    """
    from prescreen.extract import print_validation_summary
    from prescreen.request import as_date
    from prescreen.stages import loaded

    _check_memory_budget()
    report = loaded(
        extract_dir=extract.resolve(),
        out_dir=out_dir,
        db_path=db,
        extract_date=as_date(extract_date, "--extract-date") if extract_date else None,
        max_quarantine=max_quarantine,
        console=err,
    )
    print_validation_summary(report, out)
    out.print(f"outputs in {out_dir.resolve()}/: validation.csv, quarantine.csv, run.json")


@app.command()
def run(
    trial: Annotated[str, typer.Option(help="Trial id (e.g. nl003-cli-iii-2) or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    as_of: AsOf,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    extract_date: ExtractDate = None,
    engine: Engine = "sql",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a named parameter: E14.hemoglobin_min=70."),
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option(help="Screen several values of a parameter: E14.hemoglobin_min=70,80,90."),
    ] = None,
    min_cell: MinCell = 5,
    max_quarantine: MaxQuarantine = 0.05,
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to keep (default: a temporary one).")
    ] = None,
    runner: Annotated[
        str, typer.Option(help="local (threads in this process) or dask (--address).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    partitions: Annotated[
        int | None,
        typer.Option(min=1, help="Evaluate persons in N partitions (default 1; dask: 4)."),
    ] = None,
    worklist: Annotated[
        bool,
        typer.Option(help="Write worklist.xlsx (slow for hundreds of thousands of patients)."),
    ] = True,
    worklist_limit: Annotated[
        int,
        typer.Option(
            help="At most N patients in worklist.xlsx, likely_eligible first, then "
            "needs_review, the sites taking turns (0 = no limit, still at most Excel's "
            "1,048,574 rows per site sheet); the full list is patients.csv / criteria.csv.",
        ),
    ] = WORKLIST_LIMIT,
    round_to: Annotated[
        int,
        typer.Option(
            "--round",
            min=0,
            help="Publish every shareable count rounded up to a multiple of N instead of "
            "suppressing small cells (e.g. 10; 0 = suppress with --min-cell).",
        ),
    ] = 0,
    worklist_per_site: Annotated[
        bool,
        typer.Option(help="One workbook per site (worklist-<site>.xlsx) instead of worklist.xlsx."),
    ] = False,
    csv_bom: Annotated[
        bool, typer.Option(help="Start CSV files with a UTF-8 byte-order mark (Excel on Windows).")
    ] = False,
    criteria_csv: Annotated[
        str,
        typer.Option(
            help="Who criteria.csv lists: auto (everyone up to 20,000 screened, else the "
            "worklist's patients), all, worklist. criteria.parquet always lists everyone."
        ),
    ] = "auto",
    evidence: Annotated[
        str,
        typer.Option(
            help="Evidence text: auto (every row when criteria.csv lists everyone: up to "
            "20,000 screened or --criteria-csv all; else only where someone reads it: the "
            "worklist, and the failing criteria of the ineligible), all, needed, none. "
            "`prescreen explain --person` shows anyone's full evidence.",
        ),
    ] = "auto",
    exact_concepts: ExactConcepts = False,
) -> None:
    """Screen an extract against a trial and write patients.csv, criteria.csv and reports.

    Runs as the Prefect flow `screen` (offline; a local Prefect API starts in-process
    unless PREFECT_API_URL is set).

    Example: prescreen run --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --out out/
    """
    from prescreen.request import screen_request

    if runner not in ("local", "dask"):
        raise PrescreenError(f"--runner {runner!r}: choose local or dask")
    request = screen_request(
        trial=trial,
        extract_dir=extract,
        out_dir=out_dir,
        index_date=as_of,
        extract_date=extract_date,
        overrides=set_,
        sweeps=sweep,
        engine=engine,
        min_cell=min_cell,
        max_quarantine=max_quarantine,
        worklist=worklist,
        worklist_limit=worklist_limit,
        db_path=db,
        partitions=partitions or (4 if runner == "dask" else 1),
        round_to=round_to,
        worklist_per_site=worklist_per_site,
        csv_bom=csv_bom,
        criteria_csv=criteria_csv,
        evidence=evidence,
        exact_concepts=exact_concepts,
    )
    check_output_folder(request.out_dir, (request.extract_dir, request.db_path))
    _check_memory_budget()
    # Prefect is imported only now, once the request is known to be valid
    from prescreen.console import print_counts
    from prescreen.extract import print_validation_summary
    from prescreen.flows.runs import quiet_user_errors, screened

    quiet_user_errors(_state["debug"])
    with progress.shown(err):  # what it is doing now, on a terminal (stderr)
        result = screened(request, runner=runner, address=address)
    if result.load is not None:
        print_validation_summary(result.load, err)
    _print_unmatched(result.screen.unmatched if result.screen else [])
    _print_exact_only(result.screen.exact_only if result.screen else [])
    print_counts(out, result.counts, request.out_dir, _worklist_note(result.worklist))


def _print_unmatched(unmatched: list[tuple[str, str]]) -> None:
    """Code sets no row of the extract matched: usually a vocabulary the extract does not use."""
    if not unmatched:
        return
    err.print(
        f"{len(unmatched)} code set(s) matched no row of the extract (their criteria can only "
        "be unknown or pass by absence; check the extract's vocabularies):",
        markup=False,
    )
    for codeset, table in unmatched:
        err.print(f"  {codeset} in {table}", markup=False)


def _print_exact_only(codesets: list[str]) -> None:
    """--exact-concepts took effect: say which code sets lost their descendants."""
    if codesets:
        err.print(
            f"warning: --exact-concepts: {len(codesets)} code set(s) matched their listed "
            "concepts only, without the descendants they ask for (the extract has no "
            f"concept_ancestor rows): {', '.join(codesets)}; recorded in run.json",
            markup=False,
        )


def _check_memory_budget() -> None:
    """PRESCREEN_MEMORY_LIMIT checked before anything starts (a typo or too small: exit 1)."""
    from prescreen.database import memory_budget

    memory_budget()


def _worklist_note(selection: Any) -> str | None:
    """The console line saying the worklist is capped (None when it lists everyone)."""
    return None if selection is None or selection.complete else selection.note()


@app.command()
def scan(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[
        Path, typer.Option(help="Extract folder, or a folder of dated extracts (newest used).")
    ],
    store: Annotated[Path, typer.Option(help="Results store (DuckDB file).")] = Path("runs.duckdb"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Index date (YYYY-MM-DD; default today).")
    ] = None,
    extract_date: ExtractDate = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (adds changes.csv).")
    ] = Path("out"),
    registry: Annotated[
        str | None,
        typer.Option(
            help="Registry name the history is kept under (default: the extract's "
            "cdm_source.cdm_source_abbreviation, else the extract folder's name)."
        ),
    ] = None,
    engine: Engine = "sql",
    min_cell: MinCell = 5,
    max_quarantine: MaxQuarantine = 0.05,
    store_wait: StoreWait = 60.0,
    exact_concepts: ExactConcepts = False,
) -> None:
    """Screen the latest extract, store each patient's status, write changes.csv.

    Example: prescreen scan --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --out out/ --store runs.duckdb
    """
    from prescreen.scan import scan_request
    from prescreen.store import check_writable

    request = scan_request(
        trial=trial,
        extract_dir=extract,
        out_dir=out_dir,
        store_path=store,
        index_date=as_of,
        extract_date=extract_date,
        registry=registry,
        engine=engine,
        min_cell=min_cell,
        max_quarantine=max_quarantine,
        store_wait_seconds=store_wait,
        exact_concepts=exact_concepts,
    )
    err.print(f"registry: {request.registry} (from {request.registry_source})", markup=False)
    screen = request.screen
    check_output_folder(screen.out_dir, (screen.extract_dir, request.store_path))
    check_writable(request.store_path, request.store_wait_seconds)  # before a long screen
    _check_memory_budget()
    from prescreen.console import print_changes, print_counts
    from prescreen.flows.runs import quiet_user_errors, scanned

    quiet_user_errors(_state["debug"])
    with progress.shown(err):
        result = scanned(request)
    _print_exact_only(result.screen.screen.exact_only if result.screen.screen else [])
    print_counts(
        out, result.screen.counts, request.screen.out_dir, _worklist_note(result.screen.worklist)
    )
    print_changes(out, result.run["run_id"], result.previous_run, result.change_counts)


@app.command()
def schedule(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Extract folder or folder of dated extracts.")],
    cron: Annotated[str, typer.Option(help='Cron schedule, e.g. "0 6 * * 1" (Mondays 06:00).')],
    store: Annotated[Path, typer.Option(help="Results store (DuckDB file).")] = Path("runs.duckdb"),
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder, replaced each run.")
    ] = Path("out"),
    registry: Annotated[str | None, typer.Option(help="Registry name in the store.")] = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "prescreen-scan",
    store_wait: StoreWait = 60.0,
    exact_concepts: ExactConcepts = False,
) -> None:
    """Run `scan` on a cron schedule until stopped; each run screens as of its day.

    Starts (and stops) a local Prefect server with its scheduler, unless PREFECT_API_URL
    points at one.

    Example: prescreen schedule --trial nl003-cli-iii-2 --extract /data/extracts --cron "0 6 * * 1"
    """
    from prescreen.flows.schedule import checked_cron, serve_scans
    from prescreen.scan import scan_request

    checked_cron(cron)
    request = scan_request(
        trial=trial,
        extract_dir=extract,
        out_dir=out_dir,
        store_path=store,
        registry=registry,
        store_wait_seconds=store_wait,
        exact_concepts=exact_concepts,
    )
    check_output_folder(request.screen.out_dir, (request.extract_root, request.store_path))
    _check_memory_budget()
    _stop_on_sigterm()
    try:
        serve_scans(request, cron=cron, name=name, note=lambda text: err.print(text, markup=False))
    except KeyboardInterrupt:
        err.print("stopped")


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, kill) stops like Ctrl-C, so the local server is stopped too."""
    import signal

    def _interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)


@app.command()
def history(
    store: Annotated[Path, typer.Option(help="Results store (DuckDB file).")] = Path("runs.duckdb"),
    trial: Annotated[str | None, typer.Option(help="Only runs of this trial id.")] = None,
) -> None:
    """List the runs in the results store.

    Example: prescreen history --store runs.duckdb
    """
    from prescreen.console import print_history
    from prescreen.store import run_history

    runs = run_history(store, trial)
    print_history(Console(width=None if sys.stdout.isatty() else 160), runs, store)


def newly_eligible(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Last index date (YYYY-MM-DD).")],
    months: Annotated[int, typer.Option(help="Past months to count.")] = 12,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out-forecast"),
    extract_date: ExtractDate = None,
    include_review: Annotated[
        bool, typer.Option(help="Count needs_review as eligible too.")
    ] = False,
    engine: Engine = "sql",
    min_cell: MinCell = 5,
    exact_concepts: ExactConcepts = False,
) -> None:
    """Count, per site and past month, the patients who newly became likely eligible.

    A count of what happened (the monthly incidence a site recruited from), not a
    projection. `forecast` is the old name of this command and still works.

    Example: prescreen newly-eligible --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --months 12 --out monthly/
    """
    from prescreen.forecast import forecast_request

    request = forecast_request(
        trial=trial,
        extract_dir=extract,
        out_dir=out_dir,
        index_date=as_of,
        extract_date=extract_date,
        months=months,
        include_review=include_review,
        engine=engine,
        min_cell=min_cell,
        exact_concepts=exact_concepts,
    )
    check_output_folder(request.screen.out_dir, (request.screen.extract_dir,))
    _check_memory_budget()
    from prescreen.console import print_newly_eligible
    from prescreen.flows.runs import newly_eligible as run_newly_eligible
    from prescreen.flows.runs import quiet_user_errors

    quiet_user_errors(_state["debug"])
    with progress.shown(err):
        published = run_newly_eligible(request)
    written = json.loads((request.screen.out_dir / "run.json").read_text(encoding="utf-8"))
    _print_exact_only(written.get("codesets_without_descendants") or [])
    print_newly_eligible(out, published, request.screen.out_dir)


app.command(name="newly-eligible")(newly_eligible)
app.command(
    name="forecast",
    help="Alias of `newly-eligible` (its old name): newly likely-eligible patients per site "
    "and past month — a count, not a projection.",
)(newly_eligible)


@app.command()
def explain(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    person: Annotated[
        list[str],
        typer.Option(
            help="The person_id to explain; repeat it or give a comma list (2,4,17) to "
            "explain several with one load.",
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Index date (YYYY-MM-DD); with --run, the run's."),
    ] = None,
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run",
            help="Output folder of a run: explain as it screened (its index and extract "
            "dates, --set overrides and --exact-concepts), after checking that --trial and "
            "--extract are the criteria and files it read (run.json's SHA-256).",
        ),
    ] = None,
    extract_date: ExtractDate = None,
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file of a kept load (prescreen load --db) to reuse.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter.")] = None,
    exact_concepts: ExactConcepts = False,
) -> None:
    """Show a person's result, reason and evidence for every criterion and sub-rule.

    At scale a run writes evidence only where someone reads it; this shows anyone's. The
    extract is loaded once for all the persons given; `--db` with the database a run kept
    (`prescreen run --db FILE`) skips the load. `--run OUT` explains exactly as that run
    screened, or says why it cannot.

    Example: prescreen explain --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --person 2,4
    """
    from prescreen.explain import explain_command, person_ids
    from prescreen.request import as_date, parse_assignments, parsed_trial

    ids = person_ids(person)
    overrides = {k: v[-1] for k, v in parse_assignments(set_ or [], "--set").items()}
    index_date = as_date(as_of, "--as-of") if as_of else None
    dated = as_date(extract_date, "--extract-date") if extract_date else None
    if run_dir is not None:
        from prescreen.run_record import (
            check_extract,
            check_option,
            check_trial,
            read_run,
            settings_text,
        )

        record = read_run(run_dir)
        check_option(record, "--as-of", index_date, record.index_date)
        check_option(record, "--extract-date", dated, record.extract_date)
        check_option(record, "--set", overrides or None, record.overrides)
        index_date, dated, overrides = record.index_date, record.extract_date, record.overrides
        exact_concepts = exact_concepts or record.exact_concepts
        parsed = parsed_trial(trial, overrides)
        check_trial(record, parsed, trial)
        check_extract(record, extract)
        err.print(
            f"as the run in {record.path.parent} screened: index date {index_date}, "
            f"overrides {settings_text(overrides)}",
            markup=False,
        )
    else:
        if index_date is None:
            raise PrescreenError("--as-of: give the index date (or --run with a run's --out)")
        parsed = parsed_trial(trial, overrides)
    explain_command(
        trial=parsed,
        extract_dir=extract,
        index_date=index_date,
        extract_date=dated,
        person_ids=ids,
        db_path=db,
        console=out,
        diagnostics=err,
        exact_concepts=exact_concepts,
    )


@app.command(name="compile")
def compile_(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Index date (YYYY-MM-DD).")] = "2026-11-01",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write SQL here instead of printing it.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter.")] = None,
) -> None:
    """Print the exact SQL and bound parameters a screen runs, for audit.

    Example: prescreen compile --trial nl003-cli-iii-2
    """
    from prescreen.pipeline import compile_command
    from prescreen.request import as_date

    text = compile_command(
        trial=trial, index_date=as_date(as_of, "--as-of"), out_path=out_path, overrides=set_ or []
    )
    if out_path is None:
        sys.stdout.write(text + "\n")


@criteria_app.command("check")
def criteria_check(
    files: Annotated[list[Path], typer.Argument(help="Criteria YAML files to check.")],
) -> None:
    """Validate criteria files; report every problem with its line number (exit 1 if any).

    Example: prescreen criteria check trials/nl003-cli-iii-2.yaml
    """
    from prescreen.criteria.check import check_files

    problems = check_files(files)
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: {len(files)} file(s) valid")


def main() -> None:
    """Console entry point: exit 0 ok, 1 the user's input, 2 a bug in prescreen."""
    # At exit, everything is written. The interpreter's finalisation would otherwise spend
    # about 2 s garbage-collecting what Prefect, pandas and DuckDB left behind, whatever the
    # run's size; frozen objects are skipped. (atexit, not here: tests call main() in one
    # long process, whose garbage must stay collectable.)
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        code = app(standalone_mode=False)  # returns a typer.Exit's code instead of exiting
    except PrescreenError as exc:
        _fail(exc, str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # bad or missing options (click's usage errors)
        show = getattr(exc, "show", None)  # click's errors print the usage line too
        if callable(show):
            show()
        else:
            typer.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001
        advice = _environment_advice(exc)
        if advice is not None:
            _fail(exc, advice)
        if _state["debug"]:
            err.print_exception()
        else:
            err.print(
                Text.assemble(
                    ("internal error: ", "red"),
                    f"{type(exc).__name__}: {exc}\n"
                    "This is a bug in prescreen; rerun with --debug and report the traceback.",
                )
            )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(exc: BaseException, message: str) -> None:
    if _state["debug"]:
        err.print_exception()
    err.print(Text.assemble(("error: ", "red"), message))
    sys.exit(1)


def _environment_advice(exc: BaseException) -> str | None:
    """A user-facing message for failures of the machine's limits rather than of prescreen."""
    from prescreen.database import MEMORY_LIMIT_VARIABLE, memory_budget

    if type(exc).__name__ == "OutOfMemoryException":
        budget = memory_budget() / 1e9
        return (
            f"DuckDB ran out of memory within the run's budget ({MEMORY_LIMIT_VARIABLE}, now "
            f"{budget:.1f} GB): raise it (e.g. {MEMORY_LIMIT_VARIABLE}=8GB) if the machine has "
            "the memory, or free disk space in $TMPDIR for spilling"
        )
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"no space left on device ({exc.filename or 'a temporary file'}): free disk space or point TMPDIR elsewhere"
    return None


if __name__ == "__main__":
    main()
