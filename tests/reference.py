"""A plain-Python reference model of docs/rules.md, the engine's specification.

Written from the rules document alone (it never imports `jobsuccess.engine`), for one
freelancer on one computation date ``on``: straightforward loops, one function per section of
the document, so that each line can be checked against the text. Speed does not matter.

Input: a `Freelancer` (contracts with their payments, feedback and dispute; the operator
actions that apply to it, marketplace-wide client flags included), a `jobsuccess.policy.Policy`
and the computation date ``on`` (no cadence: ``on`` is taken to be a computation date).
Output: a `Result` with each contract's rule, outcome, weight, date and windows (and its privacy
batch), each window's figures, and the displayed score.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from jobsuccess.policy import Policy

# -- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    date: dt.date
    amount: float


@dataclass(frozen=True)
class Feedback:
    date: dt.date
    stars: float | None
    recommend: int | None


@dataclass(frozen=True)
class Dispute:
    opened: dt.date
    outcome: str | None  # None: pending (no result yet)


@dataclass(frozen=True)
class Contract:
    id: str
    client: str
    type: str
    start: dt.date
    end: dt.date | None
    ended_by: str | None
    end_reason: str | None
    payments: tuple[Payment, ...] = ()
    feedback: Feedback | None = None
    dispute: Dispute | None = None


@dataclass(frozen=True)
class Action:
    """An operator action. ``contract`` for appeal_upheld / feedback_removed, ``client`` for
    client_flagged; ``everywhere``: recorded without a freelancer (marketplace-wide)."""

    type: str
    date: dt.date
    contract: str | None = None
    client: str | None = None
    everywhere: bool = False
    note: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class Freelancer:
    """One freelancer's records; ``actions`` are every action that applies to it (its own and
    the marketplace-wide ones)."""

    id: str
    contracts: tuple[Contract, ...]
    actions: tuple[Action, ...] = ()


# -- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    ended: bool
    earnings: float
    first_paid: dt.date | None
    last_paid: dt.date | None
    last_activity: dt.date
    idle_days: int
    has_feedback: bool
    periods_paid: int
    appeal_upheld: bool
    client_flagged: bool
    feedback_removed: bool
    report_upheld: bool
    paused_by_client: bool
    no_feedback_share: float | None


@dataclass(frozen=True)
class ContractResult:
    id: str
    client: str
    rule: str
    outcome: str
    weight: float
    dated: dt.date | None
    windows: frozenset[str]
    facts: Facts
    private: bool = False
    batch: int | None = None
    held: bool = False
    #: (success, neutral, negative): the share of its weight each window sum receives
    shares: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class WindowResult:
    name: str
    success: float
    neutral: float
    negative: float
    total: float
    outcomes: int
    clients: int
    eligible: bool
    score: float | None


@dataclass(frozen=True)
class Result:
    on: dt.date
    contracts: dict[str, ContractResult] = field(default_factory=dict)
    windows: dict[str, WindowResult] = field(default_factory=dict)
    score: int | None = None
    best: str | None = None
    best_score: float | None = None


# -- calendar -------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, the day clamped to the month's end (like
    polars ``offset_by("-6mo")``: 2024-08-31 minus 6 months is 2024-02-29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


# -- facts ----------------------------------------------------------------------------------


def _is_ended(c: Contract, on: dt.date) -> bool:
    return c.end is not None and c.end <= on


def _has_feedback(c: Contract, on: dt.date, feedback_days: int) -> bool:
    """End-of-contract feedback given by ``on`` and within its time after the end."""
    if c.feedback is None or not _is_ended(c, on):
        return False
    assert c.end is not None
    return c.end <= c.feedback.date <= min(on, c.end + dt.timedelta(days=feedback_days))


def _periods_paid(c: Contract, on: dt.date, period_days: int) -> int:
    stop = on if c.end is None else min(c.end, on)
    span = (stop - c.start).days
    count = 0
    k = 0
    while (k + 1) * period_days <= span:
        lo = c.start + dt.timedelta(days=k * period_days)
        hi = c.start + dt.timedelta(days=(k + 1) * period_days)
        if any(p.amount > 0 and p.date <= on and lo <= p.date < hi for p in c.payments):
            count += 1
        k += 1
    return count


def _action_applies(a: Action, kind: str, on: dt.date) -> bool:
    return a.type == kind and a.date <= on


def facts_of(
    c: Contract, fr: Freelancer, policy: Policy, on: dt.date, no_feedback_share: float | None
) -> Facts:
    ended = _is_ended(c, on)
    paid = [p for p in c.payments if p.date <= on]
    earnings = 0.0
    for p in paid:
        earnings += p.amount
    earnings = round(earnings, 2)  # to the cent
    positive = sorted(p.date for p in paid if p.amount > 0)
    first_paid = positive[0] if positive else None
    last_paid = positive[-1] if positive else None
    last_activity = c.start if last_paid is None else max(last_paid, c.start)
    return Facts(
        ended=ended,
        earnings=earnings,
        first_paid=first_paid,
        last_paid=last_paid,
        last_activity=last_activity,
        idle_days=(on - last_activity).days,
        has_feedback=_has_feedback(c, on, policy.outcomes.feedback_days),
        periods_paid=_periods_paid(c, on, policy.weights.period_days),
        appeal_upheld=any(
            _action_applies(a, "appeal_upheld", on) and a.contract == c.id for a in fr.actions
        ),
        client_flagged=any(
            _action_applies(a, "client_flagged", on) and a.client == c.client for a in fr.actions
        ),
        feedback_removed=any(
            _action_applies(a, "feedback_removed", on) and a.contract == c.id for a in fr.actions
        ),
        report_upheld=any(
            _action_applies(a, "report_upheld", on) and a.contract == c.id for a in fr.actions
        ),
        paused_by_client=any(
            _action_applies(a, "contract_paused", on) and a.contract == c.id and a.cause == "client"
            for a in fr.actions
        ),
        no_feedback_share=no_feedback_share,
    )


def no_feedback_share(fr: Freelancer, policy: Policy, on: dt.date) -> float | None:
    """Among the contracts that ended within the longest window and whose feedback time ran
    out, the share without feedback (None when there are none)."""
    longest = max(policy.windows.months.values())
    since = add_months(on, -longest)
    days = policy.outcomes.feedback_days
    pool = [
        c
        for c in fr.contracts
        if c.start <= on
        and _is_ended(c, on)
        and c.end is not None
        and c.end >= since
        and on >= c.end + dt.timedelta(days=days)
    ]
    if not pool:
        return None
    without = sum(1 for c in pool if not _has_feedback(c, on, days))
    return without / len(pool)


# -- outcome rules --------------------------------------------------------------------------


def _lt(value: float | None, bound: float) -> bool:
    """``value < bound``; a comparison with a missing value is false."""
    return value is not None and value < bound


def feedback_rules(c: Contract, fb: Feedback, policy: Policy) -> tuple[str, str, dt.date]:
    """Rules 7-13: how the feedback alone decides (every contract with feedback gets one)."""
    o = policy.outcomes
    recommend, stars = fb.recommend, fb.stars
    public_counts = o.public_feedback == "both" or recommend is None
    if c.end_reason is not None and c.end_reason not in o.positive_end_reasons:
        return "negative_end_reason", "negative", fb.date
    if _lt(recommend, o.neutral_recommend_min):
        return "private_negative", "negative", fb.date
    if public_counts and _lt(stars, o.neutral_stars_min):
        return "public_negative", "negative", fb.date
    if _lt(recommend, o.success_recommend_min):
        return "private_lukewarm", "neutral", fb.date
    if public_counts and _lt(stars, o.success_stars_min):
        return "public_lukewarm", "neutral", fb.date
    if stars is not None or recommend is not None:
        return "good_feedback", "success", fb.date
    return "unrated_feedback", "neutral", fb.date


def classify(c: Contract, f: Facts, policy: Policy, on: dt.date) -> tuple[str, str, dt.date | None]:
    """(rule, outcome, dated): the first rule of the table that holds."""
    o = policy.outcomes
    fb = c.feedback if f.has_feedback else None
    is_open = not f.ended

    if f.appeal_upheld:
        return "appeal_upheld", "excluded", None
    if f.client_flagged:
        return "client_flagged", "excluded", None
    if f.feedback_removed:
        return "feedback_removed", "excluded", None
    if f.report_upheld:
        return "report_upheld", "excluded", None
    if f.paused_by_client:
        return "paused_by_client", "excluded", None
    if c.dispute is not None and c.dispute.opened <= on:
        result = "pending" if c.dispute.outcome is None else c.dispute.outcome
        if result in o.negative_dispute_outcomes:
            return "dispute", "negative", c.dispute.opened
    if o.zero_earnings == "exclude_unless_negative" and fb is not None and f.earnings <= 0:
        poor = _lt(fb.stars, o.neutral_stars_min)
        if policy.privacy.k == 1:
            public_counts = o.public_feedback == "both" or fb.recommend is None
            negative = (public_counts and poor) or (
                _lt(fb.recommend, o.neutral_recommend_min)
                or (c.end_reason is not None and c.end_reason not in o.positive_end_reasons)
            )
        else:  # pooled: public stars alone, whether or not there is a private answer
            negative = poor
        if negative:
            return "zero_earnings_negative", "negative", fb.date
    if o.zero_earnings == "exclude_unless_negative" and f.ended and f.earnings <= 0:
        return "zero_earnings", "excluded", None
    if fb is not None:
        return feedback_rules(c, fb, policy)
    if f.ended:
        assert c.end is not None
        if on < c.end + dt.timedelta(days=o.feedback_days):
            return "awaiting_feedback", "excluded", None
        if (
            o.no_feedback == "negative_when_excessive"
            and f.no_feedback_share is not None
            and f.no_feedback_share > o.no_feedback_excessive_share
        ):
            return "no_feedback_excessive", "negative", c.end
        return "no_feedback", "excluded", None
    assert is_open
    lt = policy.long_term
    if (
        lt.enabled
        and f.first_paid is not None
        and f.last_paid is not None
        and (f.last_paid - f.first_paid).days >= lt.min_span_days
        and (on - f.last_paid).days < lt.recent_payment_days
    ):
        return "long_term", "success", on
    if policy.idle.enabled and f.idle_days >= policy.idle.days:
        # Dated the day it became idle (docs/domain.md: it leaves the windows like any outcome).
        since = f.last_activity + dt.timedelta(days=policy.idle.days)
        if f.earnings > 0:
            return "idle_with_earnings", "neutral", since
        return "idle_without_earnings", "negative", since
    return "in_progress", "excluded", None


# -- weight ---------------------------------------------------------------------------------


def tier(earnings: float, policy: Policy) -> float:
    for t in policy.weights.tiers:
        if t.up_to is None or earnings <= t.up_to:
            return float(t.weight)
    raise AssertionError("the last tier has no bound")


def weight(outcome: str, f: Facts, policy: Policy) -> float:
    if outcome == "excluded":
        return 0.0
    w = policy.weights
    return float(min(w.max, tier(f.earnings, policy) + w.per_period * f.periods_paid))


# -- windows and display --------------------------------------------------------------------


def _window(name: str, members: list[ContractResult], policy: Policy) -> WindowResult:
    success = sum(c.weight * c.shares[0] for c in members)
    neutral = sum(c.weight * c.shares[1] for c in members)
    negative = sum(c.weight * c.shares[2] for c in members)
    total = success + neutral + negative
    outcomes = len(members)
    clients = len({c.client for c in members})
    e = policy.eligibility
    eligible = outcomes >= e.min_outcomes and clients >= e.min_clients and total > 0
    score = min(100.0, max(0.0, 100 * (success - negative) / total)) if eligible else None
    return WindowResult(name, success, neutral, negative, total, outcomes, clients, eligible, score)


def _trending(windows: dict[str, WindowResult], policy: Policy) -> WindowResult:
    parts = [windows[n] for n in policy.windows.trending]
    longest = windows[max(policy.windows.trending, key=policy.windows.months.__getitem__)]
    eligible = all(w.eligible for w in parts)
    score = None
    if eligible:
        score = sum(w.score for w in parts if w.score is not None) / len(parts)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return WindowResult(
        "trending",
        mean([w.success for w in parts]),
        mean([w.neutral for w in parts]),
        mean([w.negative for w in parts]),
        mean([w.total for w in parts]),
        longest.outcomes,
        longest.clients,
        eligible,
        score,
    )


def at_9(value: float) -> Decimal:
    """``value`` rounded to 9 decimals: the precision at which scores are compared."""
    return Decimal(repr(value)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)


def displayed(value: float, rounding: str) -> int:
    mode = ROUND_HALF_UP if rounding == "half_up" else ROUND_FLOOR
    return int(at_9(value).quantize(Decimal(1), rounding=mode))


# -- the whole computation ------------------------------------------------------------------


#: Rules 1-6, decided in public (operator actions, disputes, $0): their contracts are not
#: private even when they are batch members.
DECIDED_IN_PUBLIC = (
    "appeal_upheld",
    "client_flagged",
    "feedback_removed",
    "report_upheld",
    "paused_by_client",
    "dispute",
    "zero_earnings_negative",
    "zero_earnings",
)


def _one_hot(outcome: str) -> tuple[float, float, float]:
    return (
        float(outcome == "success"),
        float(outcome == "neutral"),
        float(outcome == "negative"),
    )


def _is_member(c: Contract, f: Facts) -> bool:
    """It has (end-of-contract) feedback with a private answer: recommend or end reason."""
    if not f.has_feedback:
        return False
    assert c.feedback is not None
    return c.feedback.recommend is not None or c.end_reason is not None


#: Rules 1-5, an operator's ruling: it voids the member's answer (out of its batch).
OVERRULED = DECIDED_IN_PUBLIC[:5]

VERDICTS = ("negative", "neutral", "success", "none")


def verdict(c: Contract, policy: Policy) -> str:
    """What the member's private answer alone decides (its stars left out)."""
    assert c.feedback is not None
    rule, outcome, _ = feedback_rules(
        c, Feedback(c.feedback.date, None, c.feedback.recommend), policy
    )
    return "none" if rule == "unrated_feedback" else outcome


def _outcome_if(c: Contract, policy: Policy, verdict: str) -> str:
    """The member's outcome if its private answer had given ``verdict``."""
    assert c.feedback is not None
    o = policy.outcomes
    recommend = {
        "negative": 0,
        "neutral": o.neutral_recommend_min,
        "success": o.success_recommend_min,
        "none": None,
    }[verdict]
    fb = Feedback(c.feedback.date, c.feedback.stars, recommend)
    return feedback_rules(replace(c, end_reason=None), fb, policy)[1]


def _public_only(c: Contract) -> Contract:
    """The contract with its private answers (recommend, end reason) removed."""
    fb = c.feedback
    public = None if fb is None else Feedback(fb.date, fb.stars, None)
    return replace(c, end_reason=None, feedback=public)


def evaluate(fr: Freelancer, policy: Policy, on: dt.date) -> Result:
    """Everything docs/rules.md says about ``fr`` as of the computation date ``on``."""
    share = no_feedback_share(fr, policy, on)
    k = policy.privacy.k

    # 1. facts and the first rule that holds
    live = [c for c in fr.contracts if c.start <= on]  # later contracts are ignored
    facts = {c.id: facts_of(c, fr, policy, on, share) for c in live}
    decided = {c.id: classify(c, facts[c.id], policy, on) for c in live}

    # 2. privacy: members in (feedback date, id) order form batches of k new clients
    members = [c for c in live if _is_member(c, facts[c.id])]
    members.sort(key=lambda c: (c.feedback.date if c.feedback else on, c.id))
    first_rule = {cid: rule for cid, (rule, _, _) in decided.items()}
    private = {c.id for c in members if first_rule[c.id] not in DECIDED_IN_PUBLIC}
    batch: dict[str, int] = {}
    before: set[str] = set()  # distinct clients among the members before this one
    for c in members:
        batch[c.id] = len(before) // k + 1
        before.add(c.client)
    if k == 1:  # "k = 1 turns pooling off": no batches, every share one-hot
        batch = {}
    # closed while its standing members (all but those an operator ruled out) come from k
    # clients; a dispute or $0 decides a member's own outcome but leaves its answer standing
    standing = {c.id for c in members if first_rule[c.id] not in OVERRULED}
    closed = {
        b
        for b in set(batch.values())
        if len({c.client for c in members if batch[c.id] == b and c.id in standing}) >= k
    }
    held = {cid for cid in private if cid in batch and batch[cid] not in closed}
    for c in live:
        if c.id in held:  # counts on its public feedback only; without stars, not at all
            assert c.feedback is not None
            if c.feedback.stars is None:
                decided[c.id] = ("held_without_rating", "excluded", None)
            else:
                decided[c.id] = classify(_public_only(c), facts[c.id], policy, on)

    # 3. shares: a closed batch's private members each combine their own public facts with
    # the batch's verdicts (what each private answer alone decides), in proportion; one-hot
    # otherwise
    shares = {c.id: _one_hot(decided[c.id][1]) for c in live}
    for b in closed:
        in_batch = [c for c in members if batch[c.id] == b]
        verdicts = [verdict(c, policy) for c in in_batch if c.id in standing]
        for c in in_batch:
            if c.id in private:
                mix = [0.0, 0.0, 0.0]
                for v in VERDICTS:
                    weight_v = verdicts.count(v) / len(verdicts)
                    outcome = _outcome_if(c, policy, v)
                    for i, name in enumerate(("success", "neutral", "negative")):
                        mix[i] += weight_v * (outcome == name)
                shares[c.id] = (mix[0], mix[1], mix[2])

    # 4. weights and windows per contract
    months = policy.windows.months
    contracts: dict[str, ContractResult] = {}
    for c in live:
        f = facts[c.id]
        rule, outcome, dated = decided[c.id]
        inside = frozenset(
            name
            for name, m in months.items()
            if dated is not None and outcome != "excluded" and add_months(on, -m) <= dated <= on
        )
        contracts[c.id] = ContractResult(
            c.id,
            c.client,
            rule,
            outcome,
            weight(outcome, f, policy),
            dated,
            inside,
            f,
            private=c.id in private,
            batch=batch.get(c.id),
            held=c.id in held,
            shares=shares[c.id],
        )

    # 5. windows, trending, the displayed best-of
    windows: dict[str, WindowResult] = {}
    for name in months:
        in_window = [c for c in contracts.values() if name in c.windows]
        windows[name] = _window(name, in_window, policy)
    if policy.windows.trending:
        windows["trending"] = _trending(windows, policy)

    best: str | None = None
    best_score: float | None = None
    for name in policy.windows.candidates:
        w = windows[name]
        if not w.eligible or w.score is None:
            continue
        if best_score is None or at_9(w.score) > at_9(best_score):
            best, best_score = name, w.score
    score = None if best_score is None else displayed(best_score, policy.windows.rounding)
    return Result(on, contracts, windows, score, best, best_score)
