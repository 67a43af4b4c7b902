"""What a long command is doing now (prescreen.progress): each stage, file, batch and swept
value is noted in order; a terminal shows the latest as a spinner line on stderr, a pipe or
a file gets nothing; the notes name stages and counts only."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from sample_screen import SAMPLE, D

from prescreen import progress

# every note a screen with a sweep makes, in order (a pattern each, consecutive repeats
# folded): nothing else, and nothing that names a patient
EXPECTED = [
    r"loading and validating the extract",
    r"loading and validating \w+\.csv \(\d+ of 12\)",
    r"screening",
    r"status pass: batch 1 of 1",
    r"evidence pass: batch 1 of 1",
    r"assembling the results of 2,000 persons",
    r"patient status",
    r"writing patients\.csv, criteria\.parquet and criteria\.csv",
    r"sweep: E14\.hemoglobin_min=70 \(1 of 2\)",
    r"status pass: batch 1 of 1",
    r"sweep: E14\.hemoglobin_min=120 \(2 of 2\)",
    r"status pass: batch 1 of 1",
    r"writing the reports and the worklist",
    r"writing the worklist \(\d[\d,]* patients\)",
]


@pytest.mark.usefixtures("prefect_harness")
def test_a_screen_notes_each_stage_file_batch_and_value_in_order(tmp_path):
    from prescreen.flows.screen import screen

    from prescreen.request import screen_request

    made = screen_request(
        trial="nl003-cli-iii-2", extract_dir=SAMPLE, out_dir=tmp_path / "out",
        index_date=D.isoformat(), sweeps=["E14.hemoglobin_min=70,120"],
    )  # fmt: skip
    notes: list[str] = []
    with progress.collected(notes):
        screen(**made.parameters())
    folded = [n for k, n in enumerate(notes) if k == 0 or n != notes[k - 1]]
    files = [n for n in folded if n.startswith("loading and validating ") and "(" in n]
    assert len(files) == 12  # every table of the sample, one note each
    shown = [n for n in folded if n not in files[1:]]  # the files as one pattern
    assert len(shown) == len(EXPECTED), shown
    for note, pattern in zip(shown, EXPECTED, strict=True):
        assert re.fullmatch(pattern, note), (note, pattern)
    progress.note("after the run")  # nobody shows it any more: a no-op
    assert notes[-1] != "after the run"


@pytest.mark.usefixtures("prefect_harness")
def test_newly_eligible_notes_each_index_date_with_its_position(tmp_path):
    from prescreen.flows.forecast import forecast

    notes: list[str] = []
    with progress.collected(notes):
        forecast(
            trial="nl003-cli-iii-2", extract_dir=SAMPLE, out_dir=tmp_path / "out",
            index_date=D, months=2,
        )  # fmt: skip
    folded = [n for k, n in enumerate(notes) if k == 0 or n != notes[k - 1]]
    files = [n for n in folded if re.fullmatch(r"loading and validating \w+\.csv \(\d+ of 12\)", n)]
    assert len(files) == 12
    # after the load, every note in order: each date with its position, then its one
    # status pass (the sample is one batch); nothing else, and nothing that names a patient
    assert [n for n in folded if n not in files] == [
        "loading and validating the extract",
        "statuses at 2026-09-01 (date 1 of 3)",
        "status pass: batch 1 of 1",
        "statuses at 2026-10-01 (date 2 of 3)",
        "status pass: batch 1 of 1",
        "statuses at 2026-11-01 (date 3 of 3)",
        "status pass: batch 1 of 1",
    ]


def test_a_terminal_shows_the_latest_note_and_a_pipe_gets_nothing():
    piped = io.StringIO()
    with progress.shown(Console(file=piped, force_terminal=False)):
        progress.note("status pass: batch 1 of 3")
    assert piped.getvalue() == ""

    terminal = io.StringIO()
    with progress.shown(Console(file=terminal, force_terminal=True, width=80)):
        progress.note("status pass: batch 2 of 3")
    assert "status pass: batch 2 of 3" in terminal.getvalue()
