"""Find the OMOP table files in an extract folder and fingerprint them."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from prescreen.errors import ExtractError
from prescreen.extract.tables import TABLES

_SUFFIXES = (".csv.gz", ".csv", ".parquet")


@dataclass(frozen=True)
class Discovery:
    """Which file holds which OMOP table; files that are not OMOP tables we load."""

    files: dict[str, Path]
    unknown: list[str]


def discover_files(extract_dir: Path) -> Discovery:
    """Map each recognised table (case-insensitive file name) to its one file."""
    files: dict[str, Path] = {}
    unknown: list[str] = []
    for path in sorted(p for p in extract_dir.iterdir() if p.is_file()):
        table = _table_name(path.name)
        if table is None:
            if not path.name.startswith("."):
                unknown.append(path.name)
            continue
        if table in files:
            raise ExtractError(
                f"{extract_dir}: both {files[table].name} and {path.name} hold table {table}; "
                "keep one of them"
            )
        files[table] = path
    return Discovery(files=files, unknown=unknown)


def _table_name(file_name: str) -> str | None:
    lower = file_name.lower()
    for suffix in _SUFFIXES:
        if lower.endswith(suffix):
            stem = lower.removesuffix(suffix)
            return stem if stem in TABLES else None
    return None


class Fingerprint(NamedTuple):
    """A file's SHA-256 and, for a plain CSV file, its physical line count (else None)."""

    sha256: str
    lines: int | None


def fingerprint(path: Path, stop: threading.Event | None = None) -> Fingerprint:
    """The file's SHA-256, and its lines when it is plain CSV (counted in the same read:
    a record with a line break inside a quoted value takes more than one line)."""
    digest = hashlib.sha256()
    count = path.name.lower().endswith(".csv")
    newlines, last = 0, b"\n"
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                return Fingerprint("", None)
            digest.update(chunk)
            if count:
                newlines += chunk.count(b"\n")
                last = chunk[-1:]
    lines = newlines + (0 if last == b"\n" else 1)
    return Fingerprint(digest.hexdigest(), lines if count else None)


class Fingerprints:
    """The files' fingerprints, each ready when its file has been read."""

    def __init__(self, futures: dict[str, Future[Fingerprint]]) -> None:
        self._futures = futures

    def of(self, path: Path) -> Fingerprint:
        """One file's fingerprint (waits for it: files are read in the order given)."""
        return self._futures[path.name].result()

    def all(self) -> dict[str, Fingerprint]:
        """Every file's fingerprint by name (waits for all of them)."""
        return {name: future.result() for name, future in self._futures.items()}


@contextmanager
def hashed_meanwhile(paths: Iterable[Path]) -> Iterator[Fingerprints]:
    """The files' fingerprints, computed in a thread while the caller loads them.

    Hashing reads every byte once more (3.5 GB of CSV at 1M persons: 3.3 s); hashlib and
    the file reads release the GIL, so it overlaps DuckDB's load instead of following it.
    Give the files in load order: a file's line count is asked for while it loads.
    Leaving the block early (an error) stops the hashing at its next chunk.
    """
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prescreen-sha256")
    try:
        yield Fingerprints({p.name: pool.submit(fingerprint, p, stop) for p in paths})
    finally:
        stop.set()
        pool.shutdown(wait=True)
