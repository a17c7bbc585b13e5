"""The engine's ledgers of a frozen history on many future dates, without full runs on each.

In a frozen history (`jobsuccess.explain.frozen`) an ended contract's facts never change any
more: its rule, outcome, weight and shares stay what the engine found on the first date, and
only its window membership moves as the date slides. Open contracts can still change (idle,
long-term, a new duration period), and they never read another contract (they are never
private, and the rules that compare contracts, `Policy.compares_contracts`, read ended ones).
So per policy the engine runs

- in full once, on the first date: the rows of ended contracts, re-placed on each later date
  by the engine's own `place`;
- on every date, over the open contracts only (a small history).

Under a policy whose rules compare contracts (`Policy.compares_contracts`), or for a few
dates, it runs in full on every date. `tests/explain/test_forecast.py` checks the result
against full engine runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby
from typing import NamedTuple

import polars as pl

from jobsuccess.engine import LEDGER, evaluate
from jobsuccess.engine.windows import place
from jobsuccess.explain.frozen import only_contracts, open_contracts
from jobsuccess.explain.ledger import normalize
from jobsuccess.model import History
from jobsuccess.policy import Policy


class Computation(NamedTuple):
    """One computation of the book: its date and the policy in force."""

    on: dt.date
    policy: Policy


Plan = list[Computation]
"""The computations a forecast or the advice looks at, in date order."""

FULL_UP_TO = 6
"""Segments of at most this many dates are simply run in full."""


def project(frozen: History, plan: Sequence[Computation]) -> pl.DataFrame:
    """Ledger rows (with ``on``) of one freelancer's frozen history on each planned date.

    The first planned date (the computation as of the freezing day, maybe before it) is run
    in full; every later one is after the freezing day, when all contracts have started and
    ended ones no longer change.
    """
    if not plan:
        return pl.DataFrame()
    segments = [list(s) for _, s in groupby(plan[1:], key=lambda c: c.policy.name)]
    head = plan[0]
    if segments and _sliding(segments[0]) and segments[0][0].policy == head.policy:
        # the first planned date and the first segment's first date: one engine run, not two
        both = _full(frozen, head.policy, [head.on, segments[0][0].on])
        parts = [both.filter(pl.col("on") == head.on)]
        parts.append(
            _segment(
                frozen,
                head.policy,
                [c.on for c in segments[0]],
                both.filter(pl.col("on") == segments[0][0].on),
            )
        )
        segments = segments[1:]
    else:
        parts = [_full(frozen, head.policy, [head.on])]
    for items in segments:
        parts.append(_segment(frozen, items[0].policy, [c.on for c in items]))
    return pl.concat(parts, how="diagonal_relaxed")


def _full(history: History, policy: Policy, dates: list[dt.date]) -> pl.DataFrame:
    return normalize(evaluate(history, policy, dates, through=LEDGER).ledger).drop("freelancer")


def _sliding(segment: Sequence[Computation]) -> bool:
    """Whether a segment's later dates are re-placed from its first (else all run in full)."""
    return len(segment) > FULL_UP_TO and not segment[0].policy.compares_contracts


def _segment(
    frozen: History, policy: Policy, dates: list[dt.date], first: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``first``: the full run on ``dates[0]`` when the caller already has it."""
    if len(dates) <= FULL_UP_TO or policy.compares_contracts:
        return _full(frozen, policy, dates)
    live_ids = open_contracts(frozen)
    if first is None:
        first = _full(frozen, policy, dates[:1])
    windows = [f"in_{w}" for w in policy.windows.months]
    # Ended contracts: fixed rows; those in no window on the first date never enter one again.
    fixed = first.filter(
        ~pl.col("id").is_in(live_ids) & pl.any_horizontal(pl.col(c) for c in windows)
    ).drop("on", *windows)
    on = pl.DataFrame({"on": dates}, schema={"on": pl.Date()})
    moved = place(fixed.join(on, how="cross"), policy)
    live = _full(only_contracts(frozen, live_ids), policy, dates) if live_ids else first.clear()
    return pl.concat([moved.select(first.columns), live.select(first.columns)], how="vertical")
