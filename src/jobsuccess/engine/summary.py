"""The summary's last columns: why a freelancer without a score has none."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from jobsuccess.engine.aggregate import column
from jobsuccess.engine.pipeline import Run
from jobsuccess.policy import Policy

#: The summary's columns, in order (one row per freelancer and computation date).
COLUMNS = (
    "freelancer",
    "fkey",
    "on",
    "best",
    "best_score",
    "score",
    "successes",
    "negatives",
    "stars_mean",
    "earnings_12m",
    "reason",
)


def reason(p: Policy) -> pl.Expr:
    """Null with a score, else the evidence a score needs and what there is."""
    longest = p.windows.longest
    outcomes, clients = pl.col(column(longest, "outcomes")), pl.col(column(longest, "clients"))
    e = p.eligibility
    need = f"a score needs {e.min_outcomes} outcomes from {e.min_clients} different clients"
    return (
        pl.when(pl.col("score").is_not_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(outcomes == 0)
        .then(
            pl.lit(f"no counted outcomes in the last {p.windows.months[longest]} months; " + need)
        )
        .otherwise(
            pl.format(
                "not enough evidence: {} outcomes from {} clients in the last {} months; {}",
                outcomes,
                clients,
                pl.lit(p.windows.months[longest]),
                pl.lit(need),
            )
        )
    )


def summarize(run: Run, p: Policy) -> Run:
    """The step: the summary's columns (`COLUMNS`), the wide figures left to ``windows``."""
    return replace(run, summary=run.summary.with_columns(reason=reason(p)).select(COLUMNS))
