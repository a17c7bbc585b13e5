"""Aggregate the ledger: each window's figures per (freelancer, on), in one pass.

One group-by over the ledger gives every window's weighted outcome shares and counts, and the
summary's counts beside them; the result is wide (one row per freelancer and date, one column
per window and figure, named ``<window>|<figure>``): the later steps (trending, best-of) read
columns side by side instead of grouping again, and `jobsuccess.engine.windows` turns it into
one row per window at the end.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.facts import by_freelancer
from jobsuccess.engine.pipeline import Run
from jobsuccess.policy import Policy

WINDOW_ORDER = ("3m", "6m", "12m", "24m", "trending")
WINDOW_ENUM = pl.Enum(list(WINDOW_ORDER))
FIGURES = ("score", "eligible", "outcomes", "clients", "success", "neutral", "negative", "total")
SUMS = ("success", "neutral", "negative")


def column(window: str, figure: str) -> str:
    """The wide frame's column of one window's figure."""
    return f"{window}|{figure}"


def window_score(success: pl.Expr, negative: pl.Expr, total: pl.Expr) -> pl.Expr:
    """The official formula: 100 * (success - negative) / total, clamped to 0..100."""
    return (100.0 * (success - negative) / total).clip(0.0, 100.0)


def judged(p: Policy, window: str) -> list[pl.Expr]:
    """A window's ``total``, ``eligible`` and ``score`` from its sums and counts."""

    def c(figure: str) -> pl.Expr:
        return pl.col(column(window, figure))

    total = c("success") + c("neutral") + c("negative")
    eligible = (
        (c("outcomes") >= p.eligibility.min_outcomes)
        & (c("clients") >= p.eligibility.min_clients)
        & (total > 0)
    )
    return [
        total.alias(column(window, "total")),
        eligible.alias(column(window, "eligible")),
        pl.when(eligible)
        .then(window_score(c("success"), c("negative"), total))
        .alias(column(window, "score")),
    ]


def weighted(window: str) -> list[pl.Expr]:
    """Each ledger row's part of the window's weighted outcome sums (``<window>|success``...):
    `figures` adds them up per freelancer and date, `jobsuccess.explain.valuation` per
    coalition of mixed ledgers."""
    inside = pl.col(f"in_{window}")
    # Shares, not outcomes: private feedback counts only pooled (engine.privacy).
    return [
        (pl.col("weight") * pl.col(f"{outcome}_share") * inside).alias(column(window, outcome))
        for outcome in SUMS
    ]


def figures(ledger: pl.DataFrame, p: Policy, *, counts: bool = False) -> pl.DataFrame:
    """One row per (freelancer, on): every window's figures (wide), and with ``counts`` the
    summary's (``successes``, ``negatives`` and ``stars_mean`` in the longest window,
    ``earnings_12m``), from the same group-by."""
    return wide_figures(ledger, p, counts=counts).collect()


def wide_figures(ledger: pl.DataFrame, p: Policy, *, counts: bool = False) -> pl.LazyFrame:
    """`figures` as a lazy plan, for the steps that extend it.

    The window sums group only the rows in some window: the others add nothing to any of
    them (about half a marketplace's rows are older than every window), so the wide group-by
    reads only those; the carried columns and the earnings group every row."""
    sums: list[pl.Expr] = []
    for w in p.windows.months:
        sums += [part.sum() for part in weighted(w)]
        sums.append(pl.col(f"in_{w}").sum().cast(pl.Int64).alias(column(w, "outcomes")))
    inside = pl.col(f"in_{p.windows.longest}")
    if counts:
        sums += [
            (pl.col("success_share") * inside).sum().alias("successes"),
            (pl.col("negative_share") * inside).sum().alias("negatives"),
            pl.col("stars")
            .filter(pl.col("fb_date").is_not_null() & inside)
            .mean()
            .alias("stars_mean"),
        ]
    keys, carry = by_freelancer(ledger)
    every = [*carry, *([pl.col("earnings_12m").sum()] if counts else [])]
    in_some = pl.any_horizontal(pl.col(f"in_{w}").fill_null(False) for w in p.windows.months)
    rows = ledger.lazy()
    # what a group without a row in any window sums to
    nothing = [
        pl.col(e.meta.output_name()).fill_null(0 if "|outcomes" in name else 0.0)
        for e in sums
        if (name := e.meta.output_name()) != "stars_mean"
    ]
    order = [*keys, *(e.meta.output_name() for e in carry), *(e.meta.output_name() for e in sums)]
    order += ["earnings_12m"] if counts else []
    return (
        rows.group_by(keys)
        .agg(*every)
        .join(rows.filter(in_some).group_by(keys).agg(*sums), on=keys, how="left")
        .with_columns(nothing)
        .select(order)
        .join(_clients(rows, p, keys), on=keys, how="left")
        .with_columns(pl.col(r"^.*\|clients$").fill_null(0))
        .with_columns(e for w in p.windows.months for e in judged(p, w))
    )


def aggregate(run: Run, p: Policy) -> Run:
    """The step: the run's figures become the plan of the ledger's wide `figures`."""
    return replace(run, figures=wide_figures(run.ledger, p, counts=True))


def _clients(ledger: pl.LazyFrame, p: Policy, keys: list[str]) -> pl.LazyFrame:
    """Distinct clients per window of the rows in the longest window (every window lies
    inside it), from one sort by (freelancer, on, client) and running counts: a client counts
    in a window at its first row there; each (freelancer, on)'s last row holds the totals. A
    group-by over the (freelancer, on, client) triples, hashed, costs a third more."""
    windows = [f"in_{w}" for w in p.windows.months]
    inside = (
        ledger.filter(pl.col(f"in_{p.windows.longest}"))
        .select(*keys, "ckey", *(pl.col(w).fill_null(False) for w in windows))
        .sort(*keys, "ckey")
    )

    def changed(columns: list[str], offset: int) -> pl.Expr:
        """The row differs from its neighbour at ``offset`` (or has none) in ``columns``."""
        return pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(offset)) for c in columns)

    first = changed([*keys, "ckey"], 1)  # the first row of a (freelancer, on, client)
    counted = inside.with_columns(
        (pl.col(w) & (_running(pl.col(w).cast(pl.UInt32), first) == 1)).cast(pl.Int64).cum_sum()
        for w in windows
    )
    return counted.filter(changed(keys, -1)).select(
        *keys,
        *(
            (pl.col(f"in_{w}") - pl.col(f"in_{w}").shift(1).fill_null(0)).alias(
                column(w, "clients")
            )
            for w in p.windows.months
        ),
    )


def _running(value: pl.Expr, first: pl.Expr) -> pl.Expr:
    """The running sum of ``value`` since the last row where ``first`` holds."""
    total = value.cum_sum()
    return total - pl.when(first).then(total - value).forward_fill()
