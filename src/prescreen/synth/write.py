"""Chunked writers: one file per OMOP table, CSV (appended) or Parquet (row groups)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from prescreen.synth.schema import TABLES, schema


class ExtractWriter:
    """Writers for every table of one extract folder; `write` appends a chunk."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self.rows = {name: 0 for name in TABLES}
        self._writers: dict[str, pq.ParquetWriter | pacsv.CSVWriter] = {}
        for name in TABLES:
            path = out_dir / f"{name}.{fmt}"
            if fmt == "parquet":
                self._writers[name] = pq.ParquetWriter(path, schema(name), compression="zstd")
            else:
                options = pacsv.WriteOptions(
                    include_header=True, quoting_style="none", quoting_header="none"
                )
                self._writers[name] = pacsv.CSVWriter(path, schema(name), write_options=options)

    def write(self, name: str, table: pa.Table) -> None:
        """Append rows to one table's file."""
        self._writers[name].write_table(table)
        self.rows[name] += table.num_rows

    def close(self) -> dict[str, int]:
        """Close every file; rows written per table."""
        for writer in self._writers.values():
            writer.close()
        return dict(self.rows)
