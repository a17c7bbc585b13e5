"""Statuses that depend on the score (docs/domain.md section 6).

Top Rated, Top Rated Plus and Rising Talent.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from jobsuccess.engine.facts import by_freelancer
from jobsuccess.policy import Policy


def sample_dates(on: dt.date, p: Policy) -> list[dt.date]:
    """The weekly dates whose scores Top Rated looks back on (the current one first)."""
    return [on - dt.timedelta(weeks=w) for w in range(p.top_rated.weeks_of)]


def activity(ledger: pl.DataFrame) -> pl.DataFrame:
    """Per (freelancer, on): 12-month earnings, largest contract, first start, last activity."""
    keys, carry = by_freelancer(ledger)
    return ledger.group_by(keys).agg(
        *carry,
        earnings_12m=pl.col("earnings_12m").sum(),
        largest_contract=pl.col("earnings").max(),
        first_start=pl.col("start").min(),
        last_active=pl.max_horizontal(pl.col("last_paid").max(), pl.col("start").max()),
    )


def top_rated_now(p: Policy) -> pl.Expr:
    """Every Top Rated criterion but the weekly score history."""
    t = p.top_rated
    return (
        pl.col("score").fill_null(-1).ge(t.min_score)
        & (pl.col("earnings_12m") >= t.min_earnings_12m)
        & ((pl.col("on") - pl.col("first_start")).dt.total_days() > t.min_account_age_days)
        & ((pl.col("on") - pl.col("last_active")).dt.total_days() < t.activity_days)
    ).fill_null(False)


def top_rated(p: Policy) -> pl.Expr:
    """JSS at or above the bar now and in enough of the last weeks, with earnings and activity."""
    return pl.col("_now") & (pl.col("weeks_at_bar") >= p.top_rated.weeks_required)


def top_rated_plus(p: Policy) -> pl.Expr:
    t = p.top_rated_plus
    return (
        pl.col("top_rated")
        & (pl.col("earnings_12m") >= t.min_earnings_12m)
        & (pl.col("largest_contract") >= t.large_contract_min)
    ).fill_null(False)


def rising_talent(p: Policy) -> pl.Expr:
    """For freelancers with no score yet whose early outcomes are all good."""
    r = p.rising_talent
    if not r.enabled:
        return pl.lit(False)
    return (
        pl.col("score").is_null()
        & (pl.col("successes") >= r.min_success)
        & (pl.col("negatives") <= r.max_negative)
    ).fill_null(False)
