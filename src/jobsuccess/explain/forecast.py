"""``jobsuccess forecast``: if nothing new happens, when does the score or a status change, and why.

The history is frozen on the as-of date (`jobsuccess.explain.frozen`), its ledgers projected on
every later computation date of the policy book (`jobsuccess.explain.projection`), each date's
displayed score valued by the engine's aggregation, statuses computed by the engine on the
dates where one could hold, and every date where the displayed score or a status changes is
explained by attributing the change since the previous such date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import polars as pl
from dateutil.relativedelta import relativedelta

from jobsuccess.engine import score, status
from jobsuccess.explain.attribution import EFFECT_DIGITS, Attribution, Problem, attribute
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.change import policy_words, then_policy
from jobsuccess.explain.frozen import freeze
from jobsuccess.explain.ledger import rows_under
from jobsuccess.explain.projection import Computation, Plan, project
from jobsuccess.explain.valuation import GROUP, counted, score_groups, value_columns
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

FORECAST_EXACT_UP_TO = 6
FORECAST_BUDGET = 128
"""A forecast attributes many steps: a smaller (still exact in sum) Shapley plan for each."""
STATUSES = ("top_rated", "top_rated_plus", "rising_talent")
STATUS_WORDS = {
    "top_rated": "Top Rated",
    "top_rated_plus": "Top Rated Plus",
    "rising_talent": "Rising Talent",
}
ASSUMPTION = "nothing new happens: no payment, feedback, contract, dispute or decision after {day}"


@dataclass(frozen=True)
class Day:
    """One future computation: the displayed score and statuses."""

    on: dt.date
    policy: Policy
    score: int | None
    best: str | None
    value: float | None
    status: dict[str, bool]


@dataclass(frozen=True)
class Point:
    """A computation date where the displayed score or a status changes, and why."""

    day: Day
    previous: Day
    attribution: Attribution

    @property
    def status_changes(self) -> tuple[str, ...]:
        now, then = self.day.status, self.previous.status
        gained = [STATUS_WORDS[s] for s in STATUSES if now[s] and not then[s]]
        lost = [STATUS_WORDS[s] for s in STATUSES if then[s] and not now[s]]
        return (
            *(f"{s} starts" for s in gained),
            *(f"{s} lapses{_why_lapse(self.day)}" for s in lost),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.on.isoformat(),
            "score": self.day.score,
            "previous": self.previous.score,
            "best": self.day.best,
            "status": dict(self.day.status),
            "status_changes": list(self.status_changes),
            "delta": round(self.attribution.delta, EFFECT_DIGITS),
            "causes": [c.to_json() for c in self.attribution.changes],
        }


def _why_lapse(day: Day) -> str:
    """The engine's reason (`status.lapse_reason`) in words; none it names, no words."""
    if _on_score(status.lapse_reason(day.policy), day.score) == status.BELOW_BAR:
        return f" (the score falls below {day.policy.top_rated.min_score}%)"
    return ""


def _on_score(predicate: pl.Expr, displayed: int | None) -> object:
    """An engine status predicate of the displayed score alone, on one date."""
    frame = pl.DataFrame({"score": [displayed]}, schema={"score": pl.Int64})
    return frame.select(predicate).item()


def computations(book: PolicyBook, first: dt.date, last: dt.date) -> Plan:
    """The computation as of ``first`` (maybe before it) and every later one up to ``last``."""
    plan = [Computation(*book.computation(first))]
    day = first + dt.timedelta(days=1)
    while day <= last:
        on, policy = book.computation(day)
        if on > plan[-1].on:
            plan.append(Computation(on, policy))
        day += dt.timedelta(days=1)
    return plan


def computation_plan(book: PolicyBook, as_of: dt.date, months: int) -> Plan:
    """The computation as of ``as_of`` and every later one within ``months``."""
    return computations(book, as_of, as_of + relativedelta(months=months))


def days(frozen: History, book: PolicyBook, plan: Plan, rows: pl.DataFrame) -> list[Day]:
    """Each planned date's displayed score (valued from ``rows``) and statuses (the engine's)."""
    index = {on: i for i, (on, _) in enumerate(plan)}
    scored: dict[int, _Valued] = {}
    for name in dict.fromkeys(p.name for _, p in plan):
        policy = next(p for _, p in plan if p.name == name)
        # only what the valuation reads, and only rows in some window: the projection holds
        # every date's rows, and a copy of all its columns would double the peak
        part = rows.filter(
            pl.col("on").is_in([on for on, p in plan if p.name == name]) & counted(policy)
        ).select(
            *value_columns(policy),
            "on",
            pl.col("on").replace_strict(index, return_dtype=pl.UInt32).alias(GROUP),
        )
        result = score_groups(part, policy, groups=len(plan))
        for row in result.iter_rows(named=True):
            if plan[row[GROUP]].policy.name == name:
                scored[row[GROUP]] = _Valued(row["best"], row["best_score"], row["score"])
    status = _statuses(frozen, book, plan, scored)
    return [
        Day(on, p, scored[i].score, scored[i].best, scored[i].value, status.get(on, _no_status()))
        for i, (on, p) in enumerate(plan)
    ]


@dataclass(frozen=True)
class _Valued:
    """One planned date's displayed score: best window, unrounded and rounded value."""

    best: str | None
    value: float | None
    score: int | None


def _no_status() -> dict[str, bool]:
    return dict.fromkeys(STATUSES, False)


def _statuses(
    frozen: History,
    book: PolicyBook,
    plan: Plan,
    scored: dict[int, _Valued],
) -> dict[dt.date, dict[str, bool]]:
    """Statuses from the engine, on the dates where one can hold at all.

    Where the displayed score alone rules every status out (`status.may_hold`), all are off,
    so the engine's weekly look-back runs only where it matters.
    """
    frame = pl.DataFrame(
        {"score": [scored[i].score for i in range(len(plan))], "policy": [p.name for _, p in plan]},
        schema={"score": pl.Int64, "policy": pl.String},
    )
    may: pl.Expr = pl.lit(False)
    for p in {p.name: p for _, p in plan}.values():  # one pass over the dates, per policy
        may = pl.when(pl.col("policy") == p.name).then(status.may_hold(p)).otherwise(may)
    holds = frame.select(may).to_series().to_list()
    need = [on for (on, _), ok in zip(plan, holds, strict=True) if ok]
    if not need:
        return {}
    frame = score(frozen, book, need).scores
    return {
        row["as_of"]: {s: bool(row[s]) for s in STATUSES} for row in frame.iter_rows(named=True)
    }


@dataclass(frozen=True)
class Projected:
    """A frozen history, its computation plan and its projected rows: what a forecast and the
    advice both start from (the report computes it once for both)."""

    frozen: History
    plan: Plan
    rows: pl.DataFrame


def projected(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date, months: int
) -> Projected:
    frozen = freeze(history.only([freelancer]), as_of)
    plan = computation_plan(book, as_of, months)
    return Projected(frozen, plan, project(frozen, plan))


@dataclass(frozen=True)
class Forecast:
    """Today's score and every later date where it or a status changes, with causes."""

    freelancer: str
    as_of: dt.date
    until: dt.date
    audience: Audience
    now: Day
    changes: tuple[Point, ...]

    @property
    def assumption(self) -> str:
        return ASSUMPTION.format(day=self.as_of.isoformat())

    def to_json(self) -> dict[str, Any]:
        now = self.now
        return {
            "freelancer": self.freelancer,
            "as_of": self.as_of.isoformat(),
            "computed_on": now.on.isoformat(),
            "until": self.until.isoformat(),
            "audience": self.audience,
            "assumption": self.assumption,
            "now": {"score": now.score, "best": now.best, "status": dict(now.status)},
            "changes": [p.to_json() for p in self.changes],
        }


def forecast(
    history: History,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    months: int,
    audience: Audience,
    given: Projected | None = None,
) -> Forecast:
    """Today's score and every later date where it or a status changes (``given``: the
    projection of the same history, freelancer, date and months)."""
    base = given or projected(history, book, freelancer, as_of, months)
    frozen, plan, rows = base.frozen, base.plan, base.rows
    timeline = days(frozen, book, plan, rows)
    points = _points(frozen, freelancer, timeline, rows, audience)
    return Forecast(freelancer, as_of, plan[-1].on, audience, timeline[0], tuple(points))


def changed(a: Day, b: Day) -> bool:
    return a.score != b.score or a.status != b.status


def _points(
    frozen: History, freelancer: str, timeline: list[Day], rows: pl.DataFrame, audience: Audience
) -> list[Point]:
    marks = [0] + [i for i in range(1, len(timeline)) if changed(timeline[i - 1], timeline[i])]
    pairs = list(pairwise(marks))

    # the rows of the compared dates only, in one pass (not a partition of every date: memory)
    compared = sorted({timeline[i].on for pair in pairs for i in pair})
    by_date = rows.filter(pl.col("on").is_in(compared)).partition_by("on", as_dict=True)

    def at(day: Day) -> pl.DataFrame:
        return by_date.get((day.on,), rows.clear())

    problems: list[Problem] = []
    splits: list[int] = []
    for a, b in pairs:
        first, second = timeline[a], timeline[b]
        after = at(second)
        if first.policy.name != second.policy.name:
            after = rows_under(frozen, freelancer, first.policy, second.on)
            splits.append(len(problems))
        problems.append(
            Problem(
                at(first),
                after,
                first.policy,
                audience,
                exact_up_to=FORECAST_EXACT_UP_TO,
                budget=FORECAST_BUDGET,
            )
        )
    results = attribute(problems)
    points = []
    for k, ((a, b), result) in enumerate(zip(pairs, results, strict=True)):
        first, second = timeline[a], timeline[b]
        if k in splits:
            words = policy_words(first.policy, second.policy)
            result = then_policy(result, second.value, second.best, words)
        points.append(Point(second, first, result))
    return points
