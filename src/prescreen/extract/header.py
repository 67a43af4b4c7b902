"""Read and check the header line of a CSV table file, never echoing a cell that may be data.

A file without a header makes its first data row look like one (person_id, date of birth,
registry number), so a header cell is only ever named in a message when it is an OMOP
column name of the table, or when the line is a real header (it holds at least one OMOP
column name) and the cell looks like a column name. Anything else is named by position.
"""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

from prescreen.errors import ExtractError
from prescreen.extract.tables import OmopTable

_PROBE = 1 << 20  # a header line is at most 1 MiB
_NAME_LIKE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def read_header(path: Path) -> list[str] | None:
    """The cells of line 1 as text (UTF-8 byte-order mark removed); None for an empty file."""
    raw = _first_bytes(path)
    if not raw:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise ExtractError(
            f"{path.name} is UTF-16 (or not text at all): prescreen reads UTF-8 CSV files; "
            "re-export the file as UTF-8"
        )
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    end = raw.find(b"\n")
    if end < 0 and len(raw) >= _PROBE:
        raise ExtractError(
            f"{path.name} line 1 is longer than 1 MiB, so it is no header; the file needs a "
            "header row with the OMOP column names"
        )
    line = raw[: end if end >= 0 else len(raw)].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ExtractError(
            f"{path.name} line 1 (the header) is not UTF-8 text; re-export the file as UTF-8"
        ) from None
    return next(csv.reader([text]))


def _first_bytes(path: Path) -> bytes:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        return handle.read(_PROBE)


def canonical_names(
    table: OmopTable, file_name: str, found: list[str]
) -> tuple[list[str], list[str]]:
    """(every header cell's canonical name, in file order; the cells OMOP does not define).

    Raises ExtractError for a header that cannot belong to this table: no OMOP column at all
    (a missing header), another delimiter, a column named twice, required columns missing.
    """
    if len(found) == 1 and table.columns and found[0] not in table.columns:
        for sep, label in ((";", ";"), ("\t", "tab"), ("|", "|")):
            if sep in found[0]:
                raise ExtractError(
                    f"{file_name} looks {label}-delimited: prescreen reads comma-separated "
                    "files; re-export it with ',' as the delimiter"
                )
    lowered = [c.strip().lstrip("\ufeff").lower() for c in found]
    known = set(table.columns) | set(table.datetime_for.values())
    if not known.intersection(lowered):
        raise ExtractError(
            f"{file_name}: none of the {len(lowered)} header cells is an OMOP {table.name} "
            "column name, so line 1 looks like data, not a header. Add a header row with the "
            f"OMOP column names ({', '.join(list(table.columns)[:3])}, …) as line 1"
        )
    extra = [c for c in lowered if c not in known]
    repeated = sorted({c for c in lowered if lowered.count(c) > 1})
    if repeated:
        raise ExtractError(
            f"{file_name}: {_described(repeated, lowered, known)} appear(s) twice in the header; "
            "keep one column of each name"
        )
    missing = [
        c for c in table.required if c not in lowered and table.datetime_for.get(c) not in lowered
    ]
    if missing:
        hint = f"; columns not in OMOP {table.name}: {_described(extra, lowered, known)}"
        raise ExtractError(
            f"{file_name}: missing required column(s) {', '.join(missing)} of OMOP "
            f"{table.name}{hint if extra else ''}. Rename the columns to their OMOP v5.4 names."
        )
    return lowered, extra


def describe_columns(names: list[str], lowered: list[str], table: OmopTable) -> str:
    """Header cells for a message: names when they look like column names, else positions."""
    known = set(table.columns) | set(table.datetime_for.values())
    return _described(names, lowered, known)


def _described(names: list[str], lowered: list[str], known: set[str]) -> str:
    shown = []
    for name in dict.fromkeys(names):
        if name in known or _NAME_LIKE.fullmatch(name):
            shown.append(name)
        else:  # might be a value of a data row: named by its position only
            shown.append(f"column {lowered.index(name) + 1}")
    return ", ".join(shown)
