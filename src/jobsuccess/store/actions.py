"""Operator actions into the ledger: the one path every decision takes.

The API's action endpoints (``POST /v1/actions/...``), an appeal's decision
(`jobsuccess.store.appeals`) and a confirmed harsh rater (`confirm_rater`: ``jobsuccess
raters --db URL --confirm CLIENT``, ``POST /v1/raters/{client}/confirm``) all record their
``action`` through `record_action`, so an upheld appeal is the same record, with the same
derived id, whichever way it was decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from jobsuccess.errors import NotFound, Refused
from jobsuccess.store import ledger
from jobsuccess.store.db import Database
from jobsuccess.store.records import ActionRecord, derived_id, to_row


@dataclass(frozen=True)
class Recorded:
    id: str
    inserted: bool


def record_action(
    db: Database,
    given_id: str | None,
    *,
    note_public: bool,
    conn: Connection | None = None,
    **fields: Any,
) -> Recorded:
    """Validate and append one action (``type``, ``date`` (default today) and the fields its
    type needs). Without ``given_id`` its id is derived from the content, so sending the same
    action again is a no-op. ``conn``: the caller's write transaction to append in."""
    fields["date"] = fields.get("date") or dt.date.today()
    if note_public:  # part of the content (and of the derived id) only when set
        fields["note_public"] = True
    record_id = given_id or derived_id(
        "action", *(fields.get(k) for k in sorted(fields)), secret=db.id_secret
    )
    action = ActionRecord(id=record_id, kind="action", **fields)
    result = ledger.append(db, [to_row(action)], conn=conn)
    return Recorded(record_id, result.inserted == 1)


class NotAProposal(NotFound):
    """The client is not among the harsh-rater proposals on that date."""


class AlreadyFlagged(Refused):
    """The client is flagged already."""


@dataclass(frozen=True)
class Confirmed:
    """A confirmed harsh-rater proposal: the ``client_flagged`` record and the proposal (with
    its evidence, `jobsuccess.raters.Raters.to_json`) it was recorded on."""

    recorded: Recorded
    date: dt.date
    proposal: dict[str, Any]


def confirm_rater(
    db: Database, client: str, *, as_of: dt.date, min_freelancers: int = 5
) -> Confirmed:
    """Confirm that ``client`` rates harshly: recompute `jobsuccess.raters.raters` over the
    whole ledger on ``as_of`` and, when the client is among its proposals, record a
    marketplace-wide ``client_flagged`` dated ``as_of`` whose note is the proposal's evidence
    (public figures only, `jobsuccess.raters.note`). Its cost is one fold of the whole ledger:
    an operator's occasional act, not a hot path."""
    from jobsuccess.raters import raters

    found = raters(ledger.history(db), as_of, min_freelancers=min_freelancers)
    proposals = {p["client"]: p for p in found.to_json()["proposals"]}
    proposal = proposals.get(client)
    if proposal is None:
        raise NotAProposal(
            f"client {client!r} is not a harsh-rater proposal on {as_of} (of "
            f"{found.clients.height} clients who rated {min_freelancers}+ freelancers, "
            f"{len(proposals)} are proposed)"
        )
    if proposal["flagged"]:
        raise AlreadyFlagged(f"client {client!r} is flagged already")
    recorded = record_action(
        db, None, note_public=False, type="client_flagged", client=client, date=as_of,
        note=proposal["note"],
    )  # fmt: skip
    return Confirmed(recorded, as_of, proposal)
