"""Operator actions into the ledger: the one path every decision takes.

The API's action endpoints (``POST /v1/actions/...``), an appeal's decision
(`jobsuccess.store.appeals`) and a confirmed harsh rater (``jobsuccess raters --confirm``)
all record their ``action`` through `record_action`, so an upheld appeal is the same record,
with the same derived id, whichever way it was decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

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
