"""Place each outcome in the policy's windows (docs/domain.md section 5)."""

from __future__ import annotations

import polars as pl

from jobsuccess.policy import Policy


def in_window(p: Policy, window: str) -> pl.Expr:
    """An outcome is in a window until it is older than the window (six months and a day)."""
    months = p.windows.months[window]  # type: ignore[index]
    return (
        pl.col("dated").is_not_null()
        & (pl.col("dated") <= pl.col("on"))
        & (pl.col("dated") >= pl.col("on").dt.offset_by(f"-{months}mo"))
    )


def place(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Add one boolean ``in_<window>`` column per window of the policy."""
    return ledger.with_columns(in_window(p, w).alias(f"in_{w}") for w in p.windows.months)
