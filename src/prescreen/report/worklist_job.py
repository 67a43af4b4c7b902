"""worklist.xlsx written in a thread while the run writes its other files.

The workbook is Python: xlsxwriter writes about 68,000 formatted cells a second here, so
50,000 listed patients take about 35 s whatever the registry's size. What a run writes
after the screen (criteria.parquet, patients.csv, criteria.csv, the reports) is mostly
DuckDB, which releases the GIL while it works. So the run exports the worklist's rows
once, to a Parquet file in its private scratch folder, writes the workbook from that file
in a thread, and waits for it at the end of the report stage.

The thread never queries DuckDB: its queries would wait for the same two worker threads
the run's own statements keep busy (a worklist thread with its own cursor measured no
overlap at all).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from prescreen.report.worklist import (
    WorklistSelection,
    WorklistStopped,
    worklist_rows,
    write_worklist_books,
)

ROWS_FILE = "worklist_rows.parquet"
_BATCH = 2_000  # rows per batch read back: how soon a stop request is seen (≈ 2 s)


class WorklistJob:
    """One worklist being written in the background; `result()` waits for it."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        folder: Path,
        trial: Any,
        selection: WorklistSelection,
        *,
        scratch: Path,
        per_site: bool = False,
    ) -> None:
        """Export the rows of `worklist_person` (select_worklist) and start writing into
        `folder`. `scratch`: a private folder for the rows file (patient data)."""
        self.selection = selection
        self.seconds = 0.0  # the thread's own wall time, once done
        self._files: list[str] = []
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._scratch = Path(tempfile.mkdtemp(prefix="worklist-", dir=scratch))
        rows_file = self._scratch / ROWS_FILE
        try:
            worklist_rows(con, trial).write_parquet(str(rows_file))
        except BaseException:
            shutil.rmtree(self._scratch, ignore_errors=True)
            raise
        self._thread = threading.Thread(
            target=self._write,
            args=(rows_file, folder, trial, per_site),
            name="prescreen-worklist",
            daemon=True,
        )
        self._thread.start()

    def result(self) -> list[str]:
        """The file names written, once the thread is done; its error, if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return list(self._files)

    def stop(self) -> None:
        """Ask the thread to stop at its next batch and wait for it (the run failed: its
        folders are about to be removed). Its outcome is dropped."""
        self._stop.set()
        self._thread.join()

    def _write(self, rows_file: Path, folder: Path, trial: Any, per_site: bool) -> None:
        tick = time.perf_counter()
        try:
            batches = pq.ParquetFile(rows_file).iter_batches(batch_size=_BATCH)
            self._files = write_worklist_books(
                batches, folder, trial, self.selection, per_site=per_site, stop=self._stop
            )
        except WorklistStopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to result()
            self._error = exc
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self.seconds = time.perf_counter() - tick
