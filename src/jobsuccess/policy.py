"""Policies as data: every rule in docs/domain.md is a parameter, never a literal in the engine.

A policy is a TOML file validated into a frozen `Policy`. The shipped files (one per row of the
docs/domain.md timeline) live in ``jobsuccess/policies``; a marketplace writes its own file, either
complete or as ``extends = "NAME"`` plus the parameters it changes. Versions differ by
parameters, never by ``if version == ...`` branches.
"""

from __future__ import annotations

import bisect
import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jobsuccess.errors import InputError

WindowName = Literal["3m", "6m", "12m", "24m"]
ScoreName = Literal["3m", "6m", "12m", "24m", "trending"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Outcomes(_Section):
    """docs/domain.md section 3: how one contract's record becomes an outcome."""

    success_recommend_min: int = Field(ge=0, le=10, description="private 0-10 answer for a success")
    neutral_recommend_min: int = Field(
        ge=0, le=10, description="lowest private answer that is not negative"
    )
    success_stars_min: float = Field(
        ge=1, le=5, description="stars for a success without a private answer"
    )
    neutral_stars_min: float = Field(ge=1, le=5, description="lowest stars that are not negative")
    public_feedback: Literal["fallback", "both"] = Field(
        description="fallback: stars count without a private answer; both: the worse decides"
    )
    positive_end_reasons: tuple[str, ...] = Field(description="end reasons that are not negative")
    negative_dispute_outcomes: tuple[Literal["client", "freelancer", "split", "pending"], ...] = (
        Field(description="dispute results that count negative (pending: undecided)")
    )
    feedback_days: int = Field(
        ge=0, description="days after the end during which feedback may come"
    )
    zero_earnings: Literal["count", "exclude_unless_negative"] = Field(
        description="$0 contracts: count, or excluded unless private feedback is negative"
    )
    no_feedback: Literal["exclude", "negative_when_excessive"] = Field(
        description="ended contracts whose feedback time ran out without feedback"
    )
    no_feedback_excessive_share: float = Field(
        ge=0,
        le=1,
        description="share of silent ended contracts (24 months) above which they count",
    )


class LongTerm(_Section):
    """docs/domain.md section 3: a long, still-paying contract is a success without feedback."""

    enabled: bool
    min_span_days: int = Field(ge=1, description="days from first to last payment")
    recent_payment_days: int = Field(ge=1, description="a payment within this many days")


class Idle(_Section):
    """docs/domain.md section 3: an open contract with no payment for this long counts."""

    enabled: bool
    days: int = Field(ge=1, description="days without a payment (or since the start) to be idle")
    rhythm_factor: float = Field(
        default=0.0,
        ge=0,
        description="a contract paid on a rhythm is idle after max(days, this * its median "
        "gap between payments); 0 = off (jobsuccess-2026)",
    )
    rhythm_min_payments: int = Field(
        default=3, ge=2, description="payments that establish a contract's rhythm"
    )


class ScopeChange(_Section):
    """jobsuccess-2026 (ours): a contract the client closes with a negative end reason and
    replaces with a new contract for the same freelancer soon after counts as continued."""

    enabled: bool = False
    days: int = Field(
        default=14, ge=0, description="days between the close and the replacement's start"
    )


class VanishedClient(_Section):
    """jobsuccess-2026 (ours): an idle contract whose client left the marketplace does not
    count against the freelancer."""

    enabled: bool = False
    days: int = Field(
        default=90,
        ge=1,
        description="days without a payment to anyone or a new contract, marketplace-wide",
    )


class Tier(_Section):
    up_to: float | None = Field(
        default=None, description="upper bound of earnings, inclusive; none = no bound"
    )
    weight: float = Field(gt=0)


class Weights(_Section):
    """docs/domain.md section 4: bigger and longer contracts weigh more."""

    tiers: tuple[Tier, ...] = Field(min_length=1, description="earnings tiers, ascending")
    period_days: int = Field(ge=1, description="length of a duration period")
    per_period: float = Field(ge=0, description="weight added per full period with a payment")
    max: float = Field(gt=0, description="cap on one contract's weight")

    @model_validator(mode="after")
    def _tiers_ascending(self) -> Weights:
        bounds = [t.up_to for t in self.tiers]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("only the last tier may (and must) have no upper bound")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite):
            raise ValueError("tier bounds must ascend")
        return self


class Windows(_Section):
    """docs/domain.md section 5: windows, trending and the displayed best-of."""

    months: dict[WindowName, int] = Field(description="each window's length in months")
    trending: tuple[WindowName, ...] = Field(
        description="windows averaged into 'trending'; empty = off"
    )
    candidates: tuple[ScoreName, ...] = Field(
        min_length=1, description="scores the display picks the best of"
    )
    rounding: Literal["half_up", "floor"]

    @model_validator(mode="after")
    def _names_exist(self) -> Windows:
        for name in (*self.trending, *self.candidates):
            if name != "trending" and name not in self.months:
                raise ValueError(f"window {name!r} is used but has no length in months")
        if "trending" in self.candidates and not self.trending:
            raise ValueError("'trending' is a candidate but trending has no windows")
        return self

    @property
    def longest(self) -> WindowName:
        return max(self.months, key=lambda w: self.months[w])


class Eligibility(_Section):
    """docs/domain.md section 5: a window has a score only with enough evidence."""

    min_clients: int = Field(ge=1)
    min_outcomes: int = Field(ge=1)


class Cadence(_Section):
    """docs/domain.md section 5: scores exist only on computation dates."""

    every_days: int = Field(ge=1)
    anchor: dt.date = Field(description="one computation date; the others are every_days apart")

    def computed_on(self, day: dt.date) -> dt.date:
        """The last computation date on or before ``day``."""
        steps = (day - self.anchor).days // self.every_days
        return self.anchor + dt.timedelta(days=steps * self.every_days)


class TopRated(_Section):
    """docs/domain.md section 6."""

    min_score: int = Field(ge=0, le=100)
    weeks_required: int = Field(
        ge=0, description="eligible weeks needed: Rising Talent or a score >= min_score"
    )
    weeks_of: int = Field(ge=1)
    min_earnings_12m: float = Field(ge=0)
    min_account_age_days: int = Field(ge=0)
    activity_days: int = Field(ge=1)
    hold_free_days: int = Field(ge=0, description="no account hold in this many days")


class TopRatedPlus(_Section):
    min_earnings_12m: float = Field(ge=0)
    large_contract_min: float = Field(
        ge=0, description="earnings of a large contract, for categories not in the table"
    )
    large_contract_min_by_category: dict[str, float] = Field(
        default_factory=dict, description="earnings of a large contract per contract category"
    )


class RisingTalent(_Section):
    enabled: bool
    min_success: int = Field(
        ge=0, description="successful contracts (24 months) without a score yet"
    )
    max_negative: int = Field(ge=0)
    min_stars: float = Field(
        ge=0, le=5, description="average public stars (24 months), when there are any"
    )
    min_earnings_12m: float = Field(ge=0)


class FeedbackRemoval(_Section):
    """docs/domain.md section 6: the Top Rated feedback-removal perk (`engine.perk`).

    A ``feedback_removed`` action is the freelancer's request; the engine applies it only when
    these rules allow it. Removals after a report (``report_upheld``) apply in every era.
    """

    perk: bool
    perk_jobs_per_removal: int = Field(ge=1)
    perk_min_interval_days: int = Field(ge=0)


class Privacy(_Section):
    """docs/domain.md section 10: private answers reach freelancers only in batches of k clients."""

    k: int = Field(
        ge=1, description="smallest number of clients whose private answers move a score together"
    )


class Policy(_Section):
    name: str
    effective: dt.date
    title: str
    basis: str = Field(description="what in this policy is official and what is reconstruction")
    timeline: bool = Field(
        default=True,
        description="part of the shipped timeline (`auto`); false: an opt-in policy, "
        "applied only when named",
    )
    outcomes: Outcomes
    long_term: LongTerm
    idle: Idle
    weights: Weights
    windows: Windows
    eligibility: Eligibility
    cadence: Cadence
    top_rated: TopRated
    top_rated_plus: TopRatedPlus
    rising_talent: RisingTalent
    feedback_removal: FeedbackRemoval
    privacy: Privacy
    scope_change: ScopeChange = Field(default_factory=ScopeChange)
    vanished_client: VanishedClient = Field(default_factory=VanishedClient)

    @property
    def compares_contracts(self) -> bool:
        """Whether a rule reads other contracts than its own: the share of contracts without
        feedback (excessive no-feedback) or a client's activity on them (a vanished client).
        Explanations that run some contracts alone run them all under such a policy."""
        excessive = self.outcomes.no_feedback == "negative_when_excessive"
        return excessive or self.vanished_client.enabled

    def with_privacy(self, k: int) -> Policy:
        """This policy with private feedback pooled in batches of ``k`` clients."""
        if k < 1:
            raise InputError(f"privacy k must be at least 1, got {k}")
        return self.model_copy(update={"privacy": Privacy(k=k)})

    def parameters(self) -> Iterator[tuple[str, Any]]:
        """Every parameter as (dotted name, value), in file order."""
        yield from _flatten(self.model_dump(mode="json"))


#: Parameters whose value is a table: one parameter each, replaced whole by ``extends``.
_TABLES = ("months", "large_contract_min_by_category")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping) and key not in _TABLES:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if (
            isinstance(value, Mapping)
            and isinstance(merged.get(key), Mapping)
            and key not in _TABLES
        ):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path | resources.abc.Traversable, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{label}: no such policy file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: not valid TOML: {exc}") from None


def _validate(data: Mapping[str, Any], label: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{label}: field {field}: {first['msg']}") from None


def _shipped() -> dict[str, dict[str, Any]]:
    folder = resources.files("jobsuccess") / "policies"
    return {
        entry.name.removesuffix(".toml"): _read_toml(entry, f"policies/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }


def shipped_policies() -> tuple[Policy, ...]:
    """Every shipped policy: the timeline's, then the opt-in ones (``timeline = false``,
    e.g. ``jobsuccess-2026``), each resolved (a shipped file may ``extends`` another)."""
    raw = _shipped()
    done: dict[str, Policy] = {}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> Policy:
        if name in done:
            return done[name]
        if name not in raw or name in seen:
            raise InputError(f"policies/{name}.toml: cannot extend {name!r}")
        data = dict(raw[name])
        base = data.pop("extends", None)
        if base is not None:
            parent = resolve(str(base), (*seen, name)).model_dump()
            parent.pop("timeline", None)  # an opt-in policy's flag is its own
            data = _merge(parent, data)
        done[name] = _validate(data, f"policies/{name}.toml")
        return done[name]

    policies = [resolve(name) for name in raw]
    return tuple(sorted(policies, key=lambda p: (not p.timeline, p.effective, p.name)))


@dataclass(frozen=True)
class PolicyBook:
    """A timeline of policies; picks the one in force on a date."""

    policies: tuple[Policy, ...]

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "policies", tuple(sorted(self.policies, key=lambda p: p.effective))
        )
        if not self.policies:
            raise ValueError("a policy book needs at least one policy")

    @classmethod
    def shipped(cls) -> PolicyBook:
        """The shipped timeline (`auto`): opt-in policies (``timeline = false``) are not in it;
        `read_policy` finds them by name."""
        return cls(tuple(p for p in shipped_policies() if p.timeline))

    @classmethod
    def single(cls, policy: Policy) -> PolicyBook:
        """A book that uses one policy on every date (replaying history under it)."""
        return cls((policy.model_copy(update={"effective": dt.date.min}),))

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def with_privacy(self, k: int | None) -> PolicyBook:
        """The same book with private feedback pooled in batches of ``k`` clients on every
        date (``None``: each policy keeps its own ``privacy.k``).

        Pooling is a deployment choice applied over whatever rules are in force, not a rule
        of the replayed timeline, whose shipped policies all have ``k = 1``.
        """
        if k is None:
            return self
        return PolicyBook(tuple(p.with_privacy(k) for p in self.policies))

    def get(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise InputError(
            f"no policy named {name!r}; known: {', '.join(p.name for p in self.policies)}"
        )

    def in_force(self, day: dt.date) -> Policy:
        """The policy in force on ``day`` (the first one for dates before all of them)."""
        idx = bisect.bisect_right([p.effective for p in self.policies], day) - 1
        return self.policies[max(idx, 0)]

    def computation(self, day: dt.date) -> tuple[dt.date, Policy]:
        """The last computation date on or before ``day`` and the policy that ran it."""
        policy = self.in_force(day)
        on = policy.cadence.computed_on(day)
        if on < policy.effective and on >= self.policies[0].effective:
            previous = self.in_force(policy.effective - dt.timedelta(days=1))
            on = max(previous.cadence.computed_on(day), on)
            policy = self.in_force(on)
        return on, policy


def read_policy(spec: str, book: PolicyBook | None = None) -> Policy:
    """A shipped policy by name, or a TOML file (complete, or ``extends = "NAME"`` plus changes)."""
    book = book or PolicyBook.shipped()
    path = Path(spec)
    if not path.suffix and not path.exists():
        return _named(spec, book)
    data = _read_toml(path, str(path))
    base_name = data.pop("extends", None)
    if base_name is not None:
        data = _merge(_named(str(base_name), book).model_dump(), data)
    return _validate(data, str(path))


def _named(name: str, book: PolicyBook) -> Policy:
    """A policy of ``book`` by name, or a shipped opt-in one (``jobsuccess-2026``)."""
    try:
        return book.get(name)
    except InputError:
        opt_in = [p for p in shipped_policies() if not p.timeline]
        for policy in opt_in:
            if policy.name == name:
                return policy
        known = [p.name for p in (*book.policies, *opt_in)]
        raise InputError(f"no policy named {name!r}; known: {', '.join(known)}") from None


def load_policy(
    spec: str, book: PolicyBook | None = None, *, privacy_k: int | None = None
) -> PolicyBook:
    """Resolve a ``--policy`` argument: ``auto`` (the timeline), a shipped name, or a file.

    A named or file policy applies on every date: that is how a rule change is replayed over
    any history. ``privacy_k`` (``--privacy-k``) pools private feedback over whatever policy
    is in force; without it each policy's own ``privacy.k`` applies (1 in the shipped ones).
    """
    book = book or PolicyBook.shipped()
    chosen = book if spec == "auto" else PolicyBook.single(read_policy(spec, book))
    return chosen.with_privacy(privacy_k)
