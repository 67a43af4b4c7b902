"""The extract's file hashes (run.json provenance), computed while the tables load."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from prescreen.extract.discover import fingerprint, hashed_meanwhile


def _files(folder: Path) -> list[Path]:
    paths = []
    for n, size in enumerate([0, 10, 3 << 20]):  # empty, small, more than one chunk
        path = folder / f"f{n}.csv"
        path.write_bytes(bytes(i % 251 for i in range(size)))
        paths.append(path)
    return paths


def _lines(data: bytes) -> int:
    """Lines split at line feeds only (a CSV reader's), the last one with or without one."""
    return len(data.split(b"\n")) - (1 if not data or data.endswith(b"\n") else 0)


def test_the_hashes_are_each_files_sha256(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    with hashed_meanwhile(paths) as hashes:
        assert hashes.of(paths[1]).sha256 == hashlib.sha256(paths[1].read_bytes()).hexdigest()
        found = hashes.all()
    assert {name: f.sha256 for name, f in found.items()} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths
    }
    # a CSV file's physical lines: its line feeds, plus a last line without one
    lines = {p.name: _lines(p.read_bytes()) for p in paths}
    assert {name: f.lines for name, f in found.items()} == lines
    parquet = tmp_path / "x.parquet"
    parquet.write_bytes(b"PAR1\n\nPAR1")
    assert fingerprint(parquet).lines is None  # only plain CSV is counted


def test_a_load_that_stops_stops_the_hashing(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    with pytest.raises(RuntimeError, match="load failed"):
        with hashed_meanwhile(paths):
            raise RuntimeError("load failed")
    stop = threading.Event()
    stop.set()
    assert fingerprint(paths[2], stop).sha256 == ""  # given up at its first chunk
