"""Appeals on pages (docs/appeals.md): the freelancer files one from a ledger row and follows
it; operators work the queue (age, overdue) and a reviewer decides, always with a reason.

Every step calls the appeals API's route function (`jobsuccess.service.appeal_routes`), which
calls `jobsuccess.store.appeals`, where every rule lives (who may do what, the states, the
refiling rule, the audit): a page adds none of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import ValidationError

from jobsuccess.service import appeal_routes as api
from jobsuccess.service.auth import operator
from jobsuccess.store import appeals
from jobsuccess.web.freelancer import FreelancerId
from jobsuccess.web.render import ENV, Signed
from jobsuccess.web.session import CsrfToken

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


# Every appeal page names categories in words and links a decision to its day's change.
ENV.globals.update(categories=CATEGORIES, day_before=_day_before)


@router.get("/freelancers/{freelancer}/appeals")
def appeals_page(
    visit: Signed,
    freelancer: FreelancerId,
    contract: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The freelancer's appeals with their state and decisions; with ``?contract=`` (the
    ledger row's link), the form to file one on that contract."""
    found = api.freelancer_appeals(freelancer, visit.db, visit.who, 100)
    return visit.page(
        "appeals.html.j2", freelancer=freelancer, appeals=found.appeals, contract=contract
    )


@router.post("/freelancers/{freelancer}/appeals")
def file_appeal(
    visit: Signed,
    freelancer: FreelancerId,
    csrf: CsrfToken,
    contract: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=8000)],
    kind: Annotated[Literal["appeal", "report"], Form()] = "appeal",
    evidence: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    visit.check_csrf(csrf)
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
    filed = api.file_appeal(freelancer, filing, visit.db, visit.who)
    return visit.redirect(f"/freelancers/{freelancer}/appeals#{filed.id}")


@router.post("/freelancers/{freelancer}/appeals/{appeal}/withdraw")
def withdraw(
    visit: Signed, freelancer: FreelancerId, appeal: AppealId, csrf: CsrfToken
) -> Response:
    visit.check_csrf(csrf)
    api.withdraw_appeal(appeal, visit.db, visit.who, None)
    return visit.redirect(f"/freelancers/{freelancer}/appeals#{appeal}")


@router.get("/console/appeals")
async def queue(visit: Signed, overdue: Annotated[bool | None, Query()] = None) -> Response:
    """The review queue, oldest first, with each appeal's age and whether it is overdue."""
    caller = await operator(visit.who)
    days: int = visit.request.app.state.appeal_review_days
    found = api.appeal_queue(visit.db, caller, days, None, overdue, None, 100, 0)
    return visit.page("appeal_queue.html.j2", queue=found, overdue=overdue)


@router.get("/console/appeals/{appeal}")
async def detail(visit: Signed, appeal: AppealId) -> Response:
    caller = await operator(visit.who)
    found = api.appeal_detail(appeal, visit.db, caller)
    audit = api.appeal_audit(appeal, visit.db, caller)
    return visit.page("appeal.html.j2", appeal=found, audit=audit)


@router.post("/console/appeals/{appeal}/review")
async def review(visit: Signed, appeal: AppealId, csrf: CsrfToken) -> Response:
    visit.check_csrf(csrf)
    caller = await operator(visit.who)
    api.review_appeal(appeal, visit.db, caller, None)
    return visit.redirect(f"/console/appeals/{appeal}")


@router.post("/console/appeals/{appeal}/decision")
async def decide(
    visit: Signed,
    appeal: AppealId,
    csrf: CsrfToken,
    decision: Annotated[Literal["upheld", "denied"], Form()],
    reason: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Uphold or deny, with the written reason the freelancer reads (a reviewer's key; the
    store refuses an empty reason and any other key)."""
    visit.check_csrf(csrf)
    caller = await operator(visit.who)
    try:
        ruling = appeals.Ruling(decision=decision, reason=reason)
    except ValidationError as exc:
        raise _invalid(exc) from None
    api.decide_appeal(appeal, ruling, visit.db, caller)
    return visit.redirect(f"/console/appeals/{appeal}")
