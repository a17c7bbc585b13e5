"""The displayed score of any set of ledger rows, computed by the engine's own last steps.

Every explanation here is a question about the displayed score of a *modified ledger*: the
rows of some contracts as of one date, the rest as of another (attribution), every contract
re-placed on a later date (forecast). The engine's `aggregate` and `best_of` answer it, so the
windows, eligibility, trending, best-of and rounding are never re-implemented here.

Many ledgers are valued in one call: each row carries a ``group`` label (UInt32), and every
group is scored as if it were its own freelancer. This module is the only one that knows which
ledger columns the engine's aggregation reads.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from jobsuccess.engine.windows import aggregate, best_of
from jobsuccess.policy import Policy

GROUP = "group"
CLIENT_SEED = 0xC1
SHARES = ("success_share", "neutral_share", "negative_share")
NO_SCORE = 0.0
"""The value of a ledger without a displayed score (documented in docs/explain.md)."""


def window_columns(p: Policy) -> list[str]:
    return [f"in_{w}" for w in p.windows.months]


def value_columns(p: Policy) -> list[str]:
    """The columns of a ledger row that its contribution to the displayed score depends on."""
    return ["client", "weight", *SHARES, *window_columns(p)]


def client_key() -> pl.Expr:
    """The client key `score_groups` groups clients by (a hash of the client id)."""
    return pl.col("client").hash(CLIENT_SEED).alias("ckey")


def keyed_columns(p: Policy) -> list[str]:
    """`value_columns` with the client as its key: what a copied row needs, without strings."""
    return ["ckey", *(c for c in value_columns(p) if c != "client")]


def counted(p: Policy) -> pl.Expr:
    """Rows that contribute to some window (all others cannot move the score)."""
    return pl.any_horizontal(pl.col(c).fill_null(False) for c in window_columns(p))


def score_groups(
    rows: pl.DataFrame, p: Policy, on: dt.date | None = None, groups: int | None = None
) -> pl.DataFrame:
    """Value every group of ``rows``: one row per group with ``best``, ``best_score``, ``score``.

    ``rows`` holds ledger rows (at least `value_columns`, or `keyed_columns`) and a ``group``
    column; ``on`` (when
    given) is the date every group is computed on, else each row's own ``on`` is kept (rows of
    one group must then share it). Groups without an eligible window get ``best_score`` null.
    With ``groups``, the result has exactly the groups ``0 .. groups - 1`` (empty ones too).
    """
    labels = (
        pl.Series(GROUP, range(groups), dtype=pl.UInt32())
        if groups is not None
        else rows.get_column(GROUP).cast(pl.UInt32).unique().sort()
    )
    frame = rows.filter(counted(p)).with_columns(
        pl.col(GROUP).cast(pl.UInt64).alias("fkey"),
        # carried through the aggregation, never read: no per-row string
        pl.lit("", dtype=pl.String()).alias("freelancer"),
        # Rows may come from several engine runs: one client key for all of them (`client_key`
        # computes it once, before rows are copied into many coalitions).
        *([] if "ckey" in rows.columns else [client_key()]),
        *([pl.lit(on, dtype=pl.Date()).alias("on")] if on is not None else []),
    )
    best = (
        best_of(aggregate(frame, p), p)
        if frame.height
        else pl.DataFrame(
            schema={
                "fkey": pl.UInt64(),
                "best": pl.String(),
                "best_score": pl.Float64(),
                "score": pl.Int64(),
            }
        )
    )
    best = best.select(pl.col("fkey").cast(pl.UInt32).alias(GROUP), "best", "best_score", "score")
    return labels.to_frame().join(best, on=GROUP, how="left").sort(GROUP)
