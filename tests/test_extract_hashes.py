"""The extract's file hashes (run.json provenance), computed while the tables load."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from prescreen.extract.discover import file_sha256, hashed_meanwhile


def _files(folder: Path) -> list[Path]:
    paths = []
    for n, size in enumerate([0, 10, 3 << 20]):  # empty, small, more than one chunk
        path = folder / f"f{n}.csv"
        path.write_bytes(bytes(i % 251 for i in range(size)))
        paths.append(path)
    return paths


def test_the_hashes_are_each_files_sha256(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    with hashed_meanwhile(paths) as hashes:
        found = hashes.result()
    assert found == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_a_load_that_stops_stops_the_hashing(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    with pytest.raises(RuntimeError, match="load failed"):
        with hashed_meanwhile(paths):
            raise RuntimeError("load failed")
    stop = threading.Event()
    stop.set()
    assert file_sha256(paths[2], stop) == ""  # given up at its first chunk
