"""Every freelancer gets every window on every date, empty ones included."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.facts import per
from jobsuccess.engine.pipeline import Run
from jobsuccess.policy import Policy


def complete(run: Run, p: Policy) -> Run:
    """The step: the figures get a row per (freelancer, on) of the run's grid; a freelancer
    without a contract by then has empty windows (no outcomes, no score)."""
    keys = per("fkey", dates=len(run.days))
    wide = run.figures.drop("freelancer", *(["on"] if "on" not in keys else []))
    figures = run.grid().lazy().join(wide, on=keys, how="left")
    return replace(
        run,
        figures=figures.with_columns(
            pl.col(r"^.*\|(outcomes|clients)$").fill_null(0),
            pl.col(r"^.*\|(success|neutral|negative|total)$").fill_null(0.0),
            pl.col(r"^.*\|eligible$").fill_null(False),
            pl.col("successes", "negatives", "earnings_12m").fill_null(0.0),
        ),
    )
