"""The windows frame: one row per (freelancer, on, window) with the window's figures.

The last of the window steps turns the summary's wide figures (`jobsuccess.engine.aggregate`)
into rows. `aggregate` and `best_of` here run those steps on a bare ledger, and `displayed` the
steps after the sums on sums added up elsewhere, for explanations that value ledgers of their
own (`jobsuccess.explain.valuation`).
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.aggregate import FIGURES, WINDOW_ENUM, WINDOW_ORDER, column, figures, judged
from jobsuccess.engine.aggregate import window_score as window_score
from jobsuccess.engine.best_of import best
from jobsuccess.engine.best_of import rounding as rounding
from jobsuccess.engine.pipeline import Frame, Run
from jobsuccess.engine.place import in_window as in_window
from jobsuccess.engine.place import place as place
from jobsuccess.engine.trending import with_trending
from jobsuccess.policy import Policy

__all__ = [
    "FIGURES",
    "WINDOW_ENUM",
    "WINDOW_ORDER",
    "aggregate",
    "best_of",
    "displayed",
    "in_window",
    "names",
    "place",
    "rounding",
    "rows",
    "window_score",
    "windows",
]


def names(p: Policy) -> list[str]:
    """The policy's windows, in the windows frame's order."""
    return [*p.windows.months, *(["trending"] if p.windows.trending else [])]


def rows(wide: Frame, p: Policy) -> Frame:
    """One row per (freelancer, on, window) of a wide frame of window figures."""
    parts = [
        wide.select(
            "freelancer",
            "fkey",
            "on",
            pl.lit(w).cast(WINDOW_ENUM).alias("window"),
            *(pl.col(column(w, f)).alias(f) for f in FIGURES),
        )
        for w in names(p)
    ]
    return pl.concat(parts, how="vertical")


def windows(run: Run, p: Policy) -> Run:
    """The step: the run's figures collected (their one collect) into the summary, and the
    windows frame from them (one lazy concat: a select per window is a round trip each)."""
    wide = run.figures.collect()
    return replace(
        run, summary=wide, windows=rows(wide.lazy(), p).collect(), figures=pl.LazyFrame()
    )


def aggregate(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """One row per (freelancer, on, window) of a ledger: the aggregate and trending steps."""
    return rows(with_trending(figures(ledger, p), p), p)


def best_of(windows: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """The displayed score of each (fkey, on) of a windows frame (`aggregate`): ``best``,
    ``best_score``, ``score`` (the best-of step on the frame made wide again)."""
    wide = windows.with_columns(pl.col("window").cast(pl.String)).pivot(
        on="window", index=["fkey", "on"], values=["score", "eligible"], separator="|"
    )
    # pivot names a column "<figure>|<window>"; the wide frame's are "<window>|<figure>".
    wide = wide.rename({c: column(*reversed(c.split("|", 1))) for c in wide.columns if "|" in c})
    return best(wide, p).select("fkey", "on", "best", "best_score", "score")


def displayed(sums: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """``sums`` (one row per ledger: every window's weighted outcome sums, ``outcomes`` and
    ``clients``, as `figures` names them) with the displayed score: ``best``, ``best_score``,
    ``score`` (the judging, trending and best-of steps)."""
    wide = sums.with_columns(e for w in p.windows.months for e in judged(p, w))
    return best(with_trending(wide, p), p)
