"""Explanations of job success scores, built on the engine (never on a copy of its rules).

    explain(history, book, start=D1, end=D2)     every change between two computations
    compare(history, base, candidate, as_of=D)    one date under two policy books
    forecast(history, book, as_of=D, months=6)    when the score or a status changes next
    whatif(history, book, as_of=D, scenario=S)    before, after, and why they differ
    advise(history, book, as_of=D)                what the freelancer can do, ranked by effect
    stats(history, book, as_of=D)                 My Stats: eligible weeks, earnings, shares, holds
    score_for(history, book, as_of=D)             the score as the audience may see it

Each returns a typed, frozen result (``to_json()`` gives its JSON) for one freelancer
(``freelancer`` may be omitted when the history holds one; the rest of ``history`` is the
marketplace around them, `part_of`) and an audience: ``freelancer``
(the default) never shows one client's private answer, ``operator`` shows everything. No I/O:
the caller reads files and policies and passes parsed data; the HTML report is an adapter
(`jobsuccess.render`). The method and the privacy mechanism are in docs/explain.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from jobsuccess.engine import market_clients, screen
from jobsuccess.explain import advise as _advise
from jobsuccess.explain import change as _change
from jobsuccess.explain import forecast as _forecast
from jobsuccess.explain import stats as _stats
from jobsuccess.explain import whatif as _whatif
from jobsuccess.explain.advise import Advice, Advisory
from jobsuccess.explain.attribution import Change
from jobsuccess.explain.audience import AUDIENCES, Audience, check_audience
from jobsuccess.explain.change import Explanation, ScoreAt
from jobsuccess.explain.forecast import Forecast
from jobsuccess.explain.ledger import PrivateAnswer, pick_freelancer, snapshots
from jobsuccess.explain.scenario import Scenario, parse
from jobsuccess.explain.stats import MyStats
from jobsuccess.explain.view import ContractLine, ScoreView, score_view
from jobsuccess.explain.whatif import WhatIf
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook
from jobsuccess.subjects import SubjectKind

__all__ = [
    "AUDIENCES",
    "Advice",
    "Advisory",
    "Audience",
    "Change",
    "ContractLine",
    "Explanation",
    "Forecast",
    "MyStats",
    "PrivateAnswer",
    "Scenario",
    "ScoreAt",
    "ScoreView",
    "WhatIf",
    "advise",
    "check_audience",
    "compare",
    "explain",
    "forecast",
    "parse_scenario",
    "part_of",
    "pick_freelancer",
    "score_for",
    "stats",
    "whatif",
]


def _one(history: History, book: PolicyBook, freelancer: str | None) -> tuple[str, History]:
    """The freelancer asked for (or the only one) and their screened history, a part of
    ``history`` (`part_of`)."""
    who = pick_freelancer(history, freelancer)
    return who, screen(part_of(history, [who], book), book)


def part_of(history: History, freelancers: Sequence[str], *books: PolicyBook) -> History:
    """Some freelancers' part of ``history``, knowing the client activity of the whole when a
    policy of ``books`` reads it (`jobsuccess.engine.market_clients`): one freelancer of a
    marketplace is explained with the numbers `batch` gives that marketplace. A ``history``
    that is itself a part (`History.market` set) keeps its marketplace's activity."""
    part = history.only(freelancers)
    return part if part.market is not None else part.with_market(market_clients(history, *books))


def explain(
    history: History,
    book: PolicyBook,
    *,
    start: dt.date,
    end: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> Explanation:
    """Every change from ``start`` to ``end``: both scores, the delta and the changes."""
    who, one = _one(history, book, freelancer)
    return _change.explain(one, book, who, start, end, audience)


def compare(
    history: History,
    base: PolicyBook,
    candidate: PolicyBook,
    *,
    as_of: dt.date,
    freelancer: str | None = None,
    audience: Audience = "operator",
    what: str = "the candidate policy",
) -> Explanation:
    """One date's score under ``base`` then under ``candidate`` (the policy lab's attribution
    of a mover), with a "policy changed" item named by ``what`` for what the contracts' rows
    do not explain."""
    who = pick_freelancer(history, freelancer)
    one = part_of(history, [who], base, candidate)
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
) -> Forecast:
    """Every later computation where the displayed score or a status changes, with causes."""
    who, one = _one(history, book, freelancer)
    return _forecast.forecast(one, book, who, as_of, months, audience)


def whatif(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    scenario: Scenario,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
    policies: Sequence[Policy] = (),
) -> WhatIf:
    """The score before and after the scenario's events, and the attribution of the change.
    A ``policy`` event names a policy of ``book`` or of ``policies`` (the caller's choice:
    the CLI and the service offer every shipped policy)."""
    who, one = _one(history, book, freelancer)
    return _whatif.whatif(one, book, who, as_of, scenario, audience, policies)


def advise(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    months: int = 6,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> Advisory:
    """Actions in the freelancer's power, ranked by their effect on the displayed score."""
    who, one = _one(history, book, freelancer)
    return _advise.advise(one, book, who, as_of, audience, months)


def stats(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> MyStats:
    """My Stats: Top Rated eligible weeks, 12-month earnings, the shares of clients who would
    recommend (in closed groups, for the freelancer) and of long-term clients, account holds."""
    who, one = _one(history, book, freelancer)
    return _stats.my_stats(one, book, who, as_of, audience)


def score_for(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
    subject: SubjectKind = "freelancer",
) -> ScoreView:
    """The score as this audience may see it (pooled contracts show their batch);
    ``subject="agency"`` for a history of agency subjects (its id under the key ``agency``)."""
    who, one = _one(history, book, freelancer)
    (snap,) = snapshots(one, book, who, [as_of])
    return score_view(snap, book, audience, subject=subject)


def parse_scenario(data: Any, file: str = "scenario") -> Scenario:
    """Validate a what-if scenario (parsed JSON: an object with ``events`` or a plain list of
    events); errors name the file, event and field."""
    return parse(data, file)
