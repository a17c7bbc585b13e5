"""Each freelancer's segments as of a date: history size, tenure, 12-month earnings, agency.

All read the history as it stood on the date: contracts started by then, payments made by
then. Bands are those of `jobsuccess.lab.compare.SEGMENTS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from jobsuccess.lab.compare import SEGMENTS
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
        history_size=_band(
            "history_size", (contracts < 5, contracts < 10, contracts < 20, contracts < 50)
        ),
        tenure=_band(
            "tenure", (tenure.is_null() | (tenure < YEAR), tenure < 3 * YEAR, tenure < 5 * YEAR)
        ),
        earnings_band=_band("earnings_12m", (earned <= 0, earned < 1000, earned < 10000)),
        agency_member=_band("agency", (pl.col("agency").fill_null(False),)),
    )


def _band(segment: str, conditions: Sequence[pl.Expr]) -> pl.Expr:
    """The band of `SEGMENTS` ``segment``: the label of the first of ``conditions`` that
    holds (one condition for each label but the last), else the last label."""
    *labels, otherwise = SEGMENTS[segment][1]
    band = pl.lit(otherwise)
    for condition, label in reversed(list(zip(conditions, labels, strict=True))):
        band = pl.when(condition).then(pl.lit(label)).otherwise(band)
    return band
