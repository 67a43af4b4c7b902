"""The `prescreen` command line: verbs a user would say, one library call each.

Errors from user input (`PrescreenError`) are caught once here and printed as one
actionable line (exit 1); anything else is a bug in prescreen (exit 2). `--debug`
shows the traceback.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from prescreen.errors import PrescreenError
from prescreen.outputs import WORKLIST_LIMIT

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Batch pre-screening of OMOP CDM registry extracts against trial criteria.",
)
criteria_app = typer.Typer(no_args_is_help=True, help="Check and inspect trial criteria files.")
app.add_typer(criteria_app, name="criteria")

console = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PrescreenError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the extract into.")],
    persons: Annotated[int, typer.Option(min=1, help="Number of persons.")] = 2000,
    sites: Annotated[int, typer.Option(min=1, help="Number of sites (care sites).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same extract.")] = 3,
    format: Annotated[str, typer.Option(help="csv or parquet.")] = "csv",
    as_of: Annotated[
        str, typer.Option("--as-of", help="Extract date (YYYY-MM-DD); no event lies after it.")
    ] = "2026-11-01",
) -> None:
    """Write a synthetic multi-site PAD/CLI registry extract in OMOP CDM v5.4 layout.

    Example: prescreen generate --persons 2000 --sites 4 --seed 3 --out data/sample
    """
    from prescreen.synth import generate_extract

    if format not in ("csv", "parquet"):
        raise PrescreenError(f"--format {format!r}: choose csv or parquet")
    generate_extract(
        out_dir=out,
        persons=persons,
        sites=sites,
        seed=seed,
        fmt=format,
        extract_date=_parse_date(as_of, "--as-of"),
        console=console,
    )


@app.command()
def load(
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables (CSV, CSV.gz, Parquet).")],
    out: Annotated[Path, typer.Option(help="Folder for validation.csv and quarantine.csv.")] = Path(
        "out"
    ),
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to keep (default: in memory).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Extract date: events after it are quarantined.")
    ] = None,
    max_quarantine: Annotated[
        float,
        typer.Option(help="Stop when a table's quarantined share exceeds this fraction."),
    ] = 0.05,
) -> None:
    """Load an extract into DuckDB and validate it; bad rows are quarantined, never dropped.

    Example: prescreen load --extract data/sample --out out/
    """
    from prescreen.pipeline import load_command

    load_command(
        extract_dir=extract,
        out_dir=out,
        db_path=db,
        as_of=_parse_date(as_of, "--as-of"),
        max_quarantine=max_quarantine,
        console=console,
    )


@app.command()
def run(
    trial: Annotated[str, typer.Option(help="Trial id (e.g. nl003-cli-iii-2) or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Index date of the screen (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out"),
    engine: Annotated[str, typer.Option(help="sql (DuckDB, default) or pandas.")] = "sql",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a named parameter: E14.hemoglobin_min=70."),
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option(help="Screen several values of a parameter: E14.hemoglobin_min=70,80,90."),
    ] = None,
    min_cell: Annotated[
        int, typer.Option(help="Suppress counts 1..k-1 in shareable aggregates.")
    ] = 5,
    max_quarantine: Annotated[
        float,
        typer.Option(help="Stop when a table's quarantined share exceeds this fraction."),
    ] = 0.05,
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to keep (default: in memory).")
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
            min=0,
            help="At most N patients in worklist.xlsx, likely_eligible first, then needs_review "
            "(0 = no limit, still at most Excel's 1,048,574 rows per site sheet); "
            "the full list is patients.csv / criteria.csv.",
        ),
    ] = WORKLIST_LIMIT,
) -> None:
    """Screen an extract against a trial and write patients.csv, criteria.csv and reports.

    Runs as the Prefect flow `screen` (offline; a local Prefect API starts in-process
    unless PREFECT_API_URL is set).

    Example: prescreen run --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --out out/
    """
    from prescreen.flows.cli_support import run_and_print

    if engine not in ("sql", "pandas"):
        raise PrescreenError(f"--engine {engine!r}: choose sql or pandas")
    run_and_print(
        console,
        runner=runner,
        address=address,
        trial=trial,
        extract_dir=extract,
        as_of=_parse_date(as_of, "--as-of"),
        out_dir=out,
        engine=engine,
        overrides=set_ or [],
        sweeps=sweep or [],
        min_cell=min_cell,
        max_quarantine=max_quarantine,
        db_path=db,
        partitions=partitions or (4 if runner == "dask" else 1),
        worklist=worklist,
        worklist_limit=worklist_limit,
    )


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
    out: Annotated[Path, typer.Option(help="Output folder (adds changes.csv).")] = Path("out"),
    registry: Annotated[
        str | None, typer.Option(help="Registry name in the store (default: extract folder).")
    ] = None,
    engine: Annotated[str, typer.Option(help="sql (DuckDB, default) or pandas.")] = "sql",
    min_cell: Annotated[int, typer.Option(help="Suppress counts 1..k-1 in aggregates.")] = 5,
) -> None:
    """Screen the latest extract, store each patient's status, write changes.csv.

    Example: prescreen scan --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --out out/ --store runs.duckdb
    """
    from prescreen.flows.cli_support import scan_and_print

    scan_and_print(
        console,
        trial=trial,
        extract_dir=extract,
        out_dir=out,
        store_path=store,
        as_of=_parse_date(as_of, "--as-of"),
        registry=registry,
        engine=engine,
        min_cell=min_cell,
    )


@app.command()
def schedule(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Extract folder or folder of dated extracts.")],
    cron: Annotated[str, typer.Option(help='Cron schedule, e.g. "0 6 * * 1" (Mondays 06:00).')],
    store: Annotated[Path, typer.Option(help="Results store (DuckDB file).")] = Path("runs.duckdb"),
    out: Annotated[Path, typer.Option(help="Output folder, replaced each run.")] = Path("out"),
    registry: Annotated[str | None, typer.Option(help="Registry name in the store.")] = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "prescreen-scan",
) -> None:
    """Run `scan` on a cron schedule (Prefect serve) until stopped; as-of is the run day.

    Example: prescreen schedule --trial nl003-cli-iii-2 --extract /data/extracts --cron "0 6 * * 1"
    """
    from prescreen.flows.cli_support import serve_schedule

    serve_schedule(
        console,
        cron=cron,
        name=name,
        trial=trial,
        extract_dir=extract.resolve(),
        out_dir=out.resolve(),
        store_path=store.resolve(),
        registry=registry,
    )


@app.command()
def history(
    store: Annotated[Path, typer.Option(help="Results store (DuckDB file).")] = Path("runs.duckdb"),
    trial: Annotated[str | None, typer.Option(help="Only runs of this trial id.")] = None,
) -> None:
    """List the runs in the results store.

    Example: prescreen history --store runs.duckdb
    """
    from prescreen.flows.cli_support import print_history

    print_history(Console(width=None if sys.stdout.isatty() else 160), store, trial)


@app.command()
def forecast(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Last index date (YYYY-MM-DD).")],
    months: Annotated[int, typer.Option(min=1, help="Months to look back.")] = 12,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out-forecast"),
    include_review: Annotated[
        bool, typer.Option(help="Count needs_review as eligible too.")
    ] = False,
    engine: Annotated[str, typer.Option(help="sql (DuckDB, default) or pandas.")] = "sql",
    min_cell: Annotated[int, typer.Option(help="Suppress counts 1..k-1.")] = 5,
) -> None:
    """Per site, how many patients newly became likely eligible in each past month.

    Example: prescreen forecast --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --months 12 --out forecast/
    """
    from prescreen.flows.cli_support import forecast_and_print

    forecast_and_print(
        console,
        trial=trial,
        extract_dir=extract,
        out_dir=out,
        as_of=_parse_date(as_of, "--as-of"),
        months=months,
        include_review=include_review,
        engine=engine,
        min_cell=min_cell,
    )


@app.command()
def explain(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    extract: Annotated[Path, typer.Option(help="Folder of OMOP tables.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Index date of the screen (YYYY-MM-DD).")],
    person: Annotated[int, typer.Option(help="The person_id to explain.")],
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file of a kept load (prescreen load --db) to reuse.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter.")] = None,
) -> None:
    """Show one person's result, reason and evidence for every criterion and sub-rule.

    Example: prescreen explain --trial nl003-cli-iii-2 --extract data/sample --as-of 2026-11-01 --person 2
    """
    from prescreen.criteria.parse import load_trial
    from prescreen.explain import explain_command
    from prescreen.pipeline import parse_assignments

    overrides = {k: v[-1] for k, v in parse_assignments(set_ or [], "--set").items()}
    explain_command(
        trial=load_trial(trial, overrides),
        extract_dir=extract,
        index_date=_parse_date(as_of, "--as-of"),
        person_id=person,
        db_path=db,
        console=Console(width=None if sys.stdout.isatty() else 160),
    )


@app.command(name="compile")
def compile_(
    trial: Annotated[str, typer.Option(help="Trial id or path to YAML.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Index date (YYYY-MM-DD).")] = "2026-11-01",
    out: Annotated[Path | None, typer.Option(help="Write SQL here instead of printing it.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter.")] = None,
) -> None:
    """Print the exact SQL and bound parameters a screen runs, for audit.

    Example: prescreen compile --trial nl003-cli-iii-2
    """
    from prescreen.pipeline import compile_command

    compile_command(
        trial=trial,
        as_of=_parse_date(as_of, "--as-of"),
        out_path=out,
        overrides=set_ or [],
    )


@criteria_app.command("check")
def criteria_check(
    files: Annotated[list[Path], typer.Argument(help="Criteria YAML files to check.")],
) -> None:
    """Validate criteria files; report every problem with its line number.

    Example: prescreen criteria check criteria/nl003-cli-iii-2.yaml
    """
    from prescreen.criteria.check import check_files

    problems = check_files(files)
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: {len(files)} file(s) valid")


def main() -> None:
    """Console entry point: run the app, mapping errors to exit codes 1 (user) and 2 (bug)."""
    try:
        app(standalone_mode=False)
    except PrescreenError as exc:
        if _state["debug"]:
            console.print_exception()
        console.print(Text.assemble(("error: ", "red"), str(exc)), highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("aborted")
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in prescreen, not the user's input
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["debug"]:
            console.print_exception()
        else:
            console.print(
                Text.assemble(
                    ("internal error: ", "red"),
                    f"{type(exc).__name__}: {exc}\n"
                    "This is a bug in prescreen; rerun with --debug and report the traceback.",
                ),
                highlight=False,
            )
        sys.exit(2)


if __name__ == "__main__":
    main()
