"""worklist.xlsx: the coordinator's patient list (contains identifiers; stays on site).

One sheet per site, one row per likely_eligible or needs_review patient, a result column
per top-level criterion (coloured by conditional formatting, so 100k rows write in
seconds), the evidence (one cell, a line per criterion), and empty columns for every manual checklist item.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import xlsxwriter

from prescreen.report.results import result_matrix

_COLOURS = {"pass": "#C6EFCE", "fail": "#FFC7CE", "unknown": "#FFEB9C", "manual": "#D9D9D9"}
_LABEL = {0: "pass", 1: "manual", 2: "unknown", 3: "fail"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
WARNING = (
    "CONTAINS PATIENT IDENTIFIERS: for the site's screening team only. "
    "Do not e-mail, upload or share outside the site."
)


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
    path: Path, criterion_result: pd.DataFrame, patients: pd.DataFrame, trial
) -> int:
    """Write the workbook; returns the number of patient rows written."""
    ids = trial.criterion_ids()
    keep = patients["status"].isin(["likely_eligible", "needs_review"]).to_numpy()
    chosen = patients.loc[keep].reset_index(drop=True)
    codes = result_matrix(criterion_result, chosen, ids)
    results = pd.DataFrame(codes, columns=ids).replace(_LABEL).astype(str)
    evidence = _evidence(criterion_result, chosen, ids)
    checklist = manual_items(trial)
    header = ["person_id", "site", "status", "n_unknown", "n_manual", *ids]
    header += ["evidence"] + [f"check {item}" for item in checklist]
    table = pd.concat(
        [chosen[["person_id", "site", "status", "n_unknown", "n_manual"]], results, evidence],
        axis=1,
    )
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        _readme(book, trial, len(chosen), checklist)
        used: set[str] = set()
        formats = _formats(book)
        for site, rows in table.groupby("site", sort=True):
            _site_sheet(
                book, formats, sheet_name(site, used), rows, header, len(ids), len(checklist)
            )
    finally:
        book.close()
    return len(chosen)


def _evidence(criterion_result, chosen, ids) -> pd.DataFrame:
    """One `evidence` column: `ID: text` lines for every criterion with evidence (one cell
    per patient, not one per criterion: xlsxwriter's cost is per cell)."""
    top = criterion_result[
        criterion_result["criterion_id"].isin(ids)
        & criterion_result["person_id"].isin(chosen["person_id"])
    ]
    top = top[top["evidence"].notna() & (top["evidence"].astype(str) != "")]
    order = {cid: i for i, cid in enumerate(ids)}
    top = top.assign(_o=top["criterion_id"].map(order)).sort_values(["person_id", "_o"])
    lines = top["criterion_id"] + ": " + top["evidence"].astype(str)
    joined = lines.groupby(top["person_id"]).agg("\n".join)
    return pd.DataFrame({"evidence": joined.reindex(chosen["person_id"]).fillna("").to_numpy()})


def _readme(book, trial, n_rows: int, checklist: list[str]) -> None:
    sheet = book.add_worksheet("README")
    bold = book.add_format({"bold": True, "font_color": "#9C0006", "font_size": 14})
    sheet.set_column(0, 0, 110)
    lines = [
        f"Trial {trial.id} v{trial.version}: {trial.title}",
        f"{n_rows} patients (likely_eligible or needs_review), one sheet per site.",
        "Result columns: pass (green), fail (red), unknown (amber: no, stale or ambiguous data), "
        "manual (grey: needs a person to check).",
        "Columns 'check …' are the manual checklist: fill them in when reviewing the chart.",
        "Checklist items: " + (", ".join(checklist) or "none"),
    ]
    sheet.write_string(0, 0, WARNING, bold)
    for i, line in enumerate(lines, start=2):
        sheet.write_string(i, 0, line)


def _formats(book) -> dict:
    """Formats are created once per workbook (xlsxwriter slows down with thousands)."""
    formats = {label: book.add_format({"bg_color": c}) for label, c in _COLOURS.items()}
    formats["head"] = book.add_format(
        {"bold": True, "bg_color": "#1F3A5F", "font_color": "white", "text_wrap": True}
    )
    formats["warn"] = book.add_format({"bold": True, "font_color": "#9C0006"})
    return formats


def _site_sheet(book, formats, name, rows: pd.DataFrame, header, n_ids: int, n_checks: int) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, WARNING, formats["warn"])
    sheet.write_row(1, 0, header, formats["head"])
    first_result, n = 5, len(rows)
    write_string, write_number = sheet.write_string, sheet.write_number
    # native Python values and typed writes: the generic write() dispatch dominates otherwise
    for i, values in enumerate(rows.astype(object).to_numpy().tolist(), start=2):
        for j, value in enumerate(values):
            if isinstance(value, str):
                if value:
                    write_string(i, j, value)
            else:
                write_number(i, j, value)
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
