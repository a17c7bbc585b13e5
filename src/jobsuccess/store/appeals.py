"""Appeals and reports, decided by people (issue 13 item 1).

A freelancer (or an operator for them) files an **appeal** on one contract's outcome, or a
**report** of that contract's feedback for a terms violation (the post-2024-09 flow). Both
follow one workflow::

    filed -> in_review -> upheld | denied
    filed | in_review -> withdrawn

* the freelancer files, follows and withdraws their own; any operator key may take a filed
  one into review; only a **reviewer** (an operator key created with ``reviewer``,
  `jobsuccess.store.keys`) decides, always with a written reason, which the freelancer sees;
* every transition, the filing included, is an `Event` in ``appeal_events`` (who: the key's
  prefix and role; when; from; to; why). Nothing here updates or deletes one, and the
  database refuses to (triggers of migration 0005);
* an upheld appeal records ``appeal_upheld`` (a report: ``report_upheld``), a denied appeal
  ``appeal_rejected``, dated on the decision day, through `jobsuccess.store.actions` (the
  path of ``POST /v1/actions/appeal-decisions``) in the same transaction as the decision: the
  engine then excludes the contract (or its feedback) from that day on, and ``explain`` shows
  the effect;
* a denied appeal is not filed again on the same contract without new evidence (a link none
  of the denied ones gave): `AppealConflict`. One appeal (and one report) per contract is
  open at a time, and a contract takes at most `MAX_PER_CONTRACT` filings;
* the queue measures each open appeal's age in business days (Monday to Friday) against a
  review time, `DEFAULT_REVIEW_DAYS` (Upwork quotes about 7 business days) or
  ``$JOBSUCCESS_APPEAL_REVIEW_DAYS``.

Nothing a freelancer sees (an appeal, a refusal) is derived from the client's private answer:
filing is not checked against the contract's outcome, only against what the freelancer's own
ledger shows (the contract, and for a report its feedback record).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, get_args

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection, Row, func, insert, select, update

from jobsuccess.errors import Forbidden, NotFound, Refused
from jobsuccess.limits import bounded, setting
from jobsuccess.store import actions, ledger
from jobsuccess.store.db import Database
from jobsuccess.store.keys import Role
from jobsuccess.store.records import Ident, Note
from jobsuccess.store.schema import appeal_events, appeals

AppealKind = Literal["appeal", "report"]
#: What went wrong, in the freelancers' own words (docs/appeals.md).
Category = Literal[
    "client_unresponsive",
    "scope_changed",
    "client_misrepresented_job",
    "abusive_client",
    "other",
]
State = Literal["filed", "in_review", "upheld", "denied", "withdrawn"]
Decision = Literal["upheld", "denied"]
STATES: Final = get_args(State)
OPEN: Final[tuple[State, ...]] = ("filed", "in_review")

#: The ledger action a decision records.
ACTION_OF: Final[dict[tuple[str, str], str]] = {
    ("appeal", "upheld"): "appeal_upheld",
    ("appeal", "denied"): "appeal_rejected",
    ("report", "upheld"): "report_upheld",
}
DEFAULT_REVIEW_DAYS: Final = 7
MAX_REVIEW_DAYS: Final = 365
REVIEW_DAYS_ENV: Final = "JOBSUCCESS_APPEAL_REVIEW_DAYS"
MAX_PER_CONTRACT: Final = 20
MAX_LINKS: Final = 20


def _written(value: str) -> str:
    if not value.strip():
        raise ValueError("must say something (not only spaces)")
    return value


#: A written text: printable, 1-4000 characters, not only spaces.
Written = Annotated[Note, StringConstraints(min_length=1), AfterValidator(_written)]
#: An evidence link: an http(s) URL without spaces or control characters.
Link = Annotated[
    str, StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")
]


class Filing(BaseModel):
    """What a freelancer files (the body of ``POST /v1/freelancers/{id}/appeals``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract: Ident
    kind: AppealKind = Field(
        default="appeal",
        description="appeal: the contract's outcome; report: its feedback, for a terms "
        "violation (ends in report_upheld)",
    )
    category: Category
    text: Written = Field(description="the freelancer's account")
    evidence: list[Link] = Field(
        default_factory=list, max_length=MAX_LINKS, description="links (http or https)"
    )


class Ruling(BaseModel):
    """A reviewer's decision (the body of ``POST /v1/appeals/{id}/decision``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Decision
    reason: Written = Field(description="required; shown to the freelancer")


@dataclass(frozen=True)
class Actor:
    """Who acts: an API key's prefix, role, freelancer and reviewer flag."""

    who: str
    role: Role
    freelancer: str | None = None
    reviewer: bool = False

    @property
    def title(self) -> str:
        """The role the audit records: freelancer, operator or reviewer."""
        return "reviewer" if self.reviewer and self.role == "operator" else self.role


class AppealNotFound(NotFound):
    """No such appeal (or not one this freelancer may see)."""


class AppealForbidden(Forbidden):
    """The actor's role may not do this."""


class AppealConflict(Refused):
    """The appeal's state (or the contract's earlier appeals) refuses this."""


class AppealFields(BaseModel):
    """What an appeal shows the freelancer and the operators as it stands (the API's
    `AppealView` derives from it: the shape is declared once, here)."""

    model_config = ConfigDict(frozen=True)

    id: str
    freelancer: str
    contract: str
    kind: AppealKind
    category: Category
    text: str
    evidence: tuple[str, ...]
    state: State
    filed_at: dt.datetime
    updated_at: dt.datetime


class Appeal(AppealFields):
    """A stored appeal: its fields and the decision's (day, reason, ledger action)."""

    decided_on: dt.date | None
    reason: str | None
    action: str | None

    @property
    def open(self) -> bool:
        return self.state in OPEN


@dataclass(frozen=True)
class Event:
    seq: int
    appeal: str
    at: dt.datetime
    who: str
    role: str
    from_state: State | None
    to_state: State
    why: str | None


@dataclass(frozen=True)
class Aged:
    """An appeal in the queue, with its age against the review time."""

    appeal: Appeal
    age_days: int
    business_days: int
    due_on: dt.date
    overdue: bool


def review_days(value: int | None = None) -> int:
    """The review time in business days: ``value``, else ``$JOBSUCCESS_APPEAL_REVIEW_DAYS``,
    else `DEFAULT_REVIEW_DAYS`."""
    unit = "business days"
    if value is None:
        return setting(REVIEW_DAYS_ENV, DEFAULT_REVIEW_DAYS, unit=unit, high=MAX_REVIEW_DAYS)
    return bounded(value, unit=unit, field="review days", high=MAX_REVIEW_DAYS)


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _appeal(row: Row[Any]) -> Appeal:
    """A row of ``appeals`` (its columns are the record's field names; evidence is JSON)."""
    return Appeal.model_validate({**row._mapping, "evidence": json.loads(row.evidence)})


def _own(actor: Actor, freelancer: str) -> None:
    """The freelancer themself or an operator; anyone else is refused."""
    if actor.role == "operator":
        return
    if actor.role == "freelancer" and actor.freelancer == freelancer:
        return
    if actor.role == "freelancer":
        raise AppealForbidden("a freelancer key reads only its own freelancer's data")
    raise AppealForbidden(f"a {actor.role} key may not file or read appeals")


def _operator(actor: Actor) -> None:
    if actor.role != "operator":
        raise AppealForbidden("this needs an operator key")


def _log(
    conn: Connection,
    appeal: str,
    actor: Actor,
    at: dt.datetime,
    before: State | None,
    after: State,
    why: str | None,
) -> None:
    conn.execute(
        insert(appeal_events).values(
            appeal=appeal,
            at=at,
            who=actor.who,
            role=actor.title,
            from_state=before,
            to_state=after,
            why=why,
        )
    )


def _on_contract(conn: Connection, freelancer: str, contract: str) -> list[Appeal]:
    query = (
        select(appeals)
        .where(appeals.c.freelancer == freelancer, appeals.c.contract == contract)
        .order_by(appeals.c.filed_at, appeals.c.id)
    )
    return [_appeal(r) for r in conn.execute(query)]


def file(
    db: Database,
    actor: Actor,
    freelancer: str,
    filing: Filing,
    *,
    now: dt.datetime | None = None,
) -> Appeal:
    """File an appeal or a report on one of ``freelancer``'s contracts (the freelancer's own
    key, or an operator)."""
    _own(actor, freelancer)
    at = _now(now)
    if not ledger.exists(db, freelancer=freelancer, contract=filing.contract):
        raise AppealNotFound(
            f"no contract {filing.contract!r} of freelancer {freelancer!r} in the ledger"
        )
    if filing.kind == "report" and not ledger.exists(
        db, freelancer=freelancer, contract=filing.contract, kinds=("feedback",)
    ):
        raise AppealConflict(
            f"no feedback recorded on contract {filing.contract!r}: a report is about feedback"
        )
    links = list(dict.fromkeys(filing.evidence))
    with db.write() as conn:
        if db.dialect == "postgresql":  # one filing per contract at a time: the rules below
            conn.execute(
                select(
                    func.pg_advisory_xact_lock(func.hashtext(f"{freelancer}\x1f{filing.contract}"))
                )
            )
        earlier = [
            a for a in _on_contract(conn, freelancer, filing.contract) if a.kind == filing.kind
        ]
        _may_file(filing, links, earlier)
        appeal_id = "ap-" + secrets.token_hex(8)
        conn.execute(
            insert(appeals).values(
                id=appeal_id,
                freelancer=freelancer,
                contract=filing.contract,
                kind=filing.kind,
                category=filing.category,
                text=filing.text,
                evidence=json.dumps(links),
                state="filed",
                filed_at=at,
                updated_at=at,
            )
        )
        _log(conn, appeal_id, actor, at, None, "filed", None)
        row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).one()
    return _appeal(row)


def _may_file(filing: Filing, links: Sequence[str], earlier: Sequence[Appeal]) -> None:
    """The rules on the contract's earlier filings of the same kind (refusals name the rule,
    never anything private)."""
    what = filing.kind
    for a in earlier:
        if a.open:
            raise AppealConflict(
                f"{what} {a.id} on contract {filing.contract!r} is still {a.state}: follow it "
                "or withdraw it first"
            )
        if a.state == "upheld":
            raise AppealConflict(f"{what} {a.id} on contract {filing.contract!r} was upheld")
    if len(earlier) >= MAX_PER_CONTRACT:
        raise AppealConflict(
            f"contract {filing.contract!r} has had {len(earlier)} {what}s, the most it takes"
        )
    denied = [a for a in earlier if a.state == "denied"]
    if denied:
        seen = {link for a in denied for link in a.evidence}
        if not set(links) - seen:
            raise AppealConflict(
                f"{what} {denied[-1].id} on contract {filing.contract!r} was denied: file again "
                "only with new evidence (a link none of the denied ones gave)"
            )


def get(db: Database, actor: Actor, appeal_id: str) -> Appeal:
    """One appeal: to an operator, or to the freelancer it is about (to anyone else it does
    not exist: an id tells nothing about another freelancer)."""
    with db.read() as conn:
        row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
    if row is None or (actor.role != "operator" and actor.freelancer != row.freelancer):
        raise AppealNotFound(f"no appeal {appeal_id!r}")
    return _appeal(row)


def of_freelancer(db: Database, actor: Actor, freelancer: str, *, limit: int = 500) -> list[Appeal]:
    """A freelancer's appeals and reports, newest first."""
    _own(actor, freelancer)
    query = (
        select(appeals)
        .where(appeals.c.freelancer == freelancer)
        .order_by(appeals.c.filed_at.desc(), appeals.c.id.desc())
        .limit(limit)
    )
    with db.read() as conn:
        return [_appeal(r) for r in conn.execute(query)]


def due_on(filed: dt.date, days: int) -> dt.date:
    """The last day of the review time: ``days`` business days after the filing day (a
    filing on a weekend counts from the Monday after)."""
    day: dt.date = np.busday_offset(filed, days, roll="forward").astype(dt.date)
    return day


def aged(appeal: Appeal, as_of: dt.date, days: int) -> Aged:
    filed = appeal.filed_at.date()
    due = due_on(filed, days)
    return Aged(
        appeal,
        age_days=max((as_of - filed).days, 0),
        business_days=max(int(np.busday_count(filed, as_of)), 0),
        due_on=due,
        overdue=appeal.open and as_of > due,
    )


def _last_overdue_filing(as_of: dt.date, days: int) -> dt.date:
    """The latest filing day whose review time has passed on ``as_of`` (`due_on` grows with
    the filing day, so every earlier filing is overdue too)."""
    day = as_of
    while due_on(day, days) >= as_of:
        day -= dt.timedelta(days=1)
    return day


def queue(
    db: Database,
    actor: Actor,
    *,
    as_of: dt.date,
    days: int,
    states: Sequence[State] = OPEN,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Aged]:
    """The operators' queue: appeals in ``states`` (default the open ones), oldest first, each
    with its age; ``overdue`` keeps only the overdue (True) or the not overdue (False) ones."""
    _operator(actor)
    query = select(appeals).where(appeals.c.state.in_(list(states)))
    if overdue is not None:
        last = _last_overdue_filing(as_of, days) + dt.timedelta(days=1)
        cut = dt.datetime.combine(last, dt.time(), dt.UTC)
        in_time = appeals.c.filed_at >= cut
        query = query.where(appeals.c.state.in_(OPEN), ~in_time if overdue else in_time)
    query = query.order_by(appeals.c.filed_at, appeals.c.id).offset(offset).limit(limit)
    with db.read() as conn:
        return [aged(_appeal(r), as_of, days) for r in conn.execute(query)]


def _transition(
    conn: Connection,
    appeal: Appeal,
    actor: Actor,
    allowed: Sequence[State],
    after: State,
    why: str | None,
    at: dt.datetime,
    **values: Any,
) -> None:
    """Move ``appeal`` from one of ``allowed`` to ``after`` (compare and set: of two people
    acting at once, one wins and the other is refused), and log it."""
    _allowed(appeal, allowed, after)
    moved = conn.execute(
        update(appeals)
        .where(appeals.c.id == appeal.id, appeals.c.state == appeal.state)
        .values(state=after, updated_at=at, **values)
    ).rowcount
    if moved != 1:
        raise AppealConflict(f"appeal {appeal.id} changed meanwhile; read it again")
    _log(conn, appeal.id, actor, at, appeal.state, after, why)


def _allowed(appeal: Appeal, allowed: Sequence[State], after: State) -> None:
    if appeal.state not in allowed:
        raise AppealConflict(
            f"appeal {appeal.id} is {appeal.state}: it cannot become {after} (only from "
            f"{' or '.join(allowed)})"
        )


def _current(conn: Connection, actor: Actor, appeal_id: str) -> Appeal:
    row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
    if row is None or (actor.role != "operator" and actor.freelancer != row.freelancer):
        raise AppealNotFound(f"no appeal {appeal_id!r}")
    return _appeal(row)


def review(
    db: Database,
    actor: Actor,
    appeal_id: str,
    why: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Appeal:
    """Take a filed appeal into review (any operator)."""
    _operator(actor)
    return _move(db, actor, appeal_id, ("filed",), "in_review", why, now)


def decide(
    db: Database,
    actor: Actor,
    appeal_id: str,
    ruling: Ruling,
    *,
    now: dt.datetime | None = None,
) -> Appeal:
    """Decide an appeal in review (a reviewer only), with the written reason; the decision's
    ledger action (`ACTION_OF`) is recorded in the same transaction, dated on the decision
    day, with the reason as its public note."""
    _operator(actor)
    if not actor.reviewer:
        raise AppealForbidden("deciding an appeal needs a reviewer key (keys create --reviewer)")
    at = _now(now)
    day = at.date()
    db.id_secret  # noqa: B018 - read before the write transaction (it may write itself)
    with db.write() as conn:
        appeal = _current(conn, actor, appeal_id)
        _allowed(appeal, ("in_review",), ruling.decision)
        kind = ACTION_OF.get((appeal.kind, ruling.decision))
        action = None
        if kind is not None:
            action = actions.record_action(
                db,
                None,
                note_public=True,
                conn=conn,
                type=kind,
                freelancer=appeal.freelancer,
                contract=appeal.contract,
                date=day,
                note=ruling.reason,
            ).id
        _transition(
            conn,
            appeal,
            actor,
            ("in_review",),
            ruling.decision,
            ruling.reason,
            at,
            decided_on=day,
            reason=ruling.reason,
            action=action,
        )
    return get(db, actor, appeal_id)


def withdraw(
    db: Database,
    actor: Actor,
    appeal_id: str,
    why: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> Appeal:
    """Withdraw an open appeal (the freelancer it is about, or an operator)."""
    if actor.role not in ("freelancer", "operator"):
        raise AppealForbidden(f"a {actor.role} key may not withdraw appeals")
    return _move(db, actor, appeal_id, OPEN, "withdrawn", why, now)


def _move(
    db: Database,
    actor: Actor,
    appeal_id: str,
    allowed: Sequence[State],
    after: State,
    why: str | None,
    now: dt.datetime | None,
) -> Appeal:
    """One step with nothing but a note (review, withdraw), in its own transaction; the
    appeal as it stands after."""
    at = _now(now)
    with db.write() as conn:
        _transition(conn, _current(conn, actor, appeal_id), actor, allowed, after, why, at)
    return get(db, actor, appeal_id)


def audit(db: Database, actor: Actor, appeal_id: str) -> list[Event]:
    """Every transition of an appeal, in order (operators)."""
    _operator(actor)
    get(db, actor, appeal_id)
    query = (
        select(appeal_events)
        .where(appeal_events.c.appeal == appeal_id)
        .order_by(appeal_events.c.seq)
    )
    with db.read() as conn:
        return [
            Event(r.seq, r.appeal, r.at, r.who, r.role, r.from_state, r.to_state, r.why)
            for r in conn.execute(query)
        ]
