"""What kind of change happened to one contract between two ledgers, in one plain sentence.

The kind comes from comparing the engine's two rows of the contract (rule before and after,
windows, weight, earnings, pooling); the words for the new state come from the engine's rule
(`Rule.describe`) through `jobsuccess.explain.audience.reason`, so a freelancer never reads a
pooled contract's own outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobsuccess.engine.rules import RULES, Group
from jobsuccess.explain.audience import Audience, reason
from jobsuccess.explain.ledger import (
    Row,
    pooled,
    rule_of,
    shares_of,
    unpooled,
    weight_of,
    windows_of,
)
from jobsuccess.explain.words import money, windows_phrase
from jobsuccess.policy import Policy

FEEDBACK_ARRIVED = "feedback arrived"
PRIVATE_POOLED = "private feedback pooled"
PRIVATE_HELD = "private feedback held"
PRIVATE_UNPOOLED = "private feedback"
CONTRACT_ENDED = "contract ended"
FEEDBACK_TIME_RAN_OUT = "feedback time ran out"
BECAME_IDLE = "became idle"
BECAME_LONG_TERM = "became long-term"
LEFT_WINDOW = "left a window"
ENTERED_WINDOW = "entered a window"
PAYMENT = "payment"
DURATION = "duration bonus"
DISPUTE = "dispute"
OPERATOR_ACTION = "operator action"
NEW_CONTRACT = "new contract"
OUTCOME_CHANGED = "outcome changed"
BEST_WINDOW = "best window switched"
POLICY_CHANGED = "policy changed"
GROUPED = "changes grouped"
"""Changes of several kinds counted as one player (an attribution over its player budget)."""

GROUPS: dict[str, Group] = {r.name: r.group for r in RULES}
"""Each rule's kind of decision, as the engine declares it with the rule."""
IDLE_RULES = tuple(name for name, group in GROUPS.items() if group == "idle")


def group_of(rule: str | None) -> Group | None:
    """The engine's group of a row's deciding rule (None: no row or no such rule)."""
    return None if rule is None else GROUPS.get(rule)


def visible(row: Row | None, policy: Policy, audience: Audience) -> tuple[object, ...]:
    """What this audience can see of a row: two rows that look the same are no change."""
    if row is None:
        return ()
    names = list(policy.windows.months)
    public: tuple[object, ...] = (
        round(weight_of(row), 9),
        windows_of(row, names),
        round(float(row["earnings"]), 6),
        row["batch"],
        bool(row["held"]),
    )
    if unpooled(row) and audience == "freelancer":
        return public
    shown = (*public, tuple(round(s, 9) for s in shares_of(row)))
    if pooled(row) and audience == "freelancer":
        return shown
    return (*shown, rule_of(row), str(row["outcome"]))


def pooled_change(before: Row | None, after: Row | None) -> bool:
    """The contract's pooled shares changed: its batch closed, or its batch's members did."""
    if not (pooled(before) or pooled(after)):
        return False
    return pooled(before) != pooled(after) or any(
        abs(a - b) > 1e-12 for a, b in zip(shares_of(before), shares_of(after), strict=True)
    )


def kind_of(before: Row | None, after: Row | None, policy: Policy) -> str:
    """The one kind that best names what happened to this contract."""
    rule_before, rule_after = rule_of(before), rule_of(after)
    if group_of(rule_after) == "operator" and rule_before != rule_after:
        return OPERATOR_ACTION
    if group_of(rule_after) == "dispute" and rule_before != rule_after:
        return DISPUTE
    if pooled_change(before, after):
        return PRIVATE_POOLED if pooled(after) else PRIVATE_HELD
    if rule_before != rule_after:
        return _rule_kind(before, after, rule_before, rule_after)
    names = list(policy.windows.months)
    if windows_of(before, names) != windows_of(after, names):
        gained = set(windows_of(after, names)) - set(windows_of(before, names))
        return ENTERED_WINDOW if gained else LEFT_WINDOW
    if _earnings(before) != _earnings(after):
        return PAYMENT
    if weight_of(before) != weight_of(after):
        return DURATION
    return OUTCOME_CHANGED


def _earnings(row: Row | None) -> float:
    return 0.0 if row is None else round(float(row["earnings"]), 6)


def _rule_kind(before: Row | None, after: Row | None, rb: str | None, ra: str | None) -> str:
    """The kind of a change of rule (``kind_of`` has named operator decisions and disputes)."""
    after_group, before_group = group_of(ra), group_of(rb)
    if after_group == "idle":
        return BECAME_IDLE
    if after_group == "long_term":
        return BECAME_LONG_TERM
    if after_group == "in_progress":
        return NEW_CONTRACT if rb is None else PAYMENT
    if after_group == "awaiting":
        return CONTRACT_ENDED
    if after_group == "no_feedback":
        return FEEDBACK_TIME_RAN_OUT if before_group == "awaiting" else CONTRACT_ENDED
    if before_group in ("operator", "dispute"):
        return OPERATOR_ACTION
    if (
        _earnings(before) != _earnings(after)
        and after is not None
        and bool(after["has_feedback"])
        and before is not None
        and bool(before["has_feedback"])
    ):
        return PAYMENT
    return FEEDBACK_ARRIVED


def sentence(
    kind: str,
    contract: str,
    before: Row | None,
    after: Row | None,
    policy: Policy,
    audience: Audience,
) -> str:
    """One plain sentence about one contract's change."""
    now = "no longer counted" if after is None else reason(after, policy, audience)
    names = list(policy.windows.months)
    if kind == LEFT_WINDOW:
        lost = [w for w in windows_of(before, names) if w not in windows_of(after, names)]
        dated = before["dated"] if before is not None else None
        what = "its pooled outcome" if pooled(before) else "its outcome"
        return (
            f"{contract}: {what} (dated {dated}) left {windows_phrase(lost)}; "
            f"{_still(after, names)}"
        )
    if kind == ENTERED_WINDOW:
        return f"{contract}: now counts in {windows_phrase(windows_of(after, names))}: {now}"
    if kind == PAYMENT:
        return (
            f"{contract}: earnings {money(_earnings(before))} -> {money(_earnings(after))}, "
            f"weight {weight_of(before):g} -> {weight_of(after):g}; {now}"
        )
    if kind == DURATION:
        return (
            f"{contract}: another full period with a payment, weight "
            f"{weight_of(before):g} -> {weight_of(after):g}"
        )
    lead = {
        FEEDBACK_ARRIVED: "feedback arrived",
        CONTRACT_ENDED: "ended",
        FEEDBACK_TIME_RAN_OUT: "the time for feedback ran out",
        BECAME_IDLE: "became idle",
        BECAME_LONG_TERM: "became a long-term contract",
        DISPUTE: "a dispute",
        OPERATOR_ACTION: "an operator decision",
        NEW_CONTRACT: "started",
        PRIVATE_POOLED: "private feedback pooled",
        PRIVATE_HELD: "private feedback held again (its batch is no longer complete)",
    }.get(kind, "changed")
    return f"{contract}: {lead}: {now}"


def _still(row: Row | None, names: Sequence[str]) -> str:
    left = windows_of(row, names)
    return f"still counted in {windows_phrase(left)}" if left else "it no longer counts"
