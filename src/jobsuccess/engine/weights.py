"""How much one outcome weighs (docs/domain.md section 4)."""

from __future__ import annotations

import polars as pl

from jobsuccess.policy import Policy


def earnings_tier(p: Policy) -> pl.Expr:
    """Weight of the contract's earnings tier: bigger contracts weigh more."""
    tiers = p.weights.tiers
    expr: pl.Expr = pl.lit(tiers[-1].weight)
    for tier in reversed(tiers[:-1]):
        expr = pl.when(pl.col("earnings") <= tier.up_to).then(pl.lit(tier.weight)).otherwise(expr)
    return expr


def duration_bonus(p: Policy) -> pl.Expr:
    """One per full period with a payment: long relationships weigh more."""
    return pl.col("periods_paid").cast(pl.Float64) * p.weights.per_period


def weigh(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Add ``weight``: tier + duration bonus, capped; 0 for excluded contracts."""
    weight = pl.min_horizontal(earnings_tier(p) + duration_bonus(p), pl.lit(p.weights.max))
    return ledger.with_columns(
        weight=pl.when(pl.col("outcome") == "excluded").then(0.0).otherwise(weight)
    )
