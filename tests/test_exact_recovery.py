"""No suppressed count can be worked out from all shareable outputs together (#16.5).

Small multi-site extracts are screened and reported; an attacker (reader_attack.py)
reads sites.csv, funnel.csv, evaluability.csv, sweep.csv and summary.json, and integer
programming looks for any count printed `<k` or `*`, or 1..k−1 and never printed but
implied (a site's fail count outside its top three), whose value it can pin down.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from reader_attack import read_outputs, recovered_counts

from prescreen import pipeline
from prescreen.criteria.parse import load_trial
from prescreen.database import open_database
from prescreen.extract import load_extract
from prescreen.report import ReportOptions, report_counts, write_reports

AS_OF = date(2026, 11, 1)
TRIAL = "nl003-cli-iii-2"


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _screened(tmp_path_factory, persons: int, sites: int, seed: int):
    """The committed sample (persons 0), or a generated extract of that size."""
    from prescreen.synth import generate_extract

    extract = SAMPLE
    if persons:
        extract = tmp_path_factory.mktemp(f"extract-{persons}-{sites}-{seed}")
        generate_extract(
            out_dir=extract, persons=persons, sites=sites, seed=seed, fmt="csv",
            extract_date=AS_OF, console=None,
        )  # fmt: skip
    con = open_database(None)
    report = load_extract(extract, con, extract_date=AS_OF, max_quarantine=0.05)
    trial = load_trial(TRIAL, {})
    pipeline.screen_stage(con, trial, AS_OF, "sql")
    return con, trial, report


def truth(con, trial, sweep: pd.DataFrame | None = None) -> dict:
    """The true value of every count the attacker names."""
    counts = report_counts(con, trial)
    values = {("total", k): v for k, v in counts.headline.items()}
    for row in counts.sites.itertuples(index=False):
        for col in ("screened", "likely_eligible", "needs_review", "ineligible"):
            values[("site", row.site, col)] = int(getattr(row, col))
    for row in counts.funnel.itertuples(index=False):
        for col in ("fail", "unknown", "remaining_after", "fail_any", "fail_only",
                    "gained_if_dropped", "unknown_any", "manual_any"):  # fmt: skip
            values[("funnel", row.criterion_id, col)] = int(getattr(row, col))
    computable = {c.id for c in trial.criteria if not c.manual}
    decided_all: dict = {}
    for row in counts.site_criteria.itertuples(index=False):
        k = row.criterion_id
        values[("site_fail", row.site, k)] = int(row.n_fail)
        if k in computable:
            values[("decided", row.site, k)] = int(row.n_decided)
            values[("undecided", row.site, k)] = int(row.n_unknown + row.n_manual)
            values[("site_pass", row.site, k)] = int(row.n_decided - row.n_fail)
            decided_all[k] = decided_all.get(k, 0) + int(row.n_decided)
    for k, n in decided_all.items():
        values[("decided", "All sites", k)] = n
        values[("undecided", "All sites", k)] = counts.headline["screened"] - n
    if sweep is not None:
        for i, row in enumerate(sweep.itertuples(index=False)):
            for col in ("screened", "likely_eligible", "needs_review", "ineligible"):
                values[("sweep", i, col)] = int(getattr(row, col))
    return values


# the committed sample (where today's outputs gave n_screened − n_decided = 4 away), and
# small extracts where nearly every site count is small: 300 persons on 12 sites, 120 on 5
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[(0, 4, 3), (300, 12, 1), (120, 5, 4)], ids=str)
def screened(request, tmp_path_factory):
    con, trial, report = _screened(tmp_path_factory, *request.param)
    yield con, trial, report
    con.close()


def test_no_suppressed_count_is_recovered(screened, tmp_path):
    con, trial, report = screened
    write_reports(tmp_path, con, trial=trial, provenance={"as_of": str(AS_OF)},
                  load_report=report, options=ReportOptions(min_cell=5, worklist=False))  # fmt: skip
    values = truth(con, trial)
    model = read_outputs(tmp_path, values, min_cell=5)
    marks = pd.read_csv(tmp_path / "evaluability.csv", dtype=str).isin(["<5"]).to_numpy().sum()
    assert marks > 0, "the extract should have small cells to protect"
    assert recovered_counts(model, values, small=5) == {}


def test_rounded_counts_give_no_small_count_away(screened, tmp_path):
    con, trial, report = screened
    write_reports(tmp_path, con, trial=trial, provenance={"as_of": str(AS_OF)},
                  load_report=report, options=ReportOptions(round_to=10, worklist=False))  # fmt: skip
    values = truth(con, trial)
    model = read_outputs(tmp_path, values, min_cell=5, round_to=10)
    assert recovered_counts(model, values, small=10) == {}
