"""A client's pages: search freelancers, read a public profile (clients and operators).

Both call the API's route functions, so the rows are the API's own (`GET /v1/freelancers`,
`GET /v1/freelancers/{id}/score` in the public audience).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jobsuccess.service import routes
from jobsuccess.service.auth import operator_or_client
from jobsuccess.web.freelancer import FreelancerId
from jobsuccess.web.render import Sess, Who, page

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/search")
async def search(
    request: Request,
    session: Sess,
    who: Who,
    min_score: Annotated[int, Query(ge=0, le=100)] = 90,
    sort: Annotated[Literal["score", "evidence"], Query()] = "score",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    caller = await operator_or_client(who)
    found = routes.search_freelancers(request.app.state.db, caller, min_score, PAGE, offset, sort)
    return page(
        request,
        "search.html.j2",
        session,
        who,
        found=found,
        min_score=min_score,
        sort=sort,
        offset=offset,
        page_size=PAGE,
    )


@router.get("/profile/{freelancer}")
async def profile(request: Request, freelancer: FreelancerId, session: Sess, who: Who) -> Response:
    found = await routes.freelancer_score(freelancer, request.app.state.db, who, None, "public")
    return page(request, "profile.html.j2", session, who, freelancer=freelancer, score=found)
