"""Synthetic OMOP CDM v5.4 registry extracts for a PAD/CLI registry (deterministic per seed)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from prescreen.synth.extract import chunk_tables
from prescreen.synth.schema import EVENT_TABLES, TABLES
from prescreen.synth.sites import care_site_table, cdm_source_table, location_table
from prescreen.synth.write import ExtractWriter

CHUNK_PERSONS = 100_000
_EPOCH = date(1970, 1, 1)


def generate_extract(
    out_dir: Path,
    persons: int,
    sites: int,
    seed: int,
    fmt: str,
    extract_date: date,
    console: Console | None = None,
) -> dict[str, int]:
    """Write a synthetic extract (one file per table) into out_dir; rows per table.

    Persons are generated in chunks of CHUNK_PERSONS, each from its own seeded generator, so
    the content depends on seed and persons only (not on the format); no event lies after
    extract_date, which is also the index date the scenarios are built around.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format {fmt!r}: choose csv or parquet")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    index_day = (extract_date - _EPOCH).days
    writer = ExtractWriter(out_dir, fmt)
    progress = Progress(console=console, disable=console is None, transient=True)
    try:
        writer.write("cdm_source", cdm_source_table(extract_date))
        writer.write("care_site", care_site_table(sites))
        writer.write("location", location_table(sites))
        with progress:
            task = progress.add_task(f"generate {persons:,} persons", total=persons)
            for chunk, first in enumerate(range(0, persons, CHUNK_PERSONS)):
                n = min(CHUNK_PERSONS, persons - first)
                first_ids = {name: writer.rows[name] + 1 for name in EVENT_TABLES}
                for name, table in chunk_tables(
                    seed, chunk, first + 1, n, sites, index_day, first_ids
                ):
                    writer.write(name, table)
                progress.advance(task, n)
    finally:
        rows = writer.close()
    if console is not None:
        total = sum(rows.values())
        console.log(
            f"generate: wrote {len(TABLES)} tables, {total:,} rows, as {fmt} into {out_dir} "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return rows
