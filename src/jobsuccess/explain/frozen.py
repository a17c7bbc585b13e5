"""A history as known on a day, with nothing new after it: the premise of forecasts and advice.

Records dated after the day are dropped, and a contract that ends after it is open (as the
engine sees it on that day), and stays open. Scored on the day or before, the frozen history
gives exactly the engine's results of the full one; scored later, it answers "what if nothing
new happens".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from jobsuccess.model import History

DATED = {"payments": "date", "feedback": "date", "disputes": "opened", "actions": "date"}


def freeze(history: History, day: dt.date) -> History:
    """``history`` as known on ``day``, with nothing new after it."""
    after = pl.col("end") > day
    contracts = history.contracts.filter(pl.col("start") <= day).with_columns(
        end=pl.when(after).then(None).otherwise("end"),
        ended_by=pl.when(after).then(None).otherwise("ended_by"),
        end_reason=pl.when(after).then(None).otherwise("end_reason"),
    )
    frames = {
        name: frame.filter(pl.col(DATED[name]) <= day)
        for name, frame in history.frames()
        if name in DATED
    }
    market = None if history.market is None else history.market.filter(pl.col("date") <= day)
    return History.from_frames(contracts=contracts, **frames).with_market(market)


def only_contracts(history: History, ids: Iterable[str]) -> History:
    """The records of some contracts (one freelancer's), with every operator action kept."""
    keep = pl.Series(sorted(set(ids)), dtype=pl.String())
    frames = {
        name: frame.filter(
            pl.col("id" if name == "contracts" else "contract").is_in(keep.implode())
        )
        for name, frame in history.frames()
        if name != "actions"
    }
    return History.from_frames(actions=history.actions, **frames).with_market(history.market)


def open_contracts(history: History) -> list[str]:
    """Contracts without an end: in a frozen history, the only ones whose rule can still change."""
    return history.contracts.filter(pl.col("end").is_null()).get_column("id").to_list()
