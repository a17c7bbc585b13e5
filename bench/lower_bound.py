"""LOWER BOUND, NOT THE RULES: a yardstick of what one Polars plan can do on this data.

The engine benchmark times this beside the engine (issue 9: "within 2x of the lower bound"):
one lazy plan over the same loaded tables, with ids encoded as dense integers in sorted order
and **simplified rules**, so that the ratio engine / lower bound says how far the engine is
from the cost of merely reading, joining and summing the records once.

Simplified (deliberately, and never to be used as a score): no statuses, no pooling of
private feedback, no operator actions, no disputes, no long-term or idle contracts, no
"excessive no-feedback" rule, no cadence (``on`` is the computation date). A contract counts
when it has feedback in its feedback time and earned more than $0; its outcome comes from the
feedback alone (negative end reason or answers below the neutral thresholds: negative; below
the success thresholds: neutral; otherwise success), dated by the feedback; its weight is the
earnings tier plus the per-period bonus for full periods with a payment, capped; per window,
(success - negative) / total with the policy's eligibility, trending and best-of, rounded.
Its scores therefore differ from the engine's; the benchmark reports how often they agree.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from jobsuccess.model import History
from jobsuccess.policy import Policy, ScoreName

__all__ = ["lower_bound"]


def lower_bound(history: History, on: dt.date, policy: Policy) -> pl.DataFrame:
    """One row per freelancer (sorted): ``freelancer`` and ``score`` (null without one)."""
    o, w = policy.outcomes, policy.weights
    day = pl.lit(on, dtype=pl.Date())
    freelancers = pl.Enum(history.contracts.get_column("freelancer").unique().sort())
    span = (pl.min_horizontal(pl.col("end").fill_null(day), day) - pl.col("start")).dt.total_days()
    # Dense sorted ids: contracts numbered in id order, freelancers by their rank (the Enum's
    # sorted categories); clients only need to be told apart, so dense codes in any order.
    contracts = (
        history.contracts.lazy()
        .filter(pl.col("start") <= day)
        .sort("id")
        .with_row_index("c")
        .select(
            "c",
            "id",
            pl.col("freelancer").cast(freelancers).to_physical().cast(pl.UInt32).alias("f"),
            pl.col("client").cast(pl.Categorical).to_physical().alias("k"),
            "start",
            "end",
            "end_reason",
            span.alias("span"),
        )
    )
    # The one string join per table: contract id -> dense id (and the start, for periods).
    ids = contracts.select("id", "c", "start", "span")
    period = (pl.col("date") - pl.col("start")).dt.total_days() // w.period_days
    paid = (
        history.payments.lazy()
        .filter(pl.col("date") <= day)
        .join(ids, left_on="contract", right_on="id")
        .group_by("c")
        .agg(
            pl.col("amount").sum().round(2).alias("earnings"),
            period.filter(
                (pl.col("amount") > 0)
                & (pl.col("date") >= pl.col("start"))
                & ((period + 1) * w.period_days <= pl.col("span"))
            )
            .n_unique()
            .alias("periods"),
        )
    )
    feedback = (
        history.feedback.lazy()
        .filter(pl.col("date") <= day)
        .join(ids.select("id", "c"), left_on="contract", right_on="id")
        .select("c", "date", "stars", "recommend")
    )
    rec, stars = pl.col("recommend"), pl.col("stars")
    public = pl.lit(True) if o.public_feedback == "both" else rec.is_null()
    negative = (
        (pl.col("end_reason").is_not_null() & ~pl.col("end_reason").is_in(o.positive_end_reasons))
        | (rec < o.neutral_recommend_min)
        | (public & (stars < o.neutral_stars_min))
    ).fill_null(False)
    neutral = (
        (rec < o.success_recommend_min) | (public & (stars < o.success_stars_min))
    ).fill_null(False)
    tier = pl.lit(w.tiers[-1].weight)
    for t in reversed(w.tiers[:-1]):
        tier = pl.when(pl.col("earnings") <= t.up_to).then(t.weight).otherwise(tier)
    counted = (
        contracts.filter(pl.col("end") <= day)
        .join(feedback, on="c")
        .filter(
            (pl.col("date") >= pl.col("end"))
            & (pl.col("date") <= pl.col("end") + pl.duration(days=o.feedback_days))
        )
        .join(paid, on="c")
        .filter(pl.col("earnings") > 0)
        .select(
            "f",
            "k",
            "date",
            pl.min_horizontal(tier + w.per_period * pl.col("periods"), pl.lit(w.max)).alias("w"),
            pl.when(negative).then(-1).when(neutral).then(0).otherwise(1).alias("o"),
        )
    )
    sums: list[pl.Expr] = []
    scores: dict[ScoreName, pl.Expr] = {}
    for name, months in policy.windows.months.items():
        inside = pl.col("date") >= day.dt.offset_by(f"-{months}mo")
        sums += [
            (pl.col("w") * pl.col("o")).filter(inside).sum().alias(f"net_{name}"),
            pl.col("w").filter(inside).sum().alias(f"total_{name}"),
            inside.sum().alias(f"outcomes_{name}"),
            pl.col("k").filter(inside).n_unique().alias(f"clients_{name}"),
        ]
        eligible = (
            (pl.col(f"outcomes_{name}") >= policy.eligibility.min_outcomes)
            & (pl.col(f"clients_{name}") >= policy.eligibility.min_clients)
            & (pl.col(f"total_{name}") > 0)
        )
        value = (100 * pl.col(f"net_{name}") / pl.col(f"total_{name}")).clip(0, 100)
        scores[name] = pl.when(eligible).then(value)
    if policy.windows.trending:
        parts = [scores[n] for n in policy.windows.trending]
        both = pl.all_horizontal(*(p.is_not_null() for p in parts))
        scores["trending"] = pl.when(both).then(pl.mean_horizontal(*parts))
    best = pl.max_horizontal(*(scores[n] for n in policy.windows.candidates)).round(9)
    rounded = (best + 0.5).floor() if policy.windows.rounding == "half_up" else best.floor()
    per_freelancer = counted.group_by("f").agg(sums).select("f", rounded.alias("score"))
    everyone = pl.LazyFrame(
        {
            "f": pl.Series(range(len(freelancers.categories)), dtype=pl.UInt32()),
            "freelancer": freelancers.categories,
        }
    )
    plan = everyone.join(per_freelancer, on="f", how="left").select(
        "freelancer", pl.col("score").cast(pl.Int64)
    )
    return plan.collect()
