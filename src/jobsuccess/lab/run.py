"""The lab's computations: score one population under two specs, pick and explain the movers.

`lab_frame` is the unit of work of every runner: one call scores a set of freelancers (a whole
marketplace, or one bucket of a partitioned dataset on a Spark worker) both ways with the
batch engine and returns their `jobsuccess.lab.compare.freelancer_frame` rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from jobsuccess.engine import market_clients, score_batch
from jobsuccess.lab.compare import freelancer_frame
from jobsuccess.lab.segments import segments
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook

if TYPE_CHECKING:
    from jobsuccess.explain import Explanation

MOVERS: Final = 20


def computation_dates(
    base: PolicyBook, candidate: PolicyBook, start: dt.date, end: dt.date
) -> list[dt.date]:
    """Every date in ``start .. end`` on which either book computes (``end`` if none does)."""
    days: set[dt.date] = set()
    day = start
    while day <= end:
        for book in (base, candidate):
            on, _ = book.computation(day)
            if start <= on <= end:
                days.add(on)
        day += dt.timedelta(days=1)
    return sorted(days) or [end]


def _flat(
    history: History,
    book: PolicyBook,
    days: Sequence[dt.date],
    size: int,
    clients: pl.DataFrame | None,
) -> pl.DataFrame:
    from jobsuccess.report import flat_scores

    scored = score_batch(
        history, book, list(days), partition_size=size, ledger=False, clients=clients
    )
    return pl.concat([flat_scores(s) for s in scored], how="diagonal_relaxed")


def lab_frame(
    history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    days: Sequence[dt.date],
    *,
    partition_size: int = 50_000,
    advance: Callable[[int], None] | None = None,
    clients: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Score every freelancer of ``history`` under both books as of each of ``days`` and
    compare: one `freelancer_frame` row per (freelancer, as_of), sorted by both.

    ``clients``: the marketplace's client activity when ``history`` is one bucket of it
    (`jobsuccess.engine.market_clients`); by default that of ``history``, computed once for
    every partition."""
    if clients is None:
        clients = market_clients(history, base, candidate)
    parts = []
    for part in history.partitions(partition_size):
        if not part.freelancers:
            continue
        parts.append(
            freelancer_frame(
                _flat(part, base, days, partition_size, clients),
                _flat(part, candidate, days, partition_size, clients),
                segments(part, days),
            )
        )
        if advance is not None:
            advance(len(part.freelancers))
    if not parts:
        return empty_frame()
    return pl.concat(parts).sort("freelancer", "as_of")


def empty_frame() -> pl.DataFrame:
    """A `freelancer_frame` without rows, with its schema (what a marketplace without
    freelancers compares to): the comparison of one placeholder freelancer, emptied."""
    one = History.from_frames(
        contracts=pl.DataFrame(
            {"freelancer": ["_"], "id": ["_"], "client": ["_"], "type": ["fixed"]}
        ).with_columns(start=pl.lit(dt.date(2019, 1, 1)))
    )
    book = PolicyBook.shipped()
    return lab_frame(one, book, book, [dt.date(2020, 1, 1)]).clear()


#: A policy's labels, not its rules.
_LABELS: Final = ("name", "effective", "title", "basis")


def policy_difference(base: PolicyBook, candidate: PolicyBook, day: dt.date) -> str:
    """The words of the "policy changed" item: which parameters differ between the
    policies that compute the score on ``day``, e.g. ``eligibility.min_clients 3 -> 2``."""
    (_, b), (_, c) = base.computation(day), candidate.computation(day)
    left, right = dict(b.parameters()), dict(c.parameters())
    changed = [
        f"{key} {json.dumps(left.get(key))} -> {json.dumps(right.get(key))}"
        for key in dict.fromkeys([*left, *right])
        if key not in _LABELS and left.get(key) != right.get(key)
    ]
    names = b.name if b.name == c.name else f"{b.name} -> {c.name}"
    return f"the candidate's rules ({names}): " + ("; ".join(changed) or "the same parameters")


def movers(frame: pl.DataFrame, day: dt.date, n: int = MOVERS) -> pl.DataFrame:
    """The ``n`` largest movers of one date: by the size of the displayed score's change, a
    score gained or lost counting as its whole value; ties by freelancer id."""
    size = (
        pl.when(pl.col("delta").is_not_null())
        .then(pl.col("delta").abs())
        .otherwise(pl.coalesce("base_score", "candidate_score").cast(pl.Int64))
    )
    return (
        frame.filter(pl.col("as_of") == day)
        .with_columns(_size=size)
        .filter(pl.col("_size").fill_null(0) > 0)
        .sort(["_size", "freelancer"], descending=[True, False])
        .head(n)
        .drop("_size")
    )


@dataclass(frozen=True)
class Mover:
    freelancer: str
    base_score: int | None
    candidate_score: int | None
    delta: int | None
    explanation: Explanation
    """`jobsuccess.explain.compare`'s result (operator audience)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "freelancer": self.freelancer,
            "base_score": self.base_score,
            "candidate_score": self.candidate_score,
            "delta": self.delta,
            "changes": [c.to_json() for c in self.explanation.changes],
            "method": self.explanation.attribution.method,
        }


def explain_movers(
    history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    top: pl.DataFrame,
    day: dt.date,
    what: str,
    advance: Callable[[int], None] | None = None,
) -> list[Mover]:
    """Each mover's change attributed by the explain engine (operator audience), with the
    marketplace's client activity (``history``'s own, or `History.market` when ``history``
    holds only the movers' buckets), as `lab_frame` scored them."""
    from jobsuccess.explain import compare

    market = history.market
    if market is None:
        market = market_clients(history, base, candidate)
    out = []
    for row in top.iter_rows(named=True):
        who = str(row["freelancer"])
        result = compare(
            history.only([who]).with_market(market),
            base,
            candidate,
            as_of=day,
            freelancer=who,
            audience="operator",
            what=what,
        )
        out.append(Mover(who, row["base_score"], row["candidate_score"], row["delta"], result))
        if advance is not None:
            advance(1)
    return out
