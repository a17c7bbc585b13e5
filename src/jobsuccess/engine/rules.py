"""How one contract becomes an outcome (docs/domain.md section 3), as an ordered tuple of rules.

The first rule whose condition holds decides the contract's outcome, the date that places it
in windows, and the words that explain it. Each rule is a small function of the policy that
returns a polars condition (or None when the policy turns the rule off), so reading "how idle
contracts count" means reading `idle_with_earnings` and its test, nothing else. The engine
records the deciding rule's name per contract: explanations read that record instead of
re-deriving the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.model import OUTCOMES, Outcome
from jobsuccess.policy import Policy

Condition = Callable[[Policy], pl.Expr | None]
Group = Literal[
    "operator", "dispute", "decided", "awaiting", "no_feedback", "long_term", "idle", "in_progress"
]
"""A rule's kind of decision: an operator's ruling, a dispute, an outcome decided on the
contract's facts, waiting for feedback, none given in time, long-term, idle, in progress."""

ON = pl.col("on")
FEEDBACK_DATE = pl.col("fb_date")
END = pl.col("end")


@dataclass(frozen=True)
class Rule:
    name: str
    section: str
    outcome: Outcome
    condition: Condition
    dated: pl.Expr | None
    text: str
    private: bool
    """Whether the outcome depends on a client's private answers (docs/domain.md section 10)."""
    group: Group
    """What kind of decision the rule makes, declared with it: explanations name a change by
    it (`jobsuccess.explain.kinds`) and privacy derives the operator decisions from it."""
    public: bool = False
    """Whether it decides on public facts before any pooled answer is read: its contracts are
    never pooled (`jobsuccess.engine.privacy.DECIDED_IN_PUBLIC` derives from it)."""
    default: bool = False
    """The chain's last rule, unconditional: it takes every contract no rule before it took
    (`active` refuses a chain that does not end with it)."""

    def describe(self, row: Mapping[str, Any], policy: Policy) -> str:
        values = {**_policy_values(policy), **{k: _fmt(v) for k, v in row.items()}}
        text = self.text.format_map(values)
        refused = row.get("removal_refused")
        return f"{text}; {refused} (on {row['removal_refused_on']})" if refused else text


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return value


def _policy_values(policy: Policy) -> dict[str, Any]:
    o = policy.outcomes
    return {
        "feedback_days": o.feedback_days,
        "idle_days_min": policy.idle.days,
        "long_term_days": policy.long_term.min_span_days,
        "recent_days": policy.long_term.recent_payment_days,
        "success_recommend_min": o.success_recommend_min,
        "neutral_recommend_min": o.neutral_recommend_min,
        "success_stars_min": o.success_stars_min,
        "neutral_stars_min": o.neutral_stars_min,
        "excessive_share": f"{o.no_feedback_excessive_share:.0%}",
        "scope_change_days": policy.scope_change.days,
        "vanished_days": policy.vanished_client.days,
        "k": policy.privacy.k,
    }


def rule(
    outcome: Outcome,
    section: str,
    text: str,
    *,
    dated: pl.Expr | None = None,
    private: bool = False,
    group: Group,
    public: bool = False,
    default: bool = False,
) -> Callable[[Condition], Rule]:
    def wrap(condition: Condition) -> Rule:
        name = condition.__name__
        return Rule(name, section, outcome, condition, dated, text, private, group, public, default)

    return wrap


# --- Operator decisions come first: they override everything (section 3, Excluded). ---


@rule(
    "excluded",
    "3 Excluded: an upheld appeal",
    "appeal upheld on {appeal_upheld_on}",
    group="operator",
    public=True,
)
def appeal_upheld(p: Policy) -> pl.Expr:
    return pl.col("appeal_upheld_on").is_not_null()


@rule(
    "excluded",
    "3 Excluded: feedback of a flagged client",
    "client {client} was flagged on {client_flagged_on}: their contracts do not count",
    group="operator",
    public=True,
)
def client_flagged(p: Policy) -> pl.Expr:
    return pl.col("client_flagged_on").is_not_null()


@rule(
    "excluded",
    "6 Feedback-removal perk (Top Rated, 2016 to 2024-09-03)",
    "feedback removed on {feedback_removed_on} (removal perk)",
    group="operator",
    public=True,
)
def feedback_removed(p: Policy) -> pl.Expr:
    # Only removals the perk allowed reach here (`jobsuccess.engine.perk`).
    return pl.col("feedback_removed_on").is_not_null()


@rule(
    "excluded",
    "6 Feedback removed after a report for a terms violation",
    "feedback removed on {report_upheld_on} after a report for a terms violation",
    group="operator",
    public=True,
)
def report_upheld(p: Policy) -> pl.Expr:
    return pl.col("report_upheld_on").is_not_null()


@rule(
    "excluded",
    "3 Excluded: paused because of the client",
    "paused on {paused_by_client_on} because of the client: not counted",
    group="operator",
    public=True,
)
def paused_by_client(p: Policy) -> pl.Expr:
    # Announcement 87248: "contracts paused due to poor client behavior are not considered";
    # a pause for inactivity changes nothing by itself.
    return pl.col("paused_by_client_on").is_not_null()


# --- Disputes (section 3, Negative). ---


@rule(
    "negative",
    "3 Negative: a dispute",
    "dispute opened on {dispute_opened} ({dispute_result})",
    dated=pl.col("dispute_opened"),
    group="dispute",
    public=True,
)
def dispute(p: Policy) -> pl.Expr:
    negative = [o for o in p.outcomes.negative_dispute_outcomes if o != "pending"]
    result = pl.col("dispute_outcome").is_in(negative)
    if "pending" in p.outcomes.negative_dispute_outcomes:
        result = result | pl.col("dispute_outcome").is_null()
    return pl.col("dispute_open") & result


# --- Ended contracts with end-of-contract feedback. ---


@rule(
    "negative",
    "3 Negative: a $0 contract with negative feedback",
    "$0 earned and negative feedback",
    dated=FEEDBACK_DATE,
    private=True,
    group="decided",
    public=True,
)
def zero_earnings_negative(p: Policy) -> pl.Expr | None:
    # Help centre 38439816969875: "no payment and negative feedback" can lower the score,
    # public or private. Whether a $0 contract counts would reveal a private answer, so with
    # pooling (privacy.k > 1) only negative public feedback makes it count: the rule then
    # reads no private field, not even whether there is a private answer (a policy that
    # counts public feedback only without one would otherwise tell the freelancer so).
    if p.outcomes.zero_earnings != "exclude_unless_negative":
        return None
    poor = pl.col("stars") < p.outcomes.neutral_stars_min
    if p.privacy.k == 1:
        negative = (
            (_public_counts(p) & poor)
            | _negative_end_reason(p)
            | (pl.col("recommend") < p.outcomes.neutral_recommend_min)
        )
    else:
        negative = poor
    return pl.col("has_feedback") & (pl.col("earnings") <= 0) & negative


@rule(
    "excluded",
    "3 Excluded: $0 earned",
    "$0 earned and no negative private feedback",
    private=True,
    group="decided",
    public=True,
)
def zero_earnings(p: Policy) -> pl.Expr | None:
    if p.outcomes.zero_earnings != "exclude_unless_negative":
        return None
    return pl.col("ended") & (pl.col("earnings") <= 0)


@rule(
    "excluded",
    "jobsuccess-2026 (ours): a scope change, closed and reopened",
    "closed by the client on {end} and continued as {continued_by} (started {continued_on}, "
    "within {scope_change_days} days): a scope change, counted as continued, not as a failure",
    private=True,
    group="decided",
)
def scope_change(p: Policy) -> pl.Expr | None:
    # The trigger reads the client's (private) end reason contract by contract, so under
    # pooling (privacy.k > 1) the rule is off: its verdict would stand outside the batches'.
    if not p.scope_change.enabled or p.privacy.k > 1:
        return None
    return (
        pl.col("ended")
        & (pl.col("ended_by") == "client")
        & _negative_end_reason(p)
        & pl.col("continued_on").is_not_null()
    )


@rule(
    "negative",
    "3 Negative: a negative end reason",
    "the client's end reason was negative",
    dated=FEEDBACK_DATE,
    private=True,
    group="decided",
)
def negative_end_reason(p: Policy) -> pl.Expr:
    return pl.col("has_feedback") & _negative_end_reason(p)


def _negative_end_reason(p: Policy) -> pl.Expr:
    return pl.col("end_reason").is_not_null() & ~pl.col("end_reason").is_in(
        list(p.outcomes.positive_end_reasons)
    )


@rule(
    "negative",
    "3 Negative: negative private feedback",
    "private answer {recommend}/10 (below {neutral_recommend_min})",
    dated=FEEDBACK_DATE,
    private=True,
    group="decided",
)
def private_negative(p: Policy) -> pl.Expr:
    return pl.col("has_feedback") & (pl.col("recommend") < p.outcomes.neutral_recommend_min)


def _public_counts(p: Policy) -> pl.Expr:
    if p.outcomes.public_feedback == "both":
        return pl.lit(True)
    return pl.col("recommend").is_null()


@rule(
    "negative",
    "3 Negative: poor public feedback",
    "public rating {stars} stars (below {neutral_stars_min})",
    dated=FEEDBACK_DATE,
    group="decided",
)
def public_negative(p: Policy) -> pl.Expr:
    return (
        pl.col("has_feedback")
        & (pl.col("stars") < p.outcomes.neutral_stars_min)
        & _public_counts(p)
    )


@rule(
    "neutral",
    "3 Neutral: lukewarm private feedback",
    "private answer {recommend}/10 (lukewarm: below {success_recommend_min})",
    dated=FEEDBACK_DATE,
    private=True,
    group="decided",
)
def private_lukewarm(p: Policy) -> pl.Expr:
    return pl.col("has_feedback") & (pl.col("recommend") < p.outcomes.success_recommend_min)


@rule(
    "neutral",
    "3 Neutral: lukewarm public feedback",
    "public rating {stars} stars (lukewarm: below {success_stars_min})",
    dated=FEEDBACK_DATE,
    group="decided",
)
def public_lukewarm(p: Policy) -> pl.Expr:
    return (
        pl.col("has_feedback")
        & (pl.col("stars") < p.outcomes.success_stars_min)
        & _public_counts(p)
    )


@rule(
    "success",
    "3 Success: completed with good feedback",
    "completed with good feedback ({stars} stars)",
    dated=FEEDBACK_DATE,
    private=True,
    group="decided",
)
def good_feedback(p: Policy) -> pl.Expr:
    return pl.col("has_feedback") & (
        pl.col("recommend").is_not_null() | pl.col("stars").is_not_null()
    )


@rule(
    "excluded",
    "Pooling: held private feedback without a public rating",
    "no public rating: not counted until its batch of {k} clients closes",
    group="decided",
)
def held_without_rating(p: Policy) -> pl.Expr | None:
    # A held member counts on its public feedback only; without stars it has none, so it
    # waits uncounted (counted as neutral it would lower the score until the batch closes).
    if p.privacy.k == 1:
        return None
    return pl.col("held") & pl.col("has_feedback") & pl.col("stars").is_null()


@rule(
    "neutral",
    "3 Neutral: feedback without a rating",
    "feedback without a rating: counts as neutral",
    dated=FEEDBACK_DATE,
    group="decided",
)
def unrated_feedback(p: Policy) -> pl.Expr:
    # Counted whatever the (private) end reason, so that whether it counts reveals nothing.
    return pl.col("has_feedback")


# --- Ended contracts without feedback. ---


@rule(
    "excluded",
    "2 Inputs: feedback within 14 days of the end",
    "ended on {end}; the client has {feedback_days} days to leave feedback",
    group="awaiting",
)
def awaiting_feedback(p: Policy) -> pl.Expr:
    return pl.col("ended") & (END + pl.duration(days=p.outcomes.feedback_days) > ON)


@rule(
    "negative",
    "3 Excluded: no feedback (before 2020-11-08: counted when excessive)",
    "ended without feedback, and more than {excessive_share} of recent contracts did",
    dated=END,
    group="no_feedback",
)
def no_feedback_excessive(p: Policy) -> pl.Expr | None:
    if p.outcomes.no_feedback != "negative_when_excessive":
        return None
    return pl.col("ended") & (pl.col("no_feedback_share") > p.outcomes.no_feedback_excessive_share)


@rule(
    "excluded",
    "3 Excluded: ended without feedback",
    "ended on {end} without feedback",
    group="no_feedback",
)
def no_feedback(p: Policy) -> pl.Expr:
    return pl.col("ended")


# --- Open contracts. ---


@rule(
    "success",
    "3 Success: a long-term contract",
    "long-term: paid from {first_paid} to {last_paid} ({long_term_days}+ days), "
    "paid within {recent_days} days",
    dated=ON,
    group="long_term",
)
def long_term(p: Policy) -> pl.Expr | None:
    if not p.long_term.enabled:
        return None
    span = (pl.col("last_paid") - pl.col("first_paid")).dt.total_days()
    since = (ON - pl.col("last_paid")).dt.total_days()
    return (span >= p.long_term.min_span_days) & (since < p.long_term.recent_payment_days)


@rule(
    "excluded",
    "jobsuccess-2026 (ours): an idle contract of a vanished client",
    "open and idle since {idle_since}, and client {client} has had no payment to anyone and "
    "no new contract on the marketplace for {vanished_days}+ days: not held against you",
    group="decided",
)
def client_vanished(p: Policy) -> pl.Expr | None:
    if not (p.idle.enabled and p.vanished_client.enabled):
        return None
    return (
        ~pl.col("ended")
        & (pl.col("idle_days") >= pl.col("idle_after"))
        & (pl.col("client_inactive_days") >= p.vanished_client.days)
    )


@rule(
    "neutral",
    "3 Neutral: an idle open contract with earnings",
    "open and idle since {idle_since}: no payment for {idle_days} days ({idle_after}+)",
    dated=pl.col("idle_since"),
    group="idle",
)
def idle_with_earnings(p: Policy) -> pl.Expr | None:
    # `idle_after` is `idle.days`, or longer for a contract paid on a rhythm (jobsuccess-2026).
    if not p.idle.enabled:
        return None
    return (pl.col("idle_days") >= pl.col("idle_after")) & (pl.col("earnings") > 0)


@rule(
    "negative",
    "3 Negative: an idle open contract with no earnings",
    "open and idle since {idle_since} ({idle_days} days, {idle_after}+) with nothing earned",
    dated=pl.col("idle_since"),
    group="idle",
)
def idle_without_earnings(p: Policy) -> pl.Expr | None:
    if not p.idle.enabled:
        return None
    return pl.col("idle_days") >= pl.col("idle_after")


@rule(
    "excluded",
    "3 Excluded: in progress",
    "open and active: counts once it ends or idles",
    default=True,
    group="in_progress",
)
def in_progress(p: Policy) -> pl.Expr:
    # The default: every contract no rule above took (open, active, not idle).
    return pl.lit(True)


RULES: tuple[Rule, ...] = (
    appeal_upheld,
    client_flagged,
    feedback_removed,
    report_upheld,
    paused_by_client,
    dispute,
    zero_earnings_negative,
    zero_earnings,
    scope_change,
    negative_end_reason,
    private_negative,
    public_negative,
    private_lukewarm,
    public_lukewarm,
    good_feedback,
    held_without_rating,
    unrated_feedback,
    awaiting_feedback,
    no_feedback_excessive,
    no_feedback,
    long_term,
    client_vanished,
    idle_with_earnings,
    idle_without_earnings,
    in_progress,
)

BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
RULE_NAMES = pl.Enum([r.name for r in RULES])
OUTCOME = pl.Enum(list(OUTCOMES))


def active(
    policy: Policy, *, skip: tuple[str, ...] = (), rules: Sequence[Rule] = RULES
) -> list[tuple[Rule, pl.Expr]]:
    """The rules ``policy`` turns on (less those named in ``skip``), in order, with their
    conditions; the last is the default rule, which takes every contract left.

    Raises `InputError` when the chain does not end with exactly one default rule: without
    it a contract no rule takes would get no outcome, and rules after it would never decide.
    """
    chain = [(r, c) for r in rules if r.name not in skip and (c := r.condition(policy)) is not None]
    defaults = [r.name for r, _ in chain if r.default]
    if not chain or not chain[-1][0].default:
        last = chain[-1][0].name if chain else "no rule"
        raise InputError(
            f"policy {policy.name}: the last active outcome rule ({last}) has a condition; "
            "the chain must end with an unconditional default rule (in_progress), or a "
            "contract no rule takes would get no outcome",
            field="rules",
        )
    if len(defaults) > 1:
        raise InputError(
            f"policy {policy.name}: more than one default rule ({', '.join(defaults)}); the "
            "rules after the first would never decide",
            field="rules",
        )
    return chain


def classify(facts: pl.DataFrame, policy: Policy, *, skip: tuple[str, ...] = ()) -> pl.DataFrame:
    """Add ``rule``, ``outcome`` and ``dated``: the first rule that holds decides, the default
    rule (`active`) when none does.

    ``skip`` leaves rules out by name (privacy asks what the feedback alone decides).
    """
    chain = active(policy, skip=skip)
    # The first rule that holds: a flat coalesce, not a nested when/then chain (cheaper to
    # plan, which is most of the cost for one freelancer's small frame).
    rule_index = pl.coalesce(
        *(
            pl.when(condition.fill_null(False)).then(pl.lit(i, dtype=pl.UInt8))
            for i, (_, condition) in enumerate(chain[:-1])
        ),
        pl.lit(len(chain) - 1, dtype=pl.UInt8),
    )
    positions = list(range(len(chain)))
    dated = pl.coalesce(
        *(
            pl.when(pl.col("_rule") == i).then(r.dated)
            for i, (r, _) in enumerate(chain)
            if r.dated is not None
        ),
        pl.lit(None, dtype=pl.Date()),
    )
    return (
        facts.with_columns(_rule=rule_index)
        .with_columns(
            rule=pl.col("_rule").replace_strict(
                positions, [r.name for r, _ in chain], return_dtype=RULE_NAMES
            ),
            outcome=pl.col("_rule").replace_strict(
                positions, [r.outcome for r, _ in chain], return_dtype=OUTCOME
            ),
            dated=dated,
        )
        .drop("_rule")
    )
