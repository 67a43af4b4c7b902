"""What one `--sweep` value costs: the run's status pass once, then each value on it.

Not part of bench/run.py (results.md); a what-if sweep is measured on its own:

    .venv/bin/python bench/sweep.py --extract bench/data/p1000000 \
        --sweep E14.hemoglobin_min=70,80,90 --sweep I2.assessment_lookback_days=30,180

Loads the extract into a temporary DuckDB file (as `prescreen run` does; or reuse a kept
one with `--db`, copied first so it stays as it was), runs the status pass keeping its
per-person words, then times `SweptStatuses.counts` per value (what the run's sweep stage
calls): the rule instances it recomputes, the persons whose status it re-decides, wall and
CPU seconds, and the status counts. `--check` also screens every value in full and stops
if its counts differ (slow: a full status pass per value).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, help="Parquet/CSV extract folder to load")
    parser.add_argument("--db", type=Path, help="a loaded DuckDB file (`prescreen load --db`)")
    parser.add_argument("--trial", default="nl003-cli-iii-2")
    parser.add_argument("--sweep", action="append", required=True, help="NAME=v1,v2,...")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--check", action="store_true", help="compare with full status passes")
    args = parser.parse_args(argv)
    if (args.extract is None) == (args.db is None):
        parser.error("give exactly one of --extract and --db")

    import duckdb

    from prescreen.criteria.sql_engine import screen_into
    from prescreen.criteria.staging import columns_read
    from prescreen.criteria.swept import SweptStatuses
    from prescreen.extract import load_extract
    from prescreen.pipeline import statuses_stage
    from prescreen.request import parse_assignments, parsed_trial
    from prescreen.status import status_counts

    with tempfile.TemporaryDirectory(prefix="prescreen-sweep-bench-") as scratch:
        db_file = Path(scratch) / "sweep.duckdb"
        if args.db is not None:
            shutil.copy(args.db, db_file)
        con = duckdb.connect(str(db_file))
        con.execute("set memory_limit = '6GB'")
        con.execute(f"set temp_directory = '{Path(scratch) / 'spill'}'")
        if args.extract is not None:
            tick = time.perf_counter()
            load_extract(args.extract, con, extract_date=args.as_of, columns=columns_read())
            print(f"load {time.perf_counter() - tick:.2f} s", flush=True)
        tick = time.perf_counter()
        tables = screen_into(
            con, parsed_trial(args.trial, {}), args.as_of, evidence="none", results=False,
            keep_states=True,
        )  # fmt: skip
        print(f"status pass, words kept: {time.perf_counter() - tick:.2f} s\n", flush=True)
        print("| value | instances recomputed | persons re-decided | wall | CPU | counts |")
        print("|---|---:|---:|---:|---:|---|")
        with SweptStatuses(con, args.as_of, kept=tables.kept) as swept:
            for name, values in parse_assignments(args.sweep, "--sweep").items():
                for value in values:
                    trial = parsed_trial(args.trial, {name: value})
                    tick, cpu = time.perf_counter(), os.times()
                    counts = swept.counts(trial)
                    wall, after = time.perf_counter() - tick, os.times()
                    spent = after.user - cpu.user + after.system - cpu.system
                    print(
                        f"| {name}={value} | {swept.recomputed[-1]} | {swept.retreed[-1]:,} |"
                        f" {wall:.2f} s | {spent:.2f} s | {counts} |",
                        flush=True,
                    )
                    if args.check:
                        full = status_counts(statuses_stage(con, trial, args.as_of, "sql"))
                        if counts != full:
                            print(f"{name}={value}: counts differ from a full pass: {full}")
                            return 1
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
