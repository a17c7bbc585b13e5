"""My Stats: the figures beside the score that the marketplace shows a freelancer.

* **Top Rated eligible weeks**: of the last ``weeks_of`` weekly dates, those with a score at
  the bar or Rising Talent (`jobsuccess.engine.status.eligible_week`, the engine's own rule),
  against the ``weeks_required``;
* **12-month earnings**: what the engine's ledger counts as paid in the 12 months to the
  computation date (Top Rated's earnings figure);
* **would recommend**: the share of clients whose private 0-10 answer was 9 or 10. A private
  answer must never show on its own, so the share is computed over *closed groups*: answers
  in feedback order (ties by contract id), cut into consecutive groups of
  ``max(k, STATS_K)`` answers; only complete groups count, so the figure moves once a whole
  group is in and then reveals only how many of that group recommended, never who. The
  operator audience gets the plain share over every answer;
* **long-term clients**: the share of distinct clients with a long-term relationship (a
  contract paid over at least the policy's ``long_term.min_span_days``, or more than one
  contract): public facts only;
* **account holds**: each hold with its dates, and whether one blocks Top Rated now.

No I/O: a history in, JSON-ready data out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from jobsuccess.engine import score
from jobsuccess.engine.status import eligible_week, held, sample_dates
from jobsuccess.explain.audience import Audience
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

STATS_K: Final = 5
"""The smallest group of private answers a freelancer's "would recommend" share moves by
(the policy's privacy ``k`` when larger)."""
PROMOTER: Final = 9


def my_stats(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date, audience: Audience
) -> dict[str, Any]:
    """The My Stats figures of ``freelancer`` as of ``as_of`` (``history`` screened)."""
    one = history.only([freelancer])
    on, policy = book.computation(as_of)
    weeks = sample_dates(on, policy)  # the computation date first: one engine run for all
    result = score(one, book, weeks, statuses=True)
    eligible = result.scores.with_columns(bar=pl.lit(policy.top_rated.min_score)).filter(
        eligible_week()
    )
    now = result.ledger.filter(pl.col("as_of") == weeks[0])
    paid_12m = float(now.get_column("earnings_12m").fill_null(0.0).sum()) if now.height else 0.0
    return {
        "freelancer": freelancer,
        "as_of": as_of.isoformat(),
        "computed_on": on.isoformat(),
        "audience": audience,
        "top_rated_weeks": {
            "eligible": eligible.height,
            "of": policy.top_rated.weeks_of,
            "required": policy.top_rated.weeks_required,
            "bar": policy.top_rated.min_score,
        },
        "earnings_12m": round(paid_12m, 2),
        "would_recommend": _recommend(one, on, audience, policy.privacy.k),
        "long_term_clients": _long_term(one, on, policy.long_term.min_span_days),
        "holds": _holds(one, on, policy),
    }


def _recommend(one: History, on: dt.date, audience: Audience, k: int) -> dict[str, Any]:
    answers = (
        one.feedback.filter((pl.col("date") <= on) & pl.col("recommend").is_not_null())
        .sort("date", "contract")
        .get_column("recommend")
        .to_list()
    )
    group = max(k, STATS_K)
    counted = answers if audience == "operator" else answers[: len(answers) // group * group]
    promoters = sum(1 for a in counted if a >= PROMOTER)
    return {
        "share": round(promoters / len(counted), 4) if counted else None,
        "answers": len(counted),
        "group": None if audience == "operator" else group,
    }


def _long_term(one: History, on: dt.date, span_days: int) -> dict[str, Any]:
    started = one.contracts.filter(pl.col("start") <= on)
    paid = (
        one.payments.filter((pl.col("date") <= on) & (pl.col("amount") > 0))
        .group_by("contract")
        .agg(span=(pl.col("date").max() - pl.col("date").min()).dt.total_days())
    )
    per_client = (
        started.join(paid, left_on="id", right_on="contract", how="left")
        .group_by("client")
        .agg(contracts=pl.len(), longest=pl.col("span").max().fill_null(0))
        .with_columns(long=(pl.col("contracts") > 1) | (pl.col("longest") >= span_days))
    )
    clients = per_client.height
    long = int(per_client.get_column("long").sum()) if clients else 0
    return {
        "share": round(long / clients, 4) if clients else None,
        "clients": clients,
        "long_term": long,
        "min_span_days": span_days,
    }


def _holds(one: History, on: dt.date, policy: Policy) -> dict[str, Any]:
    holds = (
        one.actions.filter((pl.col("type") == "account_hold") & (pl.col("date") <= on))
        .sort("date")
        .select(on=pl.lit(on), held_from=pl.col("date"), held_until=pl.col("until"))
        .with_columns(blocks=held(policy))
    )
    listed = [
        {
            "from": r["held_from"].isoformat(),
            "until": None if r["held_until"] is None else r["held_until"].isoformat(),
            "blocks_top_rated": bool(r["blocks"]),
        }
        for r in holds.iter_rows(named=True)
    ]
    return {
        "holds": listed,
        "blocks_top_rated": any(h["blocks_top_rated"] for h in listed),
        "hold_free_days": policy.top_rated.hold_free_days,
    }
