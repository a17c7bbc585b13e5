"""API keys: created once, shown once, stored as SHA-256 hashes, revocable.

A key reads ``jss_<prefix>_<secret>``. The prefix (12 hex digits) is stored in clear and
finds the row; the SHA-256 of the whole key is compared in constant time. The database never
holds a usable key, and a revoked key stays in the table (for the audit trail) but opens
nothing.

Roles (`Role`): ``operator`` may do everything; ``freelancer`` keys are bound to one
freelancer and read only that freelancer's data, in the freelancer audience (no private
feedback); ``client`` keys read public scores and badges only.

Reviewers (migration 0005): an operator key created with ``reviewer`` (``jobsuccess keys
create --role operator --reviewer``) may also decide appeals and reports
(`jobsuccess.store.appeals`); a plain operator key may take them into review but not decide.
Only operator keys can be reviewers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from sqlalchemy import Row, select, update

from jobsuccess.errors import InputError
from jobsuccess.store.db import Database
from jobsuccess.store.schema import api_keys

Role = Literal["operator", "freelancer", "client"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
_SHAPE: Final = re.compile(r"jss_([0-9a-f]{12})_[A-Za-z0-9_-]{20,100}")


class UnknownKeyError(InputError):
    """No key has this prefix."""


@dataclass(frozen=True)
class ApiKey:
    prefix: str
    role: Role
    freelancer: str | None
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    reviewer: bool = False

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    db: Database,
    role: str,
    freelancer: str | None = None,
    label: str | None = None,
    *,
    reviewer: bool = False,
) -> tuple[str, ApiKey]:
    """A new key: (the key itself, to hand out once; its stored description)."""
    if reviewer and role != "operator":
        raise InputError(f"only an operator key can be a reviewer, not a {role} key")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role == "freelancer" and not freelancer:
        raise InputError("a freelancer key needs --freelancer ID")
    if role != "freelancer" and freelancer:
        raise InputError(f"a {role} key is not bound to a freelancer; leave out --freelancer")
    prefix = secrets.token_hex(6)
    key = f"jss_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(prefix, role, freelancer, label, dt.datetime.now(dt.UTC), None, reviewer)
    with db.write() as conn:
        conn.execute(
            api_keys.insert().values(
                prefix=prefix,
                hash=_hash(key),
                role=role,
                freelancer=freelancer,
                label=label,
                created_at=row.created_at,
                reviewer=reviewer,
            )
        )
    return key, row


def verify_key(db: Database, presented: str) -> ApiKey | None:
    """The active key ``presented`` is, or None (malformed, unknown, wrong secret, revoked)."""
    shape = _SHAPE.fullmatch(presented)
    if shape is None:
        return None
    rows = db.fetch(  # on every API request: straight through the driver
        "SELECT hash, role, freelancer, label, created_at, revoked_at, reviewer FROM api_keys "
        "WHERE prefix = ?",
        (shape.group(1),),
    )
    if not rows or not hmac.compare_digest(rows[0][0], _hash(presented)):
        return None
    _, role, freelancer, label, created_at, revoked_at, reviewer = rows[0]
    if revoked_at is not None:
        return None
    return ApiKey(
        shape.group(1), role, freelancer, label, _moment(created_at), None, bool(reviewer)
    )


def _moment(value: dt.datetime | str) -> dt.datetime:
    """A timestamp from the driver (SQLite: naive UTC text) as an aware datetime."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        row.prefix,
        row.role,
        row.freelancer,
        row.label,
        row.created_at,
        row.revoked_at,
        bool(row.reviewer),
    )


def list_keys(db: Database) -> list[ApiKey]:
    with db.read() as conn:
        return [_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.created_at))]


def revoke_key(db: Database, prefix: str) -> ApiKey:
    """Revoke by prefix (or by the whole key); revoking twice keeps the first date."""
    shape = _SHAPE.fullmatch(prefix)
    prefix = shape.group(1) if shape else prefix
    with db.write() as conn:
        conn.execute(
            update(api_keys)
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
        row = conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).first()
    if row is None:
        raise UnknownKeyError(f"no key with prefix {prefix!r}")
    return _key(row)


def find_key(db: Database, prefix: str) -> ApiKey | None:
    """The key with this prefix (or whole key), active or revoked, or None: for the commands
    that act in a key holder's name (``jobsuccess appeals ... --by PREFIX``)."""
    shape = _SHAPE.fullmatch(prefix)
    prefix = shape.group(1) if shape else prefix
    with db.read() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).first()
    return None if row is None else _key(row)
