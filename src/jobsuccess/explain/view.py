"""One view of a score: the score JSON of one (freelancer, date), the audience a parameter.

There is one contract line (`line`) and one score view (`view`) for every audience and every
caller (``jobsuccess score``, `jobsuccess.score_json`, the explanations, the HTML report): the
keys are the same for everyone; ``private_answer`` exists only in the operator's view (absent,
never null-but-present, for a freelancer, so nothing private is even named). For a freelancer a
pooled contract shows its batch's shares instead of its own outcome and rule, a held one what it
counts as on public feedback only, and one decided by a private answer without pooling shows
``private`` and no shares (one-hot shares would tell the outcome).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobsuccess.engine import Scores
from jobsuccess.errors import NotFound
from jobsuccess.explain.audience import Audience, outcome, reason
from jobsuccess.explain.ledger import (
    Plain,
    PrivateAnswer,
    Row,
    Snapshot,
    shares_of,
    unpooled,
    windows_of,
)
from jobsuccess.explain.words import reason_fields
from jobsuccess.figures import DIGITS, evidence, window_figures
from jobsuccess.policy import Policy, PolicyBook
from jobsuccess.subjects import SubjectKind


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Answer:
    """What an answer about one freelancer on one date starts with (advice, My Stats)."""

    freelancer: str
    as_of: dt.date
    computed_on: dt.date
    audience: Audience

    def head(self) -> dict[str, str]:
        return {
            "freelancer": self.freelancer,
            "as_of": self.as_of.isoformat(),
            "computed_on": self.computed_on.isoformat(),
            "audience": self.audience,
        }


@dataclass(frozen=True)
class Shares(Plain):
    """A contract's outcome split (a pooled contract's: its batch's)."""

    success: float
    neutral: float
    negative: float

    @classmethod
    def of(cls, row: Row) -> Shares:
        """The row's shares as published (rounded to `jobsuccess.figures.DIGITS`)."""
        success, neutral, negative = (round(share, DIGITS) for share in shares_of(row))
        return cls(success, neutral, negative)


@dataclass(frozen=True)
class ContractLine:
    """One contract of the ledger as one audience may see it."""

    id: str
    client: str
    outcome: str
    reason: str
    weight: float
    dated: dt.date | None
    windows: tuple[str, ...]
    batch: int | None
    held: bool
    shares: Shares | None
    """None for a freelancer where the shares would tell a private outcome."""
    audience: Audience
    private_answer: PrivateAnswer | None = None
    """The operator's only: the private answer the engine counted (None: none counted)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "client": self.client,
            "outcome": self.outcome,
            "reason": self.reason,
            "weight": self.weight,
            "dated": _day(self.dated),
            "windows": list(self.windows),
            "batch": self.batch,
            "held": self.held,
            "shares": None if self.shares is None else self.shares.to_json(),
        }
        if self.audience == "operator":
            answer = self.private_answer
            out["private_answer"] = None if answer is None else answer.to_json()
        return out


def line_fields(policy: Policy) -> frozenset[str]:
    """The fields of a ledger row that `line` reads."""
    lined = {"id", "client", "weight", "dated", "private", "held", "batch"}
    return reason_fields() | lined | {f"in_{w}" for w in policy.windows.months}


def line(
    row: Row, policy: Policy, audience: Audience, answer: PrivateAnswer | None = None
) -> ContractLine:
    """The one implementation of a contract's line (``answer`` is read for operators only)."""
    hidden = audience == "freelancer" and unpooled(row)  # one-hot shares would tell the outcome
    return ContractLine(
        id=str(row["id"]),
        client=str(row["client"]),
        outcome=outcome(row, audience),
        reason=reason(row, policy, audience),
        weight=round(float(row["weight"]), DIGITS),
        dated=row.get("dated"),
        windows=windows_of(row, list(policy.windows.months)),
        batch=row["batch"],
        held=bool(row["private"]) and bool(row["held"]),
        shares=None if hidden else Shares.of(row),
        audience=audience,
        private_answer=answer if audience == "operator" else None,
    )


@dataclass(frozen=True)
class Window:
    """One window's published figures (`jobsuccess.figures.window_figures`)."""

    name: str
    score: float | None
    eligible: bool
    outcomes: int
    clients: int
    success: float | None
    neutral: float | None
    negative: float | None
    total: float | None

    def to_json(self) -> dict[str, float | int | bool | None]:
        return {
            "score": self.score,
            "eligible": self.eligible,
            "outcomes": self.outcomes,
            "clients": self.clients,
            "success": self.success,
            "neutral": self.neutral,
            "negative": self.negative,
            "total": self.total,
        }


@dataclass(frozen=True)
class Evidence(Plain):
    """The evidence behind the displayed score (`jobsuccess.figures.evidence`)."""

    window: str | None
    outcomes: int
    clients: int
    method: str
    level: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Status(Plain):
    """The badges held as of the date (the policy's status rules, `jobsuccess.engine.status`)."""

    top_rated: bool
    top_rated_plus: bool
    rising_talent: bool


@dataclass(frozen=True)
class ScoreView:
    """The score JSON of one subject as of one date, as one audience may see it."""

    subject: SubjectKind
    id: str
    as_of: dt.date
    computed_on: dt.date
    policy: str
    score: int | None
    best: str | None
    reason: str | None
    windows: tuple[Window, ...]
    evidence: Evidence
    contracts: tuple[ContractLine, ...]
    status: Status
    audience: Audience

    def to_json(self) -> dict[str, Any]:
        return {
            self.subject: self.id,
            "as_of": self.as_of.isoformat(),
            "computed_on": self.computed_on.isoformat(),
            "policy": self.policy,
            "score": self.score,
            "best": self.best,
            "reason": self.reason,
            "windows": {w.name: w.to_json() for w in self.windows},
            "evidence": self.evidence.to_json(),
            "contracts": [c.to_json() for c in self.contracts],
            "status": self.status.to_json(),
            "audience": self.audience,
        }


def view(
    scores: Scores,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    audience: Audience,
    *,
    answers: Mapping[str, PrivateAnswer] | None = None,
    subject: SubjectKind = "freelancer",
) -> ScoreView:
    """The score view of one (freelancer, as_of) of an engine result (``answers``: the private
    answers the engine counted, per contract, shown to operators; `jobsuccess.explain.ledger`
    reads them from the history)."""
    one = scores.of(freelancer, as_of)
    if one.scores.is_empty():
        raise NotFound(f"no score for {subject} {freelancer!r} as of {as_of}")
    head = one.scores.row(0, named=True)
    policy = book.get(head["policy"])
    figures = window_figures(one.windows.iter_rows(named=True))
    known = answers or {}
    # Only what a line reads: a ledger row has some sixty columns, and iterating them all
    # was a third of a long history's view.
    wanted = line_fields(policy)
    ordered = one.ledger.sort("start", "id")
    rows: Iterable[Row] = ordered.select(c for c in ordered.columns if c in wanted).iter_rows(
        named=True
    )
    return ScoreView(
        subject=subject,
        id=freelancer,
        as_of=as_of,
        computed_on=head["computed_on"],
        policy=head["policy"],
        score=head["score"],
        best=head["best"],
        reason=head["reason"],
        windows=tuple(Window(name, **values) for name, values in figures.items()),
        evidence=Evidence(**evidence(head["best"], figures)),
        contracts=tuple(line(r, policy, audience, known.get(str(r["id"]))) for r in rows),
        status=Status(
            bool(head["top_rated"]), bool(head["top_rated_plus"]), bool(head["rising_talent"])
        ),
        audience=audience,
    )


def score_view(
    snapshot: Snapshot, book: PolicyBook, audience: Audience, *, subject: SubjectKind = "freelancer"
) -> ScoreView:
    """The score view of one snapshot (its private answers shown to operators)."""
    return view(
        snapshot.scores,
        book,
        snapshot.freelancer,
        snapshot.as_of,
        audience,
        answers=snapshot.answers,
        subject=subject,
    )
