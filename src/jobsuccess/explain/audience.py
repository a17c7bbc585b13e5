"""Who reads an explanation, and what each audience may read of a contract.

``operator`` sees everything the engine knows. ``freelancer`` (the default of every explain
command) never sees one client's private answer: a pooled contract shows its batch's shares
instead of its own outcome and rule, a held one what it counts as on public feedback only.
Everything else in this package builds freelancer output from these words (the score view,
`jobsuccess.explain.view`) or from values of whole ledgers, in which a private answer only
ever enters through its batch's shares.
"""

from __future__ import annotations

from typing import Literal, get_args

from jobsuccess.errors import InputError
from jobsuccess.explain.ledger import Row, held, pooled, unpooled
from jobsuccess.explain.words import UNPOOLED_REASON, held_reason, pooled_reason, rule_reason
from jobsuccess.policy import Policy

Audience = Literal["freelancer", "operator"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)


def check_audience(value: str) -> Audience:
    for known in AUDIENCES:
        if value == known:
            return known
    raise InputError(f"expected one of {', '.join(AUDIENCES)}, got {value!r}", field="audience")


def reason(row: Row, policy: Policy, audience: Audience) -> str:
    """Why this contract counts as it does, in words this audience may read."""
    if held(row):
        return held_reason(row, policy)
    if pooled(row):
        shared = pooled_reason(row, policy.privacy.k)
        return f"{rule_reason(row, policy)}; {shared}" if audience == "operator" else shared
    if unpooled(row) and audience == "freelancer":
        return UNPOOLED_REASON
    return rule_reason(row, policy)


def outcome(row: Row, audience: Audience) -> str:
    """The outcome this audience may see: ``pooled`` hides a pooled contract's own one,
    ``private`` an unpooled one's."""
    if audience == "freelancer":
        if pooled(row):
            return "pooled"
        if unpooled(row):
            return "private"
    return str(row["outcome"])
