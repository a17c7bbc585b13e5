"""The audit log: what operators saw and did in the web console (append-only).

Each view of private answers (the operator ledger) and each confirmation or dismissal of a
harsh-rater proposal is one row: who (the key's prefix and role), when, the action, the
freelancer or client it was about and a short detail. Nothing here updates or deletes a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import insert, select

from jobsuccess.store.db import Database
from jobsuccess.store.schema import audit_log

VIEWED_PRIVATE: Final = "viewed_private_answers"
CONFIRMED_RATER: Final = "confirmed_harsh_rater"
DISMISSED_RATER: Final = "dismissed_harsh_rater"


@dataclass(frozen=True)
class Entry:
    seq: int
    at: dt.datetime
    prefix: str
    role: str
    action: str
    freelancer: str | None
    client: str | None
    detail: str | None


def record(
    db: Database,
    *,
    prefix: str,
    role: str,
    action: str,
    freelancer: str | None = None,
    client: str | None = None,
    detail: str | None = None,
) -> None:
    with db.write() as conn:
        conn.execute(
            insert(audit_log).values(
                at=dt.datetime.now(dt.UTC),
                prefix=prefix,
                role=role,
                action=action,
                freelancer=freelancer,
                client=client,
                detail=detail,
            )
        )


def recent(db: Database, *, limit: int = 200, action: str | None = None) -> list[Entry]:
    """The newest entries first (of one action when given)."""
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    with db.read() as conn:
        return [Entry(**dict(row)) for row in conn.execute(query).mappings()]
