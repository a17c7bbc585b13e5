"""``jobsuccess explain``: every change between two computations, with its effect and words.

Both computations come from one engine call. When the policy in force differs between the two
dates, the change is split in sequence: first every contract's change under the earlier
policy (the later date's ledger computed under the earlier policy), then one "policy changed"
item for the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jobsuccess.explain import kinds
from jobsuccess.explain.attribution import EFFECT_DIGITS, Attribution, Change, Problem, attribute
from jobsuccess.explain.audience import Audience, score_view
from jobsuccess.explain.ledger import Snapshot, rows_under, snapshots
from jobsuccess.explain.valuation import GROUP, NO_SCORE, score_groups, value_columns
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook


def between(history: History, first: Snapshot, second: Snapshot, audience: Audience) -> Attribution:
    """Attribute the change of the displayed score from ``first`` to ``second``.

    ``history`` is the one ``second`` was computed from (what-if compares two histories).
    """
    if first.policy == second.policy:
        return attribute([Problem(first.rows, second.rows, first.policy, audience)])[0]
    mid = rows_under(history, second.freelancer, first.policy, second.on)
    contracts = attribute([Problem(first.rows, mid, first.policy, audience)])[0]
    scored = score_groups(second.rows.with_columns(**{GROUP: 0}), second.policy, second.on, 1)
    value, best = scored.row(0)[2], scored.row(0)[1]
    after = NO_SCORE if value is None else float(value)
    change = Change(
        None,
        kinds.POLICY_CHANGED,
        after - contracts.after,
        f"the policy changed from {first.policy.name} to {second.policy.name}: "
        f"{second.policy.title}",
    )
    return contracts.with_changes([change], after=after, after_best=best)


def explain(
    history: History,
    book: PolicyBook,
    freelancer: str,
    start: dt.date,
    end: dt.date,
    audience: Audience,
    *,
    brief: bool = False,
) -> dict[str, Any]:
    """The explain JSON: both scores, the delta and every change, largest effect first.

    ``brief``: ``from`` and ``to`` hold only the date and the score, not every contract (the
    report's "last change" reads nothing else, and a long history has thousands)."""
    first, second = snapshots(history, book, freelancer, [start, end])
    result = between(history, first, second, audience)
    if brief:
        return {
            **to_json(first, second, result, book, audience, views=False),
            "from": {"as_of": first.as_of.isoformat(), "score": first.head["score"]},
            "to": {"as_of": second.as_of.isoformat(), "score": second.head["score"]},
        }
    return to_json(first, second, result, book, audience)


def to_json(
    first: Snapshot,
    second: Snapshot,
    result: Attribution,
    book: PolicyBook,
    audience: Audience,
    *,
    views: bool = True,
) -> dict[str, Any]:
    return {
        "from": score_view(first, book, audience) if views else {},
        "to": score_view(second, book, audience) if views else {},
        "delta": round(result.delta, EFFECT_DIGITS),
        "changes": [c.to_json() for c in result.changes],
        "method": result.method,
        "audience": audience,
    }


def across_policies(
    history: History, first: Snapshot, second: Snapshot, audience: Audience, what: str
) -> Attribution:
    """Attribute the difference of one date's displayed score under two policies.

    As for a policy change over time (`between`), in sequence: first every contract whose
    ledger row differs (the candidate's rows valued by the base policy's aggregation), then
    one "policy changed" item for the rest (eligibility, windows, rounding: what the rows do
    not carry). ``history`` is the one ``second`` was computed from; ``what`` names the
    candidate in the policy item's words. With the same policy on both sides this is `between`.
    """
    if first.policy == second.policy:
        return between(history, first, second, audience)
    needed = value_columns(first.policy)
    if all(c in second.rows.columns for c in needed):
        mid = second.rows
    else:  # the policies' windows differ: the base policy's ledger of the candidate's date
        mid = rows_under(history, second.freelancer, first.policy, second.on)
    contracts = attribute([Problem(first.rows, mid, first.policy, audience)])[0]
    scored = score_groups(second.rows.with_columns(**{GROUP: 0}), second.policy, second.on, 1)
    value, best = scored.row(0)[2], scored.row(0)[1]
    after = NO_SCORE if value is None else float(value)
    change = Change(None, kinds.POLICY_CHANGED, after - contracts.after, what)
    return contracts.with_changes([change], after=after, after_best=best)


def compare(
    base_history: History,
    candidate_history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    audience: Audience,
    what: str,
) -> dict[str, Any]:
    """The explain JSON of one date under two policy books (each history screened by its
    own book): both scores, the delta and every change, largest effect first."""
    (first,) = snapshots(base_history, base, freelancer, [as_of])
    (second,) = snapshots(candidate_history, candidate, freelancer, [as_of])
    result = across_policies(candidate_history, first, second, audience, what)
    return {
        "from": score_view(first, base, audience),
        "to": score_view(second, candidate, audience),
        "delta": round(result.delta, EFFECT_DIGITS),
        "changes": [c.to_json() for c in result.changes],
        "method": result.method,
        "audience": audience,
    }
