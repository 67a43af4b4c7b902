"""The `forecast` flow (`prescreen newly-eligible`): load once, screen at monthly index dates.

One DuckDB connection is shared in-process by the tasks: the load task fills it and one
task per index date reads it, so the extract is read and validated once. The result is a
count of patients newly likely eligible per site and past month, not a projection.
"""

from datetime import date
from pathlib import Path

import pandas as pd
import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
from prefect import flow, get_run_logger, task
from prescreen.flows import tasks
from prescreen.flows.screen import inputs_of

from prescreen import stages
from prescreen.database import working_database
from prescreen.forecast import forecast_request, newly_eligible, newly_eligible_written
from prescreen.outputs import staged_output
from prescreen.request import ScreenRequest


@task(name="evaluate-at", **tasks._options())
def statuses_at(
    con,  # noqa: ANN001 (the flow's DuckDB connection)
    request: ScreenRequest,
    index_date: date,
    position: int,
    total: int,
) -> None:
    """Every person's status at one index date, kept in the flow's DuckDB connection."""
    stages.statuses_at(con, request, index_date, position=position, total=total)


@flow(name="forecast", persist_result=False)
def forecast(
    trial: str,
    extract_dir: Path,
    out_dir: Path,
    index_date: date,
    extract_date: date | None = None,
    months: int = 12,
    include_review: bool = False,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    exact_concepts: bool = False,
) -> pd.DataFrame:
    """forecast.csv, forecast.html, forecast.svg and run.json in `out_dir`; the published table."""
    request = forecast_request(**locals())  # the parameters are forecast_request's, one for one
    screen = request.screen
    run = stages.begin(screen, "forecast")
    with staged_output(screen.out_dir, inputs=inputs_of(screen)) as folder:
        with working_database() as con:
            tasks.load_validate(run, con, folder)
            dates = request.index_dates
            for k, day in enumerate(dates, start=1):
                statuses_at(con, screen, day, k, len(dates))
            counts = newly_eligible(con, include_review=request.include_review)
            # as a run's run.json: the code sets --exact-concepts matched without descendants
            run.manifest.extra["codesets_without_descendants"] = stages.without_descendants(
                con, screen
            )
        published = newly_eligible_written(folder, request, counts, run.manifest)
    tasks.publish_forecast(screen.out_dir, screen.trial.id, request.months)
    get_run_logger().info(
        "newly eligible over %d index dates written to %s", request.months, screen.out_dir
    )
    return published
