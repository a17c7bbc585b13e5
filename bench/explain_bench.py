"""Explanation benchmark: explain, forecast and advise on one freelancer's 500-contract history.

    .venv/bin/python bench/explain_bench.py               # median of 7 runs each
    .venv/bin/python bench/explain_bench.py --repeats 3

The history is a synthetic marketplace of about 500 contracts relabelled as one freelancer's
(as in engine_bench.py), scored as of 2026-11-01 under the shipped policies (daily cadence).
Target (issue 9): under 150 ms each for explain (one day, 30 days), forecast (6 months) and
advise. The history is built from the synthesiser's keyed frames (no raw table read), and a
history without payments or feedback is refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import polars as pl

AS_OF = dt.date(2026, 11, 1)
TARGET_MS = 150.0


def history(contracts: int = 500, seed: int = 3) -> Any:
    from jobsuccess.model import History
    from jobsuccess.synth import contracts_for

    market = contracts_for(contracts, seed=seed, as_of=AS_OF)
    one = History.from_frames(  # refuses a frame without freelancers (see engine_bench.py)
        **{
            name: frame.with_columns(pl.lit("f1").alias("freelancer"))
            if name != "actions"
            else frame.with_columns(pl.when(pl.col("freelancer").is_not_null()).then(pl.lit("f1")))
            for name, frame in market.frames()
        }
    )
    if one.payments.is_empty() or one.feedback.is_empty():
        raise SystemExit("degenerate history: no payments or no feedback; no figures")
    return one


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    result = run()  # warm-up (imports, polars' first compilations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    from jobsuccess.explain import advise, explain, forecast
    from jobsuccess.policy import PolicyBook

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--contracts", type=int, default=500)
    args = parser.parse_args(argv)
    h, book = history(args.contracts), PolicyBook.shipped()
    cases: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        (
            "explain, one day",
            lambda: explain(h, book, start=AS_OF - dt.timedelta(days=1), end=AS_OF),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
        (
            "explain, 30 days",
            lambda: explain(h, book, start=AS_OF - dt.timedelta(days=30), end=AS_OF),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
        (
            "forecast, 6 months",
            lambda: forecast(h, book, as_of=AS_OF, months=6),
            lambda r: f"{len(r['changes'])} change dates",
        ),
        (
            "advise",
            lambda: advise(h, book, as_of=AS_OF),
            lambda r: f"{len(r['advice'])} pieces of advice",
        ),
        (
            "explain, one day (operator)",
            lambda: explain(
                h, book, start=AS_OF - dt.timedelta(days=1), end=AS_OF, audience="operator"
            ),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
    ]
    table = Table(
        "command",
        "median ms",
        f"< {TARGET_MS:.0f} ms",
        "result",
        title=f"jobsuccess explain, {h.contracts.height} contracts of one freelancer, "
        f"as of {AS_OF}, {os.cpu_count()} cores",
    )
    for name, run, describe in cases:
        ms, result = timed(run, args.repeats)
        table.add_row(name, f"{ms:.0f}", "yes" if ms < TARGET_MS else "no", describe(result))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
