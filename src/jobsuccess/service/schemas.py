"""Request and response bodies of the API (they make its OpenAPI document).

Scores come in three audiences, told apart by the ``audience`` field:

* ``public`` (client keys, and anyone's choice): the score, the badges and the evidence behind
  the score (outcomes and distinct clients in the longest window);
* ``freelancer`` (the freelancer's own key): plus the policy, the best window, the reason when
  there is no score, and each window's score, eligibility and evidence;
* ``operator``: plus each window's weighted success / neutral / negative / total.

Private feedback (the 0-10 answer, the end reason) appears only in operator answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jobsuccess.store import Database, appeals
from jobsuccess.store.appeals import State
from jobsuccess.store.keys import Role
from jobsuccess.store.records import Day, Ident, Note, Record


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Out):
    """Every refusal: a message, never the data asked for."""

    detail: str | list[Any] | dict[str, Any]


# --- ingest ----------------------------------------------------------------------------------


class RecordBatch(_In):
    """Records stored all together or not at all (one transaction)."""

    records: list[Record] = Field(min_length=1, max_length=1000)


class IngestResult(_Out):
    received: int
    inserted: int
    duplicates: int = Field(description="records already stored with the same content (no-ops)")


# --- scores ----------------------------------------------------------------------------------


class Badges(_Out):
    top_rated: bool
    top_rated_plus: bool
    rising_talent: bool


class Evidence(_Out):
    """The evidence behind a score (`jobsuccess.figures.evidence`, the CLI's score JSON key
    ``evidence``): from the displayed window's own published figures, nothing private."""

    window: str | None = Field(description="the displayed window, or the longest without a score")
    outcomes: int = Field(description="counted outcomes in that window")
    clients: int = Field(description="distinct clients in that window")
    method: Literal["wilson"] = Field(
        description="a Wilson score interval on the window's score read as a proportion of "
        "its outcomes"
    )
    level: float = Field(description="the interval's confidence level")
    low: float | None = Field(description="lower bound, percent; null without a score")
    high: float | None = Field(description="upper bound, percent; null without a score")


# A freelancer's and an agency's score views share the audience and its figures, declared
# once: each view is (figures, subject, audience), as pydantic takes a model's fields from its
# last base first, so the answers read ``audience``, the subject, then the figures.


class _Public(_Out):
    audience: Literal["public"] = "public"


class _Operator(_Out):
    audience: Literal["operator"] = "operator"


class _OfFreelancer(_Out):
    freelancer: str


class _OfAgency(_Out):
    agency: str


class _PublicFigures(_Out):
    computed_on: dt.date
    score: int | None = Field(description="whole percent; null = not enough evidence for a score")
    badges: Badges
    outcomes: int = Field(description="counted outcomes in the longest window (evidence)")
    clients: int = Field(description="distinct clients in the longest window (evidence)")
    evidence: Evidence


class PublicScore(_PublicFigures, _OfFreelancer, _Public):
    pass


class WindowView(_Out):
    window: str
    score: float | None
    eligible: bool
    outcomes: int
    clients: int


class OperatorWindowView(WindowView):
    success: float
    neutral: float
    negative: float
    total: float


class FreelancerScore(_Out):
    audience: Literal["freelancer"] = "freelancer"
    freelancer: str
    computed_on: dt.date
    policy: str
    score: int | None
    best: str | None = Field(description="the window (or trending) the displayed score comes from")
    reason: str | None = Field(description="why there is no score")
    badges: Badges
    outcomes: int
    clients: int
    windows: list[WindowView]
    evidence: Evidence


class _OperatorFigures(_Out):
    computed_on: dt.date
    policy: str
    score: int | None
    best: str | None
    best_score: float | None
    reason: str | None
    badges: Badges
    outcomes: int
    clients: int
    windows: list[OperatorWindowView]
    evidence: Evidence


class OperatorScore(_OperatorFigures, _OfFreelancer, _Operator):
    pass


ScoreView = Annotated[
    PublicScore | FreelancerScore | OperatorScore, Field(discriminator="audience")
]
AudienceName = Literal["public", "freelancer", "operator"]


class HistoryPoint(_Out):
    computed_on: dt.date
    policy: str
    score: int | None
    best: str | None
    badges: Badges
    outcomes: int
    clients: int


class ScoreHistory(_Out):
    freelancer: str
    scores: list[HistoryPoint] = Field(description="stored snapshots, oldest first")


class SearchResult(_Out):
    computed_on: dt.date | None = Field(description="the computation searched (newest finished)")
    min_score: int
    limit: int
    offset: int
    results: list[PublicScore]


# --- ledger ----------------------------------------------------------------------------------


class LedgerEntry(_Out):
    n: int = Field(
        description="position among this freelancer's records, from 1; pass the last one as "
        "?after= for more"
    )
    seq: int | None = Field(
        description="position in the whole log (operators only: null for the freelancer, to "
        "whom it would tell how many records others received)"
    )
    record: dict[str, Any]


class Ledger(_Out):
    freelancer: str
    audience: Literal["freelancer", "operator"]
    entries: list[LedgerEntry]
    next_after: int | None = Field(description="cursor for the next page; null = no more")


# --- explanations ----------------------------------------------------------------------------


class Explanation(_Out):
    freelancer: str
    as_of: dt.date
    audience: Literal["freelancer", "operator"]
    body: dict[str, Any]


# --- operator actions ------------------------------------------------------------------------


class _Action(_In):
    id: Ident | None = Field(default=None, description="default: derived from the content")
    date: Day | None = Field(default=None, description="default: today")
    note: Note | None = Field(default=None, description="operators only unless note_public")
    note_public: bool = Field(
        default=False, description="show the note to the freelancer (and only then)"
    )


class ClientFlag(_Action):
    """Flag a client (fraud, unreasonable feedback): their feedback stops counting."""

    client: Ident
    freelancer: Ident | None = Field(default=None, description="empty = marketplace-wide")


class FeedbackRemoval(_Action):
    freelancer: Ident
    contract: Ident
    via: Literal["report", "perk"] = Field(
        default="report",
        description="report: removed after a report for a terms violation (any era); perk: "
        "the Top Rated removal perk, applied only when the perk allows it (2016 to 2024-09-02)",
    )


class AppealDecision(_In):
    """A human decision on a freelancer's appeal about one contract, with its reason."""

    id: Ident | None = None
    date: Day | None = None
    freelancer: Ident
    contract: Ident
    decision: Literal["upheld", "rejected"]
    note: Annotated[Note, Field(min_length=1, description="the reason, recorded")]
    note_public: bool = Field(
        default=False, description="show the reason to the freelancer (and only then)"
    )


class ActionResult(_Out):
    id: str
    inserted: bool = Field(description="false when the same action was already recorded")


class RaterConfirmation(_In):
    """Confirm a `jobsuccess raters` proposal: it is recomputed from the store on ``as_of``."""

    as_of: Day | None = Field(default=None, description="the proposal's date, and the flag's")
    min_freelancers: int = Field(
        default=5, ge=2, le=10_000, description="as jobsuccess raters --min-freelancers"
    )


class RaterConfirmed(_Out):
    id: str = Field(description="the client_flagged record")
    inserted: bool
    client: str
    date: dt.date
    proposal: dict[str, Any] = Field(
        description="the proposal confirmed, with its evidence (the rows of jobsuccess raters "
        "--json; operators only: it reads private answers)"
    )


# --- keys and snapshots ----------------------------------------------------------------------


class KeyRequest(_In):
    role: Role
    freelancer: Ident | None = None
    label: Note | None = None
    reviewer: bool = Field(
        default=False, description="an operator key that may also decide appeals"
    )


class KeyView(_Out):
    prefix: str
    role: Role
    reviewer: bool = Field(description="may decide appeals (operator keys only)")
    freelancer: str | None
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class NewKey(KeyView):
    key: str = Field(description="shown once; only its hash is stored")


class Computation(_Out):
    computed_on: dt.date
    policy: str
    status: str
    freelancers: int
    started_at: dt.datetime
    finished_at: dt.datetime | None


# --- agencies --------------------------------------------------------------------------------
# An agency's score has a freelancer's shape with ``agency`` in place of ``freelancer`` (the
# same bases above; tests hold the two in step). Agencies are read by operators and clients:
# the public and operator views only.

AgencyAudience = Literal["public", "operator"]


class AgencyPublicScore(_PublicFigures, _OfAgency, _Public):
    pass


class AgencyOperatorScore(_OperatorFigures, _OfAgency, _Operator):
    pass


AgencyScoreView = Annotated[
    AgencyPublicScore | AgencyOperatorScore, Field(discriminator="audience")
]


class PublicHistoryPoint(_Out):
    """A stored score as the public may see it (a client's view of an agency's history)."""

    computed_on: dt.date
    score: int | None
    badges: Badges
    outcomes: int
    clients: int


class AgencyHistory(_Out):
    agency: str
    audience: AgencyAudience
    scores: list[HistoryPoint | PublicHistoryPoint] = Field(
        description="stored snapshots, oldest first (public: without policy and best window)"
    )


# --- appeals ---------------------------------------------------------------------------------
# The bodies in (`jobsuccess.store.appeals.Filing`, `Ruling`) are the store's own models; the
# answers below are what the web app builds on (docs/appeals.md).


class AppealDecisionView(_Out):
    decision: Literal["upheld", "denied"]
    on: dt.date = Field(description="the decision day: an upheld appeal counts from it")
    reason: str = Field(description="the reviewer's written reason")
    action: str | None = Field(
        description="the ledger record the decision made (appeal_upheld, report_upheld, "
        "appeal_rejected); null for a denied report"
    )


class AppealView(_Out, appeals.AppealFields):
    """An appeal or report as the freelancer and the operators see it (the same shape)."""

    # the store's fields (`appeals.AppealFields`, declared once there), the decision in a block
    decision: AppealDecisionView | None = Field(description="null until decided")


class AppealList(_Out):
    freelancer: str
    appeals: list[AppealView] = Field(description="newest first")


class QueuedAppeal(AppealView):
    age_days: int = Field(description="calendar days since filing")
    business_days: int = Field(description="business days (Monday to Friday) since filing")
    due_on: dt.date = Field(description="the review time's last day")
    overdue: bool = Field(description="open after its due day")


class AppealQueue(_Out):
    as_of: dt.date
    review_days: int = Field(description="the review time, in business days")
    states: list[State]
    overdue: bool | None
    limit: int
    offset: int
    appeals: list[QueuedAppeal] = Field(description="oldest first")


class Transition(_In):
    """The body of review and withdraw: an optional note for the audit."""

    why: Note | None = Field(default=None, description="recorded in the audit (operators read it)")


class AuditEvent(_Out):
    seq: int
    at: dt.datetime
    who: str = Field(description="the acting key's prefix")
    role: str = Field(description="freelancer, operator or reviewer")
    from_state: State | None = Field(description="null: the filing")
    to_state: State
    why: str | None


class AppealAudit(_Out):
    appeal: str
    events: list[AuditEvent] = Field(description="every transition, in order; append-only")


def _appeal_fields(appeal: appeals.Appeal) -> dict[str, Any]:
    decision = None
    if appeal.state in ("upheld", "denied"):
        assert appeal.decided_on is not None and appeal.reason is not None
        decision = AppealDecisionView(
            decision=appeal.state, on=appeal.decided_on, reason=appeal.reason, action=appeal.action
        )
    same = {name: getattr(appeal, name) for name in appeals.AppealFields.model_fields}
    return {**same, "decision": decision}


def appeal_view(appeal: appeals.Appeal) -> AppealView:
    """An appeal's JSON (the API's answers and ``jobsuccess appeals ... --json``)."""
    return AppealView(**_appeal_fields(appeal))


def queued_view(queued: appeals.Aged) -> QueuedAppeal:
    return QueuedAppeal(
        **_appeal_fields(queued.appeal),
        age_days=queued.age_days,
        business_days=queued.business_days,
        due_on=queued.due_on,
        overdue=queued.overdue,
    )


def queue_view(
    db: Database,
    actor: appeals.Actor,
    *,
    as_of: dt.date,
    days: int,
    states: tuple[State, ...],
    overdue: bool | None,
    limit: int,
    offset: int,
) -> AppealQueue:
    """The review queue with the question it answers (``GET /v1/appeals`` and ``jobsuccess
    appeals queue``, its table and ``--json``)."""
    found = appeals.queue(
        db,
        actor,
        as_of=as_of,
        days=days,
        states=states,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return AppealQueue(
        as_of=as_of,
        review_days=days,
        states=list(states),
        overdue=overdue,
        limit=limit,
        offset=offset,
        appeals=[queued_view(q) for q in found],
    )


def audit_view(appeal: str, events: list[appeals.Event]) -> AppealAudit:
    return AppealAudit(
        appeal=appeal,
        events=[AuditEvent.model_validate(e, from_attributes=True) for e in events],
    )
