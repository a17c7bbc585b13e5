"""Errors on pages: an HTML page with the status and a one-line reason (the API's JSON
answers stay as they are), and a redirect to the sign-in page when a session is needed."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jobsuccess.web import session as sess
from jobsuccess.web.render import finish, page

#: Paths that are not pages: the API, its docs, the assets.
NOT_PAGES = ("/v1/", "/health", "/openapi.json", "/docs", "/redoc", "/static/")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in NOT_PAGES)


TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not yours to see",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    422: "That input cannot be used",
    503: "Try again shortly",
}


def error_page(request: Request, code: int, message: str) -> HTMLResponse:
    session = sess.read(request)
    try:
        who = sess.principal(request, session)
    except sess.SignInRequired:
        who = None
    return page(
        request,
        "error.html.j2",
        session,
        who,
        status_code=code,
        title=TITLES.get(code, "Error"),
        code=code,
        message=message,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(sess.SignInRequired)
    async def _sign_in(request: Request, _: sess.SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        session = sess.read(request)
        if session.prefix is not None:  # a revoked key or an expired cookie: start afresh
            session = sess.new_session()
        return finish(
            request,
            RedirectResponse(f"/signin?next={quote(target, safe='/')}", status_code=303),
            session,
        )
