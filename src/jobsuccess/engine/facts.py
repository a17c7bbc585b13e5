"""What is known about each contract on each computation date: the rules' inputs.

One row per (freelancer, contract, computation date ``on``) for contracts started by then.
Everything is as of ``on``: payments, feedback, disputes and operator actions dated later do
not exist yet. This is the only place that joins the history's tables.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from jobsuccess.model import History
from jobsuccess.policy import Policy

KEY = ("freelancer", "id")


def computation_dates(dates: list[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"on": sorted(set(dates))}, schema={"on": pl.Date()})


def contract_facts(history: History, policy: Policy, dates: list[dt.date]) -> pl.DataFrame:
    """Contracts x computation dates, with the facts every rule and weight reads."""
    on = computation_dates(dates)
    contracts = (
        history.contracts.lazy()
        .join(on.lazy(), how="cross")
        .filter(pl.col("start") <= pl.col("on"))
        .with_columns(
            ended=pl.col("end").is_not_null() & (pl.col("end") <= pl.col("on")),
        )
        .with_columns(
            # Fields that describe the end are unknown while the contract is open.
            end=pl.when("ended").then("end"),
            end_reason=pl.when("ended").then("end_reason"),
            ended_by=pl.when("ended").then("ended_by"),
        )
    )
    frame = (
        contracts.join(_payments(history, policy, on), on=[*KEY, "on"], how="left")
        .join(_periods(history, policy, on), on=[*KEY, "on"], how="left")
        .join(_feedback(history), on=list(KEY), how="left")
        .join(_disputes(history), on=list(KEY), how="left")
        .join(_contract_actions(history), on=list(KEY), how="left")
        .join(_flags(history), on=["freelancer", "client"], how="left")
        .with_columns(
            earnings=pl.col("earnings").fill_null(0.0),
            periods_paid=pl.col("periods_paid").fill_null(0),
            # Mid-contract feedback and feedback not given yet do not exist on `on`.
            has_feedback=pl.col("fb_date").is_not_null()
            & pl.col("ended")
            & (pl.col("fb_date") <= pl.col("on"))
            & (pl.col("fb_date") >= pl.col("end")),
            dispute_open=pl.col("dispute_opened").is_not_null()
            & (pl.col("dispute_opened") <= pl.col("on")),
            appeal_upheld_on=_known(pl.col("appeal_upheld_on")),
            feedback_removed_on=_known(pl.col("feedback_removed_on")),
            client_flagged_on=_known(
                pl.min_horizontal("client_flagged_on", "client_flagged_all_on")
            ),
            last_activity=pl.max_horizontal("last_paid", "start"),
        )
        .drop("client_flagged_all_on")
        .with_columns(
            fb_date=pl.when("has_feedback").then("fb_date"),
            stars=pl.when("has_feedback").then("stars"),
            recommend=pl.when("has_feedback").then("recommend"),
            idle_days=(pl.col("on") - pl.col("last_activity")).dt.total_days(),
        )
    )
    return _with_no_feedback_share(frame, policy).collect()


def _known(expr: pl.Expr) -> pl.Expr:
    """An action's date if it happened on or before ``on``, else null."""
    return pl.when(expr <= pl.col("on")).then(expr)


def _payments(history: History, policy: Policy, on: pl.DataFrame) -> pl.LazyFrame:
    paid = pl.col("amount") > 0
    return (
        history.payments.lazy()
        .rename({"contract": "id"})
        .join(on.lazy(), how="cross")
        .filter(pl.col("date") <= pl.col("on"))
        .group_by([*KEY, "on"])
        .agg(
            earnings=pl.col("amount").sum(),
            first_paid=pl.col("date").filter(paid).min(),
            last_paid=pl.col("date").filter(paid).max(),
        )
    )


def _periods(history: History, policy: Policy, on: pl.DataFrame) -> pl.LazyFrame:
    """Full duration periods (DOMAIN.md section 4) that hold a payment, as of ``on``.

    Period k of a contract is [start + k*P, start + (k+1)*P); it is full once the contract
    has run through its end (the contract's end or ``on``, whichever comes first).
    """
    days = policy.weights.period_days
    starts = history.contracts.lazy().select(*KEY, "start", "end")
    periods = (
        history.payments.lazy()
        .filter(pl.col("amount") > 0)
        .rename({"contract": "id"})
        .join(starts, on=list(KEY))
        .with_columns(k=(pl.col("date") - pl.col("start")).dt.total_days() // days)
        .group_by([*KEY, "k"])
        .agg(pl.col("date").min(), pl.col("start").first(), pl.col("end").first())
    )
    return (
        periods.join(on.lazy(), how="cross")
        .filter(pl.col("date") <= pl.col("on"))
        .with_columns(
            full=(
                pl.min_horizontal(pl.col("end").fill_null(pl.col("on")), "on") - pl.col("start")
            ).dt.total_days()
            // days
        )
        .filter(pl.col("k") < pl.col("full"))
        .group_by([*KEY, "on"])
        .agg(periods_paid=pl.len().cast(pl.Int32))
    )


def _feedback(history: History) -> pl.LazyFrame:
    return (
        history.feedback.lazy()
        .rename({"contract": "id", "date": "fb_date"})
        .unique(subset=list(KEY), keep="first", maintain_order=True)
    )


def _disputes(history: History) -> pl.LazyFrame:
    return (
        history.disputes.lazy()
        .rename({"contract": "id", "opened": "dispute_opened", "outcome": "dispute_outcome"})
        .unique(subset=list(KEY), keep="first", maintain_order=True)
    )


def _contract_actions(history: History) -> pl.LazyFrame:
    actions = history.actions.lazy().filter(pl.col("contract").is_not_null())
    return (
        actions.rename({"contract": "id"})
        .group_by(KEY)
        .agg(
            appeal_upheld_on=pl.col("date").filter(pl.col("type") == "appeal_upheld").min(),
            feedback_removed_on=pl.col("date").filter(pl.col("type") == "feedback_removed").min(),
        )
    )


def _flags(history: History) -> pl.LazyFrame:
    """The first date each client was flagged, per freelancer and marketplace-wide."""
    flags = history.actions.lazy().filter(
        (pl.col("type") == "client_flagged") & pl.col("client").is_not_null()
    )
    per_freelancer = (
        flags.filter(pl.col("freelancer").is_not_null())
        .group_by("freelancer", "client")
        .agg(client_flagged_on=pl.col("date").min())
    )
    everywhere = (
        flags.filter(pl.col("freelancer").is_null())
        .group_by("client")
        .agg(client_flagged_all_on=pl.col("date").min())
    )
    pairs = (
        history.contracts.lazy()
        .select("freelancer", "client")
        .unique()
        .join(per_freelancer, on=["freelancer", "client"], how="left")
        .join(everywhere, on="client", how="left")
    )
    return pairs


def _with_no_feedback_share(frame: pl.LazyFrame, policy: Policy) -> pl.LazyFrame:
    """Share of ended contracts without feedback (longest window), for the pre-2020-11 rule."""
    months = policy.windows.months[policy.windows.longest]
    timed_out = pl.col("ended") & (
        pl.col("on") >= pl.col("end") + pl.duration(days=policy.outcomes.feedback_days)
    )
    recent = timed_out & (pl.col("end") >= pl.col("on").dt.offset_by(f"-{months}mo"))
    silent = recent & ~pl.col("has_feedback")
    return frame.with_columns(
        no_feedback_share=(
            silent.cast(pl.Int32).sum().over("freelancer", "on")
            / pl.max_horizontal(recent.cast(pl.Int32).sum().over("freelancer", "on"), pl.lit(1))
        )
    )
