"""The displayed score: the best eligible candidate window, as a whole percent (section 5)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.aggregate import column
from jobsuccess.engine.pipeline import Frame, Run
from jobsuccess.policy import Policy


def best(wide: Frame, p: Policy) -> Frame:
    """Add ``best`` (the window), ``best_score`` (its score) and ``score`` (displayed) to a
    wide frame of window figures: the highest eligible candidate, the policy's earlier
    candidate on a tie; all null when no candidate is eligible."""
    # Compare at 9 decimals so float noise never flips the pick or the rounding (a window's
    # score is null unless it is eligible).
    present = set(wide.collect_schema().names())
    value = {
        w: pl.col(column(w, "score")).round(9).fill_null(-1.0)
        for w in p.windows.candidates
        if column(w, "score") in present
    }
    if not value:
        none = pl.lit(None, dtype=pl.Float64)
        return wide.with_columns(
            best=pl.lit(None, dtype=pl.String), best_score=none, score=none.cast(pl.Int64)
        )
    top = pl.col("_top")
    picked = {w: v == top for w, v in value.items()}
    return (
        # -1: not eligible (scores are 0..100); it also keeps polars 1.44's max_horizontal
        # from answering one row for all-null inputs.
        wide.with_columns(_top=pl.max_horizontal(*value.values()))
        .with_columns(_top=pl.when(top >= 0).then(top))
        .with_columns(
            best=pl.coalesce(*(pl.when(hit).then(pl.lit(w)) for w, hit in picked.items())),
            best_score=pl.coalesce(
                *(pl.when(hit).then(pl.col(column(w, "score"))) for w, hit in picked.items())
            ),
            score=rounding(p, top).cast(pl.Int64),
        )
        .drop("_top")
    )


def rounding(p: Policy, value: pl.Expr) -> pl.Expr:
    if p.windows.rounding == "floor":
        return value.floor()
    return (value + 0.5).floor()


def best_of(run: Run, p: Policy) -> Run:
    """The step: the displayed score beside the run's window figures."""
    return replace(run, figures=best(run.figures, p))
