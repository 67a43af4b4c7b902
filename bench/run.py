"""Benchmark harness for prescreen (issue 7): stage timings, peak RSS, floor, pandas peer.

    .venv/bin/python bench/run.py --sizes 100000,1000000,5000000 --runs 3

Generates synthetic extracts under bench/data/p<N> (skipped when present), runs every
measurement in a fresh subprocess (peak RSS is per run), keeps raw numbers in
bench/data/results.json (merged across invocations, newest wins per measurement) and
rewrites bench/results.md from them. `--report-only` rewrites results.md alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS_JSON = DATA / "results.json"
TRIAL = ROOT / "trials" / "nl003-cli-iii-2.yaml"
DOUBLED = DATA / "nl003-doubled.yaml"
PY = sys.executable
PRESCREEN = str(Path(PY).with_name("prescreen"))
GiB = 1024**3


# --------------------------------------------------------------------------- processes
def measured(cmd: list[str], *, timeout: float, rss_cap: int) -> dict[str, Any]:
    """Run `cmd` in a fresh process; wall time, peak RSS (wait4), last JSON line, or why it died.

    The guard polls the process group's RSS and kills it above `rss_cap` bytes or after
    `timeout` seconds, so a run that would take the machine down is reported, not endured.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    killed: dict[str, str] = {}
    done = threading.Event()
    peak_seen = [0]

    def guard() -> None:
        while not done.wait(0.5):
            rss = _group_rss(proc.pid)
            peak_seen[0] = max(peak_seen[0], rss)
            elapsed = time.perf_counter() - started
            if rss > rss_cap or elapsed > timeout:
                killed["why"] = (
                    f"memory guard: RSS {rss / GiB:.1f} GiB > {rss_cap / GiB:.0f} GiB"
                    if rss > rss_cap
                    else f"timeout after {timeout:.0f} s"
                )
                os.killpg(proc.pid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=guard, daemon=True)
    watcher.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = b"".join(out_chunks).decode(errors="replace")
    stderr = b"".join(err_chunks).decode(errors="replace")
    result: dict[str, Any] = {
        "wall": wall,
        "rc": proc.returncode,
        "peak_rss_bytes_wait4": usage.ru_maxrss * 1024,
        "peak_rss_bytes_polled": peak_seen[0],
        "cpu_user": usage.ru_utime,
        "cpu_sys": usage.ru_stime,
        "loadavg": os.getloadavg(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
    }
    if killed:
        result["failed"] = killed["why"]
    elif proc.returncode != 0:
        lines = stderr.strip().splitlines()
        errors = [ln for ln in lines if "Error" in ln or "Exception" in ln] or lines[-1:]
        result["failed"] = f"exit {proc.returncode}: {errors[-1].strip()[:200] if errors else ''}"
    marks = [ln.split()[1:] for ln in stdout.splitlines() if ln.startswith("BENCH-STAGE ")]
    stages = [m[0] for m in marks]
    if stages:
        result["stage_reached"] = stages[-1]
        # seconds since the child started at which each stage began: a run that dies still
        # tells how long the stages before it took
        result["stage_started"] = {m[0]: float(m[1]) for m in marks if len(m) > 1}
        if "failed" in result:
            result["failed"] = f"{result['failed']} (during {stages[-1]})"
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            result.update(json.loads(line))
            break
    return result


def _git_commit() -> str:
    """The prescreen commit measured (short hash, + when src/sql/flows have local edits)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--", "src", "sql", "flows")
    return git("rev-parse", "--short", "HEAD") + ("+" if dirty else "")


def _group_rss(pgid: int) -> int:
    """Sum of VmRSS over the processes of one process group, in bytes."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ProcessLookupError):
            continue
    return total


# --------------------------------------------------------------------------- inputs
def ensure_extract(n: int) -> Path:
    """bench/data/p<n>: generated once (seed 1, 8 sites, Parquet), reused afterwards."""
    folder = DATA / f"p{n}"
    marker = folder / ".complete"
    if marker.exists() or (folder / "person.parquet").exists() and _complete(folder):
        marker.touch()
        return folder
    print(f"generating {folder} …", flush=True)
    subprocess.run(
        [PRESCREEN, "generate", "--persons", str(n), "--sites", "8", "--seed", "1",
         "--format", "parquet", "--as-of", "2026-11-01", "--out", str(folder)],
        cwd=ROOT, check=True,
    )  # fmt: skip
    marker.touch()
    return folder


SHUFFLED_TABLES = ("condition_occurrence", "death", "drug_exposure", "measurement",
                   "observation", "procedure_occurrence")  # fmt: skip


def derived_extract(n: int, suffix: str, statement: Callable[[Path, Path], str | None]) -> Path:
    """bench/data/p<n><suffix>, made once from p<n>: each Parquet file goes through
    `statement` (a DuckDB COPY writing the derived file), or is copied when it gives None."""
    import shutil

    import duckdb

    source, folder = ensure_extract(n), DATA / f"p{n}{suffix}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print(f"deriving {folder} from {source} …", flush=True)
    con = duckdb.connect()
    for path in sorted(source.glob("*.parquet")):
        sql = statement(path, folder)
        if sql is None:
            shutil.copy(path, folder / path.name)
        else:
            con.execute(sql)
    con.close()
    marker.touch()
    return folder


def _shuffled(path: Path, folder: Path) -> str | None:
    """A clinical table's rows in a fixed random order (an export written by event id or
    date, not person by person); other tables as they are."""
    if path.stem not in SHUFFLED_TABLES:
        return None
    return (
        f"copy (select * exclude (file_row_number) from read_parquet('{path}', "
        "file_row_number = true) order by hash(file_row_number)) "
        f"to '{folder / path.name}' (format parquet)"
    )


def _as_csv(path: Path, folder: Path) -> str:
    return (
        f"copy (select * from read_parquet('{path}')) to '{folder / path.stem}.csv' (header true)"
    )


def ensure_shuffled(n: int) -> Path:
    """bench/data/p<n>s: p<n> with the clinical tables' rows shuffled."""
    return derived_extract(n, "s", _shuffled)


def ensure_csv(n: int) -> Path:
    """bench/data/p<n>csv: p<n> written as CSV files with a header."""
    return derived_extract(n, "csv", _as_csv)


def _complete(folder: Path) -> bool:
    return all((folder / f"{t}.parquet").exists() for t in ("person", "measurement", "observation"))


def doubled_trial() -> Path:
    """NL003 with every criterion copied as X<n+100> (its sub-rules and parameters too)."""
    import yaml

    doc = yaml.safe_load(TRIAL.read_text(encoding="utf-8"))

    def shift(text: str) -> str:
        return re.sub(r"\b([IE])(\d+)(?=\.|$)", lambda m: f"{m[1]}{int(m[2]) + 100}", text)

    def deep(value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(r"\$([IE])(\d+)\.", lambda m: f"${m[1]}{int(m[2]) + 100}.", value)
        if isinstance(value, list):
            return [deep(v) for v in value]
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in ("id", "ref") and isinstance(v, str):
                    out[k] = shift(v)
                else:
                    out[k] = deep(v)
            return out
        return value

    copies = [deep(c) for c in doc["criteria"]]
    doc["criteria"] = doc["criteria"] + copies
    doc["parameters"].update({shift(k): v for k, v in doc["parameters"].items()})
    doc["assumptions"] = [
        *doc.get("assumptions", []),
        *[
            {**a, "id": f"A{100 + int(a['id'][1:])}", "criteria": [shift(c) for c in a["criteria"]]}
            for a in doc.get("assumptions", [])
        ],
    ]
    doc["trial"]["id"] = doc["trial"]["id"] + "-DOUBLED"
    DATA.mkdir(parents=True, exist_ok=True)

    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    text = yaml.dump(doc, Dumper=NoAliases, sort_keys=False, allow_unicode=True)
    DOUBLED.write_text(text, encoding="utf-8")
    return DOUBLED


# --------------------------------------------------------------------------- measurements
def run_lib(n: int, extract: Path, args) -> dict[str, Any]:
    out = DATA / "out" / f"lib-p{n}"
    cmd = [PY, str(BENCH / "child.py"), "lib", "--extract", str(extract), "--trial", str(TRIAL),
           "--out", str(out)]  # fmt: skip
    result = measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)
    result["output_bytes"] = _output_sizes_then_drop_criteria(out)
    return result


def _output_sizes_then_drop_criteria(out: Path) -> dict[str, int]:
    """Bytes per output file; then criteria.csv goes (tens of GB at 5M, two runs fill a disk).

    patients.csv stays: the peer's agreement check reads it.
    """
    sizes = {p.name: p.stat().st_size for p in sorted(out.glob("*")) if p.is_file()}
    (out / "criteria.csv").unlink(missing_ok=True)
    return sizes


def run_cli(n: int, extract: Path, args, name: str = "cli") -> dict[str, Any]:
    out = DATA / "out" / f"{name}-p{n}"
    cmd = [PRESCREEN, "run", "--trial", str(TRIAL), "--extract", str(extract),
           "--as-of", "2026-11-01", "--out", str(out)]  # fmt: skip
    result = measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)
    manifest = out / "run.json"
    if "failed" not in result and manifest.exists():
        result["internal_timings"] = json.loads(manifest.read_text()).get("timings_seconds", {})
    result["output_bytes"] = _output_sizes_then_drop_criteria(out)
    return result


def run_shuffled(n: int, extract: Path, args) -> dict[str, Any]:
    """`prescreen run` on p<n>s: the same registry, clinical rows not in person order."""
    return run_cli(n, ensure_shuffled(n), args, name="shuffled")


def run_csv(n: int, extract: Path, args) -> dict[str, Any]:
    """`prescreen run` on p<n>csv: the same registry delivered as CSV files."""
    return run_cli(n, ensure_csv(n), args, name="csv")


def run_floor(n: int, extract: Path, args) -> dict[str, Any]:
    cmd = [PY, str(BENCH / "child.py"), "floor", "--extract", str(extract)]
    return measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)


def run_peer(n: int, extract: Path, args) -> dict[str, Any]:
    out = DATA / "out" / f"peer-p{n}.parquet"
    cmd = [PY, str(BENCH / "pandas_peer.py"), "--extract", str(extract), "--out", str(out)]
    result = measured(cmd, timeout=args.peer_timeout, rss_cap=args.rss_cap)
    prescreen_patients = DATA / "out" / f"lib-p{n}" / "patients.csv"
    if "failed" not in result and prescreen_patients.exists():
        result["agreement"] = agreement(out, prescreen_patients)
    return result


def run_sql(n: int, extract: Path, args) -> dict[str, Any]:
    """load, then the screen SQL alone (every person batch into Arrow, dropped)."""
    cmd = [PY, str(BENCH / "child.py"), "sql", "--extract", str(extract), "--trial", str(TRIAL)]
    return measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)


def run_doubled(n: int, extract: Path, args) -> dict[str, Any]:
    cmd = [PY, str(BENCH / "child.py"), "sql", "--extract", str(extract), "--trial",
           str(doubled_trial())]  # fmt: skip
    return measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)


def run_single(n: int, extract: Path, args) -> dict[str, Any]:
    """The original trial with the same stages as the doubled run, interleaved with it."""
    cmd = [PY, str(BENCH / "child.py"), "sql", "--extract", str(extract), "--trial",
           str(TRIAL)]  # fmt: skip
    return measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)


def run_profile(n: int, extract: Path, args) -> dict[str, Any]:
    out = DATA / "out" / f"profile-p{n}.json"
    cmd = [PY, str(BENCH / "child.py"), "profile", "--extract", str(extract), "--trial",
           str(TRIAL), "--out", str(out)]  # fmt: skip
    result = measured(cmd, timeout=args.timeout, rss_cap=args.rss_cap)
    if "failed" not in result and out.exists():
        result["top_operators"] = top_operators(json.loads(out.read_text()))
    return result


def agreement(peer_path: Path, patients_csv: Path) -> dict[str, Any]:
    """How many per-patient statuses the pandas peer shares with prescreen."""
    import pandas as pd

    peer = pd.read_parquet(peer_path)
    ours = pd.read_csv(patients_csv, usecols=["person_id", "status"])
    both = ours.merge(peer, on="person_id", how="outer", suffixes=("_prescreen", "_peer"))
    same = int((both["status_prescreen"] == both["status_peer"]).sum())
    confusion = both.groupby(["status_prescreen", "status_peer"], dropna=False).size().reset_index()
    return {
        "persons": len(both),
        "agree": same,
        "share": same / max(len(both), 1),
        "confusion": confusion.rename(columns={0: "n"}).to_dict(orient="records"),
    }


def top_operators(profile: dict[str, Any], top: int = 12) -> list[dict[str, Any]]:
    """Profiled operators by own time (seconds, summed over threads), largest first."""
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        name = node.get("name") or node.get("operator_type") or node.get("operator_name")
        timing = node.get("timing", node.get("operator_timing", 0.0)) or 0.0
        if name:
            extra = node.get("extra_info") or {}
            detail = ""
            if isinstance(extra, dict):
                for key in ("Table", "Aggregates", "Groups", "Join Type", "Conditions", "Function"):
                    if key in extra:
                        detail = f"{key}: {str(extra[key])[:90]}"
                        break
            found.append({
                "operator": str(name).strip(),
                "seconds": float(timing),
                "rows": node.get("intermediate_rows", node.get("operator_cardinality")),
                "detail": detail,
            })  # fmt: skip
        for child in node.get("children", []):
            walk(child)

    roots = profile.get("operator")
    for root in roots if isinstance(roots, list) else [profile]:
        walk(root)
    query = profile.get("query", {}) if isinstance(profile.get("query"), dict) else {}
    found.sort(key=lambda r: r["seconds"], reverse=True)
    summed = sum(r["seconds"] for r in found)
    for row in found:
        row["share_of_operator_time"] = row["seconds"] / summed if summed else None
    head = {
        "query_latency": query.get("total_time", profile.get("latency")),
        "cpu_time": query.get("cpu_time"),
        "operator_seconds_total": summed,
        "rows_scanned": query.get("total_rows_scanned"),
        "intermediate_rows": query.get("total_intermediate_rows"),
        "peak_buffer_memory": (profile.get("system") or {}).get("peak_buffer_memory"),
        "bytes_spilled": (profile.get("system") or {}).get("total_bytes_spilled"),
    }
    return [head, *found[:top]]


# --------------------------------------------------------------------------- driver
FULL_SIZES = {100000, 1000000, 5000000}
PARTIAL = "_partial"  # results.json began without the numbers results.md was made from


def report_path(
    results: dict[str, Any], kept: bool, args: argparse.Namespace, skip: set[str]
) -> Path:
    """Where this invocation's report goes: bench/results.md unless that would lose numbers.

    results.md is written from results.json alone, so invocations that started without the
    raw numbers of earlier ones (results.json is git-ignored: a fresh clone or a cleaned
    bench/data/ has none) would replace every size and kind they did not measure with n/a.
    Until one invocation measures every size and kind, their report goes to
    bench/data/results.md instead (marked in results.json), and the committed one stays.
    """
    committed = BENCH / "results.md"
    if args.report_only and not kept:
        raise SystemExit(
            f"--report-only: {RESULTS_JSON} is missing, so there is nothing to report and "
            f"{committed} stays as it is. Measure first (see bench/README.md)."
        )
    sizes = {int(s) for s in args.sizes.split(",") if s}
    full = not args.report_only and not skip and FULL_SIZES <= sizes
    partial = not full and results.get(PARTIAL, not kept and committed.exists())
    results[PARTIAL] = bool(partial)
    if not partial:
        return committed
    print(
        f"note: {RESULTS_JSON} does not hold every number {committed} reports (it was "
        f"started by a partial invocation), so this report goes to {DATA / 'results.md'} "
        "and the committed one stays. Run every size and kind to rewrite results.md.",
        flush=True,
    )
    return DATA / "results.md"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=None, help="default: --runs")
    parser.add_argument("--cli-runs", type=int, default=None, help="default: --runs")
    parser.add_argument("--double-sizes", default="1000000", help="criteria-doubling sizes")
    parser.add_argument(
        "--shuffled-runs", type=int, default=1,
        help="CLI runs on p<N>s, the extract with clinical rows shuffled (0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--csv-runs", type=int, default=1,
        help="CLI runs on p<N>csv, the extract as CSV files (0: none)",
    )  # fmt: skip
    parser.add_argument("--profile-size", type=int, default=1000000)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--peer-timeout", type=float, default=1800)
    parser.add_argument("--rss-cap-gib", type=float, default=20.0, help="kill a run above this")
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of floor,lib,sql,cli,peer,shuffled,csv,double,profile",
    )
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    args.rss_cap = int(args.rss_cap_gib * GiB)
    skip = set(filter(None, args.skip.split(",")))
    kept = RESULTS_JSON.exists()
    results: dict[str, Any] = json.loads(RESULTS_JSON.read_text()) if kept else {}
    report = report_path(results, kept, args, skip)

    def record(key: str, value: dict[str, Any]) -> None:
        results[key] = value
        RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
        status = value.get("failed") or f"{value['wall']:.1f}s wall"
        print(
            f"  {key}: {status}, peak RSS {value['peak_rss_bytes_wait4'] / GiB:.2f} GiB", flush=True
        )

    if not args.report_only:
        DATA.mkdir(parents=True, exist_ok=True)
        results.setdefault("_invocations", []).append(
            {"at": datetime.now(UTC).isoformat(timespec="seconds"), "argv": " ".join(argv)}
        )
        sizes = [int(s) for s in args.sizes.split(",") if s]
        kinds = [("floor", run_floor, args.runs), ("lib", run_lib, args.runs), ("sql", run_sql, args.runs),
                 ("cli", run_cli, args.cli_runs or args.runs),
                 ("peer", run_peer, args.peer_runs or args.runs),
                 ("shuffled", run_shuffled, args.shuffled_runs),
                 ("csv", run_csv, args.csv_runs)]  # fmt: skip
        for n in sizes:
            extract = ensure_extract(n)
            for key in [k for k in list(results) if k.startswith(f"p{n}/")]:
                if key.split("/")[1] in {k for k, _, _ in kinds} - skip:
                    del results[key]  # this invocation re-measures them
            for kind, fn, runs in kinds:
                if kind in skip:
                    continue
                for r in range(runs):
                    print(f"p{n} {kind} run {r + 1}/{runs}", flush=True)
                    record(f"p{n}/{kind}/{r}", fn(n, extract, args))
            if "double" not in skip and str(n) in args.double_sizes.split(","):
                for r in range(args.runs):
                    print(f"p{n} criteria doubling run {r + 1}/{args.runs}", flush=True)
                    record(f"p{n}/single/{r}", run_single(n, extract, args))
                    record(f"p{n}/double/{r}", run_doubled(n, extract, args))
            if "profile" not in skip and n == args.profile_size:
                print(f"p{n} profile", flush=True)
                record(f"p{n}/profile/0", run_profile(n, extract, args))

    from results_md import write_results  # bench/ is on sys.path as the script's folder

    write_results(results, report)
    print(f"wrote {report}")


if __name__ == "__main__":
    main(sys.argv[1:])
