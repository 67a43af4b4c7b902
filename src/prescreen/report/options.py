"""How a screen's outputs are written: the report stage's options, checked once."""

from __future__ import annotations

from dataclasses import dataclass

from prescreen.errors import PrescreenError
from prescreen.outputs import EVERY_ROW_MAX_PERSONS, WORKLIST_LIMIT

CRITERIA_CSV_MODES = ("auto", "all", "worklist")
# `--criteria-csv auto` writes every person's rows up to this many screened persons
# (≈ 68 rows and ~7 KB of CSV per person for NL003: ~140 MB), else the worklist's only;
# `--evidence auto` gives every row evidence up to the same number
CRITERIA_CSV_ALL_MAX_PERSONS = EVERY_ROW_MAX_PERSONS


@dataclass(frozen=True)
class ReportOptions:
    """Options of `write_reports` (the CLI's `prescreen run` flags in brackets).

    min_cell: small-cell threshold k: counts 1..k−1 of shareable outputs are hidden
        (`--min-cell`, ≥ 1).
    round_to: instead of suppressing, publish every count rounded up to a multiple of N
        (TriNetX style; `--round N`, 0 = suppress with `min_cell`).
    worklist: write worklist.xlsx (`--worklist/--no-worklist`).
    worklist_limit: at most this many patients in the worklist (`--worklist-limit`,
        0 = only Excel's rows per sheet).
    worklist_per_site: also one workbook per site, `worklist-<site>.xlsx`, each for that
        site's screening team (`--worklist-per-site`).
    csv_bom: start every CSV with a UTF-8 byte-order mark, so Excel on Windows reads
        accents right (`--csv-bom`).
    criteria_csv: who criteria.csv lists: `all` persons, the `worklist` persons, or
        `auto` (all up to CRITERIA_CSV_ALL_MAX_PERSONS screened, else the worklist's);
        criteria.parquet always holds everyone (`--criteria-csv`).
    """

    min_cell: int = 5
    round_to: int = 0
    worklist: bool = True
    worklist_limit: int = WORKLIST_LIMIT
    worklist_per_site: bool = False
    csv_bom: bool = False
    criteria_csv: str = "auto"

    def __post_init__(self) -> None:
        if self.min_cell < 1:
            raise PrescreenError(
                f"--min-cell {self.min_cell}: give 1 or more (5 is usual; 1 publishes every "
                "count) — a threshold below 1 would suppress nothing and mislead the reader"
            )
        if self.round_to < 0:
            raise PrescreenError(
                f"--round {self.round_to}: give 0 (suppress small counts) or a positive "
                "multiple to round counts up to, e.g. --round 10"
            )
        if self.worklist_limit < 0:
            raise PrescreenError(
                f"--worklist-limit {self.worklist_limit}: give 0 (no limit) or a number of patients"
            )
        if self.criteria_csv not in CRITERIA_CSV_MODES:
            raise PrescreenError(
                f"--criteria-csv {self.criteria_csv!r}: choose one of "
                f"{', '.join(CRITERIA_CSV_MODES)}"
            )
