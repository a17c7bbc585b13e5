"""My Stats: a freelancer's pages (the freelancer's own key, or an operator's).

Each page calls the API's route function for what it shows (`jobsuccess.service.routes`),
which checks the caller first: a freelancer key on another freelancer's URL is a 403 there,
before anything is read. One page, one computation: the overview reads stored snapshots and
My Stats; the chart (history and forecast), the changes between two dates, the ledger, the
forecast, the advice and the what-if each have their own request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, status
from fastapi.responses import Response

from jobsuccess.plot import figure_json
from jobsuccess.render.chart import Point, figure, forecast_points
from jobsuccess.service import routes
from jobsuccess.service import schemas as s
from jobsuccess.service.auth import Principal, may_read_private
from jobsuccess.store import Database, audit, ledger
from jobsuccess.store.records import Day
from jobsuccess.web.render import Signed, Visit, finish
from jobsuccess.web.session import CsrfToken

router = APIRouter(include_in_schema=False)

FreelancerId = routes.FreelancerId
#: Every page of a freelancer reads "as of" a date (default today), like the API's routes.
AsOf = Annotated[Day | None, Query(description="YYYY-MM-DD; default: today")]
HISTORY_POINTS = 1000
"""Stored computation dates the chart shows at most (the newest)."""
RECORDS_PAGE = 100


def explaining(visit: Visit, caller: Principal | None = None) -> routes.Explaining:
    """What the API's explanation routes read, for this visit (or an operator ``caller``)."""
    app = visit.request.app.state
    return routes.Explaining(visit.db, caller or visit.who, app.explainer, app.book)


def _history(
    db: Database, who: Principal, freelancer: str, as_of: dt.date | None = None
) -> list[s.HistoryPoint]:
    """The stored scores up to ``as_of`` (oldest first), none when nothing is stored yet."""
    try:
        found = routes.freelancer_history(freelancer, db, who, None, as_of, HISTORY_POINTS)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return []
    return found.scores


async def stored_score(
    db: Database,
    who: Principal,
    freelancer: str,
    as_of: dt.date | None,
    audience: s.AudienceName | None = None,
) -> s.PublicScore | s.FreelancerScore | s.OperatorScore | None:
    """The API's stored score in ``audience`` (default: the key's own), none when nothing is
    stored yet (the overview and the console show the page without it)."""
    try:
        return await routes.freelancer_score(freelancer, db, who, as_of, audience)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return None


@router.get("/freelancers/{freelancer}")
async def my_stats(visit: Signed, freelancer: FreelancerId, as_of: AsOf = None) -> Response:
    db, who = visit.db, visit.who
    may_read_private(who, freelancer)
    stored = await stored_score(db, who, freelancer, as_of)
    stats = routes.stats(freelancer, explaining(visit), as_of).body
    dates = [p.computed_on for p in _history(db, who, freelancer, as_of)]
    return visit.page(
        "my_stats.html.j2",
        freelancer=freelancer,
        score=stored,
        stats=stats,
        dates=dates,
        as_of=as_of,
    )


def _why(point: s.HistoryPoint) -> str:
    badges = [n.replace("_", " ") for n, on in point.badges.model_dump().items() if on]
    parts = [
        f"best window {point.best}" if point.best else "no score",
        f"{point.outcomes} outcomes from {point.clients} clients",
    ]
    return "; ".join(parts) + (f"<br>{', '.join(badges)}" if badges else "")


@router.get("/freelancers/{freelancer}/chart.json")
def chart(visit: Signed, freelancer: FreelancerId, as_of: AsOf = None) -> Response:
    """The chart: every stored computation date to ``as_of``, then the forecast (plotly
    JSON)."""
    asked = explaining(visit)
    past = _history(visit.db, visit.who, freelancer, as_of)
    ahead = routes.forecast(freelancer, asked, as_of, 6).body
    points = [
        Point(p.computed_on, None if p.score is None else float(p.score), _why(p)) for p in past
    ]
    bar = asked.book.computation(as_of or dt.date.today())[1].top_rated.min_score
    fig = figure(points, forecast_points(ahead), bar, f"Job success score of {freelancer}")
    response = Response(figure_json(fig), media_type="application/json")
    return finish(visit.request, response, visit.session)


@router.get("/freelancers/{freelancer}/changes")
def changes(
    visit: Signed,
    freelancer: FreelancerId,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """What changed between two dates: the API's explain, as `jobsuccess explain` words it."""
    if start is not None and end is not None and start > end:
        start, end = end, start  # two dates picked in either order
    found = routes.explain(freelancer, explaining(visit), start, end)
    dates = [p.computed_on for p in _history(visit.db, visit.who, freelancer)]
    return visit.page(
        "changes.html.j2", freelancer=freelancer, explained=found.body["changes"], dates=dates
    )


def _viewed_private(visit: Visit, freelancer: str, detail: str) -> None:
    """An operator's page showed the private answers: the audit log says who, whose, what."""
    who = visit.who
    audit.record(
        visit.db,
        prefix=who.prefix,
        role=who.role,
        action=audit.VIEWED_PRIVATE,
        freelancer=freelancer,
        detail=detail,
    )


@router.get("/freelancers/{freelancer}/ledger")
def contracts_ledger(
    visit: Signed, freelancer: FreelancerId, as_of: Annotated[Day | None, Query()] = None
) -> Response:
    """Each contract's outcome and why, in the caller's audience (the score JSON's ledger);
    each row links to the appeal form of its contract (`jobsuccess.web.appeals`)."""
    day = as_of or dt.date.today()
    found = routes.explain(freelancer, explaining(visit), day, day)
    if found.audience == "operator":
        _viewed_private(visit, freelancer, f"contracts ledger as of {day}")
    return visit.page(
        "ledger.html.j2",
        freelancer=freelancer,
        audience=found.audience,
        score=found.body["score"],
        appeal_links=visit.who.role in ("freelancer", "operator"),
    )


@router.get("/freelancers/{freelancer}/records")
def records(
    visit: Signed,
    freelancer: FreelancerId,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """The freelancer's records in log order (operators: with the private answers, and the
    view is written to the audit log)."""
    found = routes.freelancer_ledger(freelancer, visit.db, visit.who, after, RECORDS_PAGE)
    if found.audience == "operator":
        _viewed_private(visit, freelancer, f"records after {after}")
    entries = [e.model_dump(mode="json") for e in found.entries]
    return visit.page(
        "records.html.j2",
        freelancer=freelancer,
        audience=found.audience,
        entries=entries,
        columns=_columns(entries),
        next_after=found.next_after,
    )


_FIRST = ("kind", "id", "contract", "client", "date", "start", "end", "amount", "stars")


def _columns(entries: list[dict[str, Any]]) -> list[str]:
    """The record fields any entry holds, the common ones first."""
    held = {k for e in entries for k, v in e["record"].items() if v is not None}
    return [c for c in _FIRST if c in held] + sorted(held - set(_FIRST) - {"freelancer"})


@router.get("/freelancers/{freelancer}/forecast")
def forecast(visit: Signed, freelancer: FreelancerId, as_of: AsOf = None) -> Response:
    found = routes.forecast(freelancer, explaining(visit), as_of, 6)
    return visit.page("forecast.html.j2", freelancer=freelancer, forecast=found.body, as_of=as_of)


@router.get("/freelancers/{freelancer}/advice")
def advice(visit: Signed, freelancer: FreelancerId, as_of: AsOf = None) -> Response:
    found = routes.advice(freelancer, explaining(visit), as_of)
    return visit.page("advice.html.j2", freelancer=freelancer, advice=found.body, as_of=as_of)


def _whatif_page(
    visit: Visit, freelancer: str, as_of: dt.date | None, result: Any, asked: Any
) -> Response:
    """The what-if form (the open contracts to end, every contract to pay) and its result."""
    may_read_private(visit.who, freelancer)
    contracts = ledger.history(visit.db, [freelancer]).contracts
    return visit.page(
        "whatif.html.j2",
        freelancer=freelancer,
        open_contracts=sorted(contracts.filter(contracts["end"].is_null())["id"].to_list()),
        contracts=sorted(contracts.get_column("id").to_list()),
        result=result,
        asked=asked,
        as_of=as_of,
    )


@router.get("/freelancers/{freelancer}/whatif")
def whatif_form(visit: Signed, freelancer: FreelancerId, as_of: AsOf = None) -> Response:
    return _whatif_page(visit, freelancer, as_of, None, None)


@router.post("/freelancers/{freelancer}/whatif")
def whatif(
    visit: Signed,
    freelancer: FreelancerId,
    csrf: CsrfToken,
    action: Annotated[Literal["end_contract", "payment"], Form()],
    contract: Annotated[str, Form(min_length=1, max_length=200)],
    stars: Annotated[float, Form(ge=1.0, le=5.0)] = 5.0,
    amount: Annotated[float, Form(gt=0, le=1e9)] = 100.0,
    as_of: Annotated[Day | None, Form()] = None,
) -> Response:
    """The playground: end one contract with given stars, or add a payment to one."""
    visit.check_csrf(csrf)
    event: dict[str, Any] = (
        {"type": "end_contract", "contract": contract, "feedback": {"stars": stars}}
        if action == "end_contract"
        else {"type": "payment", "contract": contract, "amount": amount}
    )
    found = routes.whatif(freelancer, {"events": [event]}, explaining(visit), as_of)
    asked = {"action": action, "contract": contract, "stars": stars, "amount": amount}
    return _whatif_page(visit, freelancer, as_of, found.body, asked)
