"""Pages: the Jinja2 environment, the request's session and caller, and one way to answer.

Every page behind sign-in takes `Signed`: a `Visit`, the request with its session and its
caller (checked against the key table on every request), which answers with a page or a
redirect. The sign-in pages take `Sess` alone (the session, new if the request had none).
`page` renders a template with what every page needs (the caller, the CSRF token, the
navigation) and sets the cookie when the session is new. Role checks stay in
`jobsuccess.service.auth` and in the API's route functions the pages call: a page never
decides on its own who may read what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from jobsuccess.explain.words import shown
from jobsuccess.plot import SCRIPT_URL
from jobsuccess.service.auth import Principal
from jobsuccess.store import Database
from jobsuccess.web import session as sess

ENV: Final = Environment(
    loader=PackageLoader("jobsuccess.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


ENV.filters["shown"] = shown
ENV.filters["pct"] = _pct
ENV.globals["plotly_url"] = SCRIPT_URL


async def web_session(request: Request) -> sess.Session:
    return sess.read(request)


Sess = Annotated[sess.Session, Depends(web_session)]


async def signed_in(request: Request, session: Sess) -> Principal:
    return sess.principal(request, session)


Who = Annotated[Principal, Depends(signed_in)]


def home_of(who: Principal) -> str:
    """Where a role starts: its own My Stats, the search, the console."""
    if who.role == "freelancer":
        return f"/freelancers/{who.freelancer}"
    return "/search" if who.role == "client" else "/console"


R = TypeVar("R", bound=Response)


def finish(request: Request, response: R, session: sess.Session) -> R:
    """Set the session cookie on ``response`` when the session is new."""
    if session.fresh:
        response.set_cookie(
            sess.COOKIE,
            sess.cookie_value(request, session),
            max_age=sess.MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def page(
    request: Request,
    template: str,
    session: sess.Session,
    who: Principal | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = ENV.get_template(template).render(
        who=who,
        csrf=session.csrf,
        home=home_of(who) if who else "/signin",
        today=dt.date.today(),
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return finish(request, response, session)


def redirect(request: Request, to: str, session: sess.Session) -> RedirectResponse:
    """A 303 after a form (the browser then GETs ``to``)."""
    return finish(request, RedirectResponse(to, status_code=303), session)


@dataclass(frozen=True)
class Visit:
    """One signed-in page request: who asks, in which session, and the answers it gets."""

    request: Request
    session: sess.Session
    who: Principal

    @property
    def db(self) -> Database:
        db: Database = self.request.app.state.db
        return db

    def check_csrf(self, token: str) -> None:
        """A form's token must be this session's (`jobsuccess.web.session.check_csrf`)."""
        sess.check_csrf(self.session, token)

    def page(self, template: str, **context: Any) -> HTMLResponse:
        return page(self.request, template, self.session, self.who, **context)

    def redirect(self, to: str) -> RedirectResponse:
        return redirect(self.request, to, self.session)


async def _visit(request: Request, session: Sess, who: Who) -> Visit:
    return Visit(request, session, who)


Signed = Annotated[Visit, Depends(_visit)]
