"""One screen request, built once at the edge (the CLI or a flow's start), read by every stage.

The CLI and each flow turn their options into a frozen `ScreenRequest`: the trial is
parsed there (so a bad criteria file fails before anything else starts), the dates are
dates, and the options are checked. Everything below takes the request instead of a relay
of keyword arguments.

Two dates, two names: `index_date` is the screen's `--as-of` (the day the criteria are
evaluated on); `extract_date` is the data's own date (`--extract-date`, the day the
registry was exported; rows dated after it are implausible). They never share a variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prescreen.errors import CriteriaError, PrescreenError
from prescreen.outputs import WORKLIST_LIMIT

if TYPE_CHECKING:
    from prescreen.criteria.model import Trial
    from prescreen.report.options import ReportOptions

ENGINES = ("sql", "pandas")
EVIDENCE_POLICIES = ("auto", "all", "needed", "none")


@dataclass(frozen=True)
class ScreenRequest:
    """What to screen, against which trial, as of when, and how (immutable)."""

    trial: Trial
    trial_ref: str  # the packaged trial id, or the absolute path of the YAML file
    extract_dir: Path
    out_dir: Path
    index_date: date
    extract_date: date | None = None  # None: the loader's default (see stages.extract_date)
    overrides: tuple[tuple[str, str], ...] = ()
    sweeps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    engine: str = "sql"
    min_cell: int = 5
    max_quarantine: float = 0.05
    worklist: bool = True
    worklist_limit: int = WORKLIST_LIMIT
    db_path: Path | None = None
    partitions: int = 1
    round_to: int = 0
    worklist_per_site: bool = False
    csv_bom: bool = False
    criteria_csv: str = "auto"
    evidence: str = "auto"
    exact_concepts: bool = False

    @property
    def report_options(self) -> ReportOptions:
        """The report stage's options (prescreen.report.ReportOptions)."""
        from prescreen.report.options import ReportOptions

        return ReportOptions(
            min_cell=self.min_cell,
            round_to=self.round_to,
            worklist=self.worklist,
            worklist_limit=self.worklist_limit,
            worklist_per_site=self.worklist_per_site,
            csv_bom=self.csv_bom,
            criteria_csv=self.criteria_csv,
        )

    @property
    def override_map(self) -> dict[str, str]:
        """`--set` assignments as {parameter: value}."""
        return dict(self.overrides)

    @property
    def sweep_map(self) -> dict[str, list[str]]:
        """`--sweep` assignments as {parameter: [values]} (empty without --sweep)."""
        return {name: list(values) for name, values in self.sweeps}

    def parameters(self) -> dict[str, Any]:
        """JSON-able flow parameters that rebuild this request (`screen_request(**them)`)."""
        params: dict[str, Any] = {
            "trial": self.trial_ref,
            "extract_dir": str(self.extract_dir),
            "out_dir": str(self.out_dir),
            "index_date": self.index_date.isoformat(),
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
            "overrides": [f"{k}={v}" for k, v in self.overrides],
            "sweeps": [f"{k}={','.join(v)}" for k, v in self.sweeps],
            "engine": self.engine,
            "min_cell": self.min_cell,
            "max_quarantine": self.max_quarantine,
            "worklist": self.worklist,
            "worklist_limit": self.worklist_limit,
            "db_path": str(self.db_path) if self.db_path else None,
            "partitions": self.partitions,
            "round_to": self.round_to,
            "worklist_per_site": self.worklist_per_site,
            "csv_bom": self.csv_bom,
            "criteria_csv": self.criteria_csv,
            "evidence": self.evidence,
            "exact_concepts": self.exact_concepts,
        }
        return params


@dataclass(frozen=True)
class ScanRequest:
    """A registry scan: a screen of the newest extract, recorded in a results store."""

    screen: ScreenRequest  # extract_dir: the extract chosen under extract_root
    extract_root: Path  # --extract as given: an extract, or a folder of dated extracts
    store_path: Path
    registry: str
    registry_source: (
        str  # "--registry", "cdm_source.cdm_source_abbreviation", "extract folder name"
    )
    store_wait_seconds: float = 60.0

    def parameters(self, *, with_dates: bool = True) -> dict[str, Any]:
        """JSON-able flow parameters that rebuild this request (`scan_request(**them)`).

        `with_dates=False` leaves the dates out, so a scheduled run screens as of its day.
        """
        screen = self.screen.parameters()
        return {
            "trial": screen["trial"],
            "extract_dir": str(self.extract_root),
            "out_dir": screen["out_dir"],
            "store_path": str(self.store_path),
            "index_date": screen["index_date"] if with_dates else None,
            "extract_date": screen["extract_date"] if with_dates else None,
            "registry": self.registry if self.registry_source == "--registry" else None,
            "engine": screen["engine"],
            "min_cell": screen["min_cell"],
            "max_quarantine": screen["max_quarantine"],
            "store_wait_seconds": self.store_wait_seconds,
            "exact_concepts": screen["exact_concepts"],
        }


@dataclass(frozen=True)
class ForecastRequest:
    """Newly likely-eligible patients per past month: the screen at monthly index dates."""

    screen: ScreenRequest  # index_date: the last (most recent) index date
    months: int = 12
    include_review: bool = False

    def parameters(self) -> dict[str, Any]:
        """JSON-able flow parameters that rebuild this request (`forecast_request(**them)`)."""
        screen = self.screen.parameters()
        keep = ("trial", "extract_dir", "out_dir", "index_date", "extract_date", "engine",
                "min_cell", "max_quarantine", "exact_concepts")  # fmt: skip
        return {
            **{k: screen[k] for k in keep},
            "months": self.months,
            "include_review": self.include_review,
        }

    @property
    def index_dates(self) -> list[date]:
        """The screen's index date minus k months, k = months..0, oldest first."""
        from prescreen.forecast import index_dates

        return index_dates(self.screen.index_date, self.months)


def screen_request(
    *,
    trial: str,
    extract_dir: str | Path,
    out_dir: str | Path,
    index_date: str | date,
    extract_date: str | date | None = None,
    overrides: Sequence[str] | None = None,
    sweeps: Sequence[str] | None = None,
    engine: str = "sql",
    min_cell: int = 5,
    max_quarantine: float = 0.05,
    worklist: bool = True,
    worklist_limit: int = WORKLIST_LIMIT,
    db_path: str | Path | None = None,
    partitions: int = 1,
    round_to: int = 0,
    worklist_per_site: bool = False,
    csv_bom: bool = False,
    criteria_csv: str = "auto",
    evidence: str = "auto",
    exact_concepts: bool = False,
) -> ScreenRequest:
    """Check every option and parse the trial (once); raises PrescreenError on bad input.

    Accepts what a command line or a Prefect deployment gives: strings, paths, dates.
    """
    if engine not in ENGINES:
        raise PrescreenError(f"--engine {engine!r}: choose sql or pandas")
    if not 0 <= max_quarantine <= 1:
        raise PrescreenError(
            f"--max-quarantine {max_quarantine}: give a share between 0 and 1 (0.05 = 5 %)"
        )
    if worklist_limit < 0:
        raise PrescreenError(
            f"--worklist-limit {worklist_limit}: give 0 (no limit) or a number of patients"
        )
    if partitions < 1:
        raise PrescreenError(f"--partitions {partitions}: give 1 or more")
    if evidence not in EVIDENCE_POLICIES:
        raise PrescreenError(
            f"--evidence {evidence!r}: choose one of {', '.join(EVIDENCE_POLICIES)} "
            "(auto: every row where criteria.csv lists every person, else the rows someone "
            "reads)"
        )
    from prescreen.report.options import ReportOptions

    ReportOptions(  # checks --round, --criteria-csv and the rest before any data is read
        min_cell=min_cell, round_to=round_to, worklist_limit=worklist_limit,
        criteria_csv=criteria_csv,
    )  # fmt: skip
    override_map = {k: v[-1] for k, v in parse_assignments(overrides or (), "--set").items()}
    sweep_map = parse_assignments(sweeps or (), "--sweep")
    ref = trial_reference(trial)
    return ScreenRequest(
        trial=parsed_trial(ref, override_map),
        trial_ref=ref,
        extract_dir=Path(extract_dir).resolve(),
        out_dir=Path(out_dir).resolve(),
        index_date=as_date(index_date, "--as-of"),
        extract_date=None if extract_date is None else as_date(extract_date, "--extract-date"),
        overrides=tuple(sorted(override_map.items())),
        sweeps=tuple((k, tuple(v)) for k, v in sweep_map.items()),
        engine=engine,
        min_cell=int(min_cell),
        max_quarantine=float(max_quarantine),
        worklist=bool(worklist),
        worklist_limit=int(worklist_limit),
        db_path=None if db_path is None else Path(db_path).resolve(),
        partitions=int(partitions),
        round_to=int(round_to),
        worklist_per_site=bool(worklist_per_site),
        csv_bom=bool(csv_bom),
        criteria_csv=criteria_csv,
        evidence=evidence,
        exact_concepts=bool(exact_concepts),
    )


def as_date(value: str | date, option: str) -> date:
    """A date from a date or a YYYY-MM-DD string; a user error names the option."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # the right shape, but no such day
            raise PrescreenError(
                f"{option} {value!r} is not a date: {exc} (the calendar has no such day)"
            ) from None
        raise PrescreenError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


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


def trial_reference(trial: str) -> str:
    """`--trial` as the flows and the store see it: a packaged id, or an absolute YAML path.

    A relative path is made absolute here, so a scheduled run started from another
    working directory reads the same file.
    """
    from prescreen.criteria.parse import resolve_trial

    path = resolve_trial(trial)  # CriteriaError for an unknown id or a missing file
    if Path(trial).suffix.lower() in (".yaml", ".yml"):
        return str(path.resolve())
    return trial


_PARSED: dict[tuple[Any, ...], Trial] = {}


def parsed_trial(ref: str, overrides: Mapping[str, str] | None = None) -> Trial:
    """The trial `ref` with `overrides` applied, parsed once per file version and overrides.

    The CLI parses the trial to fail early and the flow it starts builds the same request:
    the second build reuses the first parse unless the file changed (size or mtime).
    """
    from prescreen.criteria.parse import load_trial, resolve_trial

    path = resolve_trial(ref)
    stat = path.stat()
    key = (
        str(path.resolve()),
        stat.st_mtime_ns,
        stat.st_size,
        tuple(sorted((overrides or {}).items())),
    )
    if key not in _PARSED:
        if len(_PARSED) > 64:  # a long-lived serving process: keep the cache small
            _PARSED.clear()
        _PARSED[key] = load_trial(ref, dict(overrides or {}))
    return _PARSED[key]


def registry_label(name: str) -> str:
    """A registry name checked for the store and the console (no control characters)."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 100 or not re.fullmatch(r"[^\x00-\x1f\x7f]+", cleaned):
        raise PrescreenError(
            f"registry name {cleaned[:40]!r}: give 1-100 printable characters (--registry)"
        )
    return cleaned
