"""Single steps of a screen timed on a loaded database (bench/notes.md, "sixteenth round").

Not part of bench/run.py (results.md). Each step runs on a copy of a database made by
`prescreen load --db FILE` (or a kept run's), so the original stays as it was:

    .venv/bin/python bench/parts.py prepare --db loaded.duckdb     # distinct codes reused
    .venv/bin/python bench/parts.py dated --db loaded.duckdb       # statuses kept in DuckDB
    .venv/bin/python bench/parts.py tree --db loaded.duckdb        # statuses-only rule tree
    .venv/bin/python bench/parts.py hits --db loaded.duckdb        # a batch's rows shared
    .venv/bin/python bench/parts.py top --db screened.duckdb       # top_result as temp table
    .venv/bin/python bench/parts.py statuses --db loaded.duckdb --trial T.yaml
    .venv/bin/python bench/parts.py distinct-trial --out nl003-distinct.yaml

`top` needs a database a run screened (it holds criterion_code). `distinct-trial` writes
bench/run.py's doubled trial with every copy reading its own copies of the code sets, so
no rule instance can be shared: time `statuses` with NL003, the doubled trial and that one,
each in a fresh process. Every step prints wall and CPU seconds per repeat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 1)
TRIAL = "nl003-cli-iii-2"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(label: str, step: Callable[[], Any]) -> Any:
    """Run `step`, print its wall and CPU seconds under `label`, return its result."""
    tick, cpu = time.perf_counter(), _cpu()
    result = step()
    print(f"{label}: {time.perf_counter() - tick:.2f} s, {_cpu() - cpu:.2f} CPU-s", flush=True)
    return result


@contextmanager
def copied(db: Path) -> Iterator[Any]:
    """A connection to a scratch copy of `db` (6GB memory limit, spills beside it)."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="prescreen-parts-") as scratch:
        target = Path(scratch) / "copy.duckdb"
        shutil.copy(db, target)
        con = duckdb.connect(str(target))
        con.execute("set memory_limit = '6GB'")
        con.execute(f"set temp_directory = '{Path(scratch) / 'spill'}'")
        try:
            yield con
        finally:
            con.close()


def prepare(con: Any, args: argparse.Namespace) -> None:
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_engine import prepare_screen
    from prescreen.request import parsed_trial

    plan = build_plan(parsed_trial(args.trial, {}), args.as_of)
    for _ in range(args.repeats):
        timed("prepare, distinct codes taken", lambda: prepare_screen(con, plan))
        timed("prepare, codes reused", lambda: prepare_screen(con, plan, reuse_codes=True))


def dated(con: Any, args: argparse.Namespace) -> None:
    from prescreen import pipeline
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_compile import top_positions
    from prescreen.criteria.sql_engine import screen_into
    from prescreen.request import parsed_trial
    from prescreen.sqltext import read_sql, render

    trial = parsed_trial(args.trial, {})
    screen_into(con, trial, args.as_of, evidence="none", results=False)
    status = read_sql("criteria/person_status.sql")
    params = {"top": top_positions(build_plan(trial, args.as_of))}
    pipeline.dated_statuses_table(con)

    def to_pandas() -> None:  # what each date did before: a frame of every person
        found = con.execute(f"select * from ({status}) order by person_id", params).df()
        sites = pipeline.person_sites(con)
        frame = sites.merge(found, on="person_id", how="left")
        frame["status"] = frame["status"].fillna("likely_eligible")

    def kept() -> None:
        added = render(read_sql("marts/date_status_add.sql"), statuses=status)
        con.execute(added, {**params, "index_date": args.as_of})

    for _ in range(args.repeats):
        timed("a date's statuses into pandas, with the sites", to_pandas)
        timed("a date's statuses into date_status", kept)


def tree(con: Any, args: argparse.Namespace) -> None:
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_compile import compile_screen
    from prescreen.criteria.sql_engine import screen_into, status_tree
    from prescreen.request import parsed_trial

    trial = parsed_trial(args.trial, {})
    screen_into(con, trial, args.as_of, evidence="none", results=False)
    plan = build_plan(trial, args.as_of)
    status = compile_screen(plan, evidence=False)
    for _ in range(args.repeats):
        timed("rule tree, every row", lambda: status_tree(con, plan, status))
        timed(
            "rule tree, statuses only",
            lambda: status_tree(con, plan, status, statuses_only=True),
        )


def hits(con: Any, args: argparse.Namespace) -> None:
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_compile import _hits, compile_screen
    from prescreen.criteria.sql_engine import person_batches, prepare_screen
    from prescreen.request import parsed_trial

    plan = build_plan(parsed_trial(args.trial, {}), args.as_of)
    prepare_screen(con, plan)
    status = compile_screen(plan, evidence=False)
    rows = _hits(plan, "")
    shared = status.states_sql.replace(rows, "    select * from ps_hits")
    for lo, hi in person_batches(con, 50_000, "person")[: args.repeats * 3]:
        batch = {"person_lo": lo, "person_hi": hi}
        params = {**status.states_params, **batch}
        timed(
            f"batch {lo}-{hi} as it is",
            lambda p=params: con.execute(
                "create or replace temp table a as\n" + status.states_sql, p
            ),
        )
        timed(
            "  its rows materialized",
            lambda b=batch: con.execute("create or replace temp table ps_hits as\n" + rows, b),
        )
        used = {k: v for k, v in params.items() if f"${k}" in shared}
        timed(
            "  the batch over them",
            lambda u=used: con.execute("create or replace temp table b as\n" + shared, u),
        )


def top(con: Any, args: argparse.Namespace) -> None:
    from prescreen import status
    from prescreen.request import parsed_trial
    from prescreen.result_store import output_positions, read_labels
    from prescreen.sqltext import read_sql

    ids = parsed_trial(args.trial, {}).criterion_ids()
    status.create_macros(con)
    status._limb_view(con)
    labels = read_labels(con)
    position_of: list[int | None] = [None] * len(labels.criteria)
    for position, ord_ in enumerate(output_positions(labels, ids), start=1):
        if ord_:
            position_of[ord_ - 1] = position
    params = {"ids": list(ids), "position_of": position_of, "results": labels.results}
    stored = read_sql("marts/top_result.sql")
    temporary = stored.replace("create or replace table", "create or replace temp table", 1)
    for _ in range(args.repeats):
        for name, sql in (("in the database file", stored), ("temporary", temporary)):
            timed(f"top_result {name}", lambda s=sql: con.execute(s, params))
            timed("  patient_status", lambda: con.execute(read_sql("marts/patient_status.sql")))


def statuses(con: Any, args: argparse.Namespace) -> None:
    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.plan import build_plan
    from prescreen.criteria.sql_engine import person_statuses

    trial = load_trial(args.trial, {})
    plan = build_plan(trial, args.as_of)
    print(f"{trial.id}: {len(plan.insts)} rule instances, {len(plan.nodes)} nodes")
    found = timed("statuses", lambda: person_statuses(con, trial, args.as_of))
    print(found["status"].value_counts().to_dict())


def distinct_trial(out: Path) -> None:
    """bench/run.py's doubled trial, every copy on its own copies of the code sets."""
    import yaml

    sys.path.insert(0, str(Path(__file__).parent))
    from run import doubled_trial  # bench/run.py: writes bench/data/nl003-doubled.yaml

    doc = yaml.safe_load(doubled_trial().read_text(encoding="utf-8"))
    half = len(doc["criteria"]) // 2

    def own(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (v + "__copy" if k == "codes" and isinstance(v, str) else own(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [own(v) for v in value]
        return value

    doc["criteria"] = doc["criteria"][:half] + [own(c) for c in doc["criteria"][half:]]
    doc["codesets"].update({k + "__copy": v for k, v in list(doc["codesets"].items())})
    doc["trial"]["id"] += "-DISTINCT"
    out.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"wrote {out}")


STEPS = {"prepare": prepare, "dated": dated, "tree": tree, "hits": hits, "top": top}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=[*STEPS, "statuses", "distinct-trial"])
    parser.add_argument("--db", type=Path, help="a loaded DuckDB file (`prescreen load --db`)")
    parser.add_argument("--trial", default=TRIAL, help="trial id or YAML path")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/data/nl003-distinct.yaml"))
    args = parser.parse_args(argv)
    if args.step == "distinct-trial":
        distinct_trial(args.out)
        return 0
    if args.db is None:
        parser.error(f"{args.step} needs --db (a database from `prescreen load --db FILE`)")
    with copied(args.db) as con:
        if args.step == "statuses":
            from prescreen.criteria.parse import resolve_trial

            args.trial = str(resolve_trial(args.trial))
            statuses(con, args)
        else:
            STEPS[args.step](con, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
