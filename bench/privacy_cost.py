"""The cost of privacy: how much pooling private feedback (k = 2, 3, 5) moves displayed scores.

    .venv/bin/python bench/privacy_cost.py                                # 20,000 freelancers
    .venv/bin/python bench/privacy_cost.py --freelancers 2000 --seed 1 --json

Synthesises a marketplace (`jobsuccess.synth.marketplace`, as of --as-of), scores it under the
shipped timeline (``auto``, k = 1: the faithful replay) and under ``auto@k=K``, and reports,
among the freelancers scored both ways: the share whose displayed score differs, differs by 5
points or more, the mean |delta|, the share crossing 90 (either way), overall and by history
size. Every figure comes from the policy lab's own comparison (`jobsuccess.lab.run.lab_frame`
and `jobsuccess.lab.compare.summarize`), so ``jobsuccess lab MARKET --base auto --candidate
auto@k=3`` reports the same numbers by construction (tests/test_lab.py checks it).

``--decompose`` adds, per k, a diagnostic row "holding only": the same comparison with every
member of a closed batch counted at its own outcome (no averaging over the batch; a
measurement, not a privacy mode: it reveals answers). It splits the cost into what waiting
costs (the last k-1 clients' answers count on public feedback only, which the guarantee
requires) and what averaging costs (the rest).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl

from jobsuccess.lab.compare import DateSummary, Figures, summarize
from jobsuccess.lab.run import lab_frame
from jobsuccess.lab.spec import Spec
from jobsuccess.model import History
from jobsuccess.policy import Policy

KS = (2, 3, 5)
AS_OF = dt.date(2026, 11, 1)


def privacy_cost(
    history: History, as_of: dt.date, ks: Sequence[int] = KS
) -> dict[int, DateSummary]:
    """The lab's summary of ``auto`` against ``auto@k=K`` as of ``as_of``, for each K."""
    base = Spec("auto")
    out = {}
    for k in ks:
        candidate = Spec("auto", k)
        frame = lab_frame(history, base.book(), candidate.book(), [as_of])
        out[k] = summarize(frame, base.label, candidate.label, [as_of]).on(as_of)
    return out


@contextmanager
def holding_only() -> Iterator[None]:
    """The engine with closed batches' members at their own outcome (diagnostic only)."""
    from jobsuccess.engine import core, privacy
    from jobsuccess.engine.pipeline import LedgerStep

    def pool(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
        pooled = privacy.pool(ledger, p)
        closed = pl.col("private") & ~pl.col("held")
        return pooled.with_columns(
            pl.when(closed)
            .then((pl.col("outcome") == o).cast(pl.Float64))
            .otherwise(pl.col(share))
            .alias(share)
            for o, share in zip(privacy.OUTCOMES3, privacy.SHARES, strict=True)
        )

    saved, step = core.PIPELINE, LedgerStep(privacy.pool)
    assert step in saved, "the pipeline has no pooling step to replace"
    core.PIPELINE = tuple(LedgerStep(pool) if s == step else s for s in saved)
    try:
        yield
    finally:
        core.PIPELINE = saved


def figures(f: Figures) -> dict[str, Any]:
    """The four figures of the cost of privacy, from one lab `Figures`."""
    return {
        "scored_both": f.scored_both,
        "changed": f.changed.share,
        "changed_by_5": f.changed_by_5.share,
        "mean_abs_delta": f.delta.mean_abs,
        "crossed_90": f.crossed["90"].either.share,
    }


def report(costs: dict[int, DateSummary]) -> dict[str, Any]:
    return {
        str(k): {
            **figures(s.figures),
            "by_history_size": {band: figures(f) for band, f in s.segments["history_size"].items()},
        }
        for k, s in costs.items()
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:5.1f}%"


def main(argv: Sequence[str] | None = None) -> int:
    from jobsuccess.synth import marketplace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freelancers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    parser.add_argument("--ks", default=",".join(map(str, KS)), help="comma-separated k values")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--decompose", action="store_true", help="add the 'holding only' diagnostic per k"
    )
    args = parser.parse_args(argv)
    ks = [int(k) for k in args.ks.split(",")]
    history = marketplace(args.freelancers, seed=args.seed, as_of=args.as_of)
    result = report(privacy_cost(history, args.as_of, ks))
    if args.decompose:
        with holding_only():
            held = report(privacy_cost(history, args.as_of, ks))
        for k in ks:
            result[str(k)]["holding_only"] = {
                key: value for key, value in held[str(k)].items() if key != "by_history_size"
            }
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return 0
    print(
        f"cost of privacy: auto vs auto@k=K, {args.freelancers:,} freelancers (seed "
        f"{args.seed}), as of {args.as_of}; shares of those scored both ways"
    )
    header = f"{'k':>2} {'segment':<14} {'scored':>7} {'changed':>8} {'>=5 pts':>8} "
    print(header + f"{'mean |d|':>9} {'cross 90':>9}")
    for k_text, r in result.items():
        rows = [("all", r), *r["by_history_size"].items()]
        if "holding_only" in r:
            rows.insert(1, ("holding only", r["holding_only"]))
        for name, f in rows:
            label = name if name in ("all", "holding only") else f"{name} contracts"
            mean = "-" if f["mean_abs_delta"] is None else f"{f['mean_abs_delta']:.3f}"
            print(
                f"{k_text:>2} {label:<14} {f['scored_both']:>7,} {_pct(f['changed']):>8} "
                f"{_pct(f['changed_by_5']):>8} {mean:>9} {_pct(f['crossed_90']):>9}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
