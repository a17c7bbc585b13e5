"""Signing in with an API key, signing out, and each role's home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from jobsuccess.store import Database
from jobsuccess.store.keys import verify_key
from jobsuccess.web import session as sess
from jobsuccess.web.render import Sess, home_of, page, redirect

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no ``//``) is followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def home(request: Request, session: Sess) -> Response:
    try:
        who = sess.principal(request, session)
    except sess.SignInRequired:
        return redirect(request, "/signin", session)
    return redirect(request, home_of(who), session)


@router.get("/signin")
def signin_form(request: Request, session: Sess, next: str | None = None) -> Response:
    return page(request, "signin.html.j2", session, None, next=_safe_next(next), error=None)


@router.post("/signin")
def signin(
    request: Request,
    session: Sess,
    key: Annotated[str, Form(max_length=200)],
    csrf: sess.CsrfToken,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    sess.check_csrf(session, csrf)
    db: Database = request.app.state.db
    found = verify_key(db, key.strip())
    if found is None:
        return page(
            request,
            "signin.html.j2",
            session,
            None,
            status_code=401,
            next=_safe_next(next),
            error="That key is not valid (mistyped, unknown or revoked).",
        )
    fresh = sess.new_session(found.prefix)  # a new CSRF token with the new session
    who = sess.principal(request, fresh)
    return redirect(request, _safe_next(next) or home_of(who), fresh)


@router.post("/signout")
def signout(request: Request, session: Sess, csrf: sess.CsrfToken) -> Response:
    sess.check_csrf(session, csrf)
    response = redirect(request, "/signin", sess.new_session())
    return response
