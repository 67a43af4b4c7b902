"""worklist.xlsx: what a coordinator opens next to the chart (identifiers: stays on site).

One row per listed likely_eligible or needs_review patient: person_id and the registry
number (person_source_value) side by side, status, the target limb, a result column per
top-level criterion (coloured by conditional formatting), the evidence in a column per
criterion (wrapped, readable in the cell), and a `check …` column with a drop-down for
every manual checklist item. One sheet per site; with `per_site`, one workbook per site
instead, each for that site's team only.

At registry scale there are millions of such patients: more than Excel's 1,048,576 rows a
sheet and hours of a coordinator's time. The list is capped (`limit`, default 50,000 in
total, and never more than a sheet holds): likely_eligible first, then needs_review, the
sites taking turns within each (sql/marts/worklist_order.sql), so every site's sheet gets
its share whatever order the registry numbers its persons in; the README sheet says how
many were left out and where the full list is. Rows stream from DuckDB in batches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from prescreen import outputs, progress
from prescreen.outputs import WORKLIST_LIMIT
from prescreen.report.labels import cut_at_word
from prescreen.report.spreadsheet import TextCells
from prescreen.result_store import output_positions, read_labels
from prescreen.sqltext import read_sql, render

DEFAULT_LIMIT = WORKLIST_LIMIT
SHEET_NAME_CHARS = 31  # Excel's limit
CHECK_VALUES = ["pass", "fail", "unclear"]
_BATCH = 10_000  # patients per Arrow batch (bounds the Python objects alive at once)
# Up to this many patient rows a workbook keeps its cells in memory and writes each
# distinct text once (Excel's shared strings): the four result labels fill almost half the
# cells, and an in-line string costs xlsxwriter its escaping on every cell. At 50,000 rows
# (the default cap) the report stage took 15.0 s instead of 16.8 s, for 0.2 GB more
# memory (bench/notes.md); above it, rows stream to disk (constant memory), so an uncapped
# worklist of a national registry stays bounded.
SHARED_STRINGS_MAX_ROWS = WORKLIST_LIMIT
_COLOURS = {"pass": "#C6EFCE", "fail": "#FFC7CE", "unknown": "#FFEB9C", "manual": "#D9D9D9"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_PERSON_COLUMNS = [
    "person_id",
    "person_source_value",
    "site",
    "status",
    "n_unknown",
    "n_manual",
    "target_limb",
]
_SHARE_WARNING = "Do not e-mail, upload or share outside the site."


@dataclass(frozen=True)
class WorklistSelection:
    """How many patients the worklist lists, out of how many candidates."""

    shown: int
    candidates: int  # likely_eligible + needs_review patients
    limit: int  # the cap asked for; 0 = none (Excel's per-sheet limit still applies)

    @property
    def complete(self) -> bool:
        return self.shown == self.candidates

    def note(self) -> str:
        """One sentence for local outputs (README sheet, console): exact counts."""
        return truncation_note(f"{self.shown:,}", f"{self.candidates:,}", self.limit)


def truncation_note(shown: str, candidates: str, limit: int) -> str:
    """`worklist.xlsx shows N of M …; the full list is patients.csv / criteria.csv …`."""
    cap = f"--worklist-limit {limit}" if limit else "no --worklist-limit"
    return (
        f"worklist.xlsx shows {shown} of {candidates} likely_eligible / needs_review patients "
        f"({cap}; at most {outputs.WORKLIST_SHEET_MAX:,} per site sheet, Excel's row limit; "
        "likely_eligible first, then needs_review, the sites taking turns); "
        "the full list is patients.csv / criteria.csv (criteria.parquet when criteria.csv "
        "holds the worklist's patients only)."
    )


def select_worklist(
    con: duckdb.DuckDBPyConnection, limit: int = DEFAULT_LIMIT
) -> WorklistSelection:
    """Leave the table `worklist_person` (who the worklist lists) and say how many.

    At most `limit` in total (0 = no limit) and outputs.WORKLIST_SHEET_MAX per site;
    likely_eligible before needs_review, the sites taking turns within each (the order
    the evidence pass uses too: sql/marts/worklist_order.sql). Needs `patient_status`.
    """
    if limit < 0:
        raise ValueError(f"worklist limit {limit}: use 0 (no limit) or a positive number")
    params = {"limit": limit, "sheet_max": outputs.WORKLIST_SHEET_MAX}
    order = render(read_sql("marts/worklist_order.sql"), sites="person_site")
    con.execute(render(read_sql("marts/worklist_person.sql"), order=order), params)
    shown, candidates = con.execute(read_sql("marts/worklist_counts.sql")).fetchall()[0]
    return WorklistSelection(shown=int(shown), candidates=int(candidates), limit=limit)


def sheet_name(site: str, used: set[str]) -> str:
    """Excel-safe, unique sheet name: ≤31 chars cut at a word boundary, none of []:*?/\\,
    not blank or 'README'."""
    base = " ".join(_BAD_SHEET_CHARS.sub("_", str(site)).split()).strip("'").strip() or "site"
    name, n = cut_at_word(base, SHEET_NAME_CHARS, ellipsis=""), 2
    while name.lower() in used or name.lower() == "readme":
        suffix = f" ({n})"
        name, n = cut_at_word(base, SHEET_NAME_CHARS - len(suffix), ellipsis="") + suffix, n + 1
    used.add(name.lower())
    return name


def workbook_name(site: str, site_id: int | None) -> str:
    """`worklist-<site>.xlsx` for one site's workbook: ASCII, ≤ 80 chars, unique by id."""
    slug = re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-")[:60].strip("-") or "site"
    return f"worklist-{slug}" + (f"-{site_id}" if site_id is not None else "") + ".xlsx"


def manual_items(trial: Any) -> list[str]:
    """Checklist ids: manual top-level criteria and manual sub-rules, in protocol order."""
    items = []
    for c in trial.criteria:
        if c.manual:
            items.append(c.id)
        items.extend(s.id for s in c.subrules if s.manual)
    return items


def write_worklists(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    trial: Any,
    selection: WorklistSelection,
    *,
    per_site: bool = False,
) -> list[str]:
    """worklist.xlsx (a sheet per site), or with `per_site` one workbook per site.

    Needs `worklist_person` (select_worklist). Returns the file names written.
    """
    progress.note(f"writing the worklist ({selection.shown:,} patients)")
    layout = _Layout(trial)
    written: list[str] = []
    book = None
    try:
        for (site, site_id), rows in _site_rows(con, trial):
            if per_site or book is None:
                if book is not None:
                    book.close()
                name = workbook_name(site, site_id) if per_site else "worklist.xlsx"
                book = _Book(folder / name, trial, selection, layout, site if per_site else None)
                written.append(name)
            book.add_site(site, rows)
        if book is None and not per_site:  # nobody listed: the README alone says so
            book = _Book(folder / "worklist.xlsx", trial, selection, layout, None)
            written.append("worklist.xlsx")
    finally:
        if book is not None:
            book.close()
    return written


def _site_rows(con, trial) -> Iterator[tuple[tuple[str, int | None], Iterator[dict]]]:
    """(site, site_id) and an iterator of its rows, sites in workbook order."""
    ids = trial.criterion_ids()
    ords = output_positions(read_labels(con), ids)
    relation = con.sql(read_sql("marts/worklist_row.sql"), params={"ids": ids, "ords": ords})
    rows = (row for batch in relation.to_arrow_reader(_BATCH) for row in batch.to_pylist())
    return groupby(rows, key=lambda row: (row["site"], row["site_id"]))


class _Layout:
    """Column order and widths of a site sheet."""

    def __init__(self, trial: Any) -> None:
        self.ids = trial.criterion_ids()
        self.checks = manual_items(trial)
        self.first_result = len(_PERSON_COLUMNS)
        self.first_evidence = self.first_result + len(self.ids)
        self.first_check = self.first_evidence + len(self.ids)
        self.header = [
            *_PERSON_COLUMNS,
            *self.ids,
            *(f"evidence {cid}" for cid in self.ids),
            *(f"check {item}" for item in self.checks),
        ]


class _Book:
    """One workbook being written, rows in order, sheet after sheet (SHARED_STRINGS_MAX_ROWS
    says when its cells stream to disk)."""

    def __init__(self, path, trial, selection, layout: _Layout, site: str | None) -> None:
        # the worklist's length bounds every workbook's rows (one per site: fewer)
        streamed = selection.shown > SHARED_STRINGS_MAX_ROWS
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": streamed})
        self.layout = layout
        self.used: set[str] = set()
        self.formats = _formats(self.book)
        self.text = TextCells(self.book)
        self.evidence = TextCells(self.book, {"text_wrap": True, "valign": "top"})
        self.warning = _warning(site)
        _readme(self.book, trial, selection, layout.checks, self.warning, site)

    def add_site(self, site: str, rows: Iterator[dict]) -> None:
        sheet = self.book.add_worksheet(sheet_name(site, self.used))
        sheet.write_string(0, 0, self.warning, self.formats["warn"])
        sheet.write_row(1, 0, self.layout.header, self.formats["head"])
        n = _write_rows(sheet, rows, self.layout, self.text, self.evidence)
        _finish_sheet(sheet, self.formats, n, self.layout)

    def close(self) -> None:
        self.book.close()


def _warning(site: str | None) -> str:
    if site is None:
        return (
            "CONTAINS PATIENT IDENTIFIERS of every site: for the registry's screening "
            "coordinator only; give each site's team only its own sheet, or write one "
            f"workbook per site (prescreen run --worklist-per-site). {_SHARE_WARNING}"
        )
    return f"CONTAINS PATIENT IDENTIFIERS: for the screening team of {site} only. {_SHARE_WARNING}"


def _write_rows(sheet, rows: Iterator[dict], layout: _Layout, text, evidence) -> int:
    """Patient rows from row 3 on; returns how many. Typed writes (the generic write()
    dispatch dominates otherwise); empty cells are not written."""
    write_string, write_number = sheet.write_string, sheet.write_number
    n = 0
    for i, row in enumerate(rows, start=2):
        for j, column in enumerate(_PERSON_COLUMNS):
            value = row[column]
            if isinstance(value, str):
                text.write(sheet, i, j, value)
            elif value is not None:
                write_number(i, j, value)
        for j, result in enumerate(row["results"], start=layout.first_result):
            write_string(i, j, result)
        for j, line in enumerate(row["evidence"], start=layout.first_evidence):
            evidence.write(sheet, i, j, line or "")
        n += 1
    return n


def _readme(book, trial, selection, checklist, warning: str, site: str | None) -> None:
    sheet = book.add_worksheet("README")
    bold = book.add_format({"bold": True, "font_color": "#9C0006", "font_size": 14})
    sheet.set_column(0, 0, 110)
    scope = f"the patients of {site}" if site else "one sheet per site"
    lines = [
        f"Trial {trial.id} v{trial.version}: {trial.title}",
        f"{selection.shown} patients (likely_eligible or needs_review) in the worklist; "
        f"this workbook: {scope}.",
        "person_source_value is the registry number to look the patient up with.",
        "Result columns: pass (green), fail (red), unknown (amber: no, stale or ambiguous data), "
        "manual (grey: needs a person to check); 'evidence …' columns say what decided each.",
        "target_limb: the limb(s) through which the patient qualifies or comes closest.",
        "Columns 'check …' are the manual checklist: pick pass, fail or unclear when reviewing "
        "the chart.",
        "Checklist items: " + (", ".join(checklist) or "none"),
    ]
    sheet.write_string(0, 0, warning, bold)
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


def _finish_sheet(sheet, formats, n: int, layout: _Layout) -> None:
    last_row = max(n + 1, 2)
    first, last = layout.first_result, layout.first_evidence - 1
    if layout.ids:
        for label in _COLOURS:
            sheet.conditional_format(
                2,
                first,
                last_row,
                last,
                {"type": "cell", "criteria": "==", "value": f'"{label}"', "format": formats[label]},
            )
    if layout.checks:
        sheet.data_validation(
            2,
            layout.first_check,
            last_row,
            layout.first_check + len(layout.checks) - 1,
            {
                "validate": "list",
                "source": CHECK_VALUES,
                "input_title": "Chart check",
                "input_message": "pass: meets it for the trial; fail: excludes the patient; "
                "unclear: ask the investigator",
            },
        )
    sheet.freeze_panes(2, 2)
    sheet.autofilter(1, 0, last_row, len(layout.header) - 1)
    sheet.set_column(0, 1, 14)
    sheet.set_column(2, 2, 24)
    sheet.set_column(3, len(_PERSON_COLUMNS) - 1, 11)
    if layout.ids:
        sheet.set_column(first, last, 8)
        sheet.set_column(layout.first_evidence, layout.first_check - 1, 36)
    if layout.checks:
        sheet.set_column(layout.first_check, len(layout.header) - 1, 12)
