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

from fastapi import APIRouter, Form, HTTPException, Query, status
from fastapi.responses import FileResponse, Response

from jobsuccess.raters import note, raters
from jobsuccess.service import routes
from jobsuccess.service import schemas as s
from jobsuccess.service.auth import Principal, operator
from jobsuccess.store import audit, ledger
from jobsuccess.store.records import Day
from jobsuccess.web.freelancer import explaining, stored_score
from jobsuccess.web.render import Signed
from jobsuccess.web.session import CsrfToken

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
    visit: Signed, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    caller = await _operator(visit.who)
    found = ledger.find_freelancers(visit.db, q.strip()) if q and q.strip() else None
    if found is not None and len(found) == 1 and found[0] == q:
        return visit.redirect(f"/console/freelancers/{found[0]}")
    snapshots = routes.list_snapshots(visit.db, caller)
    return visit.page("console.html.j2", q=q or "", found=found, snapshots=snapshots)


@router.get("/console/freelancers/{freelancer}")
async def freelancer(
    visit: Signed,
    freelancer: routes.FreelancerId,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """One freelancer for support: the stored score (operator view), the explanation between
    any two dates (default: the last 28 days), links to every page of theirs."""
    caller = await _operator(visit.who)
    if start is not None and end is not None and start > end:
        start, end = end, start
    stored = await stored_score(visit.db, caller, freelancer, None, "operator")
    found = routes.explain(freelancer, explaining(visit, caller), start, end)
    return visit.page(
        "console_freelancer.html.j2",
        freelancer=freelancer,
        score=stored,
        explained=found.body["changes"],
        audience=found.audience,
    )


@router.get("/console/raters")
async def raters_page(
    visit: Signed,
    as_of: Annotated[Day | None, Query()] = None,
    min_freelancers: Annotated[int, Query(ge=2, le=1000)] = 5,
) -> Response:
    await _operator(visit.who)
    db = visit.db
    records = ledger.count(db)
    day = as_of or dt.date.today()
    found: dict[str, Any] = {"proposals": [], "clients_evaluated": 0}
    refused = None
    if records > RATERS_MAX_RECORDS:
        refused = (
            f"the ledger holds {records:,} records, more than this page folds in a request "
            f"({RATERS_MAX_RECORDS:,}); run `jobsuccess raters` on an export of the market"
        )
    else:
        found = raters(ledger.history(db), day, min_freelancers=min_freelancers).to_json()
    dismissed = {e.client for e in audit.recent(db, limit=1000, action=audit.DISMISSED_RATER)}
    return visit.page(
        "raters.html.j2",
        found=found,
        dismissed=dismissed,
        refused=refused,
        as_of=day,
        min_freelancers=min_freelancers,
    )


@router.post("/console/raters")
async def decide_rater(
    visit: Signed,
    csrf: CsrfToken,
    client: Annotated[str, Form(min_length=1, max_length=200)],
    decision: Annotated[str, Form(pattern="^(confirm|dismiss)$")],
    freelancers: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    """Confirm (records ``client_flagged`` through the API's route, with the proposal's public
    note) or dismiss a proposal; either way the audit log keeps who decided."""
    visit.check_csrf(csrf)
    caller = await _operator(visit.who)
    if decision == "confirm":
        text = note({"freelancers": freelancers})
        flag = s.ClientFlag(client=client, note=text, note_public=True)
        routes.flag_client(flag, visit.db, caller)
    action = audit.CONFIRMED_RATER if decision == "confirm" else audit.DISMISSED_RATER
    audit.record(
        visit.db, prefix=visit.who.prefix, role=visit.who.role, action=action, client=client
    )
    return visit.redirect("/console/raters")


@router.get("/console/log")
async def log(visit: Signed) -> Response:
    """The operator actions in the ledger and the console's audit log, newest first."""
    await _operator(visit.who)
    actions = ledger.recent_actions(visit.db, limit=200)
    return visit.page("log.html.j2", actions=actions, entries=audit.recent(visit.db, limit=200))


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
async def lab(visit: Signed) -> Response:
    await _operator(visit.who)
    root = _lab_dir()
    runs = _lab_runs(root) if root is not None and root.is_dir() else []
    return visit.page("lab.html.j2", root=root, runs=runs, env_name=LAB_DIR_ENV)


@router.get("/console/lab/{name}/report.html")
async def lab_report(visit: Signed, name: str) -> FileResponse:
    await _operator(visit.who)
    root = _lab_dir()
    if root is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lab folder (set {LAB_DIR_ENV})")
    runs = {r["name"] for r in _lab_runs(root) if r["report"]} if root.is_dir() else set()
    if name not in runs:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lab report {name!r}")
    return FileResponse(root / name / "report.html", media_type="text/html")
