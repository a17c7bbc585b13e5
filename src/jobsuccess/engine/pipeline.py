"""What the pipeline's steps fold over: one policy's run on some computation dates.

A step is a function ``(run, policy) -> run`` (`Step`), the way sqlglot's ``optimize`` runs
its ``RULES`` over an expression: `jobsuccess.engine.core.PIPELINE` is the tuple of them, in
order, and `jobsuccess.engine.evaluate` folds over it. Most steps add columns to the ledger
(one row per freelancer, contract and date): `LedgerStep` lifts such a ``(ledger, policy) ->
ledger`` function into a step, so the function stays callable on a bare ledger (explanations
do). No I/O here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import polars as pl

from jobsuccess.model import History
from jobsuccess.policy import Policy

LedgerFunction = Callable[[pl.DataFrame, Policy], pl.DataFrame]
#: A frame eager or lazy: the wide-figure steps extend `Run.figures` (lazy) and run on bare
#: frames for explanations (eager) alike.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class Run:
    """One policy's results on some computation dates (keyed by ``on``), as far as the
    steps have come.

    ``history``: the `keyed` history; ``days``: the computation dates; ``clients``: the
    marketplace's client activity, or None (the history's own). ``ledger``: one row per
    (freelancer, contract, on); ``windows``: one row per (freelancer, on, window);
    ``summary``: one row per (freelancer, on). Each is empty until a step fills it.
    ``figures``: the wide window figures per (freelancer, on) as one lazy plan, which the
    aggregate step starts, the trending, complete and best-of steps extend, and the windows
    step collects once (a collect per step is a round trip each, most of a small run's cost).
    """

    history: History
    days: tuple[dt.date, ...]
    clients: pl.DataFrame | None = None
    ledger: pl.DataFrame = field(default_factory=pl.DataFrame)
    windows: pl.DataFrame = field(default_factory=pl.DataFrame)
    summary: pl.DataFrame = field(default_factory=pl.DataFrame)
    figures: pl.LazyFrame = field(default_factory=pl.LazyFrame)

    def grid(self) -> pl.DataFrame:
        """Every (freelancer, computation date) of the history: ``freelancer``, ``fkey``,
        ``on``."""
        freelancers = self.history.contracts.select("freelancer", "fkey").unique()
        on = pl.DataFrame({"on": sorted(self.days)}, schema={"on": pl.Date()})
        return freelancers.join(on, how="cross")


Step = Callable[[Run, Policy], Run]


@dataclass(frozen=True)
class LedgerStep:
    """The step that applies a ``(ledger, policy) -> ledger`` function to the run's ledger.

    Two of them are equal when they apply the same function, so a pipeline's step can be
    found and swapped by its function (bench/privacy_cost.py swaps pooling).
    """

    function: LedgerFunction

    def __call__(self, run: Run, policy: Policy) -> Run:
        return replace(run, ledger=self.function(run.ledger, policy))
