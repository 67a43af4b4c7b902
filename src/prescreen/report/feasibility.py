"""feasibility.xlsx: the one shareable workbook of a screen (suppressed counts only).

What a feasibility analyst passes around instead of hand-copied spreadsheets: the
headline, the funnel with criterion labels, criterion impact, sites with % likely
eligible, evaluability, and the trial's assumption register. Every count comes from
`Published` (already suppressed or rounded); no person-level value is in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from prescreen.report.labels import criterion_label, share
from prescreen.report.published import Published
from prescreen.report.spreadsheet import TextCells

_HEAD = {"bold": True, "bg_color": "#1F3A5F", "font_color": "white", "text_wrap": True}


def write_feasibility(path: Path, published: Published, trial: Any, provenance: dict) -> None:
    """The workbook at `path`: About, Headline, Funnel, Impact, Sites, Evaluability,
    Assumptions (a sheet each)."""
    book = xlsxwriter.Workbook(str(path))
    try:
        cells = _Writer(book)
        _about(cells, book.add_worksheet("About"), published, trial, provenance)
        _headline(cells, book.add_worksheet("Headline"), published)
        _funnel(cells, book.add_worksheet("Funnel"), published)
        _impact(cells, book.add_worksheet("Impact"), published)
        _sites(cells, book.add_worksheet("Sites"), published)
        _evaluability(cells, book.add_worksheet("Evaluability"), published, trial)
        _assumptions(cells, book.add_worksheet("Assumptions"), trial)
    finally:
        book.close()


class _Writer:
    """Counts as numbers when published, marks (`<5`, `*`) as text; text as text."""

    def __init__(self, book) -> None:
        self.head = book.add_format(_HEAD)
        self.bold = book.add_format({"bold": True})
        self.pct = book.add_format({"num_format": "0.0%"})
        self.text = TextCells(book, {"text_wrap": True, "valign": "top"})

    def header(self, sheet, row: int, names: list[str]) -> None:
        sheet.write_row(row, 0, names, self.head)

    def count(self, sheet, row: int, col: int, text: str) -> None:
        if text.isdigit():
            sheet.write_number(row, col, int(text))
        else:
            self.text.write(sheet, row, col, text)

    def share(self, sheet, row: int, col: int, text: str) -> None:
        try:
            sheet.write_number(row, col, float(text), self.pct)
        except ValueError:
            self.text.write(sheet, row, col, text)


def _about(w: _Writer, sheet, published: Published, trial, provenance: dict) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 90)
    rows = [
        ("Trial", f"{trial.id} v{trial.version}: {trial.title}"),
        ("Registry id", trial.registry_id or ""),
        ("Index date (as of)", str(provenance.get("index_date") or provenance.get("as_of", ""))),
        ("Extract date", str(provenance.get("extract_date") or provenance.get("as_of", ""))),
        ("Criteria SHA-256", str(provenance.get("trial", {}).get("criteria_sha256", ""))),
        ("prescreen version", str(provenance.get("prescreen_version", ""))),
        ("Small counts", published.protection),
        ("Content", "Aggregate counts only: no person-level data."),
    ]
    for i, (name, value) in enumerate(rows):
        sheet.write_string(i, 0, name, w.bold)
        w.text.write(sheet, i, 1, value)


def _headline(w: _Writer, sheet, published: Published) -> None:
    w.header(sheet, 0, ["status", "patients", "% of screened"])
    head = published.headline
    for i, key in enumerate(["screened", "likely_eligible", "needs_review", "ineligible"], start=1):
        sheet.write_string(i, 0, key)
        w.count(sheet, i, 1, head[key])
        w.share(sheet, i, 2, share(head[key], head["screened"]))
    sheet.set_column(0, 2, 18)


def _funnel(w: _Writer, sheet, published: Published) -> None:
    names = ["step", "criterion", "label", "kind", "before", "fail", "unknown", "after",
             "% of screened remaining"]  # fmt: skip
    w.header(sheet, 0, names)
    screened = published.headline["screened"]
    for i, r in enumerate(published.funnel.itertuples(index=False), start=1):
        sheet.write_number(i, 0, int(r.step))
        sheet.write_string(i, 1, r.criterion_id)
        w.text.write(sheet, i, 2, r.label)
        sheet.write_string(i, 3, r.kind)
        for col, value in enumerate((r.remaining_before, r.fail, r.unknown, r.remaining_after), 4):
            w.count(sheet, i, col, value)
        w.share(sheet, i, 8, share(r.remaining_after, screened))
    sheet.set_column(0, 1, 9)
    sheet.set_column(2, 2, 40)
    sheet.set_column(3, 8, 12)


def _impact(w: _Writer, sheet, published: Published) -> None:
    names = ["criterion", "label", "fail (any)", "fail only this", "gained if dropped",
             "unknown", "manual"]  # fmt: skip
    w.header(sheet, 0, names)
    for i, r in enumerate(published.funnel.itertuples(index=False), start=1):
        sheet.write_string(i, 0, r.criterion_id)
        w.text.write(sheet, i, 1, r.label)
        values = (r.fail_any, r.fail_only, r.gained_if_dropped, r.unknown_any, r.manual_any)
        for col, value in enumerate(values, 2):
            w.count(sheet, i, col, value)
    sheet.set_column(0, 0, 9)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 6, 12)


def _sites(w: _Writer, sheet, published: Published) -> None:
    names = ["site", "screened", "likely eligible", "% likely eligible", "needs review",
             "ineligible", "top failing criteria"]  # fmt: skip
    w.header(sheet, 0, names)
    for i, r in enumerate(published.sites.itertuples(index=False), start=1):
        w.text.write(sheet, i, 0, r.site)
        w.count(sheet, i, 1, r.screened)
        w.count(sheet, i, 2, r.likely_eligible)
        w.share(sheet, i, 3, r.share_likely_eligible)
        w.count(sheet, i, 4, r.needs_review)
        w.count(sheet, i, 5, r.ineligible)
        w.text.write(sheet, i, 6, r.top_failing)
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 5, 12)
    sheet.set_column(6, 6, 36)


def _evaluability(w: _Writer, sheet, published: Published, trial) -> None:
    """Sites × computable criteria: the share the data decided (hidden: `*`)."""
    table = published.evaluability
    ids = list(dict.fromkeys(table["criterion_id"]))
    labels = {c.id: criterion_label(c) for c in trial.criteria}
    w.header(sheet, 0, ["site", *[f"{cid} {labels[cid]}" for cid in ids]])
    sites = list(dict.fromkeys(table["site"]))
    shares = {(r.site, r.criterion_id): r.share_decided for r in table.itertuples(index=False)}
    for i, site in enumerate(sites, start=1):
        w.text.write(sheet, i, 0, site)
        for j, cid in enumerate(ids, start=1):
            w.share(sheet, i, j, shares[(site, cid)])
    note = len(sites) + 2
    sheet.write_string(note, 0, "Share of screened patients whose data decided the criterion "
                                "(pass or fail rather than unknown).")  # fmt: skip
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, max(len(ids), 1), 14)
    sheet.set_row(0, 45)


def _assumptions(w: _Writer, sheet, trial) -> None:
    w.header(sheet, 0, ["id", "criteria", "text says", "assumed", "why"])
    for i, a in enumerate(trial.assumptions, start=1):
        sheet.write_string(i, 0, str(a.get("id", "")))
        sheet.write_string(i, 1, ", ".join(a.get("criteria", [])))
        for col, key in enumerate(("text_says", "assumed", "why"), start=2):
            w.text.write(sheet, i, col, str(a.get(key, "")))
    sheet.set_column(0, 1, 10)
    sheet.set_column(2, 4, 50)
