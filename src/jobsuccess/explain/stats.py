"""My Stats: the figures beside the score that the marketplace shows a freelancer.

* **Top Rated eligible weeks**: of the last ``weeks_of`` weekly dates, those with a score at
  the bar or Rising Talent (`jobsuccess.engine.status.eligible_week`, the engine's own rule),
  against the ``weeks_required``;
* **12-month earnings**: what the engine's ledger counts as paid in the 12 months to the
  computation date (Top Rated's earnings figure);
* **would recommend**: the share of clients whose private 0-10 answer was 9 or 10. A private
  answer must never show on its own, so the share is computed over *closed groups*: answers
  in feedback order (ties by contract id), cut into consecutive groups of
  ``max(k, STATS_K)`` answers; only complete groups count, so the figure moves once a whole
  group is in and then reveals only how many of that group recommended, never who. The
  operator audience gets the plain share over every answer;
* **long-term clients**: the share of distinct clients with a long-term relationship (a
  contract paid over at least the policy's ``long_term.min_span_days``, or more than one
  contract): public facts only;
* **account holds**: each hold with its dates, and whether one blocks Top Rated now.

No I/O: a history in, a typed result out (`MyStats.to_json` at the edge).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from jobsuccess.engine import score
from jobsuccess.engine.status import eligible_week, held, sample_dates
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.ledger import Plain
from jobsuccess.explain.view import Answer
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

STATS_K: Final = 5
"""The smallest group of private answers a freelancer's "would recommend" share moves by
(the policy's privacy ``k`` when larger)."""
PROMOTER: Final = 9


@dataclass(frozen=True)
class EligibleWeeks(Plain):
    """Top Rated's eligible weeks: how many of the last ``of`` weekly dates qualified."""

    eligible: int
    of: int
    required: int
    bar: int


@dataclass(frozen=True)
class Recommend(Plain):
    """The share of answers of 9 or 10 (a freelancer's: over closed groups of ``group``)."""

    share: float | None
    answers: int
    group: int | None


@dataclass(frozen=True)
class LongTerm(Plain):
    """The share of distinct clients with a long-term relationship."""

    share: float | None
    clients: int
    long_term: int
    min_span_days: int


@dataclass(frozen=True)
class Hold:
    start: dt.date
    until: dt.date | None
    blocks_top_rated: bool

    def to_json(self) -> dict[str, str | bool | None]:
        return {
            "from": self.start.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "blocks_top_rated": self.blocks_top_rated,
        }


@dataclass(frozen=True)
class Holds:
    holds: tuple[Hold, ...]
    hold_free_days: int

    @property
    def blocks_top_rated(self) -> bool:
        return any(h.blocks_top_rated for h in self.holds)

    def to_json(self) -> dict[str, Any]:
        return {
            "holds": [h.to_json() for h in self.holds],
            "blocks_top_rated": self.blocks_top_rated,
            "hold_free_days": self.hold_free_days,
        }


@dataclass(frozen=True)
class MyStats(Answer):
    """The My Stats figures of one freelancer as of one date."""

    top_rated_weeks: EligibleWeeks
    earnings_12m: float
    would_recommend: Recommend
    long_term_clients: LongTerm
    holds: Holds

    def to_json(self) -> dict[str, Any]:
        return {
            **self.head(),
            "top_rated_weeks": self.top_rated_weeks.to_json(),
            "earnings_12m": self.earnings_12m,
            "would_recommend": self.would_recommend.to_json(),
            "long_term_clients": self.long_term_clients.to_json(),
            "holds": self.holds.to_json(),
        }


def my_stats(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date, audience: Audience
) -> MyStats:
    """The My Stats figures of ``freelancer`` as of ``as_of`` (``history`` screened)."""
    one = history.only([freelancer])
    on, policy = book.computation(as_of)
    weeks = sample_dates(on, policy)  # the computation date first: one engine run for all
    result = score(one, book, weeks, statuses=True)
    eligible = result.scores.with_columns(bar=pl.lit(policy.top_rated.min_score)).filter(
        eligible_week()
    )
    now = result.ledger.filter(pl.col("as_of") == weeks[0])
    paid_12m = float(now.get_column("earnings_12m").fill_null(0.0).sum()) if now.height else 0.0
    top = policy.top_rated
    return MyStats(
        freelancer,
        as_of,
        on,
        audience,
        EligibleWeeks(eligible.height, top.weeks_of, top.weeks_required, top.min_score),
        round(paid_12m, 2),
        _recommend(one, on, audience, policy.privacy.k),
        _long_term(one, on, policy.long_term.min_span_days),
        _holds(one, on, policy),
    )


def _recommend(one: History, on: dt.date, audience: Audience, k: int) -> Recommend:
    answers = (
        one.feedback.filter((pl.col("date") <= on) & pl.col("recommend").is_not_null())
        .sort("date", "contract")
        .get_column("recommend")
        .to_list()
    )
    group = max(k, STATS_K)
    counted = answers if audience == "operator" else answers[: len(answers) // group * group]
    promoters = sum(1 for a in counted if a >= PROMOTER)
    return Recommend(
        round(promoters / len(counted), 4) if counted else None,
        len(counted),
        None if audience == "operator" else group,
    )


def _long_term(one: History, on: dt.date, span_days: int) -> LongTerm:
    started = one.contracts.filter(pl.col("start") <= on)
    paid = (
        one.payments.filter((pl.col("date") <= on) & (pl.col("amount") > 0))
        .group_by("contract")
        .agg(span=(pl.col("date").max() - pl.col("date").min()).dt.total_days())
    )
    per_client = (
        started.join(paid, left_on="id", right_on="contract", how="left")
        .group_by("client")
        .agg(contracts=pl.len(), longest=pl.col("span").max().fill_null(0))
        .with_columns(long=(pl.col("contracts") > 1) | (pl.col("longest") >= span_days))
    )
    clients = per_client.height
    long = int(per_client.get_column("long").sum()) if clients else 0
    return LongTerm(round(long / clients, 4) if clients else None, clients, long, span_days)


def _holds(one: History, on: dt.date, policy: Policy) -> Holds:
    holds = (
        one.actions.filter((pl.col("type") == "account_hold") & (pl.col("date") <= on))
        .sort("date")
        .select(on=pl.lit(on), held_from=pl.col("date"), held_until=pl.col("until"))
        .with_columns(blocks=held(policy))
    )
    listed = tuple(
        Hold(r["held_from"], r["held_until"], bool(r["blocks"]))
        for r in holds.iter_rows(named=True)
    )
    return Holds(listed, policy.top_rated.hold_free_days)
