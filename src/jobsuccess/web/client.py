"""A client's pages: search freelancers, read a public profile (clients and operators).

Both call the API's route functions, so the rows are the API's own (`GET /v1/freelancers`,
`GET /v1/freelancers/{id}/score` in the public audience).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from jobsuccess.service import routes
from jobsuccess.service.auth import operator_or_client
from jobsuccess.web.freelancer import FreelancerId
from jobsuccess.web.render import Signed

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/search")
async def search(
    visit: Signed,
    min_score: Annotated[int, Query(ge=0, le=100)] = 90,
    sort: Annotated[Literal["score", "evidence"], Query()] = "score",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    caller = await operator_or_client(visit.who)
    found = routes.search_freelancers(visit.db, caller, min_score, PAGE, offset, sort)
    return visit.page(
        "search.html.j2", found=found, min_score=min_score, sort=sort, offset=offset, page_size=PAGE
    )


@router.get("/profile/{freelancer}")
async def profile(visit: Signed, freelancer: FreelancerId) -> Response:
    found = await routes.freelancer_score(freelancer, visit.db, visit.who, None, "public")
    return visit.page("profile.html.j2", freelancer=freelancer, score=found)
