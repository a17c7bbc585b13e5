"""``jobsuccess whatif``: the score before and after hypothetical events, and why it differs.

The events become records of a copy of the history (`apply`); the engine scores both, and
the difference is attributed like any change (`jobsuccess.explain.change.between`).

For a freelancer, a scenario may only add what the freelancer could learn or cause:

- hypothetical feedback carries public stars only: a 0-10 answer or an end reason is dropped
  (with a note). Such feedback has no private answer, so it is never pooled: it counts
  unpooled, on its stars, and never joins a batch with real held feedback;
- feedback that exists is never replaced, and payments never touch a contract whose feedback
  holds a private answer (a payment can re-decide the $0 rules, which read it);
- events that change someone else's decision (remove feedback, flag a client, an appeal, a
  policy change) are refused: an operator runs those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from jobsuccess.engine.privacy import is_member
from jobsuccess.errors import InputError
from jobsuccess.explain.attribution import Attribution, Change
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.change import between
from jobsuccess.explain.ledger import Snapshot, snapshots
from jobsuccess.explain.scenario import (
    OPERATOR_ONLY,
    AddContract,
    AddFeedback,
    AddPayment,
    Appeal,
    ChangePolicy,
    EndContract,
    Event,
    Feedback,
    FlagClient,
    RemoveFeedback,
    Scenario,
)
from jobsuccess.explain.view import ScoreView, score_view
from jobsuccess.model import SCHEMAS, History
from jobsuccess.policy import Policy, PolicyBook

PUBLIC_ONLY = (
    "{what}: hypothetical feedback counts on its public stars alone, never on the contract's "
    "private end reason"
)
DROPPED = (
    "{what}: the private answer ({fields}) was left out: a freelancer's scenario holds "
    "public feedback only, which counts on its stars and is never pooled"
)


@dataclass
class _Edit:
    """A history being edited event by event, one freelancer's."""

    freelancer: str
    tables: dict[str, list[dict[str, Any]]]
    book: PolicyBook
    named: tuple[Policy, ...]
    """The policies a ``policy`` event may name (the book's first)."""
    members: frozenset[str]
    """Contracts whose counted feedback holds a private answer (the engine's batch members,
    `jobsuccess.engine.privacy.is_member`, as of the as-of date)."""
    audience: Audience
    as_of: dt.date
    notes: list[str]

    def contract(self, cid: str, record: str) -> dict[str, Any]:
        for row in self.tables["contracts"]:
            if row["id"] == cid:
                return row
        raise InputError(f"no contract {cid!r} in the history", record=record, field="contract")

    def feedback_of(self, cid: str) -> dict[str, Any] | None:
        return next((f for f in self.tables["feedback"] if f["contract"] == cid), None)


def apply(
    history: History,
    freelancer: str,
    scenario: Scenario,
    as_of: dt.date,
    book: PolicyBook,
    audience: Audience,
    policies: Sequence[Policy] = (),
    before: Snapshot | None = None,
) -> tuple[History, PolicyBook, list[str]]:
    """The history (and policy book) after the scenario's events, with notes for the reader
    (``policies``: those a ``policy`` event may name besides the book's; ``before``: the
    engine's snapshot of ``history`` as of ``as_of``, computed when not given)."""
    one = history.only([freelancer])
    if before is None:
        (before,) = snapshots(history, book, freelancer, [as_of])
    members = frozenset(before.rows.filter(is_member()).get_column("id").to_list())
    if audience == "freelancer":
        one = _own_flags_only(one)
    edit = _Edit(
        freelancer,
        {name: frame.to_dicts() for name, frame in one.frames()},
        book,
        (*book.policies, *policies),
        members,
        audience,
        as_of,
        [],
    )
    try:
        for i, event in enumerate(scenario.events):
            record = f"event #{i + 1}"
            if audience == "freelancer" and event.type in OPERATOR_ONLY:
                raise InputError(
                    f"{event.type!r} changes someone else's decision, which could reveal a "
                    "client's private answer: only an operator can run it (--audience operator)",
                    record=record,
                    field="type",
                )
            _not_after(event, as_of, record)
            _apply(edit, event, record)
    except InputError as exc:
        raise exc.in_file(scenario.source) from None
    frames = {
        name: pl.DataFrame(rows, schema=SCHEMAS[name], orient="row")
        for name, rows in edit.tables.items()
        if rows
    }
    return History.from_frames(**frames).with_market(_market(one, audience)), edit.book, edit.notes


def _market(one: History, audience: Audience) -> pl.DataFrame | None:
    """The marketplace's client activity the edited history is scored with: for a freelancer,
    only that of the clients they worked with (as `_own_flags_only`: a hypothetical contract
    with any client id must not tell whether that client is active elsewhere)."""
    if one.market is None or audience != "freelancer":
        return one.market
    own = one.contracts.get_column("client").unique().implode()
    return one.market.filter(pl.col("client").is_in(own))


def _own_flags_only(one: History) -> History:
    """Marketplace-wide flags of clients this freelancer never worked with are left out of a
    freelancer's what-if: a hypothetical contract with any client id must not tell whether
    that client is flagged (issue 8). Flags on the freelancer's own clients apply as always."""
    mine = one.contracts.get_column("client").unique().implode()
    keep = pl.col("freelancer").is_not_null() | pl.col("client").is_in(mine)
    return one.with_frame("actions", one.actions.filter(keep | pl.col("client").is_null()))


def _not_after(event: Event, as_of: dt.date, record: str) -> None:
    """Refuse an event dated after the as-of date: the score as of then could not see it, so
    it would show as +0.00 with no reason given."""
    dates: list[tuple[str, dt.date | None]] = [("date", getattr(event, "date", None))]
    if isinstance(event, AddContract):
        dates += [("start", event.start), ("end", event.end)]
        dates += [(f"payments.{i}.date", p.date) for i, p in enumerate(event.payments)]
    feedback = getattr(event, "feedback", None)
    if isinstance(feedback, Feedback):
        dates.append(("feedback.date", feedback.date))
    for field, day in dates:
        if day is not None and day > as_of:
            raise InputError(
                f"dated {day}, after the as-of date {as_of}: it could not change the score as "
                "of then (score a later date with --as-of)",
                record=record,
                field=field,
            )


def _apply(edit: _Edit, event: Event, record: str) -> None:
    day = getattr(event, "date", None) or edit.as_of
    if isinstance(event, EndContract):
        _end(edit, event, day, record)
    elif isinstance(event, AddContract):
        _add(edit, event, record)
    elif isinstance(event, AddPayment):
        edit.contract(event.contract, record)
        if edit.audience == "freelancer" and event.contract in edit.members:
            raise InputError(
                "a payment on a contract whose feedback holds a private answer could re-decide "
                "a rule that reads it: only an operator can run it",
                record=record,
                field="contract",
            )
        _pay(edit, event.contract, day, event.amount)
    elif isinstance(event, AddFeedback):
        contract = edit.contract(event.contract, record)
        if contract["end"] is None or contract["end"] > day:
            raise InputError(
                "feedback needs an ended contract (end it first)", record=record, field="contract"
            )
        fb = Feedback(date=day, stars=event.stars, recommend=event.recommend)
        if edit.audience == "freelancer":
            # Feedback would let the contract's recorded end reason (private) count: the
            # hypothetical counts on its public stars alone, said the same way whether or not
            # an end reason exists (issue 8: a what-if must neither read nor reveal it).
            contract["end_reason"] = None
            edit.notes.append(PUBLIC_ONLY.format(what=f"{record} ({event.contract})"))
        _give_feedback(edit, event.contract, fb, contract["end"], record)
    elif isinstance(event, RemoveFeedback | Appeal):
        edit.contract(event.contract, record)
        kind = "feedback_removed" if isinstance(event, RemoveFeedback) else "appeal_upheld"
        _act(edit, kind, day, contract=event.contract, note=event.note)
    elif isinstance(event, FlagClient):
        _act(edit, "client_flagged", day, client=event.client, note=event.note)
    elif isinstance(event, ChangePolicy):
        edit.book = PolicyBook.single(_named_policy(event.policy, edit.named, record))


def _named_policy(name: str, candidates: Sequence[Policy], record: str) -> Policy:
    """A policy by name, of those the caller offers (the book's, then e.g. the shipped ones).
    Never a file: a scenario may come from the API, and reading a path would expose the
    server's files (or whether they exist)."""
    for policy in candidates:
        if policy.name == name:
            return policy
    known = ", ".join(dict.fromkeys(p.name for p in candidates))
    raise InputError(
        f"no policy named {name!r} in the book; known: {known}", record=record, field="policy"
    )


def _end(edit: _Edit, event: EndContract, day: dt.date, record: str) -> None:
    contract = edit.contract(event.contract, record)
    if contract["end"] is not None and contract["end"] <= day:
        raise InputError(
            f"contract {event.contract!r} already ended on {contract['end']}",
            record=record,
            field="contract",
        )
    if day < contract["start"]:
        raise InputError("the end is before the contract's start", record=record, field="date")
    existing = edit.feedback_of(event.contract)
    if edit.audience == "freelancer" and existing is not None and existing["date"] >= day:
        raise InputError(
            "this contract holds feedback dated on or after that end, which would then count "
            "with its private answer: only an operator can run it",
            record=record,
            field="date",
        )
    reason = event.end_reason
    if reason is not None and edit.audience == "freelancer":
        edit.notes.append(DROPPED.format(what=f"{record} ({event.contract})", fields="end reason"))
        reason = None
    contract.update(end=day, ended_by=event.ended_by, end_reason=reason)
    if event.feedback is not None:
        _give_feedback(edit, event.contract, event.feedback, day, record)


def _add(edit: _Edit, event: AddContract, record: str) -> None:
    if any(row["id"] == event.id for row in edit.tables["contracts"]):
        raise InputError(f"contract {event.id!r} exists already", record=record, field="id")
    start = event.start or edit.as_of
    if event.end is not None and event.end < start:
        raise InputError("the end is before the start", record=record, field="end")
    reason = event.end_reason
    if reason is not None and edit.audience == "freelancer":
        edit.notes.append(DROPPED.format(what=f"{record} ({event.id})", fields="end reason"))
        reason = None
    edit.tables["contracts"].append(
        {
            "freelancer": edit.freelancer,
            "id": event.id,
            "client": event.client,
            "type": event.contract_type,
            "start": start,
            "end": event.end,
            "ended_by": event.ended_by if event.end is not None else None,
            "end_reason": reason if event.end is not None else None,
        }
    )
    for payment in event.payments:
        _pay(edit, event.id, payment.date or start, payment.amount)
    if event.feedback is not None:
        if event.end is None:
            raise InputError("feedback needs an end", record=record, field="feedback")
        _give_feedback(edit, event.id, event.feedback, event.end, record)


def _pay(edit: _Edit, cid: str, day: dt.date, amount: float) -> None:
    edit.tables["payments"].append(
        {"freelancer": edit.freelancer, "contract": cid, "date": day, "amount": amount}
    )


def _give_feedback(edit: _Edit, cid: str, fb: Feedback, end: dt.date, record: str) -> None:
    if edit.feedback_of(cid) is not None:
        if edit.audience == "freelancer":
            raise InputError(
                f"contract {cid!r} has feedback already; replacing it would take a client's "
                "answers out of the score: only an operator can run it",
                record=record,
                field="feedback",
            )
        edit.tables["feedback"] = [f for f in edit.tables["feedback"] if f["contract"] != cid]
    recommend = fb.recommend
    if recommend is not None and edit.audience == "freelancer":
        edit.notes.append(DROPPED.format(what=f"{record} ({cid})", fields="0-10 answer"))
        recommend = None
    day = fb.date or end
    if day < end:
        raise InputError(
            "end-of-contract feedback is dated on or after the end",
            record=record,
            field="feedback.date",
        )
    edit.tables["feedback"].append(
        {
            "freelancer": edit.freelancer,
            "contract": cid,
            "date": day,
            "stars": fb.stars,
            "recommend": recommend,
        }
    )


def _act(
    edit: _Edit,
    kind: str,
    day: dt.date,
    *,
    contract: str | None = None,
    client: str | None = None,
    note: str | None = None,
) -> None:
    edit.tables["actions"].append(
        {
            "freelancer": edit.freelancer,
            "type": kind,
            "date": day,
            "contract": contract,
            "client": client,
            "note": note or "what-if",
        }
    )


@dataclass(frozen=True)
class WhatIf:
    """The score before and after a scenario, and the attribution of the difference."""

    before: ScoreView
    after: ScoreView
    attribution: Attribution
    notes: tuple[str, ...]
    description: str | None
    audience: Audience

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.attribution.changes

    def to_json(self) -> dict[str, Any]:
        moved = self.attribution.to_json()
        return {
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "delta": moved["delta"],
            "changes": moved["changes"],
            "notes": list(self.notes),
            "description": self.description,
            "method": moved["method"],
            "audience": self.audience,
        }


def whatif(
    history: History,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    scenario: Scenario,
    audience: Audience,
    policies: Sequence[Policy] = (),
) -> WhatIf:
    """The score before and after the scenario, and the attribution of the difference
    (``policies``: those a ``policy`` event may name besides the book's)."""
    (first,) = snapshots(history, book, freelancer, [as_of])
    edited, after_book, notes = apply(
        history, freelancer, scenario, as_of, book, audience, policies, first
    )
    (second,) = snapshots(edited, after_book, freelancer, [as_of])
    result = between(edited, first, second, audience)
    return WhatIf(
        score_view(first, book, audience),
        score_view(second, after_book, audience),
        result,
        tuple(notes),
        scenario.description,
        audience,
    )
