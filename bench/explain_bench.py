"""Explanation benchmark: explain, forecast and advise on one freelancer's 500-contract history.

    .venv/bin/python bench/explain_bench.py               # median of 7 runs each
    .venv/bin/python bench/explain_bench.py --repeats 3
    .venv/bin/python bench/explain_bench.py --large       # 20,000 contracts: time and memory

``--large`` (issue 8: explanations that cannot take the server down) runs explain over 30
days, forecast 6 months and the report on a 20,000-contract history, each in a process of its
own, and reports its wall time (building the history excluded) and its peak resident memory
(``wait4``'s ``ru_maxrss`` of that process, the history included). Targets: under 10 s and
2 GB each.

The history is a synthetic marketplace of about 500 contracts relabelled as one freelancer's
(as in engine_bench.py), scored as of 2026-11-01 under the shipped policies (daily cadence).
Target (issue 9): under 150 ms each for explain (one day, 30 days), forecast (6 months) and
advise, judged on the median wall time; the median CPU time (every thread of the process)
beside it inflates less on a shared machine (`bench/revisions.py` compares two revisions).
The history is built from the synthesiser's keyed frames (no raw table read), and a history
without payments or feedback is refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

AS_OF = dt.date(2026, 11, 1)
TARGET_MS = 150.0
LARGE = 20_000
LARGE_SECONDS = 10.0
LARGE_BYTES = 2 * 1024**3
LARGE_CASES = ("explain, 30 days", "forecast, 6 months", "report")


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


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU milliseconds of ``run`` (CPU: the process's, every thread's; a
    loaded machine inflates it far less than the wall time) and its last result."""
    result = run()  # warm-up (imports, polars' first compilations)
    wall, cpu = [], []
    for _ in range(repeats):
        start, used = time.perf_counter(), time.process_time()
        result = run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000, result


def child(case: str, contracts: int) -> int:
    """Run one large case once and print its wall time (the history's build excluded)."""
    from jobsuccess.explain import explain, forecast
    from jobsuccess.policy import PolicyBook
    from jobsuccess.render import report

    h, book = history(contracts), PolicyBook.shipped()
    runs: dict[str, Callable[[], Any]] = {
        "explain, 30 days": lambda: explain(
            h, book, start=AS_OF - dt.timedelta(days=30), end=AS_OF
        ).to_json(),
        "forecast, 6 months": lambda: forecast(h, book, as_of=AS_OF, months=6).to_json(),
        "report": lambda: report(h, book, as_of=AS_OF),
    }
    start = time.perf_counter()
    result = runs[case]()
    seconds = time.perf_counter() - start
    shown = (
        f"{len(result):,} bytes of HTML"
        if isinstance(result, str)
        else f"{len(result['changes'])} changes"
        + (f", {result['method']}" if "method" in result else "")
    )
    print(json.dumps({"seconds": seconds, "result": shown}))
    return 0


def large(contracts: int) -> int:
    """Each large case in a process of its own: wall time and peak memory (module doc)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "command",
        "seconds",
        f"< {LARGE_SECONDS:.0f} s",
        "peak RSS MiB",
        f"< {LARGE_BYTES // 1024**3} GiB",
        "result",
        title=f"jobsuccess explain, {contracts:,} contracts of one freelancer, as of {AS_OF}, "
        f"{os.cpu_count()} cores",
    )
    failed = False
    for case in LARGE_CASES:
        command = [sys.executable, __file__, "--child", case, "--contracts", str(contracts)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        peak = usage.ru_maxrss * 1024  # kilobytes on Linux
        if status != 0:
            failed = True
            table.add_row(case, "-", "no", f"{peak / 1024**2:,.0f}", "-", f"failed ({status})")
            continue
        got = json.loads(out.strip().splitlines()[-1])
        table.add_row(
            case,
            f"{got['seconds']:.2f}",
            "yes" if got["seconds"] < LARGE_SECONDS else "no",
            f"{peak / 1024**2:,.0f}",
            "yes" if peak < LARGE_BYTES else "no",
            got["result"],
        )
    Console().print(table)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    from jobsuccess.explain import advise, explain, forecast
    from jobsuccess.policy import PolicyBook

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--contracts", type=int, default=None)
    parser.add_argument("--large", action="store_true", help=f"{LARGE:,} contracts, per process")
    parser.add_argument("--child", choices=LARGE_CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.contracts or LARGE)
    if args.large:
        return large(args.contracts or LARGE)
    args.contracts = args.contracts or 500
    h, book = history(args.contracts), PolicyBook.shipped()
    cases: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        (
            "explain, one day",
            lambda: explain(h, book, start=AS_OF - dt.timedelta(days=1), end=AS_OF).to_json(),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
        (
            "explain, 30 days",
            lambda: explain(h, book, start=AS_OF - dt.timedelta(days=30), end=AS_OF).to_json(),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
        (
            "forecast, 6 months",
            lambda: forecast(h, book, as_of=AS_OF, months=6).to_json(),
            lambda r: f"{len(r['changes'])} change dates",
        ),
        (
            "advise",
            lambda: advise(h, book, as_of=AS_OF).to_json(),
            lambda r: f"{len(r['advice'])} pieces of advice",
        ),
        (
            "explain, one day (operator)",
            lambda: explain(
                h, book, start=AS_OF - dt.timedelta(days=1), end=AS_OF, audience="operator"
            ).to_json(),
            lambda r: f"{len(r['changes'])} changes, {r['method']}",
        ),
    ]
    table = Table(
        "command",
        "median ms",
        f"< {TARGET_MS:.0f} ms",
        "CPU ms",
        "result",
        title=f"jobsuccess explain, {h.contracts.height} contracts of one freelancer, "
        f"as of {AS_OF}, {os.cpu_count()} cores",
    )
    for name, run, describe in cases:
        ms, cpu, result = timed(run, args.repeats)
        met = "yes" if ms < TARGET_MS else "no"
        table.add_row(name, f"{ms:.0f}", met, f"{cpu:.0f}", describe(result))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
