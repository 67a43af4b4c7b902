"""bench/results.md from bench/data/results.json (raw per-run numbers written by run.py)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GB = 1000**3
GiB = 1024**3


def write_results(results: dict[str, Any], path: Path) -> None:
    path.write_text("\n".join(_document(results)) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- helpers
def _runs(results: dict[str, Any], n: int, kind: str) -> list[dict[str, Any]]:
    return [v for k, v in sorted(results.items()) if k.startswith(f"p{n}/{kind}/")]


def _ok(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if "failed" not in r]


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _stage(runs: list[dict[str, Any]], name: str) -> float | None:
    return _median([r.get("timings", {}).get(name) for r in _ok(runs)])


def _rss(runs: list[dict[str, Any]]) -> float | None:
    return _median([r["peak_rss_bytes_wait4"] for r in _ok(runs)])


def _s(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def _gb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / GB:.2f} GB"


def _x(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}×" if value >= 1 else f"{value:.2f}×"


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _failures(runs: list[dict[str, Any]]) -> str:
    bad = [r["failed"] for r in runs if "failed" in r]
    return f" ({len(bad)} of {len(runs)} did not finish: {bad[0]})" if bad else ""


def _sizes(results: dict[str, Any]) -> list[int]:
    return sorted({int(k.split("/")[0][1:]) for k in results})


def _sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "n/a"


def _machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        "n/a",
    )
    mem_kb = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    import duckdb
    import pandas
    import prefect

    commit = _sh(["git", "rev-parse", "--short", "HEAD"])
    dirty = _sh(["git", "status", "--porcelain", "--", "src", "sql", "flows", "trials"])
    return [
        f"- CPU: {model}, {os.cpu_count()} logical cores",
        f"- RAM: {mem_kb / 1024**2:.1f} GiB (/proc/meminfo MemTotal), no swap"
        if "SwapTotal:            0" in Path("/proc/meminfo").read_text()
        else f"- RAM: {mem_kb / 1024**2:.1f} GiB (/proc/meminfo MemTotal)",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
        f"Prefect {prefect.__version__}",
        f"- prescreen commit {commit}{' (+ uncommitted changes in src/sql/flows)' if dirty and dirty != 'n/a' else ''}"
        f" at report time; each run records its own time and load average in bench/data/results.json",
        f"- DuckDB memory_limit {os.environ.get('PRESCREEN_MEMORY_LIMIT', '6GB')} (prescreen default), "
        "temp_directory for spilling",
    ]


# --------------------------------------------------------------------------- document
def _document(results: dict[str, Any]) -> list[str]:
    invocations = results.get("_invocations", [])
    results = {k: v for k, v in results.items() if k.startswith("p")}
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# prescreen benchmark results (issues 7 and 13)",
        "",
        f"Generated {now} by `bench/run.py` from `bench/data/results.json`; regenerate with "
        "`.venv/bin/python bench/run.py --sizes 100000,1000000,5000000 --runs 3` (see bench/README.md).",
        "All times are medians over the runs listed; every run is a fresh process.",
        "",
        "## Machine",
        "",
        *_machine(),
        "",
    ]
    loads = [r["loadavg"][0] for r in results.values() if "loadavg" in r]
    if loads:
        stamps = sorted(r["at"] for r in results.values() if "at" in r)
        lines += [
            f"**Load**: the machine was shared with other engineers' test runs. 1-minute load average "
            f"at the end of each measured run: median {statistics.median(loads):.2f}, "
            f"min {min(loads):.2f}, max {max(loads):.2f} (on {os.cpu_count()} cores); measurements "
            f"from {stamps[0]} to {stamps[-1]}. Numbers on an idle machine would be lower; CPU time "
            "(user+sys) is recorded per run in results.json.",
            "",
        ]
    if invocations:
        lines += [
            "**Invocations** that produced the runs below (newest measurement per key wins):",
            "",
        ]
        lines += [f"- {i['at']}: `bench/run.py {i['argv']}`" for i in invocations]
        lines.append("")
    sizes = _sizes(results)
    for n in sizes:
        lines += _size_section(results, n)
    lines += [
        "## How to read these numbers",
        "",
        "- **screen** is what `prescreen run` does: the status pass for every person, the evidence "
        "pass for the persons someone reads (`--evidence auto`: the worklist, and the failing "
        "criteria of the ineligible), the assembly of criterion_result (one row per person and "
        "reported row, 67 per person for NL003 v1.1), then patient status in DuckDB. **statuses "
        "only** (`child.py sql`) is the status pass alone, what sweeps and newly-eligible counts run "
        "and what the peer computes; **screen SQL** in the same process is the engine with the "
        "evidence a run writes (`screen_into(evidence='needed')`), without patient status. The CLI's "
        "`write_results` stage writes patients.csv, criteria.parquet and criteria.csv.",
        "- **floor** is `bench/floor.sql`: one scan per event table of only the columns NL003 reads, "
        "with a trivial aggregate; on the loaded DuckDB tables (same process as the screen) and "
        "straight on the Parquet files (fresh process).",
        "- **peer** is `bench/pandas_peer.py`, a whole process (interpreter start, `read_parquet`, "
        "screen, write statuses); it skips validation and evidence text, so it does less work than "
        "prescreen; its status agreement is shown per size when a prescreen library run finished.",
        "- The repository's working tree was shared with engineers changing the engine during the "
        "measurements; every run records the commit it measured (`+` = uncommitted edits), listed per "
        "size. Compare runs of the same commit when judging a change.",
        "- A run above the RSS cap (default 20 GiB of the machine's 24) or past its timeout is killed "
        "and reported as not finished, with the stage it was in.",
        "",
    ]
    lines += _scaling(results, sizes)
    lines += _doubling(results, sizes)
    lines += _profile(results, sizes)
    lines += _targets(results, sizes)
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():  # the hand-written part: what was changed, and why the rest is as it is
        lines += ["", *notes.read_text(encoding="utf-8").splitlines()]
    return lines


def _cli_stages(internal: list[dict[str, float]]) -> str:
    """'load_validate 71 s, screen 578 s, …' from the CLI runs' own stage timings."""
    names = [k for k in ("load_validate", "screen", "write_results", "sweep", "report")
             if any(k in t for t in internal)]  # fmt: skip
    return ", ".join(f"{k} {_s(_median([t[k] for t in internal if k in t]))}" for k in names)


def _size_section(results: dict[str, Any], n: int) -> list[str]:
    lib, cli, floor, peer = (_runs(results, n, k) for k in ("lib", "cli", "floor", "peer"))
    if not (lib or cli or floor or peer):
        return []
    load, screen, ev, report = (
        _stage(lib, k) for k in ("load_validate", "screen", "evaluate_sql", "report")
    )
    lib_sum = sum(v for v in (load, screen, report) if v is not None) if _ok(lib) else None
    cli_wall = _median([r["wall"] for r in _ok(cli)])
    shuffled = _runs(results, n, "shuffled")
    shuffled_wall = _median([r["wall"] for r in _ok(shuffled)])
    csv = _runs(results, n, "csv")
    csv_wall = _median([r["wall"] for r in _ok(csv)])
    floor_t = _stage(lib, "floor_tables")
    sql_runs = _runs(results, n, "sql") + _runs(results, n, "single")
    sql_t = _stage(sql_runs, "screen_sql")
    statuses = _stage(sql_runs, "screen_statuses")
    peer_screen = _sub(_stage(peer, "peer_total"), _stage(peer, "peer_read"))
    floor_s = _stage(sql_runs, "floor_tables")
    if load is None:
        load = _stage(sql_runs, "load_validate")
    floor_p = _stage(floor, "floor_parquet")
    peer_t = _median([r["wall"] for r in _ok(peer)])
    peer_in = _stage(peer, "peer_total")
    rows = next((r.get("table_rows") for r in _ok(floor)), None)
    event_rows = sum(rows.values()) - rows.get("person", 0) if rows else None
    internal = [r.get("internal_timings", {}) for r in _ok(cli)]
    cli_inner = _median([sum(t.values()) for t in internal if t])
    # each run's wall minus its own stages; against the library only when both measured the
    # same commits (runs of other commits, taken under other load, give nonsense differences)
    cli_overhead = _median(
        [r["wall"] - sum(t.values()) for r, t in zip(_ok(cli), internal, strict=True) if t]
    )
    same_commits = {r.get("commit") for r in _ok(lib)} == {r.get("commit") for r in _ok(cli)}
    lib_overhead = _sub(cli_wall, lib_sum) if same_commits else None
    lines = [
        f"## {n:,} persons" + (f" ({event_rows:,} event rows)" if event_rows else ""),
        "",
        f"Runs: library {len(_ok(lib))}/{len(lib)}{_failures(lib)}, CLI {len(_ok(cli))}/{len(cli)}{_failures(cli)}, "
        f"floor {len(_ok(floor))}/{len(floor)}, pandas peer {len(_ok(peer))}/{len(peer)}{_failures(peer)}. "
        f"prescreen commit(s) measured: {', '.join(sorted({r.get('commit', '?') for r in lib + cli})) or 'n/a'} "
        "(+ = uncommitted edits in src/sql/flows at the time).",
        "",
        "| measure | median | notes |",
        "|---|---:|---|",
        f"| load + validate (`load_extract`) | {_s(load)} | {_share(load, cli_wall)} of CLI end-to-end |",
        f"| screen (`evaluate_sql` + patient status) | {_s(screen)} | of which `evaluate_sql` {_s(ev)} |",
        f"| statuses only (status pass, every person) | {_s(statuses)} | `child.py sql`, "
        f"{len(_ok(sql_runs))}/{len(sql_runs)} runs{_failures(sql_runs)}; ratio to floor "
        f"{_x(_div(statuses, floor_t or floor_s or floor_p))} |",
        f"| screen SQL (statuses + evidence a run writes) | {_s(sql_t)} | same runs; ratio to floor "
        f"{_x(_div(sql_t, floor_t or floor_s or floor_p))} |",
        f"| report (patients/criteria CSV + `write_reports`) | {_s(report)} | |",
        f"| library stages, sum | {_s(lib_sum)} | |",
        f"| peak RSS, library run | {_gb(_rss(lib))} | whole process (DuckDB + pandas), wait4 ru_maxrss |",
        f"| `prescreen run` (CLI via Prefect) end-to-end | {_s(cli_wall)} | wall, incl. interpreter start and imports |",
        f"| Prefect/CLI overhead = CLI wall − its own stage timings | {_s(cli_overhead)} | "
        f"median over the CLI runs; CLI − library sum: {_s(lib_overhead)} |",
        f"| peak RSS, CLI run | {_gb(_rss(cli))} | |",
        f"| CLI stages (its run.json, median) | {_s(cli_inner)} | {_cli_stages(internal)} |",
        f"| `prescreen run`, clinical rows shuffled (p{n}s) | {_s(shuffled_wall)} | "
        f"{len(_ok(shuffled))}/{len(shuffled)} runs{_failures(shuffled)}; "
        f"{_cli_stages([r.get('internal_timings', {}) for r in _ok(shuffled)])} |",
        f"| `prescreen run`, the extract as CSV (p{n}csv) | {_s(csv_wall)} | "
        f"{len(_ok(csv))}/{len(csv)} runs{_failures(csv)}; "
        f"{_cli_stages([r.get('internal_timings', {}) for r in _ok(csv)])} |",
        f"| FLOOR: floor.sql on the loaded tables | {_s(floor_t or floor_s)} | same connection, after load |",
        f"| FLOOR: floor.sql straight on the Parquet files | {_s(floor_p)} | fresh process |",
        f"| PEER: pandas_peer.py, whole process | {_s(peer_t)} | in-script read + screen {_s(peer_in)}; "
        f"peak RSS {_gb(_rss(peer))} |",
        f"| ratio screen / floor (loaded tables) | {_x(_div(screen, floor_t))} | `evaluate_sql` alone: "
        f"{_x(_div(ev, floor_t))} |",
        f"| ratio peer's screen / prescreen statuses | {_x(_div(peer_screen, statuses))} | > 1 means "
        f"prescreen is faster; the peer's in-script screen (total − read) {_s(peer_screen)}; peer "
        f"whole process / prescreen screen stage: {_x(_div(peer_t, screen))} |",
    ]
    agree = next((r.get("agreement") for r in _ok(peer) if r.get("agreement")), None)
    if agree:
        lines.append(
            f"| status agreement peer vs prescreen | {agree['agree']:,} / {agree['persons']:,} "
            f"({agree['share']:.2%}) | sanity check of the peer |"
        )
        off = [c for c in agree["confusion"] if c["status_prescreen"] != c["status_peer"]]
        if off:
            lines.append("")
            lines.append(
                "Disagreements (prescreen → peer): "
                + ", ".join(
                    f"{c['status_prescreen']} → {c['status_peer']}: {c['n']:,}" for c in off
                )
            )
    return [*lines, ""]


def _sub(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def _share(part: float | None, whole: float | None) -> str:
    return "n/a" if part is None or not whole else f"{part / whole:.0%}"


def _scaling(results: dict[str, Any], sizes: list[int]) -> list[str]:
    lines = [
        "## Scaling: cost vs rows",
        "",
        "| persons | event rows | load+validate | statuses only | screen | screen SQL | report | CLI end-to-end "
        "| peak RSS (CLI) | floor (Parquet) | peer | statuses µs/event row |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        lib, cli, floor, peer = (_runs(results, n, k) for k in ("lib", "cli", "floor", "peer"))
        rows = next((r.get("table_rows") for r in _ok(floor)), None)
        ev_rows = sum(rows.values()) - rows.get("person", 0) if rows else None
        screen = _stage(lib, "screen")
        sql_runs = _runs(results, n, "sql") + _runs(results, n, "single")
        sql_t = _stage(sql_runs, "screen_sql")
        load = _stage(lib, "load_validate") or _stage(sql_runs, "load_validate")
        statuses = _stage(sql_runs, "screen_statuses")
        per_row = f"{statuses / ev_rows * 1e6:.2f}" if statuses and ev_rows else "n/a"
        lib_cell = _s(screen) if screen is not None else ("did not finish" if lib else "not run")
        cli_t = _median([r["wall"] for r in _ok(cli)])
        cli_cell = _s(cli_t) if cli_t is not None else ("did not finish" if cli else "not run")
        peer_t = _median([r["wall"] for r in _ok(peer)])
        peer_cell = _s(peer_t) if peer_t is not None else ("did not finish" if peer else "not run")
        lines.append(
            f"| {n:,} | {ev_rows or 0:,} | {_s(load)} | {_s(statuses)} | {lib_cell} | {_s(sql_t)} | "
            f"{_s(_stage(lib, 'report'))} | {cli_cell} | {_gb(_rss(cli)) if _ok(cli) else 'n/a'} | "
            f"{_s(_stage(floor, 'floor_parquet'))} | {peer_cell} | {per_row} |"
        )
    return [*lines, ""]


def _plan_rows() -> list[str]:
    """Rule instances, tree nodes and reported rows of the two trials (what each pass's
    work grows with), when the doubled trial has been written."""
    from datetime import date

    from prescreen.criteria.parse import load_trial
    from prescreen.criteria.plan import build_plan

    doubled = ROOT / "bench" / "data" / "nl003-doubled.yaml"
    if not doubled.exists():
        return []
    plans = [
        build_plan(load_trial(str(path)), date(2026, 11, 1))
        for path in (ROOT / "trials" / "nl003-cli-iii-2.yaml", doubled)
    ]
    rows = []
    for name, size in (("rule instances", lambda p: len(p.insts)),
                       ("rule tree nodes", lambda p: len(p.nodes)),
                       ("reported rows per person", lambda p: len(p.outputs))):  # fmt: skip
        a, b = (size(p) for p in plans)
        rows.append(f"| {name} | {a} | {b} | {b / a:.2f}× |")
    return rows


def _doubling(results: dict[str, Any], sizes: list[int]) -> list[str]:
    lines = ["## Criteria doubling", ""]
    found = False
    for n in sizes:
        single, double = _runs(results, n, "single"), _runs(results, n, "double")
        if not (single or double):
            continue
        found = True
        a, b = _stage(single, "screen_statuses"), _stage(double, "screen_statuses")
        c, d = _stage(single, "screen_sql"), _stage(double, "screen_sql")
        lines += [
            f"{n:,} persons: NL003 as is vs. every criterion copied (X<n> → X<n+100>, sub-rules and "
            f"parameters too; `bench/data/nl003-doubled.yaml`, written by run.py), runs interleaved "
            f"(single {len(_ok(single))}/{len(single)}{_failures(single)}, doubled {len(_ok(double))}/{len(double)}"
            f"{_failures(double)}), `child.py sql` in a fresh process each: the status pass alone, then "
            "the screen with the evidence a run writes (the same persons get evidence in both: the "
            "copies fail and pass together).",
            "",
            "| | NL003 | doubled | ratio |",
            "|---|---:|---:|---:|",
            f"| statuses only | {_s(a)} | {_s(b)} | {_x(_div(b, a))} |",
            f"| screen SQL (statuses + evidence) | {_s(c)} | {_s(d)} | {_x(_div(d, c))} |",
            f"| criterion_result rows | {_med_rows(single)} | {_med_rows(double)} | |",
            f"| peak RSS | {_gb(_rss(single))} | {_gb(_rss(double))} | |",
            *_plan_rows(),
            "",
            "A copy whose event rule equals the original's (code set, window, pick and test, "
            "the test's wording included) shares the original's rule instance: the status "
            "pass's work grows with the instances, the rule tree's with the nodes and rows.",
            "",
        ]
    if not found:
        lines += ["Not measured in the runs recorded so far.", ""]
    return lines


def _med_rows(runs: list[dict[str, Any]]) -> str:
    value = _median([r.get("criterion_rows") for r in _ok(runs)])
    return "n/a" if value is None else f"{int(value):,}"


def _profile(results: dict[str, Any], sizes: list[int]) -> list[str]:
    lines = ["## Where time goes (DuckDB JSON profile of one status batch)", ""]
    for n in sizes:
        for run in _runs(results, n, "profile"):
            if "failed" in run or not run.get("top_operators"):
                lines += [f"{n:,} persons: profile did not finish ({run.get('failed')}).", ""]
                continue
            head, *ops = run["top_operators"]
            spill = head.get("bytes_spilled")
            lines += [
                (
                    f"The status pass runs in {run['batches']} person batches; the profile covers the "
                    f"status statement (`sql/criteria/states.sql`) of the first (person_id "
                    f"{run['profiled_batch'][0]}–{run['profiled_batch'][1]}), into a temporary table. "
                    if run.get("profiled_batch")
                    else ""
                )
                + f"{n:,} persons, `pragma enable_profiling='json'` around it (profiled "
                f"{_s(run['timings'].get('evaluate_sql_profiled'))}, commit {run.get('commit', 'n/a')}; query "
                f"latency {_s(head.get('query_latency'))}, CPU {_s(head.get('cpu_time'))}; "
                f"{(head.get('rows_scanned') or 0):,} rows scanned, "
                f"{(head.get('intermediate_rows') or 0):,} intermediate rows; DuckDB peak buffer memory "
                f"{_gb(head.get('peak_buffer_memory'))}, spilled {_gb(spill)}; raw profile "
                f"`bench/data/out/{Path(run['profile']).name}`). Own time per operator, summed over threads:",
                "",
                "| operator | own time | share | rows out | detail |",
                "|---|---:|---:|---:|---|",
            ]
            for op in ops:
                share = op.get("share_of_operator_time")
                lines.append(
                    f"| {op['operator']} | {op['seconds']:.2f} s | {share:.0%} | "
                    f"{op['rows'] if op['rows'] is not None else ''} | {op['detail'].replace('|', '/')} |"
                )
            lines.append("")
    if len(lines) == 2:
        lines += ["Not measured in the runs recorded so far.", ""]
    return lines


def _targets(results: dict[str, Any], sizes: list[int]) -> list[str]:
    """Issue 13's targets at each measured size: the value everywhere (the trend), the
    verdict at the size the issue states it for (1M for the peer ratios, 5M for time and
    memory; doubling wherever it was measured)."""
    cols = {n: _target_values(results, n) for n in sizes}
    lines = [
        "## Targets (issue 13)",
        "",
        "Verdicts are given at the size each target names; other sizes show the trend. "
        '"did not finish" counts as not met. The peer computes statuses only (no validation, no '
        "evidence), so its screen is set against prescreen's status pass; its whole process "
        "against `prescreen run`.",
        "",
        "| target | " + " | ".join(f"{n:,}" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    names = [
        ("peer", "1M: screen ≥ 3× faster than the peer's screen"),
        ("peer_e2e", "1M: `prescreen run` no slower than the peer's whole process"),
        ("e2e", "5M: `prescreen run` end to end ≤ 150 s"),
        ("rss", "5M: peak RSS ≤ 6 GB"),
        ("double", "doubling the criteria ≤ 1.3× (statuses; with evidence)"),
        ("floor", "floor ratio, reported (statuses / floor; screen / floor)"),
    ]
    for key, label in names:
        lines.append(f"| {label} | " + " | ".join(cols[n][key] for n in sizes) + " |")
    reasons = sorted(
        {r["failed"] for k, r in results.items() if "failed" in r and "/profile/" not in k}
    )
    if reasons:
        lines += ["", "Why runs did not finish: " + "; ".join(reasons) + "."]
    return [*lines, ""]


def _verdict(value: str, met: bool | None) -> str:
    if met is None:
        return value
    return f"{value} **{'met' if met else 'not met'}**"


def _target_values(results: dict[str, Any], n: int) -> dict[str, str]:
    lib, cli, peer = (_runs(results, n, k) for k in ("lib", "cli", "peer"))
    sql_runs = _runs(results, n, "sql") + _runs(results, n, "single")
    screen = _stage(lib, "screen")
    floor_t = (
        _stage(lib, "floor_tables")
        or _stage(sql_runs, "floor_tables")
        or _stage(_runs(results, n, "floor"), "floor_parquet")
    )
    statuses, sql_t = _stage(sql_runs, "screen_statuses"), _stage(sql_runs, "screen_sql")
    cli_wall = _median([r["wall"] for r in _ok(cli)])
    peer_wall = _median([r["wall"] for r in _ok(peer)])
    peer_screen = _sub(_stage(peer, "peer_total"), _stage(peer, "peer_read"))
    out: dict[str, str] = {}
    speed = _div(peer_screen, statuses)
    out["peer"] = (
        _verdict(f"peer/statuses {_x(speed)}", speed >= 3 if n == 1_000_000 else None)
        if speed is not None
        else "n/a"
    )
    slower = _div(cli_wall, peer_wall)
    out["peer_e2e"] = (
        _verdict(f"{_s(cli_wall)} vs {_s(peer_wall)} ({_x(slower)})",
                 slower <= 1 if n == 1_000_000 else None)
        if slower is not None
        else "n/a"
    )  # fmt: skip
    if cli_wall is not None:
        out["e2e"] = _verdict(_s(cli_wall), cli_wall <= 150 if n == 5_000_000 else None)
    else:
        out["e2e"] = _verdict("did not finish", False) if cli else "not run"
    finished = _ok(cli)
    if finished:
        rss = max(r["peak_rss_bytes_wait4"] for r in finished)
        out["rss"] = _verdict(_gb(rss), rss <= 6 * GB if n == 5_000_000 else None)
    else:
        out["rss"] = "n/a"
    single, double = _runs(results, n, "single"), _runs(results, n, "double")
    r1 = _div(_stage(double, "screen_statuses"), _stage(single, "screen_statuses"))
    r2 = _div(_stage(double, "screen_sql"), _stage(single, "screen_sql"))
    out["double"] = (
        _verdict(f"{_x(r1)}; {_x(r2)}", r1 <= 1.3 and r2 <= 1.3)
        if r1 is not None and r2 is not None
        else "n/a"
    )
    f1, f2 = _div(statuses, floor_t), _div(screen or sql_t, floor_t)
    out["floor"] = f"{_x(f1)}; {_x(f2)}" if f1 is not None or f2 is not None else "n/a"
    return out
