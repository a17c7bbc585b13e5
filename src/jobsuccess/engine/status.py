"""Statuses that depend on the score (DOMAIN.md section 6): Top Rated, Top Rated Plus, Rising Talent."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jobsuccess.model import History
from jobsuccess.policy import Policy


def sample_dates(on: dt.date, p: Policy) -> list[dt.date]:
    """The weekly dates whose scores Top Rated looks back on (the current one first)."""
    return [on - dt.timedelta(weeks=w) for w in range(p.top_rated.weeks_of)]


def activity(history: History, dates: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Per (freelancer, on): 12-month earnings, largest contract, account age, recent activity."""
    payments = (
        history.payments.lazy()
        .join(dates.lazy(), how="cross")
        .filter(pl.col("date") <= pl.col("on"))
    )
    recent = pl.col("date") > pl.col("on").dt.offset_by("-12mo")
    earnings = (
        payments.group_by("freelancer", "on")
        .agg(
            earnings_12m=pl.col("amount").filter(recent).sum(),
            last_paid=pl.col("date").filter(pl.col("amount") > 0).max(),
        )
    )
    largest = (
        payments.group_by("freelancer", "contract", "on")
        .agg(pl.col("amount").sum())
        .group_by("freelancer", "on")
        .agg(largest_contract=pl.col("amount").max())
    )
    contracts = (
        history.contracts.lazy()
        .join(dates.lazy(), how="cross")
        .filter(pl.col("start") <= pl.col("on"))
        .group_by("freelancer", "on")
        .agg(first_start=pl.col("start").min(), last_start=pl.col("start").max())
    )
    return (
        contracts.join(earnings, on=["freelancer", "on"], how="left")
        .join(largest, on=["freelancer", "on"], how="left")
        .with_columns(
            pl.col("earnings_12m").fill_null(0.0), pl.col("largest_contract").fill_null(0.0)
        )
        .collect()
    )


def top_rated(p: Policy) -> pl.Expr:
    """JSS at or above the bar now and in enough of the last weeks, with earnings and activity."""
    t = p.top_rated
    last_active = pl.max_horizontal("last_paid", "last_start")
    return (
        pl.col("score").fill_null(-1).ge(t.min_score)
        & (pl.col("weeks_at_bar") >= t.weeks_required)
        & (pl.col("earnings_12m") >= t.min_earnings_12m)
        & ((pl.col("on") - pl.col("first_start")).dt.total_days() > t.min_account_age_days)
        & ((pl.col("on") - last_active).dt.total_days() < t.activity_days)
    ).fill_null(False)


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
