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

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import Response

from jobsuccess.plot import figure_json
from jobsuccess.policy import PolicyBook
from jobsuccess.render.chart import Point, figure, forecast_points
from jobsuccess.service import routes
from jobsuccess.service import schemas as s
from jobsuccess.service.auth import Principal, may_read_private
from jobsuccess.service.explain_port import Explainer
from jobsuccess.store import Database, audit, ledger
from jobsuccess.store.records import Day
from jobsuccess.web.render import Sess, Who, finish, page
from jobsuccess.web.session import CsrfToken, check_csrf

router = APIRouter(include_in_schema=False)

FreelancerId = routes.FreelancerId
#: Every page of a freelancer reads "as of" a date (default today), like the API's routes.
AsOf = Annotated[Day | None, Query(description="YYYY-MM-DD; default: today")]
HISTORY_POINTS = 1000
"""Stored computation dates the chart shows at most (the newest)."""
RECORDS_PAGE = 100


def state(request: Request) -> tuple[Database, Explainer, PolicyBook]:
    app = request.app.state
    return app.db, app.explainer, app.book


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
async def my_stats(
    request: Request, freelancer: FreelancerId, session: Sess, who: Who, as_of: AsOf = None
) -> Response:
    db, explainer, book = state(request)
    may_read_private(who, freelancer)
    stored = await stored_score(db, who, freelancer, as_of)
    stats = routes.stats(freelancer, routes.Explaining(db, who, explainer, book), as_of).body
    dates = [p.computed_on for p in _history(db, who, freelancer, as_of)]
    return page(
        request,
        "my_stats.html.j2",
        session,
        who,
        freelancer=freelancer,
        score=stored,
        stats=stats,
        dates=dates,
        chart=True,
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
def chart(
    request: Request, freelancer: FreelancerId, session: Sess, who: Who, as_of: AsOf = None
) -> Response:
    """The chart: every stored computation date to ``as_of``, then the forecast (plotly
    JSON)."""
    db, explainer, book = state(request)
    past = _history(db, who, freelancer, as_of)
    ahead = routes.forecast(freelancer, routes.Explaining(db, who, explainer, book), as_of, 6).body
    points = [
        Point(p.computed_on, None if p.score is None else float(p.score), _why(p)) for p in past
    ]
    bar = book.computation(as_of or dt.date.today())[1].top_rated.min_score
    fig = figure(points, forecast_points(ahead), bar, f"Job success score of {freelancer}")
    response = Response(figure_json(fig), media_type="application/json")
    return finish(request, response, session)


@router.get("/freelancers/{freelancer}/changes")
def changes(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """What changed between two dates: the API's explain, as `jobsuccess explain` words it."""
    db, explainer, book = state(request)
    if start is not None and end is not None and start > end:
        start, end = end, start  # two dates picked in either order
    found = routes.explain(freelancer, routes.Explaining(db, who, explainer, book), start, end)
    return page(
        request,
        "changes.html.j2",
        session,
        who,
        freelancer=freelancer,
        explained=found.body["changes"],
        dates=[p.computed_on for p in _history(db, who, freelancer)],
    )


def _viewed_private(db: Database, who: Principal, freelancer: str, detail: str) -> None:
    """An operator's page showed the private answers: the audit log says who, whose, what."""
    audit.record(
        db,
        prefix=who.prefix,
        role=who.role,
        action=audit.VIEWED_PRIVATE,
        freelancer=freelancer,
        detail=detail,
    )


@router.get("/freelancers/{freelancer}/ledger")
def contracts_ledger(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    as_of: Annotated[Day | None, Query()] = None,
) -> Response:
    """Each contract's outcome and why, in the caller's audience (the score JSON's ledger)."""
    db, explainer, book = state(request)
    day = as_of or dt.date.today()
    found = routes.explain(freelancer, routes.Explaining(db, who, explainer, book), day, day)
    if found.audience == "operator":
        _viewed_private(db, who, freelancer, f"contracts ledger as of {day}")
    return page(
        request,
        "ledger.html.j2",
        session,
        who,
        freelancer=freelancer,
        audience=found.audience,
        score=found.body["score"],
        **_appeal_context(db, who, freelancer),
    )


def _appeal_context(db: Database, who: Principal, freelancer: str) -> dict[str, Any]:
    """Each ledger row links to the appeal form of its contract (`jobsuccess.web.appeals`)."""
    return {"appeal_links": who.role in ("freelancer", "operator")}


@router.get("/freelancers/{freelancer}/records")
def records(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """The freelancer's records in log order (operators: with the private answers, and the
    view is written to the audit log)."""
    db, _, _ = state(request)
    found = routes.freelancer_ledger(freelancer, db, who, after, RECORDS_PAGE)
    if found.audience == "operator":
        _viewed_private(db, who, freelancer, f"records after {after}")
    entries = [e.model_dump(mode="json") for e in found.entries]
    columns = _columns(entries)
    return page(
        request,
        "records.html.j2",
        session,
        who,
        freelancer=freelancer,
        audience=found.audience,
        entries=entries,
        columns=columns,
        next_after=found.next_after,
    )


_FIRST = ("kind", "id", "contract", "client", "date", "start", "end", "amount", "stars")


def _columns(entries: list[dict[str, Any]]) -> list[str]:
    """The record fields any entry holds, the common ones first."""
    held = {k for e in entries for k, v in e["record"].items() if v is not None}
    return [c for c in _FIRST if c in held] + sorted(held - set(_FIRST) - {"freelancer"})


@router.get("/freelancers/{freelancer}/forecast")
def forecast(
    request: Request, freelancer: FreelancerId, session: Sess, who: Who, as_of: AsOf = None
) -> Response:
    db, explainer, book = state(request)
    found = routes.forecast(freelancer, routes.Explaining(db, who, explainer, book), as_of, 6)
    return page(
        request,
        "forecast.html.j2",
        session,
        who,
        freelancer=freelancer,
        forecast=found.body,
        chart=True,
        as_of=as_of,
    )


@router.get("/freelancers/{freelancer}/advice")
def advice(
    request: Request, freelancer: FreelancerId, session: Sess, who: Who, as_of: AsOf = None
) -> Response:
    db, explainer, book = state(request)
    found = routes.advice(freelancer, routes.Explaining(db, who, explainer, book), as_of)
    return page(
        request,
        "advice.html.j2",
        session,
        who,
        freelancer=freelancer,
        advice=found.body,
        as_of=as_of,
    )


def _contracts(db: Database, who: Principal, freelancer: str) -> dict[str, Any]:
    """The what-if form's choices: the open contracts (to end) and every contract (to pay)."""
    may_read_private(who, freelancer)
    contracts = ledger.history(db, [freelancer]).contracts
    return {
        "open_contracts": sorted(contracts.filter(contracts["end"].is_null())["id"].to_list()),
        "contracts": sorted(contracts.get_column("id").to_list()),
    }


@router.get("/freelancers/{freelancer}/whatif")
def whatif_form(
    request: Request, freelancer: FreelancerId, session: Sess, who: Who, as_of: AsOf = None
) -> Response:
    db, _, _ = state(request)
    return page(
        request,
        "whatif.html.j2",
        session,
        who,
        freelancer=freelancer,
        **_contracts(db, who, freelancer),
        result=None,
        asked=None,
        as_of=as_of,
    )


@router.post("/freelancers/{freelancer}/whatif")
def whatif(
    request: Request,
    freelancer: FreelancerId,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
    action: Annotated[Literal["end_contract", "payment"], Form()],
    contract: Annotated[str, Form(min_length=1, max_length=200)],
    stars: Annotated[float, Form(ge=1.0, le=5.0)] = 5.0,
    amount: Annotated[float, Form(gt=0, le=1e9)] = 100.0,
    as_of: Annotated[Day | None, Form()] = None,
) -> Response:
    """The playground: end one contract with given stars, or add a payment to one."""
    check_csrf(session, csrf)
    db, explainer, book = state(request)
    event: dict[str, Any] = (
        {"type": "end_contract", "contract": contract, "feedback": {"stars": stars}}
        if action == "end_contract"
        else {"type": "payment", "contract": contract, "amount": amount}
    )
    found = routes.whatif(
        freelancer, {"events": [event]}, routes.Explaining(db, who, explainer, book), as_of
    )
    return page(
        request,
        "whatif.html.j2",
        session,
        who,
        freelancer=freelancer,
        **_contracts(db, who, freelancer),
        result=found.body,
        asked={"action": action, "contract": contract, "stars": stars, "amount": amount},
        as_of=as_of,
    )
