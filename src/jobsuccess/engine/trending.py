"""Trending: the mean of its windows (docs/domain.md section 5), beside them in the wide frame."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.aggregate import SUMS, column
from jobsuccess.engine.pipeline import Frame, Run
from jobsuccess.policy import Policy


def with_trending(wide: Frame, p: Policy) -> Frame:
    """Add the ``trending|*`` columns (a policy without trending adds none).

    Trending = mean of its windows' scores, eligible when all of them are. Its counts are
    those of its longest window (the others are inside it); its weighted sums are the mean of
    its windows' sums, like its score.
    """
    parts = list(p.windows.trending)
    if not parts:
        return wide
    widest = max(parts, key=lambda w: p.windows.months[w])
    n = len(parts)

    def mean(figure: str) -> pl.Expr:
        return pl.sum_horizontal(pl.col(column(w, figure)) for w in parts) / n

    eligible = pl.all_horizontal(pl.col(column(w, "eligible")) for w in parts)
    return wide.with_columns(
        pl.col(column(widest, "outcomes")).alias(column("trending", "outcomes")),
        pl.col(column(widest, "clients")).alias(column("trending", "clients")),
        *(mean(f).alias(column("trending", f)) for f in (*SUMS, "total")),
        eligible.alias(column("trending", "eligible")),
        pl.when(eligible).then(mean("score")).alias(column("trending", "score")),
    )


def trending(run: Run, p: Policy) -> Run:
    """The step: trending beside the other windows of the run's figures."""
    return replace(run, figures=with_trending(run.figures, p))
