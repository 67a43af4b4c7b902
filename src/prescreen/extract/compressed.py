"""Check a `.csv.gz` file end to end before anything is read from it.

DuckDB's gzip reader does not verify the CRC-32 and length each gzip member ends with, so
a damaged file (a flipped bit in transfer or on disk) would load changed rows silently.
Python's gzip module does check them; one streaming pass costs about what reading costs.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from prescreen.errors import ExtractError

_CHUNK = 1 << 20


def check_gzip(path: Path) -> None:
    """Raise ExtractError naming the file unless every gzip member's CRC and length check out."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(_CHUNK):
                pass
    except EOFError:
        raise ExtractError(_damaged(path, "its data ends early or is corrupt")) from None
    except (OSError, zlib.error) as exc:
        kind = "its CRC or length does not check out"
        if "Not a gzipped file" in str(exc):
            kind = "it is not a gzip file"
        elif isinstance(exc, zlib.error):
            kind = "its compressed data is corrupt"
        raise ExtractError(_damaged(path, kind)) from None


def _damaged(path: Path, kind: str) -> str:
    return (
        f"{path.name}: damaged gzip file ({kind}); nothing from it was loaded. "
        "Copy or export the file again (`gzip -t` shows the same)"
    )
