"""Signed session cookies and CSRF tokens.

Signing in checks an API key once (`jobsuccess.store.keys.verify_key`); the browser then holds
a cookie signed with `itsdangerous` (a key derived from the store's own secret, so every
worker of one store accepts it) that names the key's prefix, never the key. The cookie is
HttpOnly, SameSite=Lax, Secure when served over HTTPS, and expires after `MAX_AGE` seconds
(the signature carries its time, checked on every request). Every request looks the prefix up
again: a revoked key signs its sessions out at once.

Every session, signed in or not, carries a random CSRF token; every form posts it back and
`check_csrf` compares it in constant time (a cross-site form cannot read it). Signing in
issues a new token, so a token seen before signing in is worthless after.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Form, HTTPException, Request, status
from itsdangerous import BadSignature, URLSafeTimedSerializer

from jobsuccess.service.auth import Principal
from jobsuccess.store import Database
from jobsuccess.store.keys import active_key

COOKIE: Final = "jss_session"
MAX_AGE: Final = 8 * 3600
"""A session lasts a working day; then the key is asked for again."""
_SALT: Final = "jobsuccess.web.session"


@dataclass(frozen=True)
class Session:
    csrf: str
    prefix: str | None = None
    fresh: bool = False
    """Not from the request's cookie: the response must set it."""


class SignInRequired(Exception):
    """The page needs a signed-in session: answered with a redirect to the sign-in page."""


def serializer(db: Database) -> URLSafeTimedSerializer:
    """The cookie signer of this store (its key derived from the store's id secret)."""
    key = hmac.new(db.id_secret.encode(), b"jobsuccess web session", hashlib.sha256).hexdigest()
    return URLSafeTimedSerializer(key, salt=_SALT)


def _signer(request: Request) -> URLSafeTimedSerializer:
    signer: URLSafeTimedSerializer = request.app.state.web_signer
    return signer


def new_session(prefix: str | None = None) -> Session:
    return Session(csrf=secrets.token_urlsafe(32), prefix=prefix, fresh=True)


def read(request: Request) -> Session:
    """The request's session, or a new anonymous one (bad, expired or no cookie)."""
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _signer(request).loads(raw, max_age=MAX_AGE)
        except BadSignature:  # expired signatures are BadSignature too
            data = None
        if isinstance(data, dict) and isinstance(data.get("csrf"), str):
            prefix = data.get("prefix")
            return Session(csrf=data["csrf"], prefix=prefix if isinstance(prefix, str) else None)
    return new_session()


def cookie_value(request: Request, session: Session) -> str:
    return str(_signer(request).dumps({"csrf": session.csrf, "prefix": session.prefix}))


def principal(request: Request, session: Session) -> Principal:
    """The signed-in caller, checked against the key table now; `SignInRequired` otherwise."""
    if session.prefix is None:
        raise SignInRequired
    db: Database = request.app.state.db
    key = active_key(db, session.prefix)
    if key is None:
        raise SignInRequired
    return Principal(key.role, key.freelancer, key.prefix, key.reviewer)


CsrfToken = Annotated[str, Form(max_length=100)]
"""Every form's ``csrf`` field, posted back for `check_csrf`."""


def check_csrf(session: Session, token: str) -> None:
    """A form's token must be the session's own: 403 otherwise."""
    if session.fresh or not hmac.compare_digest(session.csrf, token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the form's security token does not match this session; reload the page and retry",
        )
