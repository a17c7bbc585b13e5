"""Engine benchmark: the engine on synthetic marketplaces, checked, beside pandas and a lower bound.

    .venv/bin/python bench/engine_bench.py                          # 1M and 10M contracts
    .venv/bin/python bench/engine_bench.py --sizes 100000,1000000   # what the README quotes
    .venv/bin/python bench/engine_bench.py --sizes 20000            # CI's smoke run

A market is synthesised once per size and cached as Parquet under bench/.cache. Every run
loads it with `jobsuccess.io.load` (the validating loader the CLI uses) and, before any
figure is printed, checks itself against the real command: `jobsuccess batch` run as a
subprocess on the same folder, as of the same date, under the same policy (``auto``). The
engine must give the same number of scored freelancers, the same Top Rated count and the same
checksum of the score column (the pandas baseline and the engine without statuses: the same
scores); a mismatch, or a degenerate market (no payments, no feedback, nobody scored), exits
non-zero without a figure. (It once timed an empty marketplace: issue 9.)

Runs, each ``--repeats`` times in a fresh subprocess (so its peak memory is its own; load not
timed), the four kinds taking turns so that a shared machine's load falls on all alike,
median reported:
- engine: `score_batch` (the marketplace entry point, default partitions), full policy;
- engine, no statuses: the same without Top Rated and friends (the baseline computes none);
- pandas: `bench/pandas_baseline.py`, a naive pandas implementation of docs/rules.md;
- lower bound: `bench/lower_bound.py`, one lazy Polars plan with dense sorted ids and
  simplified rules: a yardstick of what Polars can do on this data, not the rules;
- engine, from a dataset: the same `score_batch` per bucket of the market partitioned into
  a dataset (`jobsuccess partition`, one bucket per `BUCKET_CONTRACTS`, made once and cached)
  and read a bucket at a time, as ``jobsuccess batch DATASET`` does: the market is never held
  whole, and the bucket reads are timed with the scoring.
Peak memory per contract is the process's highest resident set during a run (input frames
included; Linux's VmHWM, reset via clear_refs after loading), the highest of the repeats.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
AS_OF = dt.date(2026, 11, 1)
POLICY = "auto"
KINDS = ("engine", "engine-no-status", "pandas", "lower-bound", "engine-dataset")
LABELS = {
    "engine": "engine, full policy",
    "engine-no-status": "engine, no statuses",
    "pandas": "pandas baseline",
    "lower-bound": "lower bound (simplified)",
    "engine-dataset": "engine, full policy, from a dataset a bucket at a time (reads timed)",
}
#: Contracts per bucket of the dataset kind: about `score_batch`'s default partition.
BUCKET_CONTRACTS = 500_000
#: Issue 9's targets, full policy with statuses, 10M contracts on 2 cores.
TARGETS = {
    "contracts_per_s": 1_200_000,
    "vs_lower_bound": 2.0,  # engine seconds / lower-bound seconds, at most
    "vs_pandas": 10.0,  # pandas seconds / engine seconds, at least
    "bytes_per_contract": 300,
    "single_ms": 10.0,
}
THREADS = os.environ.get("POLARS_MAX_THREADS", "2")


class SelfCheckError(RuntimeError):
    """The benchmark measured something other than the real scoring: no figure."""


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


def dataset(market_folder: Path) -> Path:
    """``market_folder`` partitioned into a dataset of buckets of about `BUCKET_CONTRACTS`
    (made once, beside it in the cache, by the streaming `jobsuccess partition`)."""
    import polars as pl

    from jobsuccess.spark.dataset import is_dataset, partition_folder

    contracts = pl.scan_parquet(market_folder / "contracts.parquet").select(pl.len()).collect()
    buckets = max(1, round(contracts.item() / BUCKET_CONTRACTS))
    folder = market_folder.with_name(f"{market_folder.name}-dataset-{buckets}")
    if not is_dataset(folder):
        partition_folder(market_folder, folder, buckets)
    return folder


def summary(frame: Any) -> dict[str, Any]:
    """What a run must agree on: freelancers, scored, Top Rated and a score checksum.

    The checksum is SHA-256 over the (freelancer, score) rows sorted by freelancer, a null
    score written as an empty field; ``top_rated`` is None where the run has no statuses.
    """
    import polars as pl

    rows = frame.select("freelancer", pl.col("score").cast(pl.Int64)).sort("freelancer")
    text = rows.write_csv(include_header=False, null_value="")
    top = frame.get_column("top_rated").sum() if "top_rated" in frame.columns else None
    return {
        "freelancers": rows.height,
        "scored": rows.height - rows.get_column("score").null_count(),
        "top_rated": None if top is None else int(top),
        "checksum": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def load_checked(folder: Path) -> Any:
    """The market through the validating loader, refused when there is nothing to score."""
    from jobsuccess.io import load

    history = load(folder)
    counts = {name: frame.height for name, frame in history.frames()}
    empty = [t for t in ("contracts", "payments", "feedback") if counts[t] == 0]
    if empty:
        raise SelfCheckError(f"degenerate market {folder}: no {', '.join(empty)} loaded")
    return history


def runner(kind: str, history: Any) -> Callable[[], Any]:
    """A callable that scores ``history`` once and returns a frame with freelancer, score."""
    import polars as pl

    from jobsuccess.engine import score_batch
    from jobsuccess.policy import load_policy

    book = load_policy(POLICY)
    if kind == "pandas":
        sys.path.insert(0, str(HERE))
        from pandas_baseline import score_pandas, tables_of

        tables = tables_of(history)
        policy = book.in_force(AS_OF)
        return lambda: pl.from_pandas(score_pandas(tables, AS_OF, policy)[["freelancer", "score"]])
    if kind == "lower-bound":
        sys.path.insert(0, str(HERE))
        from lower_bound import lower_bound

        policy = book.in_force(AS_OF)
        return lambda: lower_bound(history, AS_OF, policy)
    if kind not in ("engine", "engine-no-status"):
        raise ValueError(kind)
    statuses = kind == "engine"
    columns = ["freelancer", "score", *(["top_rated"] if statuses else [])]

    def run() -> Any:
        # The marketplace entry point: partitions of freelancers, one after another.
        parts = [
            s.scores.select(columns)
            for s in score_batch(history, book, AS_OF, statuses=statuses, ledger=False)
        ]
        return pl.concat(parts)

    return run


def from_dataset(folder: Path) -> Callable[[], Any]:
    """A callable that scores the dataset at ``folder`` a bucket at a time (the engine kind's
    `score_batch` per bucket, with the market's client activity where the policy reads it)."""
    import polars as pl

    from jobsuccess.engine import reads_clients, score_batch
    from jobsuccess.policy import load_policy
    from jobsuccess.spark.dataset import Dataset

    book = load_policy(POLICY)
    market = Dataset.open(folder)
    columns = ["freelancer", "score", "top_rated"]

    def run() -> Any:
        clients = market.client_activity() if reads_clients(book) else None
        parts = [
            s.scores.select(columns)
            for b in range(market.buckets)
            for s in score_batch(market.load(b), book, AS_OF, ledger=False, clients=clients)
        ]
        return pl.concat(parts)

    return run


def measure(kind: str, folder: Path, repeats: int) -> dict[str, Any]:
    """Run inside the subprocess: load once (the dataset kind: nothing), then time
    ``repeats`` scorings."""
    if kind == "engine-dataset":
        from jobsuccess.spark.dataset import Dataset

        data = dataset(folder)
        opened = Dataset.open(data)
        n, counts, run = opened.contracts, {"buckets": opened.buckets}, from_dataset(data)
    else:
        history = load_checked(folder)
        n = history.contracts.height
        counts = {name: frame.height for name, frame in history.frames()}
        run = runner(kind, history)
        if kind == "pandas":
            del history  # the baseline holds its own pandas copy
    walls, peaks, results = [], [], []
    for _ in range(repeats):
        _reset_peak()
        start = time.perf_counter()
        result = run()
        walls.append(time.perf_counter() - start)
        peaks.append(_status_kb("VmHWM"))
        results.append(summary(result))
        del result
    if any(r != results[0] for r in results):
        raise SelfCheckError(f"{kind}: repeats disagree: {results}")
    return {
        "kind": kind,
        "contracts": n,
        "rows": counts,
        "walls_s": walls,
        "wall_s": statistics.median(walls),
        "peak_kb": max(peaks),
        "result": results[0],
    }


def reference(folder: Path) -> dict[str, Any]:
    """`jobsuccess batch` on ``folder``: the summary of the Parquet file it writes."""
    import polars as pl

    script = Path(sys.executable).with_name("jobsuccess")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from jobsuccess.cli import main; main()"]
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "batch.parquet"
        args = ["batch", str(folder), "--out", str(out), "--as-of", str(AS_OF), "--policy", POLICY]
        start = time.perf_counter()
        done = subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "POLARS_MAX_THREADS": THREADS},
            check=False,
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SelfCheckError(f"jobsuccess batch failed: {done.stderr.strip()[-500:]}")
        result = summary(pl.read_parquet(out))
    if result["scored"] == 0:
        raise SelfCheckError(f"degenerate market {folder}: jobsuccess batch scored nobody")
    return {"command": " ".join(["jobsuccess", *args]), "wall_s": wall, "result": result}


def check(kind: str, got: dict[str, Any], want: dict[str, Any]) -> str:
    """Raise unless ``kind``'s result is batch's; say what was compared."""
    if got["scored"] == 0:
        raise SelfCheckError(f"{LABELS[kind]}: nobody scored")
    if kind == "lower-bound":
        return f"not the rules: {got['scored']:,} scored, batch {want['scored']:,}"
    statuses = kind in ("engine", "engine-dataset")
    keys = ["freelancers", "scored", "checksum"] + (["top_rated"] if statuses else [])
    wrong = [k for k in keys if got[k] != want[k]]
    if wrong:
        detail = ", ".join(f"{k} {got[k]} != batch {want[k]}" for k in wrong)
        raise SelfCheckError(f"{LABELS[kind]} disagrees with jobsuccess batch: {detail}")
    return "= batch: " + ", ".join(k.replace("_", " ") for k in keys)


def _subprocess(kind: str, folder: Path, repeats: int) -> dict[str, Any]:
    code = (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import engine_bench as b; "
        f"print(json.dumps(b.measure({kind!r}, b.Path({str(folder)!r}), {repeats})))"
    )
    env = {**os.environ, "POLARS_MAX_THREADS": THREADS}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise SelfCheckError(f"{LABELS[kind]} failed: {last[0]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def interleaved(folder: Path, repeats: int) -> dict[str, dict[str, Any]]:
    """Each run ``repeats`` times, one fresh process per run, the kinds taking turns.

    Taking turns spreads the load of a shared machine over every kind alike, so the ratios
    between them hold better than the absolute figures; the median wall time is reported,
    with the highest peak.
    """
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for _ in range(repeats):
        for kind in KINDS:
            runs[kind].append(_subprocess(kind, folder, 1))
    results = {}
    for kind, done in runs.items():
        if any(r["result"] != done[0]["result"] for r in done):
            raise SelfCheckError(f"{LABELS[kind]}: repeats disagree: {[r['result'] for r in done]}")
        walls = [w for r in done for w in r["walls_s"]]
        results[kind] = done[0] | {
            "walls_s": walls,
            "wall_s": statistics.median(walls),
            "peak_kb": max(r["peak_kb"] for r in done),
        }
    return results


def single(contracts: int = 500, repeats: int = 30) -> dict[str, Any]:
    """Median time to score one freelancer with ``contracts`` contracts."""
    import polars as pl

    from jobsuccess.engine import score
    from jobsuccess.model import History
    from jobsuccess.policy import load_policy
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
    if one.payments.is_empty() or one.feedback.is_empty():
        raise SelfCheckError("degenerate single history: no payments or no feedback")
    book = load_policy(POLICY)
    first = score(one, book, AS_OF)
    if first.scores.get_column("score").null_count():
        raise SelfCheckError("degenerate single history: no score")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        score(one, book, AS_OF)
        times.append(time.perf_counter() - start)
    return {
        "contracts": one.contracts.height,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
        "score": first.scores.get_column("score").item(),
    }


def _met(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000000,10000000", help="comma-separated contract counts"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measurement")
    parser.add_argument(
        "--markdown", action="store_true", help="also print the tables as Markdown (README)"
    )
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    console = Console(width=160)
    load_before = os.getloadavg()[0]
    try:
        measured = []
        for size in sizes:
            t0 = time.perf_counter()
            folder = market(size)
            buckets = dataset(folder)
            console.print(
                f"market of {size:,} contracts and its dataset {buckets.name} ready in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            ref = reference(folder)
            console.print(f"reference: {ref['command']} ({ref['wall_s']:.1f} s): {ref['result']}")
            results = interleaved(folder, args.repeats)
            checks = {k: check(k, r["result"], ref["result"]) for k, r in results.items()}
            measured.append((results, checks))
        one = single()
    except SelfCheckError as e:
        console.print(f"[red]self-check failed, no figures: {e}[/red]")
        return 1

    table = Table(
        "contracts",
        "run",
        f"s (median of {args.repeats})",
        "s min-max",
        "contracts/s",
        "pandas s / run s",
        "run s / lower bound s",
        "peak B/contract",
        "self-check",
        title=f"jobsuccess engine, policy {POLICY} as of {AS_OF}, POLARS_MAX_THREADS={THREADS}, "
        f"{os.cpu_count()} cores",
    )
    goals = Table("contracts", "target (issue 9)", "measured", "met", title="targets, full policy")
    for results, checks in measured:
        pandas_s, bound_s = results["pandas"]["wall_s"], results["lower-bound"]["wall_s"]
        for kind, r in results.items():
            n, wall = r["contracts"], r["wall_s"]
            table.add_row(
                f"{n:,}",
                LABELS[kind],
                f"{wall:.3f}",
                f"{min(r['walls_s']):.3f}-{max(r['walls_s']):.3f}",
                f"{n / wall:,.0f}",
                f"{pandas_s / wall:.2f}x",
                f"{wall / bound_s:.2f}x",
                f"{r['peak_kb'] * 1024 / n:.0f}",
                checks[kind],
            )
        full = results["engine"]
        n, wall = full["contracts"], full["wall_s"]
        rate, bytes_per = n / wall, full["peak_kb"] * 1024 / n
        size_note = "" if n >= 10_000_000 else " (target set at 10M)"
        for target, figure, ok in (
            (f">= {TARGETS['contracts_per_s']:,} contracts/s{size_note}", f"{rate:,.0f}",
             rate >= TARGETS["contracts_per_s"]),
            (f"<= {TARGETS['vs_lower_bound']:.0f}x the lower bound", f"{wall / bound_s:.2f}x",
             wall / bound_s <= TARGETS["vs_lower_bound"]),
            (f">= {TARGETS['vs_pandas']:.0f}x pandas", f"{pandas_s / wall:.2f}x",
             pandas_s / wall >= TARGETS["vs_pandas"]),
            (f"< {TARGETS['bytes_per_contract']} B/contract peak", f"{bytes_per:.0f}",
             bytes_per < TARGETS["bytes_per_contract"]),
        ):  # fmt: skip
            goals.add_row(f"{n:,}", target, figure, _met(ok))
        streamed = results["engine-dataset"]
        streamed_bytes = streamed["peak_kb"] * 1024 / n
        goals.add_row(
            f"{n:,}",
            f"< {TARGETS['bytes_per_contract']} B/contract peak, from a dataset a bucket at a time",
            f"{streamed_bytes:.0f}",
            _met(streamed_bytes < TARGETS["bytes_per_contract"]),
        )
    table.add_row(
        f"{one['contracts']:,}",
        "one freelancer (median of 30)",
        f"{one['median_ms'] / 1000:.4f}",
        f"{one['min_ms'] / 1000:.4f}-{one['max_ms'] / 1000:.4f}",
        f"{one['contracts'] / (one['median_ms'] / 1000):,.0f}",
        "",
        "",
        "",
        f"scored {one['score']}%",
    )
    goals.add_row(
        f"{one['contracts']:,}",
        f"one history < {TARGETS['single_ms']:.0f} ms",
        f"{one['median_ms']:.1f} ms",
        _met(one["median_ms"] < TARGETS["single_ms"]),
    )
    console.print(table)
    console.print(goals)
    console.print(
        f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
        f"{os.cpu_count()} cores: on a shared machine, trust the ratios more than the seconds"
    )
    if args.markdown:
        for t in (table, goals):
            console.print(_markdown(t), markup=False, highlight=False, soft_wrap=True)
    return 0


def _markdown(table: Any) -> str:
    """A rich table as a GitHub Markdown table (cells without markup)."""
    from rich.text import Text

    heads = [str(c.header) for c in table.columns]
    cells = [[Text.from_markup(str(x)).plain for x in c.cells] for c in table.columns]
    lines = [f"**{table.title}**", "", "| " + " | ".join(heads) + " |"]
    lines.append("|" + "---|" * len(heads))
    lines += ["| " + " | ".join(row) + " |" for row in zip(*cells, strict=True)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
