"""Place each outcome in the policy's windows (docs/domain.md section 5)."""

from __future__ import annotations

import polars as pl

from jobsuccess.policy import Policy

#: From this many rows on, `months_before` looks the dates up (below it, a polars call on the
#: distinct dates costs more than the arithmetic on every row).
LOOKUP_FROM = 5_000


def months_before(days: pl.Series, months: int) -> pl.Expr:
    """``on`` less ``months`` calendar months, as polars' ``offset_by`` gives it (a month's end
    clamps: 31 August less 6 months is 28 February). ``days`` is the frame's ``on``: a large
    frame has a few computation dates and a row per contract, so its distinct dates are moved
    once and every row looks its date up (2.5x cheaper than calendar arithmetic per row); a
    small one is moved row by row. The same polars arithmetic either way."""
    back = f"-{months}mo"
    if days.len() < LOOKUP_FROM:
        return pl.col("on").dt.offset_by(back)
    distinct = days.unique()
    return pl.col("on").replace_strict(
        distinct, distinct.dt.offset_by(back), return_dtype=pl.Date()
    )


def in_window(p: Policy, window: str, days: pl.Series) -> pl.Expr:
    """An outcome is in a window until it is older than the window (six months and a day);
    ``days``: the frame's ``on``, row for row (`months_before`)."""
    months = p.windows.months[window]  # type: ignore[index]
    return (
        pl.col("dated").is_not_null()
        & (pl.col("dated") <= pl.col("on"))
        & (pl.col("dated") >= months_before(days, months))
    )


def place(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Add one boolean ``in_<window>`` column per window of the policy."""
    days = ledger.get_column("on")
    return ledger.with_columns(in_window(p, w, days).alias(f"in_{w}") for w in p.windows.months)
