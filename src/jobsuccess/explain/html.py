"""``jobsuccess report``: one self-contained HTML page (no script, no network).

The score and its ledger as the audience may see them, a chart of the displayed score on every
computation date so far and forecast, the last change explained, the forecast and the advice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from jobsuccess.engine import score
from jobsuccess.explain.advise import advise
from jobsuccess.explain.audience import Audience, score_view
from jobsuccess.explain.change import explain
from jobsuccess.explain.chart import svg
from jobsuccess.explain.forecast import STATUS_WORDS, forecast
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain.words import WINDOW_WORDS
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook

FORECAST_MONTHS = 6


def computation_dates(book: PolicyBook, first: dt.date, last: dt.date) -> list[dt.date]:
    """Every computation date from the first one on or after ``first`` to the one of ``last``."""
    dates: list[dt.date] = []
    day = first
    while day <= last:
        on, _ = book.computation(day)
        if on >= first and (not dates or on > dates[-1]):
            dates.append(on)
        day += dt.timedelta(days=1)
    return dates


def score_history(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date
) -> list[tuple[dt.date, int | None]]:
    """The displayed score on every computation date since the first contract started."""
    one = history.only([freelancer])
    start = one.contracts.get_column("start").min()
    if not isinstance(start, dt.date) or start > as_of:
        return []
    dates = computation_dates(book, start, as_of)
    if not dates:
        return []
    frame = score(one, book, dates, statuses=False).scores.sort("as_of")
    return [(row["computed_on"], row["score"]) for row in frame.iter_rows(named=True)]


def _steps(
    now: tuple[dt.date, int | None], points: list[dict[str, Any]]
) -> list[tuple[dt.date, float | None]]:
    """The forecast as a step line: each value holds until the day before the next change."""
    out: list[tuple[dt.date, float | None]] = [(now[0], _f(now[1]))]
    for p in points:
        day = dt.date.fromisoformat(p["date"])
        out += [(day - dt.timedelta(days=1), _f(p["previous"])), (day, _f(p["score"]))]
    return out


def _f(value: int | None) -> float | None:
    return None if value is None else float(value)


def _shown(value: int | None) -> str:
    return "no score" if value is None else f"{value}%"


def render(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date, audience: Audience
) -> str:
    """The report page as one HTML string."""
    (snap,) = snapshots(history, book, freelancer, [as_of])
    view = score_view(snap, book, audience)
    past = score_history(history, book, freelancer, as_of)
    last = None
    changes = [i for i in range(1, len(past)) if past[i][1] != past[i - 1][1]]
    if changes:
        i = changes[-1]
        last = explain(history, book, freelancer, past[i - 1][0], past[i][0], audience)
    ahead = forecast(history, book, freelancer, as_of, FORECAST_MONTHS, audience)
    steps = _steps((snap.on, ahead["now"]["score"]), ahead["changes"])
    steps.append((dt.date.fromisoformat(ahead["until"]), steps[-1][1]))
    chart = svg(
        [(d, _f(s)) for d, s in past],
        steps,
        snap.policy.top_rated.min_score,
        f"Job success score of {freelancer}",
    )
    env = Environment(
        loader=PackageLoader("jobsuccess.explain", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(
        score=view,
        audience=audience,
        chart=Markup(chart),
        last=last,
        forecast=ahead,
        advice=advise(history, book, freelancer, as_of, audience),
        shown=_shown,
        window_words=WINDOW_WORDS,
        status_words=STATUS_WORDS,
        k=snap.policy.privacy.k,
    )
