"""The support console (operators): find a freelancer, read their operator ledger (each view
of private answers goes to the audit log), explain between any two dates, confirm or dismiss
harsh-rater proposals, read the log of operator actions, the policy lab's results and the
snapshots' status.

The freelancer's own pages (`jobsuccess.web.freelancer`) serve operators too, in the
operator audience; this module adds what only operators have.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, Response

from jobsuccess.raters import note, raters
from jobsuccess.service import routes
from jobsuccess.service import schemas as s
from jobsuccess.service.auth import Principal, operator
from jobsuccess.store import Database, audit, ledger
from jobsuccess.store.records import Day
from jobsuccess.web.freelancer import stored_score
from jobsuccess.web.render import Sess, Who, page, redirect
from jobsuccess.web.session import CsrfToken, check_csrf

router = APIRouter(include_in_schema=False)

RATERS_MAX_RECORDS: Final = 1_000_000
"""The raters page folds the whole ledger: above this many records it refuses (and says to
run ``jobsuccess raters`` on an export) rather than hold the market in a request."""
LAB_DIR_ENV: Final = "JOBSUCCESS_LAB_DIR"
"""A folder of ``jobsuccess lab --out`` results (one sub-folder each) the console lists."""


async def _operator(who: Principal) -> Principal:
    return await operator(who)


@router.get("/console")
async def console(
    request: Request,
    session: Sess,
    who: Who,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    caller = await _operator(who)
    db: Database = request.app.state.db
    found = ledger.find_freelancers(db, q.strip()) if q and q.strip() else None
    if found is not None and len(found) == 1 and found[0] == q:
        return redirect(request, f"/console/freelancers/{found[0]}", session)
    return page(
        request,
        "console.html.j2",
        session,
        who,
        q=q or "",
        found=found,
        snapshots=routes.list_snapshots(db, caller),
    )


@router.get("/console/freelancers/{freelancer}")
async def freelancer(
    request: Request,
    freelancer: routes.FreelancerId,
    session: Sess,
    who: Who,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """One freelancer for support: the stored score (operator view), the explanation between
    any two dates (default: the last 28 days), links to every page of theirs."""
    caller = await _operator(who)
    db: Database = request.app.state.db
    if start is not None and end is not None and start > end:
        start, end = end, start
    stored = await stored_score(db, caller, freelancer, None, "operator")
    state = request.app.state
    found = routes.explain(
        freelancer, routes.Explaining(db, caller, state.explainer, state.book), start, end
    )
    return page(
        request,
        "console_freelancer.html.j2",
        session,
        who,
        freelancer=freelancer,
        score=stored,
        explained=found.body["changes"],
        audience=found.audience,
    )


@router.get("/console/raters")
async def raters_page(
    request: Request,
    session: Sess,
    who: Who,
    as_of: Annotated[Day | None, Query()] = None,
    min_freelancers: Annotated[int, Query(ge=2, le=1000)] = 5,
) -> Response:
    caller = await _operator(who)
    db: Database = request.app.state.db
    records = ledger.count(db)
    day = as_of or dt.date.today()
    proposals: list[dict[str, Any]] = []
    refused = None
    evaluated = 0
    if records > RATERS_MAX_RECORDS:
        refused = (
            f"the ledger holds {records:,} records, more than this page folds in a request "
            f"({RATERS_MAX_RECORDS:,}); run `jobsuccess raters` on an export of the market"
        )
    else:
        found = raters(ledger.history(db), day, min_freelancers=min_freelancers).to_json()
        proposals, evaluated = found["proposals"], found["clients_evaluated"]
    dismissed = {e.client for e in audit.recent(db, limit=1000, action=audit.DISMISSED_RATER)}
    return page(
        request,
        "raters.html.j2",
        session,
        who,
        caller=caller,
        proposals=proposals,
        evaluated=evaluated,
        dismissed=dismissed,
        refused=refused,
        as_of=day,
        min_freelancers=min_freelancers,
    )


@router.post("/console/raters")
async def decide_rater(
    request: Request,
    session: Sess,
    who: Who,
    csrf: CsrfToken,
    client: Annotated[str, Form(min_length=1, max_length=200)],
    decision: Annotated[str, Form(pattern="^(confirm|dismiss)$")],
    freelancers: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    """Confirm (records ``client_flagged`` through the API's route, with the proposal's public
    note) or dismiss a proposal; either way the audit log keeps who decided."""
    check_csrf(session, csrf)
    caller = await _operator(who)
    db: Database = request.app.state.db
    if decision == "confirm":
        text = note({"freelancers": freelancers})
        routes.flag_client(s.ClientFlag(client=client, note=text, note_public=True), db, caller)
    audit.record(
        db,
        prefix=who.prefix,
        role=who.role,
        action=audit.CONFIRMED_RATER if decision == "confirm" else audit.DISMISSED_RATER,
        client=client,
    )
    return redirect(request, "/console/raters", session)


@router.get("/console/log")
async def log(request: Request, session: Sess, who: Who) -> Response:
    """The operator actions in the ledger and the console's audit log, newest first."""
    await _operator(who)
    db: Database = request.app.state.db
    return page(
        request,
        "log.html.j2",
        session,
        who,
        actions=ledger.recent_actions(db, limit=200),
        entries=audit.recent(db, limit=200),
    )


def _lab_dir() -> Path | None:
    value = os.environ.get(LAB_DIR_ENV)
    return Path(value) if value else None


def _lab_runs(root: Path) -> list[dict[str, Any]]:
    runs = []
    for folder in sorted(p for p in root.iterdir() if (p / "summary.json").is_file()):
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(summary, dict) or not isinstance(summary.get("by_date"), list):
            continue  # not a lab summary: left out rather than half shown
        runs.append(
            {
                "name": folder.name,
                "summary": summary,
                "report": (folder / "report.html").is_file(),
            }
        )
    return runs


@router.get("/console/lab")
async def lab(request: Request, session: Sess, who: Who) -> Response:
    await _operator(who)
    root = _lab_dir()
    runs = _lab_runs(root) if root is not None and root.is_dir() else []
    return page(request, "lab.html.j2", session, who, root=root, runs=runs, env_name=LAB_DIR_ENV)


@router.get("/console/lab/{name}/report.html")
async def lab_report(request: Request, name: str, who: Who) -> FileResponse:
    await _operator(who)
    root = _lab_dir()
    if root is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lab folder (set {LAB_DIR_ENV})")
    runs = {r["name"] for r in _lab_runs(root) if r["report"]} if root.is_dir() else set()
    if name not in runs:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lab report {name!r}")
    return FileResponse(root / name / "report.html", media_type="text/html")
