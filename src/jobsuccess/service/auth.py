"""Who is asking, and what they may see.

Every route except ``/health`` and the docs needs ``Authorization: Bearer <key>`` (keys come
from ``jobsuccess keys create``). The rules, checked before any data is read:

* no key, a malformed, unknown or revoked key -> ``401`` (with ``WWW-Authenticate``);
* a key crossing its role's boundary -> ``403``: a freelancer key asking about another
  freelancer (whether or not that freelancer exists), a client key asking for anything but
  public scores and search, any non-operator key writing or asking for a higher audience.

Refusals carry a one-line reason and never any of the data asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jobsuccess.store import Database
from jobsuccess.store.keys import Role, verify_key

_bearer: Final = HTTPBearer(auto_error=False, description="an API key: jss_...")

Audience = Literal["public", "freelancer", "operator"]
_RANK: Final[dict[Audience, int]] = {"public": 0, "freelancer": 1, "operator": 2}


@dataclass(frozen=True)
class Principal:
    role: Role
    freelancer: str | None
    prefix: str
    reviewer: bool = False

    @property
    def audience(self) -> Audience:
        """The highest audience this key may read in (`public` for clients)."""
        return "public" if self.role == "client" else self.role


async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(message: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, message)


async def principal(
    db: Annotated[Database, Depends(database)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise unauthorized("an API key is required: Authorization: Bearer <key>")
    key = verify_key(db, credentials.credentials)
    if key is None:
        raise unauthorized("invalid or revoked API key")
    return Principal(key.role, key.freelancer, key.prefix, key.reviewer)


Caller = Annotated[Principal, Depends(principal)]


async def operator(caller: Caller) -> Principal:
    if caller.role != "operator":
        raise forbidden("this needs an operator key")
    return caller


async def operator_or_client(caller: Caller) -> Principal:
    if caller.role == "freelancer":
        raise forbidden("a freelancer key reads only its own freelancer's data")
    return caller


def may_read(caller: Principal, freelancer: str, *, needs: Audience) -> Audience:
    """Check that ``caller`` may read ``freelancer``'s data in audience ``needs``.

    Returns the audience to answer in (``needs``). Raises 403 otherwise.
    """
    if caller.role == "freelancer" and caller.freelancer != freelancer:
        raise forbidden("a freelancer key reads only its own freelancer's data")
    if _RANK[needs] > _RANK[caller.audience]:
        raise forbidden(f"a {caller.role} key may not read the {needs} view")
    return needs


def may_read_private(caller: Principal, freelancer: str) -> Literal["freelancer", "operator"]:
    """For data beyond the public score (ledger, history, explanations): the audience to
    answer in, the caller's own; clients and other freelancers get 403."""
    if caller.role == "operator":
        return "operator"
    may_read(caller, freelancer, needs="freelancer")
    return "freelancer"
