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


def large_contract(p: Policy) -> pl.Expr:
    """A contract large for its category (the policy's table, else its default) that had
    earnings in the last 12 months: Top Rated Plus needs one."""
    t = p.top_rated_plus
    bar: pl.Expr = pl.lit(t.large_contract_min)
    if t.large_contract_min_by_category:
        bar = pl.col("category").replace_strict(
            list(t.large_contract_min_by_category),
            list(t.large_contract_min_by_category.values()),
            default=t.large_contract_min,
            return_dtype=pl.Float64,
        )
    return ((pl.col("earnings") >= bar) & (pl.col("earnings_12m") > 0)).fill_null(False)


def activity(ledger: pl.DataFrame) -> pl.DataFrame:
    """Per (freelancer, on): a large contract, first start, last activity (the ledger carries
    ``_large``, from `large_contract` under each row's policy)."""
    keys, carry = by_freelancer(ledger)
    return (
        ledger.group_by(keys)
        .agg(
            *carry,
            has_large_contract=pl.col("_large").any(),
            first_start=pl.col("start").min(),
            last_active=pl.max_horizontal(pl.col("last_paid").max(), pl.col("start").max()),
        )
        .drop([k for k in keys if k not in ("freelancer", "on")])
    )


def held(p: Policy) -> pl.Expr:
    """An account hold in force at some time in the ``hold_free_days`` before ``on``."""
    since = pl.col("on") - pl.duration(days=p.top_rated.hold_free_days)
    return (
        (pl.col("held_from") <= pl.col("on"))
        & (pl.col("held_until").is_null() | (pl.col("held_until") > since))
    ).fill_null(False)


def at_bar(p: Policy) -> pl.Expr:
    """The displayed score at the Top Rated bar: Top Rated and Plus need it, and lapse when
    it falls (`lapse_reason`)."""
    return pl.col("score").fill_null(-1).ge(p.top_rated.min_score)


def unscored(p: Policy) -> pl.Expr:
    """No displayed score, under a policy with Rising Talent: the only way that one holds."""
    return pl.col("score").is_null() & pl.lit(p.rising_talent.enabled)


def may_hold(p: Policy) -> pl.Expr:
    """Whether some status can hold given the displayed score alone: a caller (the forecast)
    runs the weekly look-back only where this is true."""
    return at_bar(p) | unscored(p)


BELOW_BAR = "below_bar"
"""`lapse_reason`'s value when the displayed score misses the Top Rated bar."""


def lapse_reason(p: Policy) -> pl.Expr:
    """Which precondition of a status the displayed score alone fails (null: none fails)."""
    return pl.when(~at_bar(p)).then(pl.lit(BELOW_BAR)).otherwise(pl.lit(None, pl.String))


def top_rated_now(p: Policy) -> pl.Expr:
    """Every Top Rated criterion but the weekly history of eligible weeks."""
    t = p.top_rated
    return (
        at_bar(p)
        & (pl.col("earnings_12m") >= t.min_earnings_12m)
        & ((pl.col("on") - pl.col("first_start")).dt.total_days() > t.min_account_age_days)
        & ((pl.col("on") - pl.col("last_active")).dt.total_days() < t.activity_days)
        & ~pl.col("on_hold")
    ).fill_null(False)


def eligible_week(rising: pl.Expr | None = None) -> pl.Expr:
    """My Stats' "Top Rated eligible week": a weekly date with a score at the bar (column
    ``bar``) or Rising Talent (``rising``, default the column ``rising_talent``)."""
    on_rise = pl.col("rising_talent") if rising is None else rising
    return ((pl.col("score") >= pl.col("bar")) | on_rise).fill_null(False)


def top_rated(p: Policy) -> pl.Expr:
    """JSS at or above the bar now, enough eligible weeks, earnings, activity, no hold."""
    return pl.col("_now") & (pl.col("weeks_at_bar") >= p.top_rated.weeks_required)


def top_rated_plus(p: Policy) -> pl.Expr:
    t = p.top_rated_plus
    return (
        pl.col("top_rated")
        & (pl.col("earnings_12m") >= t.min_earnings_12m)
        & pl.col("has_large_contract")
    ).fill_null(False)


def rising_talent(p: Policy) -> pl.Expr:
    """For freelancers with no score yet whose early outcomes are all good."""
    r = p.rising_talent
    if not r.enabled:
        return pl.lit(False)
    return (
        unscored(p)
        & (pl.col("successes") >= r.min_success)
        & (pl.col("negatives") <= r.max_negative)
        & (pl.col("stars_mean").is_null() | (pl.col("stars_mean") >= r.min_stars))
        & (pl.col("earnings_12m") >= r.min_earnings_12m)
    ).fill_null(False)
