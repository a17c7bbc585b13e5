"""Appeals on pages (docs/appeals.md): the freelancer files one from a ledger row and follows
it; operators work the queue (age, overdue) and a reviewer decides, always with a reason.

Every step calls the appeals API's route function (`jobsuccess.service.appeal_routes`), which
calls `jobsuccess.store.appeals`, where every rule lives (who may do what, the states, the
refiling rule, the audit): a page adds none of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from jobsuccess.service import appeal_routes as api
from jobsuccess.service.auth import operator
from jobsuccess.store import appeals
from jobsuccess.web.freelancer import FreelancerId
from jobsuccess.web.render import Sess, Who, page, redirect
from jobsuccess.web.session import CsrfToken, check_csrf

router = APIRouter(include_in_schema=False)

AppealId = api.AppealId
CATEGORIES: dict[str, str] = {
    "client_unresponsive": "The client stopped responding",
    "scope_changed": "The client changed the scope",
    "client_misrepresented_job": "The client misrepresented the job",
    "abusive_client": "The client was abusive",
    "other": "Something else",
}


def _invalid(exc: ValidationError) -> HTTPException:
    """A form that does not validate: 422 naming the fields, never echoing the input."""
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(parts))


def _day_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


@router.get("/freelancers/{freelancer}/appeals")
def appeals_page(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    contract: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The freelancer's appeals with their state and decisions; with ``?contract=`` (the
    ledger row's link), the form to file one on that contract."""
    found = api.freelancer_appeals(freelancer, request.app.state.db, who, 100)
    return page(
        request,
        "appeals.html.j2",
        session,
        who,
        freelancer=freelancer,
        appeals=found.appeals,
        contract=contract,
        categories=CATEGORIES,
        day_before=_day_before,
    )


@router.post("/freelancers/{freelancer}/appeals")
def file_appeal(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
    contract: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=8000)],
    kind: Annotated[Literal["appeal", "report"], Form()] = "appeal",
    evidence: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    check_csrf(session, csrf)
    links = [line.strip() for line in evidence.splitlines() if line.strip()]
    try:
        filing = appeals.Filing.model_validate(
            {
                "contract": contract,
                "kind": kind,
                "category": category,
                "text": text,
                "evidence": links,
            }
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    filed = api.file_appeal(freelancer, filing, request.app.state.db, who)
    return redirect(request, f"/freelancers/{freelancer}/appeals#{filed.id}", session)


@router.post("/freelancers/{freelancer}/appeals/{appeal}/withdraw")
def withdraw(
    request: Request,
    freelancer: FreelancerId,
    appeal: AppealId,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
) -> Response:
    check_csrf(session, csrf)
    api.withdraw_appeal(appeal, request.app.state.db, who, None)
    return redirect(request, f"/freelancers/{freelancer}/appeals#{appeal}", session)


@router.get("/console/appeals")
async def queue(
    request: Request,
    session: Sess,
    who: Who,
    overdue: Annotated[bool | None, Query()] = None,
) -> Response:
    """The review queue, oldest first, with each appeal's age and whether it is overdue."""
    caller = await operator(who)
    days: int = request.app.state.appeal_review_days
    found = api.appeal_queue(request.app.state.db, caller, days, None, overdue, None, 100, 0)
    return page(request, "appeal_queue.html.j2", session, who, queue=found, overdue=overdue)


@router.get("/console/appeals/{appeal}")
async def detail(request: Request, appeal: AppealId, session: Sess, who: Who) -> Response:
    caller = await operator(who)
    db = request.app.state.db
    return page(
        request,
        "appeal.html.j2",
        session,
        who,
        appeal=api.appeal_detail(appeal, db, caller),
        audit=api.appeal_audit(appeal, db, caller),
        categories=CATEGORIES,
        day_before=_day_before,
    )


@router.post("/console/appeals/{appeal}/review")
async def review(
    request: Request,
    appeal: AppealId,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
) -> Response:
    check_csrf(session, csrf)
    caller = await operator(who)
    api.review_appeal(appeal, request.app.state.db, caller, None)
    return redirect(request, f"/console/appeals/{appeal}", session)


@router.post("/console/appeals/{appeal}/decision")
async def decide(
    request: Request,
    appeal: AppealId,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
    decision: Annotated[Literal["upheld", "denied"], Form()],
    reason: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Uphold or deny, with the written reason the freelancer reads (a reviewer's key; the
    store refuses an empty reason and any other key)."""
    check_csrf(session, csrf)
    caller = await operator(who)
    try:
        ruling = appeals.Ruling(decision=decision, reason=reason)
    except ValidationError as exc:
        raise _invalid(exc) from None
    api.decide_appeal(appeal, ruling, request.app.state.db, caller)
    return redirect(request, f"/console/appeals/{appeal}", session)
