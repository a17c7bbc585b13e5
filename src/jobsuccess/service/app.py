"""The FastAPI application: `create_app(db_url)` wires the store, the policy book, the
explainer, the routes and the error handling.

Errors map to statuses once, here: bad input 422, a conflicting id 409, a busy database 503
(retry), explanations not built yet 503; `jobsuccess.errors.Forbidden` (a role that may not)
403, `NotFound` (an unknown, or another freelancer's, appeal) 404, `Refused` (a workflow's
state or rule) 409. Validation errors report
where and what, never the input itself, and every answer is ASCII-escaped JSON, so no input
(not even a lone surrogate in a key) can turn a refusal into a 500.
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from jobsuccess.errors import Forbidden, InputError, NotFound, Refused
from jobsuccess.policy import PolicyBook, load_policy
from jobsuccess.service import appeal_routes
from jobsuccess.service.explain_port import Explainer, ExplainUnavailable, default_explainer
from jobsuccess.service.limits import BodyLimit
from jobsuccess.service.routes import health, router
from jobsuccess.store import Database, open_database
from jobsuccess.store.appeals import review_days
from jobsuccess.store.ledger import ConflictError

DESCRIPTION = """
Job success scores as a service: a durable ledger of marketplace records, scheduled snapshots
of every freelancer's score, and explanations.

**Keys.** Send `Authorization: Bearer <key>`; create keys with
`jobsuccess keys create --role operator|freelancer|client [--freelancer ID] [--reviewer]`.
Operators may do everything but decide appeals, which needs an operator key with the reviewer
flag; a freelancer key reads only its own freelancer, without private feedback, and files and
follows its own appeals; a client key reads public scores, badges and search.
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
    )
    app.state.db = database
    app.state.book = policy if isinstance(policy, PolicyBook) else load_policy(policy)
    app.state.explainer = explainer or default_explainer()
    app.state.appeal_review_days = days
    app.add_middleware(BodyLimit, limit=max_body, whatif=max_whatif_body)
    app.include_router(health)
    app.include_router(router)
    app.include_router(appeal_routes.router)
    _handlers(app)
    return app


def _problem(code: int, detail: Any) -> AsciiJSONResponse:
    return AsciiJSONResponse({"detail": detail}, status_code=code)


def _allowed(request: Request) -> str:
    """Every method the path supports (Starlette names only the first matching route's)."""
    methods = {
        method
        for route in request.app.routes
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE
        for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> AsciiJSONResponse:
        response = _problem(exc.status_code, exc.detail)
        response.headers.update(exc.headers or {})
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            response.headers["Allow"] = _allowed(request)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> AsciiJSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, errors)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> AsciiJSONResponse:
        return _problem(
            status.HTTP_409_CONFLICT,
            {
                "message": str(exc),
                "conflicts": [{"id": c.id, "message": c.message} for c in exc.conflicts],
            },
        )

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> AsciiJSONResponse:
        return _problem(status.HTTP_404_NOT_FOUND, str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> AsciiJSONResponse:
        return _problem(status.HTTP_403_FORBIDDEN, str(exc))

    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> AsciiJSONResponse:
        return _problem(status.HTTP_409_CONFLICT, str(exc))

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> AsciiJSONResponse:
        return _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))

    @app.exception_handler(ExplainUnavailable)
    async def _unavailable(_: Request, exc: ExplainUnavailable) -> AsciiJSONResponse:
        return _problem(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> AsciiJSONResponse:
        response = _problem(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the database is busy or unreachable; retry"
        )
        response.headers["Retry-After"] = "1"
        return response
