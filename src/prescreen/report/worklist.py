"""worklist.xlsx: the coordinator's patient list (contains identifiers; stays on site).

One sheet per site, one row per listed likely_eligible or needs_review patient, a result
column per top-level criterion (coloured by conditional formatting, so 100k rows write in
seconds), the evidence (one cell, a line per criterion), and empty columns for every
manual checklist item.

At registry scale there are millions of such patients: more than Excel's 1,048,576 rows a
sheet and hours of a coordinator's time. The list is capped (`limit`, default 50,000 in
total, and never more than a sheet holds): likely_eligible first, then needs_review, each
by person_id; the README sheet says how many were left out and where the full list is.
Evidence is read from DuckDB for the listed patients only, streamed in batches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import xlsxwriter

from prescreen.outputs import WORKLIST_LIMIT
from prescreen.report.results import LABELS, ResultCodes, Results, codes_for
from prescreen.sqltext import read_sql

DEFAULT_LIMIT = WORKLIST_LIMIT
EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet, Excel's limit
SHEET_MAX_PATIENTS = EXCEL_MAX_ROWS - 2  # below the warning row and the header row
LISTED = ("likely_eligible", "needs_review")  # in the order the cap picks them
_CHUNK = 10_000  # patients per batch of rows (bounds the Python objects alive at once)
_COLOURS = {"pass": "#C6EFCE", "fail": "#FFC7CE", "unknown": "#FFEB9C", "manual": "#D9D9D9"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
WARNING = (
    "CONTAINS PATIENT IDENTIFIERS: for the site's screening team only. "
    "Do not e-mail, upload or share outside the site."
)


@dataclass(frozen=True)
class WorklistSelection:
    """Who the worklist lists: positions in `patients` (patients order) and out of how many."""

    rows: np.ndarray
    candidates: int  # likely_eligible + needs_review patients
    limit: int  # the cap asked for; 0 = none (Excel's per-sheet limit still applies)

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> bool:
        return self.shown == self.candidates

    def note(self) -> str:
        """One sentence for local outputs (README sheet, console): exact counts."""
        return truncation_note(f"{self.shown:,}", f"{self.candidates:,}", self.limit)


def truncation_note(shown: str, candidates: str, limit: int) -> str:
    """`worklist.xlsx shows N of M …; the full list is patients.csv / criteria.csv`."""
    cap = f"--worklist-limit {limit}" if limit else "no --worklist-limit"
    return (
        f"worklist.xlsx shows {shown} of {candidates} likely_eligible / needs_review patients "
        f"({cap}; at most {SHEET_MAX_PATIENTS:,} per site sheet, Excel's row limit; "
        "likely_eligible first, then needs_review, each by person_id); "
        "the full list is patients.csv / criteria.csv."
    )


def worklist_selection(patients: pd.DataFrame, limit: int = DEFAULT_LIMIT) -> WorklistSelection:
    """The patients the worklist lists: at most `limit` in total (0 = no limit) and at most
    SHEET_MAX_PATIENTS per site; likely_eligible before needs_review, then by person_id."""
    if limit < 0:
        raise ValueError(f"worklist limit {limit}: use 0 (no limit) or a positive number")
    rank = np.full(len(patients), len(LISTED), dtype="int8")
    for i, status in enumerate(LISTED):
        rank[patients["status"].eq(status).to_numpy(dtype=bool)] = i
    candidates = np.flatnonzero(rank < len(LISTED))
    person = patients["person_id"].to_numpy()[candidates]
    order = candidates[np.lexsort((person, rank[candidates]))]
    site = pd.Series(pd.factorize(patients["site"])[0][order])  # ints, not millions of str
    order = order[site.groupby(site, sort=False).cumcount().to_numpy() < SHEET_MAX_PATIENTS]
    if limit:
        order = order[:limit]
    return WorklistSelection(rows=np.sort(order), candidates=len(candidates), limit=limit)


def sheet_name(site: str, used: set[str]) -> str:
    """Excel-safe, unique sheet name: ≤31 chars, none of []:*?/\\, not blank or 'README'."""
    base = _BAD_SHEET_CHARS.sub("_", str(site)).strip("'").strip() or "site"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used or name.lower() == "readme":
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def manual_items(trial) -> list[str]:
    """Checklist ids: manual top-level criteria and manual sub-rules, in protocol order."""
    items = []
    for c in trial.criteria:
        if c.manual:
            items.append(c.id)
        items.extend(s.id for s in c.subrules if s.manual)
    return items


def write_worklist(
    path: Path,
    results: Results,
    patients: pd.DataFrame,
    trial,
    *,
    limit: int = DEFAULT_LIMIT,
    con: duckdb.DuckDBPyConnection | None = None,
    selection: WorklistSelection | None = None,
) -> WorklistSelection:
    """Write the workbook; returns who it lists (`selection.shown` patient rows).

    `results`: the long criterion_result frame or `ResultCodes` aligned with `patients`.
    `con`: a DuckDB connection whose table `criterion_result` holds the evidence (the
    in-database path); without it the evidence comes from `results`, then a frame.
    """
    selection = selection or worklist_selection(patients, limit)
    ids = trial.criterion_ids()
    chosen = patients.iloc[selection.rows].reset_index(drop=True)
    labels = np.array(LABELS, dtype=object)[codes_for(results, patients, ids)[selection.rows]]
    # sheets in site order, patients in person_id order within a site; the evidence cells
    # stream in exactly this row order
    by_site = np.argsort(chosen["site"].to_numpy(dtype=object), kind="stable")
    chosen, labels = chosen.iloc[by_site].reset_index(drop=True), labels[by_site]
    checklist = manual_items(trial)
    header = ["person_id", "site", "status", "n_unknown", "n_manual", *ids]
    header += ["evidence"] + [f"check {item}" for item in checklist]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        _readme(book, trial, selection, checklist)
        formats = _formats(book)
        used: set[str] = set()
        with _evidence_source(results, con) as source:
            cells = _evidence_cells(source, chosen["person_id"].to_numpy(), ids)
            try:
                for site, rows in _site_runs(chosen["site"].to_numpy(dtype=object)):
                    sheet = _site_sheet(book, formats, sheet_name(site, used), header)
                    _write_rows(sheet, chosen.iloc[rows], labels[rows], cells)
                    n_rows = rows.stop - rows.start
                    _finish_sheet(sheet, formats, n_rows, header, len(ids), len(checklist))
            finally:
                cells.close()
    finally:
        book.close()
    return selection


def _site_runs(sites: np.ndarray) -> Iterator[tuple[str, slice]]:
    """(site, slice of its rows) for each run of equal sites in an array sorted by site."""
    starts = [0, *(np.flatnonzero(sites[1:] != sites[:-1]) + 1).tolist()]
    for start, stop in zip(starts, [*starts[1:], len(sites)], strict=True):
        if stop > start:
            yield sites[start], slice(start, stop)


@contextmanager
def _evidence_source(
    results: Results, con: duckdb.DuckDBPyConnection | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with a `criterion_result` table or view: `con`, or the frame registered."""
    if con is not None:
        yield con
        return
    if isinstance(results, ResultCodes):
        raise ValueError("the worklist shows evidence: pass the DuckDB connection holding it")
    local = duckdb.connect()
    try:
        local.register("criterion_result", results)
        yield local
    finally:
        local.close()


def _evidence_cells(
    con: duckdb.DuckDBPyConnection, person_ids: np.ndarray, ids: Sequence[str]
) -> Iterator[str]:
    """One evidence cell per person of `person_ids`, in that order, streamed from DuckDB."""
    shown = pa.table(
        {
            "person_id": pa.array(person_ids, pa.int64()),
            "row": pa.array(np.arange(len(person_ids)), pa.int64()),
        }
    )
    con.register("worklist_person", shown)
    try:
        relation = con.sql(read_sql("report/worklist_evidence.sql"), params={"ids": list(ids)})
        for batch in relation.to_arrow_reader(_CHUNK):
            yield from batch.column("evidence").to_pylist()
    finally:
        con.unregister("worklist_person")


def _readme(book, trial, selection: WorklistSelection, checklist: list[str]) -> None:
    sheet = book.add_worksheet("README")
    bold = book.add_format({"bold": True, "font_color": "#9C0006", "font_size": 14})
    sheet.set_column(0, 0, 110)
    lines = [
        f"Trial {trial.id} v{trial.version}: {trial.title}",
        f"{selection.shown} patients (likely_eligible or needs_review), one sheet per site.",
        "Result columns: pass (green), fail (red), unknown (amber: no, stale or ambiguous data), "
        "manual (grey: needs a person to check).",
        "Columns 'check …' are the manual checklist: fill them in when reviewing the chart.",
        "Checklist items: " + (", ".join(checklist) or "none"),
    ]
    sheet.write_string(0, 0, WARNING, bold)
    for i, line in enumerate(lines, start=2):
        sheet.write_string(i, 0, line)
    if not selection.complete:
        sheet.write_string(
            len(lines) + 3, 0, "NOT EVERY PATIENT IS LISTED: " + selection.note(), bold
        )


def _formats(book) -> dict:
    """Formats are created once per workbook (xlsxwriter slows down with thousands)."""
    formats = {label: book.add_format({"bg_color": c}) for label, c in _COLOURS.items()}
    formats["head"] = book.add_format(
        {"bold": True, "bg_color": "#1F3A5F", "font_color": "white", "text_wrap": True}
    )
    formats["warn"] = book.add_format({"bold": True, "font_color": "#9C0006"})
    return formats


def _site_sheet(book, formats, name: str, header: list[str]):
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, WARNING, formats["warn"])
    sheet.write_row(1, 0, header, formats["head"])
    return sheet


def _write_rows(sheet, rows: pd.DataFrame, labels: np.ndarray, cells: Iterator[str]) -> None:
    """Patient rows from row 3 on, `_CHUNK` at a time (constant-memory mode writes in order)."""
    write_string, write_number = sheet.write_string, sheet.write_number
    columns = ["person_id", "site", "status", "n_unknown", "n_manual"]
    for start in range(0, len(rows), _CHUNK):
        part = rows.iloc[start : start + _CHUNK][columns].astype(object).to_numpy().tolist()
        # native Python values and typed writes: the generic write() dispatch dominates otherwise
        for i, (values, results) in enumerate(
            zip(part, labels[start : start + _CHUNK].tolist(), strict=True), start=start + 2
        ):
            for j, value in enumerate([*values, *results, next(cells)]):
                if isinstance(value, str):
                    if value:
                        write_string(i, j, value)
                else:
                    write_number(i, j, value)


def _finish_sheet(sheet, formats, n: int, header: list[str], n_ids: int, n_checks: int) -> None:
    first_result = 5
    last_row = max(n + 1, 2)
    for label in _COLOURS:
        sheet.conditional_format(
            2,
            first_result,
            last_row,
            first_result + n_ids - 1,
            {"type": "cell", "criteria": "==", "value": f'"{label}"', "format": formats[label]},
        )
    sheet.freeze_panes(2, 1)
    sheet.autofilter(1, 0, last_row, len(header) - 1)
    sheet.set_column(0, 4, 12)
    sheet.set_column(first_result, first_result + n_ids - 1, 8)
    sheet.set_column(first_result + n_ids, first_result + n_ids, 60)
    if n_checks:
        sheet.set_column(len(header) - n_checks, len(header) - 1, 14)
