"""Two revisions side by side, interleaved: what a change is worth on a shared machine.

    .venv/bin/python bench/revisions.py --base 3d681f9              # that commit against the tree
    .venv/bin/python bench/revisions.py --base main~3 --rounds 20
    .venv/bin/python bench/revisions.py --base HEAD --freelancers 2000   # CI's smoke run

The base revision is checked out (``git worktree``) into a temporary folder; two long-lived
worker processes, one importing the base's ``src`` and one the working tree's, run the same
cases on the same data, one call at a time, alternating which goes first. A load spell on the
machine falls on both alike, so the per-round ratio (median over the rounds) is the figure
to read; the wall and CPU medians are beside it. On 2 shared cores one revision's wall time
can double between two runs of this script, and the ratios stay within a few percent.

Cases: scoring one 500-contract history (`jobsuccess.engine.score`, statuses included),
explain over one day and over 30 days, forecast 6 months and advise on it (the
explain_bench.py history), and `score_batch` on a synthetic marketplace of ``--freelancers``
freelancers (`synth --seed 1`, cached as Parquet under bench/.cache and read back through
`jobsuccess.io.load`, refused when it holds no payments or feedback, scored as engine_bench.py
scores it), as of 2026-11-01. Before any figure, each case's result must be the same in both
revisions (the JSON of an explanation, the scores and Top Rated count of a batch), and the
batch's must be `jobsuccess batch`'s on the same folder (freelancers, scored, Top Rated, the
score checksum; nobody scored is refused): a change that is faster because it computes
something else is a bug, and the script exits non-zero saying which check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import engine_bench  # the market cache, the loader's check and jobsuccess batch (bench/)

ROOT = Path(__file__).resolve().parent.parent

CASES = ("score, one history", "explain, one day", "explain, 30 days", "forecast", "advise")
BATCH = "score_batch"

#: Run in each worker (its ``PYTHONPATH`` names the revision's ``src``): one line in, one out.
WORKER = r"""
import datetime as dt, hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
import polars as pl
import engine_bench
import explain_bench as eb
from jobsuccess.engine import score
from jobsuccess.explain import advise, explain, forecast
from jobsuccess.policy import PolicyBook

one, book, day = eb.history(), PolicyBook.shipped(), eb.AS_OF  # refuses a degenerate history
ago = lambda days: day - dt.timedelta(days=days)
# the market through the validating loader (refused when degenerate), scored as engine_bench
# scores it: score_batch, statuses included, as of its date under its policy
batch = engine_bench.runner("engine", engine_bench.load_checked(engine_bench.Path(sys.argv[2])))

def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()

cases = {
    "score, one history": lambda: score(one, book, day).scores.rows(),
    "explain, one day": lambda: explain(one, book, start=ago(1), end=day).to_json(),
    "explain, 30 days": lambda: explain(one, book, start=ago(30), end=day).to_json(),
    "forecast": lambda: forecast(one, book, as_of=day, months=6).to_json(),
    "advise": lambda: advise(one, book, as_of=day).to_json(),
    "score_batch": batch,
}
results = {name: run() for name, run in cases.items()}
batch_summary = engine_bench.summary(results.pop("score_batch"))
results["score_batch"] = batch_summary
print(json.dumps({name: digest(value) for name, value in results.items()}), flush=True)
print(json.dumps(batch_summary), flush=True)
for line in sys.stdin:
    run = cases[line.strip()]
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]), flush=True)
"""


class Worker:
    """One revision's worker process."""

    def __init__(self, src: Path, market: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(src))
        command = [sys.executable, "-c", WORKER, str(ROOT / "bench"), str(market)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.results: dict[str, str] = json.loads(self._read())
        self.batch: dict[str, Any] = json.loads(self._read())

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def _read(self) -> str:
        line = self._pipes()[1].readline()
        if not line:
            raise SystemExit(f"a worker failed (exit {self.process.wait()}); no figures")
        return line

    def time(self, case: str) -> tuple[float, float]:
        stdin, _ = self._pipes()
        stdin.write(case + "\n")
        stdin.flush()
        wall, cpu = json.loads(self._read())
        return float(wall), float(cpu)

    def close(self) -> None:
        self._pipes()[0].close()
        self.process.wait()


def synthesized(freelancers: int) -> Path:
    """`jobsuccess synth --freelancers N --seed 1` as Parquet, cached beside engine_bench's
    markets (bench/.cache)."""
    folder = engine_bench.CACHE / f"revisions-market-{freelancers}-1"
    if not (folder / "contracts.parquet").exists():
        from jobsuccess.io import write_tables
        from jobsuccess.synth import marketplace

        write_tables(marketplace(freelancers, seed=1), folder, format="parquet")
    return folder


def checkout(revision: str, folder: Path) -> Path:
    """``revision``'s tree in ``folder`` (a detached worktree); its ``src``."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), revision],
        check=True,
    )
    return folder / "src"


def compare(base: Worker, new: Worker, rounds: int) -> list[dict[str, Any]]:
    """Each case's wall and CPU medians per revision and the median per-round ratio."""
    rows = []
    for case in (*CASES, BATCH):
        times: dict[str, list[tuple[float, float]]] = {"base": [], "new": []}
        for r in range(rounds):
            order = (("base", base), ("new", new)) if r % 2 == 0 else (("new", new), ("base", base))
            for name, worker in order:
                times[name].append(worker.time(case))
        ratios = [n[0] / b[0] for b, n in zip(times["base"], times["new"], strict=True)]
        cpu_ratios = [n[1] / b[1] for b, n in zip(times["base"], times["new"], strict=True)]
        rows.append(
            {
                "case": case,
                **{
                    f"{name} {kind}": statistics.median(t[i] for t in times[name]) * 1000
                    for name in ("base", "new")
                    for i, kind in enumerate(("ms", "CPU ms"))
                },
                "new/base": statistics.median(ratios),
                "CPU new/base": statistics.median(cpu_ratios),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare against")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--freelancers", type=int, default=20_000, help="score_batch's market")
    args = parser.parse_args(argv)
    try:
        market = synthesized(args.freelancers)
        want = engine_bench.reference(market)  # jobsuccess batch on the same folder
    except engine_bench.SelfCheckError as e:
        print(f"self-check failed, no figures: {e}")
        return 1
    with tempfile.TemporaryDirectory(prefix="jobsuccess-base-") as scratch:
        folder = Path(scratch) / "tree"
        try:
            base = Worker(checkout(args.base, folder), market)
            new = Worker(ROOT / "src", market)
            differ = [c for c in (*CASES, BATCH) if base.results[c] != new.results[c]]
            if differ:
                print(f"the revisions give different results: {', '.join(differ)}; no figures")
                return 1
            try:
                agreed = engine_bench.check("engine", new.batch, want["result"])
            except engine_bench.SelfCheckError as e:
                print(f"self-check failed, no figures: {e}")
                return 1
            rows = compare(base, new, args.rounds)
            base.close()
            new.close()
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
                check=False,
                capture_output=True,
            )
    table = Table(
        *rows[0],
        title=f"{args.base} (base) against the working tree, median of {args.rounds} "
        f"interleaved rounds; score_batch on {args.freelancers:,} freelancers; "
        f"{os.cpu_count()} cores; same results in both; score_batch {agreed} "
        f"({want['result']['scored']:,} scored, {want['result']['top_rated']:,} Top Rated)",
    )
    for row in rows:
        table.add_row(
            *(f"{v:.3f}x" if "/" in k else f"{v:.0f}" if k != "case" else v for k, v in row.items())
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
