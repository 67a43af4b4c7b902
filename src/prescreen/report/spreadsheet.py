"""Text cells of the workbooks prescreen writes, written as text whatever they start with.

xlsxwriter's write_string never makes a formula, but a cell such as `=HYPERLINK(…)` from
a site name would become one when a user re-saves the sheet as CSV or edits it. Such
cells carry Excel's own "text" marker (quote prefix, what typing a leading ' does), the
workbook counterpart of csv_text in sql/marts/macros.sql.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = re.compile(r"^[=+\-@\t\r]")


class TextCells:
    """Writes strings into a workbook's sheets, risky ones with a quote-prefix format."""

    def __init__(self, book: Any, base: dict[str, Any] | None = None) -> None:
        self._plain = book.add_format(base) if base else None
        self._quoted = book.add_format({**(base or {}), "quote_prefix": True})

    def write(self, sheet: Any, row: int, col: int, text: str) -> None:
        """`text` into (row, col); empty text leaves the cell empty."""
        if not text:
            return
        if FORMULA_START.match(text):
            sheet.write_string(row, col, text, self._quoted)
        elif self._plain is not None:
            sheet.write_string(row, col, text, self._plain)
        else:
            sheet.write_string(row, col, text)
