"""Each freelancer's segments as of a date: history size, tenure, 12-month earnings, agency.

All read the history as it stood on the date: contracts started by then, payments made by
then. Bands are those of `jobsuccess.lab.compare.SEGMENTS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from jobsuccess.model import History

YEAR = 365


def segments(history: History, days: Sequence[dt.date]) -> pl.DataFrame:
    """One row per (freelancer, as_of) of the history's freelancers and ``days``."""
    dates = pl.DataFrame({"as_of": sorted(set(days))}, schema={"as_of": pl.Date()})
    people = pl.DataFrame(
        {"freelancer": history.freelancers}, schema={"freelancer": pl.String()}
    ).join(dates, how="cross")
    started = (
        history.contracts.select("freelancer", "start", "agency")
        .join(dates, how="cross")
        .filter(pl.col("start") <= pl.col("as_of"))
        .group_by("freelancer", "as_of")
        .agg(
            contracts=pl.len(),
            first_start=pl.col("start").min(),
            agency=pl.col("agency").is_not_null().any(),
        )
    )
    paid = (
        history.payments.select("freelancer", "date", "amount")
        .join(dates, how="cross")
        .filter(
            (pl.col("date") <= pl.col("as_of"))
            & (pl.col("date") > pl.col("as_of") - pl.duration(days=YEAR))
        )
        .group_by("freelancer", "as_of")
        .agg(earnings_12m=pl.col("amount").sum())
    )
    frame = people.join(started, on=["freelancer", "as_of"], how="left").join(
        paid, on=["freelancer", "as_of"], how="left"
    )
    contracts = pl.col("contracts").fill_null(0)
    tenure = (pl.col("as_of") - pl.col("first_start")).dt.total_days()
    earned = pl.col("earnings_12m").fill_null(0.0)
    return frame.select(
        "freelancer",
        "as_of",
        contracts=contracts.cast(pl.Int64),
        tenure_days=tenure.cast(pl.Int64),
        earnings_12m=earned.round(2),
        history_size=pl.when(contracts < 5)
        .then(pl.lit("0-4"))
        .when(contracts < 10)
        .then(pl.lit("5-9"))
        .when(contracts < 20)
        .then(pl.lit("10-19"))
        .when(contracts < 50)
        .then(pl.lit("20-49"))
        .otherwise(pl.lit("50+")),
        tenure=pl.when(tenure.is_null() | (tenure < YEAR))
        .then(pl.lit("under 1 year"))
        .when(tenure < 3 * YEAR)
        .then(pl.lit("1-3 years"))
        .when(tenure < 5 * YEAR)
        .then(pl.lit("3-5 years"))
        .otherwise(pl.lit("5+ years")),
        earnings_band=pl.when(earned <= 0)
        .then(pl.lit("$0"))
        .when(earned < 1000)
        .then(pl.lit("$1-999"))
        .when(earned < 10000)
        .then(pl.lit("$1k-9.9k"))
        .otherwise(pl.lit("$10k+")),
        agency_member=pl.when(pl.col("agency").fill_null(False))
        .then(pl.lit("agency member"))
        .otherwise(pl.lit("independent")),
    )
