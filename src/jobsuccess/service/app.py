"""The FastAPI application: `create_app(db_url)` wires the store, the policy book, the
explainer, the routes and the error handling.

Errors map to statuses once, here: bad input 422, a conflicting id 409, a busy database 503
(retry); `jobsuccess.errors.Forbidden` (a role that may not)
403, `NotFound` (an unknown, or another freelancer's, appeal) 404, `Refused` (a workflow's
state or rule) 409. Validation errors report
where and what, never the input itself, and every answer is ASCII-escaped JSON, so no input
(not even a lone surrogate in a key) can turn a refusal into a 500.
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from jobsuccess.errors import Forbidden, InputError, JobSuccessError, NotFound, Refused
from jobsuccess.policy import PolicyBook, load_policy
from jobsuccess.service import appeal_routes
from jobsuccess.service.explain_port import Explainer, ModuleExplainer
from jobsuccess.service.limits import BodyLimit
from jobsuccess.service.routes import health, router
from jobsuccess.store import Database, open_database
from jobsuccess.store.appeals import review_days
from jobsuccess.store.ledger import ConflictError
from jobsuccess.web import mount as _web_mount
from jobsuccess.web.errors import error_page, is_page

DESCRIPTION = """
Job success scores as a service: a durable ledger of marketplace records, scheduled snapshots
of every freelancer's score, and explanations.

**Keys.** Send `Authorization: Bearer <key>`; create keys with
`jobsuccess keys create --role operator|freelancer|client [--freelancer ID] [--reviewer]`.
Operators may do everything but decide appeals, which needs an operator key with the reviewer
flag; a freelancer key reads only its own freelancer, without private feedback, and files and
follows its own appeals; a client key reads public scores, badges and search.

**Web app.** The same keys sign in to the pages at `/` (My Stats, search, the support
console).
"""


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: any string Python holds can be sent."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode("ascii")


def create_app(
    db_url: str | None = None,
    *,
    db: Database | None = None,
    policy: str | PolicyBook = "auto",
    explainer: Explainer | None = None,
    migrate: bool = True,
    max_body: int | None = None,
    max_whatif_body: int | None = None,
    appeal_review_days: int | None = None,
) -> FastAPI:
    """The service over the store at ``db_url`` (default: the embedded SQLite file).

    ``db`` passes an open `Database` instead (tests, benchmarks); ``policy`` is a
    ``--policy`` spec or a book; ``explainer`` connects the explanations (see
    `jobsuccess.service.explain_port`); ``max_body`` and ``max_whatif_body`` bound request
    bodies in bytes (default: `jobsuccess.service.limits`, or its environment variables);
    ``appeal_review_days`` is the appeals queue's review time in business days (default
    ``$JOBSUCCESS_APPEAL_REVIEW_DAYS``, else 7).
    """
    days = review_days(appeal_review_days)
    database = db or open_database(db_url, migrate=migrate, background_checkpoints=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # everything loaded so far lives as long as the server: keep it out of the
        # collector's full passes, which would otherwise pause requests now and then
        gc.collect()
        gc.freeze()
        if db is not None:  # the caller's database: the caller manages it
            yield
            return
        with database.checkpointer():
            yield
        database.dispose()

    app = FastAPI(
        title="jobsuccess",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=AsciiJSONResponse,
        lifespan=lifespan,
        docs_url=None,  # served by the web app from installed assets (no CDN)
        redoc_url=None,
    )
    app.state.db = database
    app.state.book = policy if isinstance(policy, PolicyBook) else load_policy(policy)
    app.state.explainer = explainer or ModuleExplainer()
    app.state.appeal_review_days = days
    app.add_middleware(BodyLimit, limit=max_body, whatif=max_whatif_body)
    app.include_router(health)
    app.include_router(router)
    app.include_router(appeal_routes.router)
    _handlers(app)
    _web_mount(app)
    return app


def _problem(code: int, detail: Any, request: Request | None = None) -> Response:
    """The refusal: JSON for the API, an HTML page for a page of the web app."""
    if request is not None and is_page(request):
        message = detail if isinstance(detail, str) else _one_line(detail)
        return error_page(request, code, message)
    return AsciiJSONResponse({"detail": detail}, status_code=code)


def _one_line(detail: Any) -> str:
    if isinstance(detail, list):  # validation errors: where and what
        return "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in detail)
    if isinstance(detail, dict) and "message" in detail:
        return str(detail["message"])
    return str(detail)


def _allowed(request: Request) -> str:
    """Every method the path supports (Starlette names only the first matching route's)."""
    methods = {
        method
        for route in request.app.routes
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE
        for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


STATUSES: dict[type[JobSuccessError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Refused: status.HTTP_409_CONFLICT,
    InputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}
"""Each error of `jobsuccess.errors` the API answers with one line, and its status."""


def _status_handler(code: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        return _problem(code, str(exc), request)

    return handler


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _problem(exc.status_code, exc.detail, request)
        response.headers.update(exc.headers or {})
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            response.headers["Allow"] = _allowed(request)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, errors, request)

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> Response:
        return _problem(
            status.HTTP_409_CONFLICT,
            {
                "message": str(exc),
                "conflicts": [{"id": c.id, "message": c.message} for c in exc.conflicts],
            },
            request,
        )

    for error, code in STATUSES.items():
        app.add_exception_handler(error, _status_handler(code))

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        response = _problem(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the database is busy or unreachable; retry",
            request,
        )
        response.headers["Retry-After"] = "1"
        return response
