"""Engine benchmark: marketplaces of 1M and 10M contracts, next to a naive pandas baseline.

    .venv/bin/python bench/engine_bench.py                 # 1M and 10M contracts
    .venv/bin/python bench/engine_bench.py --sizes 100000  # a quick smoke run

Each measurement runs in a fresh subprocess so that its peak memory is its own. A market is
synthesised once per size and cached as Parquet under bench/.cache. Reported per run: wall
time of the scoring alone (input already in memory; the engine runs `score_batch`, the
marketplace entry point, with its default partitions), contracts per second, the process's
peak memory per contract (input frames included) and the scoring's own working memory per
contract (peak minus the memory held before scoring; Linux's VmHWM reset via clear_refs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
AS_OF = dt.date(2026, 11, 1)
TARGETS = {
    "contracts_per_s": 4_000_000,
    "bytes_per_contract": 150,
    "vs_pandas": 5.0,
    "single_ms": 20.0,
}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def market(contracts: int, seed: int = 1) -> Path:
    folder = CACHE / f"market-{contracts}-{seed}"
    if not (folder / "contracts.parquet").exists():
        from jobsuccess.io import write_tables
        from jobsuccess.synth import contracts_for

        history = contracts_for(contracts, seed=seed, as_of=AS_OF)
        write_tables(history, folder, format="parquet")
    return folder


def _load(folder: Path) -> Any:
    import polars as pl

    from jobsuccess.model import TABLES, History

    frames = {
        t: pl.read_parquet(folder / f"{t}.parquet")
        for t in TABLES
        if (folder / f"{t}.parquet").exists()
    }
    return History.from_frames(**frames)


def measure(kind: str, folder: Path) -> dict[str, Any]:
    """Run inside the subprocess: load, then time and measure one scoring."""
    from jobsuccess.engine import score_batch
    from jobsuccess.policy import PolicyBook

    history = _load(folder)
    n = history.contracts.height
    book = PolicyBook.shipped()
    if kind == "pandas":
        sys.path.insert(0, str(HERE))
        from pandas_baseline import score_pandas

        tables = {name: frame.to_pandas() for name, frame in history.frames()}
        del history
        policy = book.in_force(AS_OF)
        run = lambda: score_pandas(tables, AS_OF, policy)  # noqa: E731
    else:
        statuses = kind == "engine"

        def run() -> None:
            # The marketplace entry point: partitions of freelancers, one after another.
            for _ in score_batch(history, book, AS_OF, statuses=statuses):
                pass

    before = _status_kb("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    return {
        "kind": kind,
        "contracts": n,
        "wall_s": wall,
        "peak_kb": peak,
        "work_kb": max(peak - before, 0),
    }


def single(contracts: int = 500, repeats: int = 30) -> dict[str, Any]:
    """Median time to score one freelancer with ``contracts`` contracts."""
    import polars as pl

    from jobsuccess.engine import score
    from jobsuccess.model import History
    from jobsuccess.policy import PolicyBook
    from jobsuccess.synth import contracts_for

    # A marketplace of about `contracts` contracts, all relabelled as one freelancer's.
    market = contracts_for(contracts, seed=3, as_of=AS_OF)
    one = History.from_frames(
        **{
            name: frame.with_columns(pl.lit("f1").alias("freelancer"))
            if name != "actions"
            else frame.with_columns(pl.when(pl.col("freelancer").is_not_null()).then(pl.lit("f1")))
            for name, frame in market.frames()
        }
    )
    book = PolicyBook.shipped()
    score(one, book, AS_OF)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        score(one, book, AS_OF)
        times.append(time.perf_counter() - start)
    return {"contracts": one.contracts.height, "median_ms": statistics.median(times) * 1000}


def _subprocess(kind: str, folder: Path) -> dict[str, Any]:
    code = (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import engine_bench as b; "
        f"print(json.dumps(b.measure({kind!r}, b.Path({str(folder)!r}))))"
    )
    env = {**os.environ, "POLARS_MAX_THREADS": os.environ.get("POLARS_MAX_THREADS", "2")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        return {"kind": kind, "error": done.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000000,10000000", help="comma-separated contract counts"
    )
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    console = Console(width=150)
    table = Table(
        "contracts",
        "run",
        "wall s",
        "contracts/s",
        "peak B/contract",
        "working B/contract",
        "speed-up vs pandas",
        title=f"jobsuccess engine, policy auto as of {AS_OF}, {os.cpu_count()} cores",
    )
    for size in sizes:
        t0 = time.perf_counter()
        folder = market(size)
        console.print(f"market of {size:,} contracts ready in {time.perf_counter() - t0:.1f} s")
        kinds = ["engine", "engine-no-status"] + ([] if args.no_pandas else ["pandas"])
        results = {k: _subprocess(k, folder) for k in kinds}
        base = results.get("pandas", {}).get("wall_s")
        for kind, r in results.items():
            if "error" in r:
                table.add_row(f"{size:,}", kind, "error", " ".join(r["error"]), "", "", "")
                continue
            n = r["contracts"]
            ratio = (
                f"{base / r['wall_s']:.1f}x"
                if base and kind != "pandas"
                else ("1.0x (baseline)" if kind == "pandas" else "-")
            )
            table.add_row(
                f"{n:,}",
                kind,
                f"{r['wall_s']:.2f}",
                f"{n / r['wall_s']:,.0f}",
                f"{r['peak_kb'] * 1024 / n:.0f}",
                f"{r['work_kb'] * 1024 / n:.0f}",
                ratio,
            )
    s = single()
    table.add_row(
        f"{s['contracts']:,}",
        "one freelancer (median)",
        f"{s['median_ms'] / 1000:.4f}",
        f"{s['contracts'] / (s['median_ms'] / 1000):,.0f}",
        "",
        "",
        "",
    )
    console.print(table)
    console.print(
        f"targets: >= {TARGETS['contracts_per_s']:,} contracts/s at 10M, "
        f"< {TARGETS['bytes_per_contract']} B/contract, >= {TARGETS['vs_pandas']}x pandas, "
        f"one 500-contract history < {TARGETS['single_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
