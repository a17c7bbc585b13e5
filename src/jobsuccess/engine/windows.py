"""Windows, per-window scores, eligibility, trending and the displayed best-of (section 5)."""

from __future__ import annotations

import polars as pl

from jobsuccess.engine.facts import by_freelancer
from jobsuccess.policy import Policy

WINDOW_ORDER = ("3m", "6m", "12m", "24m", "trending")
WINDOW_ENUM = pl.Enum(list(WINDOW_ORDER))
FIGURES = ("score", "eligible", "outcomes", "clients", "success", "neutral", "negative", "total")


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


def window_score(success: pl.Expr, negative: pl.Expr, total: pl.Expr) -> pl.Expr:
    """The official formula: 100 * (success - negative) / total, clamped to 0..100."""
    return (100.0 * (success - negative) / total).clip(0.0, 100.0)


def aggregate(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """One row per (freelancer, on, window) with the window's figures and score."""
    aggs: list[pl.Expr] = []
    for w in p.windows.months:
        inside = pl.col(f"in_{w}")
        for outcome in ("success", "neutral", "negative"):
            # Shares, not outcomes: private feedback counts only pooled (engine.privacy).
            share = pl.col("weight") * pl.col(f"{outcome}_share")
            aggs.append((share * inside).sum().alias(f"{w}|{outcome}"))
        aggs.append(inside.sum().cast(pl.Int64).alias(f"{w}|outcomes"))
    keys, carry = by_freelancer(ledger)
    wide = (
        ledger.group_by(keys)
        .agg(*carry, *aggs)
        .join(_clients(ledger, p, keys), on=keys, how="left")
        .with_columns(pl.col(r"^.*\|clients$").fill_null(0))
    )
    parts = [
        wide.select(
            "fkey",
            "freelancer",
            "on",
            pl.lit(w).cast(WINDOW_ENUM).alias("window"),
            *(
                pl.col(f"{w}|{f}").alias(f)
                for f in ("outcomes", "clients", "success", "neutral", "negative")
            ),
        )
        for w in p.windows.months
    ]
    long = pl.concat(parts).with_columns(
        total=pl.col("success") + pl.col("neutral") + pl.col("negative")
    )
    long = long.with_columns(
        eligible=(pl.col("outcomes") >= p.eligibility.min_outcomes)
        & (pl.col("clients") >= p.eligibility.min_clients)
        & (pl.col("total") > 0)
    ).with_columns(
        score=pl.when("eligible").then(
            window_score(pl.col("success"), pl.col("negative"), pl.col("total"))
        )
    )
    if p.windows.trending:
        long = pl.concat([long, _trending(long, p)], how="vertical")
    return long.select("fkey", "freelancer", "on", "window", *FIGURES)


def _clients(ledger: pl.DataFrame, p: Policy, keys: list[str]) -> pl.DataFrame:
    """Distinct clients per window, from one pass over (freelancer, client) pairs (a
    distinct count per window inside the main group-by costs several times more)."""
    windows = [f"in_{w}" for w in p.windows.months]
    pairs = ledger.group_by([*keys, "ckey"]).agg(pl.col(c).any() for c in windows)
    return pairs.group_by(keys).agg(
        pl.col(f"in_{w}").sum().cast(pl.Int64).alias(f"{w}|clients") for w in p.windows.months
    )


def _trending(windows: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Trending = mean of its windows' scores, eligible when all of them are.

    Its counts are those of its longest window (the others are inside it); its weighted sums
    are the mean of its windows' sums, like its score.
    """
    parts = list(p.windows.trending)
    widest = max(parts, key=lambda w: p.windows.months[w])
    members = windows.filter(pl.col("window").cast(pl.String).is_in(parts))
    return (
        members.group_by("fkey", "on")
        .agg(
            pl.col("freelancer").first(),
            pl.lit("trending").cast(WINDOW_ENUM).alias("window"),
            pl.col("outcomes").filter(pl.col("window") == widest).first(),
            pl.col("clients").filter(pl.col("window") == widest).first(),
            *(pl.col(f).mean() for f in ("success", "neutral", "negative", "total")),
            pl.col("eligible").all(),
            pl.col("score").mean(),
            pl.len().alias("_n"),
        )
        .with_columns(
            eligible=pl.col("eligible") & (pl.col("_n") == len(parts)),
        )
        .with_columns(score=pl.when("eligible").then("score"))
        .select(windows.columns)
    )


def best_of(windows: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """The displayed score: the best eligible candidate, as a whole percent."""
    rank = {name: i for i, name in enumerate(p.windows.candidates)}
    candidates = windows.filter(
        pl.col("eligible") & pl.col("window").cast(pl.String).is_in(list(rank))
    ).with_columns(
        _rank=pl.col("window").cast(pl.String).replace_strict(rank, return_dtype=pl.Int32),
        # Compare at 9 decimals so float noise never flips the pick or the rounding.
        _value=pl.col("score").round(9),
    )
    best = (
        candidates.sort(["fkey", "on", "_value", "_rank"], descending=[False, False, True, False])
        .group_by("fkey", "on", maintain_order=True)
        .first()
        .select(
            "fkey",
            "on",
            best=pl.col("window").cast(pl.String),
            best_score=pl.col("score"),
            _value="_value",
        )
    )
    return best.with_columns(score=rounding(p, pl.col("_value")).cast(pl.Int64)).drop("_value")


def rounding(p: Policy, value: pl.Expr) -> pl.Expr:
    if p.windows.rounding == "floor":
        return value.floor()
    return (value + 0.5).floor()
