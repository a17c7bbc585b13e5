"""``jobsuccess explain``: every change between two computations, with its effect and words.

Both computations come from one engine call. When the policy in force differs between the two
dates, the change is split in sequence: first every contract's change under the earlier
policy (the later date's ledger computed under the earlier policy), then one "policy changed"
item for the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from jobsuccess.explain import kinds
from jobsuccess.explain.attribution import Attribution, Change, Problem, attribute
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.ledger import Snapshot, rows_under, snapshots
from jobsuccess.explain.valuation import GROUP, NO_SCORE, score_groups, value_columns
from jobsuccess.explain.view import ScoreView, score_view
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook


@dataclass(frozen=True)
class ScoreAt:
    """A computation reduced to its date and score (the report's "last change")."""

    as_of: dt.date
    score: int | None

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "score": self.score}


@dataclass(frozen=True)
class Explanation:
    """Both scores, the delta and every change, largest effect first (explain, compare)."""

    freelancer: str
    first: ScoreView | ScoreAt
    second: ScoreView | ScoreAt
    attribution: Attribution
    audience: Audience

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.attribution.changes

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.first.to_json(),
            "to": self.second.to_json(),
            **self.attribution.to_json(),
            "audience": self.audience,
        }


def policy_words(first: Policy, second: Policy) -> str:
    """The words of a "policy changed" item between two policies in force."""
    return f"the policy changed from {first.name} to {second.name}: {second.title}"


def then_policy(
    contracts: Attribution, value: float | None, best: str | None, text: str
) -> Attribution:
    """``contracts`` (attributed under the earlier policy) followed by one "policy changed"
    item carrying the rest of the way to ``value`` (None: no score)."""
    after = NO_SCORE if value is None else float(value)
    change = Change(None, kinds.POLICY_CHANGED, after - contracts.after, text)
    return contracts.with_changes([change], after=after, after_best=best)


def _valued(rows: pl.DataFrame, policy: Policy, on: dt.date) -> tuple[float | None, str | None]:
    """The displayed unrounded score and best window of one ledger."""
    _, best, value, _ = score_groups(rows.with_columns(**{GROUP: 0}), policy, on, 1).row(0)
    return value, best


def between(history: History, first: Snapshot, second: Snapshot, audience: Audience) -> Attribution:
    """Attribute the change of the displayed score from ``first`` to ``second``.

    ``history`` is the one ``second`` was computed from (what-if compares two histories).
    """
    if first.policy == second.policy:
        return attribute([Problem(first.rows, second.rows, first.policy, audience)])[0]
    mid = rows_under(history, second.freelancer, first.policy, second.on)
    return _in_sequence(first, mid, second, audience, policy_words(first.policy, second.policy))


def across(
    history: History, first: Snapshot, second: Snapshot, audience: Audience, what: str
) -> Attribution:
    """Attribute the difference of two snapshots under different policies, in sequence: first
    every contract whose ledger row differs (the second's rows valued by the first policy's
    aggregation), then one "policy changed" item (named ``what``) for the rest (eligibility,
    windows, rounding: what the rows do not carry). ``history`` is the one ``second`` was
    computed from. With the same policy on both sides this is `between`."""
    if first.policy == second.policy:
        return between(history, first, second, audience)
    needed = value_columns(first.policy)
    if all(c in second.rows.columns for c in needed):
        mid = second.rows
    else:  # the policies' windows differ: the first policy's ledger of the second's date
        mid = rows_under(history, second.freelancer, first.policy, second.on)
    return _in_sequence(first, mid, second, audience, what)


def _in_sequence(
    first: Snapshot, mid: pl.DataFrame, second: Snapshot, audience: Audience, what: str
) -> Attribution:
    """The contracts' changes from ``first`` to ``mid`` (``second``'s contracts under the
    first policy), then the policy's change to ``second``'s score."""
    contracts = attribute([Problem(first.rows, mid, first.policy, audience)])[0]
    value, best = _valued(second.rows, second.policy, second.on)
    return then_policy(contracts, value, best, what)


def explain(
    history: History,
    book: PolicyBook,
    freelancer: str,
    start: dt.date,
    end: dt.date,
    audience: Audience,
    *,
    brief: bool = False,
) -> Explanation:
    """Both scores, the delta and every change, largest effect first.

    ``brief``: ``from`` and ``to`` hold only the date and the score, not every contract (the
    report's "last change" reads nothing else, and a long history has thousands)."""
    first, second = snapshots(history, book, freelancer, [start, end])
    result = between(history, first, second, audience)
    if brief:
        dates = (
            ScoreAt(first.as_of, first.head["score"]),
            ScoreAt(second.as_of, second.head["score"]),
        )
        return Explanation(freelancer, *dates, result, audience)
    views = score_view(first, book, audience), score_view(second, book, audience)
    return Explanation(freelancer, *views, result, audience)


def compare(
    base_history: History,
    candidate_history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    audience: Audience,
    what: str,
) -> Explanation:
    """One date under two policy books (each history screened by its own book): both scores,
    the delta and every change, largest effect first."""
    (first,) = snapshots(base_history, base, freelancer, [as_of])
    (second,) = snapshots(candidate_history, candidate, freelancer, [as_of])
    result = across(candidate_history, first, second, audience, what)
    views = score_view(first, base, audience), score_view(second, candidate, audience)
    return Explanation(freelancer, *views, result, audience)
