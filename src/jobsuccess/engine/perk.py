"""The feedback-removal perk (docs/domain.md section 6; help centre 219801228).

From 2016 to 2024-09-03 a Top Rated freelancer could have one feedback removed per
``perk_jobs_per_removal`` jobs, at most one per ``perk_min_interval_days``, and a removal that
would lower the score was skipped. A ``feedback_removed`` action records the freelancer's
request; this step decides, in date order, which requests the perk allowed. Each decision
depends on the score and Top Rated status on the request's date, given the removals allowed
before it, so requests are decided in rounds: every freelancer's next request at once, each
round two engine runs (with and without the requests).

A refused request stays in the history as a ``feedback_removal_refused`` action whose note
says why, so the ledger can show it and no later step mistakes it for a removal. Removals
after a report for a terms violation (``report_upheld``) are valid in every era and are not
screened here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from jobsuccess.model import REFUSED_REMOVAL, History
from jobsuccess.policy import PolicyBook

#: Runs the engine (without screening) and returns (freelancer, as_of, score, top_rated).
Scorer = Callable[[History, list[dt.date]], pl.DataFrame]

REMOVAL = "feedback_removed"
#: A date before every computation: a trial removal in force on the request's date.
_EVER = dt.date(1970, 1, 1)


@dataclass
class _Asked:
    """One freelancer's requests in date order, and the ones decided so far."""

    pending: list[dict[str, object]]
    allowed: list[dict[str, object]]
    refused: list[dict[str, object]]


def screen(history: History, book: PolicyBook, run: Scorer) -> History:
    """The history with each ``feedback_removed`` the perk did not allow turned into a
    ``feedback_removal_refused`` action that says why (idempotent)."""
    actions = history.actions
    asked = actions.filter(pl.col("type") == REMOVAL)
    if asked.is_empty():
        return history
    keep = actions.filter(pl.col("type") != REMOVAL)
    people: dict[str, _Asked] = {}
    for row in asked.sort("freelancer", "date", "contract").iter_rows(named=True):
        people.setdefault(str(row["freelancer"]), _Asked([], [], [])).pending.append(row)
    while any(p.pending for p in people.values()):
        _decide_round(history, book, run, keep, people)
    decided = [
        *(r for p in people.values() for r in p.allowed),
        *(r for p in people.values() for r in p.refused),
    ]
    frame = pl.DataFrame(decided, schema=actions.schema, orient="row") if decided else None
    merged = keep if frame is None else pl.concat([keep, frame])
    return history.with_frame("actions", merged.sort("freelancer", "date", "type", "contract"))


def _decide_round(
    history: History,
    book: PolicyBook,
    run: Scorer,
    keep: pl.DataFrame,
    people: dict[str, _Asked],
) -> None:
    """Decide every freelancer's next pending request."""
    asking: dict[str, dict[str, object]] = {}
    for who, person in people.items():
        if not person.pending:
            continue
        request = person.pending.pop(0)
        why = _rule_refusal(history, book, person, request)
        if why is None:
            asking[who] = request
        else:
            person.refused.append(_refused(request, why))
    if not asking:
        return
    allowed = [r for p in people.values() for r in p.allowed]
    base = _with_actions(history, keep, allowed, list(asking))
    # The trial removes each request's feedback as of its own date (the score it would show).
    in_force = [{**r, "date": _EVER} for r in asking.values()]
    trial = _with_actions(history, keep, [*allowed, *in_force], list(asking))
    dates = sorted({_day(r["date"]) for r in asking.values()})
    before, after = (_by_person(run(h, dates)) for h in (base, trial))
    for who, request in asking.items():
        day = _day(request["date"])
        now, then = before.get((who, day)), after.get((who, day))
        why = _score_refusal(now, then)
        if why is None:
            people[who].allowed.append(request)
        else:
            people[who].refused.append(_refused(request, why))


def _rule_refusal(
    history: History, book: PolicyBook, person: _Asked, request: dict[str, object]
) -> str | None:
    """Why the perk's counting rules refuse this request, or None."""
    day = _day(request["date"])
    policy = book.in_force(day)
    rules = policy.feedback_removal
    if not rules.perk:
        return f"no feedback-removal perk under policy {policy.name}"
    gap, per_jobs = rules.perk_min_interval_days, rules.perk_jobs_per_removal
    if person.allowed:
        last = max(_day(r["date"]) for r in person.allowed)
        if (day - last).days < gap:
            return f"the perk allows one removal per {gap} days (the last was on {last})"
    jobs = history.contracts.filter(
        (pl.col("freelancer") == request["freelancer"])
        & pl.col("end").is_not_null()
        & (pl.col("end") <= day)
    ).height
    if len(person.allowed) + 1 > jobs // per_jobs:
        return (
            f"the perk allows one removal per {per_jobs} jobs "
            f"({jobs} done, {len(person.allowed)} removed before)"
        )
    return None


Standing = tuple[int | None, bool]


def _score_refusal(now: Standing | None, then: Standing | None) -> str | None:
    """Why the score refuses the request (not Top Rated, or removing lowers it), or None."""
    if now is None or not now[1]:
        return "not Top Rated on the day of the request"
    before, after = now[0], None if then is None else then[0]
    if before is not None and (after is None or after < before):
        return "removing it would lower the score"
    return None


def _refused(request: dict[str, object], why: str) -> dict[str, object]:
    return {**request, "type": REFUSED_REMOVAL, "note": f"feedback removal refused: {why}"}


def _with_actions(
    history: History, keep: pl.DataFrame, rows: list[dict[str, object]], who: list[str]
) -> History:
    extra = pl.DataFrame(rows, schema=keep.schema, orient="row")
    return history.with_frame("actions", pl.concat([keep, extra])).only(who)


def _by_person(frame: pl.DataFrame) -> dict[tuple[str, dt.date], Standing]:
    return {
        (str(r["freelancer"]), r["as_of"]): (r["score"], bool(r["top_rated"]))
        for r in frame.iter_rows(named=True)
    }


def _day(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value
