"""The appeals API (docs/appeals.md): thin handlers over `jobsuccess.store.appeals`, which holds
every rule (who may do what, the states, the refiling rule, the audit).

Refusals: 403 for a role that may not (a plain operator deciding, a client filing), 404 for an
appeal that does not exist or is another freelancer's (an id tells nothing), 409 for a state
or refiling rule, 422 for a body that does not validate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request, status

from jobsuccess.service import schemas as s
from jobsuccess.service.auth import Caller, Principal
from jobsuccess.service.routes import REFUSALS, Db, FreelancerId, known_query
from jobsuccess.store import Database, appeals
from jobsuccess.store.records import Day

router = APIRouter(prefix="/v1", responses=REFUSALS, dependencies=[Depends(known_query)])

AppealId = Annotated[str, Path(pattern=r"^ap-[0-9a-f]{16}$", description="an appeal's id")]
ANSWERS: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": s.Problem, "description": "no such appeal (or another freelancer's)"},
    409: {"model": s.Problem, "description": "the appeal's state or the refiling rule refuses"},
    422: {"model": s.Problem},
}


def actor(caller: Principal) -> appeals.Actor:
    return appeals.Actor(caller.prefix, caller.role, caller.freelancer, caller.reviewer)


async def _review_days(request: Request) -> int:
    days: int = request.app.state.appeal_review_days
    return days


@router.post(
    "/freelancers/{freelancer}/appeals",
    tags=["appeals"],
    status_code=status.HTTP_201_CREATED,
    responses=ANSWERS,
)
def file_appeal(
    freelancer: FreelancerId, body: appeals.Filing, db: Db, caller: Caller
) -> s.AppealView:
    """File an appeal on one contract's outcome, or a report of its feedback for a terms
    violation (``kind: report``): the freelancer's own key, or an operator. A denied one is
    filed again on the same contract only with a new evidence link (409 otherwise)."""
    return s.appeal_view(appeals.file(db, actor(caller), freelancer, body))


@router.get("/freelancers/{freelancer}/appeals", tags=["appeals"])
def freelancer_appeals(
    freelancer: FreelancerId,
    db: Db,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> s.AppealList:
    """A freelancer's appeals and reports, newest first, with their state and the reasons of
    the decisions (the freelancer's own key, or an operator)."""
    found = appeals.of_freelancer(db, actor(caller), freelancer, limit=limit)
    return s.AppealList(freelancer=freelancer, appeals=[s.appeal_view(a) for a in found])


@router.get("/appeals", tags=["appeals"], responses={422: {"model": s.Problem}})
def appeal_queue(
    db: Db,
    caller: Caller,
    days: Annotated[int, Depends(_review_days)],
    state: Annotated[
        appeals.State | None, Query(description="default: the open ones (filed, in_review)")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="true: only overdue ones; false: only those in time")
    ] = None,
    as_of: Annotated[Day | None, Query(description="YYYY-MM-DD: measure ages on (today)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> s.AppealQueue:
    """The review queue, oldest first, each appeal's age and whether it is overdue against the
    review time in business days (``JOBSUCCESS_APPEAL_REVIEW_DAYS``, default 7) (operator)."""
    day = as_of or dt.date.today()
    return s.queue_view(
        db,
        actor(caller),
        as_of=day,
        days=days,
        states=(state,) if state else appeals.OPEN,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )


@router.get("/appeals/{appeal}", tags=["appeals"], responses=ANSWERS)
def appeal_detail(appeal: AppealId, db: Db, caller: Caller) -> s.AppealView:
    """One appeal (operator, or the freelancer it is about)."""
    return s.appeal_view(appeals.get(db, actor(caller), appeal))


def _move(
    step: Callable[[Database, appeals.Actor, str, str | None], appeals.Appeal],
    appeal: str,
    db: Database,
    caller: Principal,
    body: s.Transition | None,
) -> s.AppealView:
    """One step of the appeal's life with the caller's optional why (the store checks it)."""
    return s.appeal_view(step(db, actor(caller), appeal, body.why if body else None))


@router.post("/appeals/{appeal}/review", tags=["appeals"], responses=ANSWERS)
def review_appeal(
    appeal: AppealId, db: Db, caller: Caller, body: s.Transition | None = None
) -> s.AppealView:
    """Take a filed appeal into review (operator)."""
    return _move(appeals.review, appeal, db, caller, body)


@router.post("/appeals/{appeal}/decision", tags=["appeals"], responses=ANSWERS)
def decide_appeal(appeal: AppealId, body: appeals.Ruling, db: Db, caller: Caller) -> s.AppealView:
    """Uphold or deny an appeal in review, with the written reason the freelancer reads (an
    operator key with the reviewer flag). Upheld, the decision records ``appeal_upheld``
    (a report: ``report_upheld``) dated today, as ``POST /v1/actions/appeal-decisions`` does."""
    return s.appeal_view(appeals.decide(db, actor(caller), appeal, body))


@router.post("/appeals/{appeal}/withdraw", tags=["appeals"], responses=ANSWERS)
def withdraw_appeal(
    appeal: AppealId, db: Db, caller: Caller, body: s.Transition | None = None
) -> s.AppealView:
    """Withdraw an open appeal (the freelancer it is about, or an operator)."""
    return _move(appeals.withdraw, appeal, db, caller, body)


@router.get("/appeals/{appeal}/audit", tags=["appeals"], responses=ANSWERS)
def appeal_audit(appeal: AppealId, db: Db, caller: Caller) -> s.AppealAudit:
    """Every transition of an appeal: who (key prefix and role), when, from, to, why
    (operator). Append-only: no route changes it, and the database refuses to."""
    return s.audit_view(appeal, appeals.audit(db, actor(caller), appeal))
