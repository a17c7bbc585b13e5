"""Explanations of job success scores, built on the engine (never on a copy of its rules).

    explain(history, book, start=D1, end=D2)     every change between two computations
    forecast(history, book, as_of=D, months=6)    when the score or a status changes next
    whatif(history, book, as_of=D, scenario=S)    before, after, and why they differ
    advise(history, book, as_of=D)                what the freelancer can do, ranked by effect
    stats(history, book, as_of=D)                 My Stats: eligible weeks, earnings, shares, holds
    report(history, book, as_of=D)                one self-contained HTML page

Each returns plain JSON-ready data (``report`` an HTML string) for one freelancer (``freelancer``
may be omitted when the history holds one) and an audience: ``freelancer`` (the default)
never shows one client's private answer, ``operator`` shows everything. The method and the
privacy mechanism are in docs/explain.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jobsuccess.engine import screen
from jobsuccess.explain import advise as _advise
from jobsuccess.explain import change as _change
from jobsuccess.explain import forecast as _forecast
from jobsuccess.explain import html as _html
from jobsuccess.explain import stats as _stats
from jobsuccess.explain import whatif as _whatif
from jobsuccess.explain.audience import AUDIENCES, Audience, score_view
from jobsuccess.explain.ledger import pick_freelancer, snapshots
from jobsuccess.explain.scenario import Scenario, parse
from jobsuccess.explain.scenario import load as _load_scenario
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.subjects import SubjectKind

__all__ = [
    "AUDIENCES",
    "Audience",
    "Scenario",
    "advise",
    "compare",
    "explain",
    "forecast",
    "load_scenario",
    "parse_scenario",
    "report",
    "score_for",
    "stats",
    "whatif",
]


def explain(
    history: History,
    book: PolicyBook,
    *,
    start: dt.date,
    end: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> dict[str, Any]:
    """``{"from", "to", "delta", "changes"}``: every change from ``start`` to ``end``."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _change.explain(history, book, who, start, end, audience)


def compare(
    history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    *,
    as_of: dt.date,
    freelancer: str | None = None,
    audience: Audience = "operator",
    what: str = "the candidate policy",
) -> dict[str, Any]:
    """``{"from", "to", "delta", "changes"}``: one date's score under ``base`` then under
    ``candidate`` (the policy lab's attribution of a mover), with a "policy changed" item
    named by ``what`` for what the contracts' rows do not explain."""
    who = pick_freelancer(history, freelancer)
    one = history.only([who])
    return _change.compare(
        screen(one, base), screen(one, candidate), base, candidate, who, as_of, audience, what
    )


def forecast(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    months: int = 6,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> dict[str, Any]:
    """Every later computation where the displayed score or a status changes, with causes."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _forecast.forecast(history, book, who, as_of, months, audience)


def whatif(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    scenario: Scenario,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> dict[str, Any]:
    """The score before and after the scenario's events, and the attribution of the change."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _whatif.whatif(history, book, who, as_of, scenario, audience)


def advise(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    months: int = 6,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> dict[str, Any]:
    """Actions in the freelancer's power, ranked by their effect on the displayed score."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _advise.advise(history, book, who, as_of, audience, months)


def stats(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> dict[str, Any]:
    """My Stats: Top Rated eligible weeks, 12-month earnings, the shares of clients who would
    recommend (in closed groups, for the freelancer) and of long-term clients, account holds."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _stats.my_stats(history, book, who, as_of, audience)


def report(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> str:
    """The self-contained HTML report."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    return _html.render(history, book, who, as_of, audience)


def score_for(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
    subject: SubjectKind = "freelancer",
) -> dict[str, Any]:
    """The score JSON as this audience may see it (pooled contracts show their batch);
    ``subject="agency"`` for a history of agency subjects (its id under the key ``agency``)."""
    who = pick_freelancer(history, freelancer)
    history = screen(history.only([who]), book)
    (snap,) = snapshots(history, book, who, [as_of])
    return score_view(snap, book, audience, subject=subject)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a what-if scenario file (errors name the file, event and field)."""
    return _load_scenario(path)


def parse_scenario(data: Any, file: str = "scenario") -> Scenario:
    return parse(data, file)
