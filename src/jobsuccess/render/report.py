"""``jobsuccess report``: one self-contained HTML page (no network: plotly's script inline).

An adapter: every figure and word comes from `jobsuccess.explain` (its results' ``to_json()``
are what the template reads).

The score and its ledger as the audience may see them, a chart of the displayed score on every
computation date so far and forecast, the last change explained, the forecast and the advice.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from jobsuccess.engine import score, screen
from jobsuccess.explain import Audience, part_of, pick_freelancer
from jobsuccess.explain.advise import advise
from jobsuccess.explain.change import explain
from jobsuccess.explain.forecast import STATUS_WORDS, computations, forecast, projected
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain.view import score_view
from jobsuccess.explain.words import WINDOW_WORDS, shown
from jobsuccess.model import History
from jobsuccess.plot import embed
from jobsuccess.policy import PolicyBook
from jobsuccess.render.chart import Point, causes_text, figure, forecast_points

FORECAST_MONTHS = 6
PAST_ROWS: Final = 300_000
"""Contract-dates the chart of past scores computes at most (one engine run per chunk of
`CHUNK_ROWS`): a long history gets an evenly sampled chart, never one run per day."""
CHUNK_ROWS: Final = 100_000
MIN_POINTS: Final = 12


def computation_dates(book: PolicyBook, first: dt.date, last: dt.date) -> list[dt.date]:
    """Every computation date from the first one on or after ``first`` to the one of ``last``."""
    return [on for on, _ in computations(book, first, last) if on >= first]


def score_history(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date
) -> list[tuple[dt.date, int | None]]:
    """The displayed score on the computation dates since the first contract started: every
    one while they are at most `PAST_ROWS` contract-dates, else an even sample of them (at
    least `MIN_POINTS`, always the first and the last)."""
    one = history.only([freelancer])
    start = one.contracts.get_column("start").min()
    if not isinstance(start, dt.date) or start > as_of:
        return []
    dates = computation_dates(book, start, as_of)
    if not dates:
        return []
    size = max(1, one.contracts.height)
    most = max(MIN_POINTS, PAST_ROWS // size)
    if len(dates) > most:
        step = (len(dates) - 1) / (most - 1)
        dates = sorted({dates[round(i * step)] for i in range(most)})
    return scores_on(one, book, dates)


def scores_on(
    one: History, book: PolicyBook, dates: list[dt.date]
) -> list[tuple[dt.date, int | None]]:
    """The displayed score on ``dates`` (computation dates), a chunk of dates per engine run."""
    per = max(1, CHUNK_ROWS // max(1, one.contracts.height))
    out: list[tuple[dt.date, int | None]] = []
    for lo in range(0, len(dates), per):
        frame = score(one, book, dates[lo : lo + per], statuses=False).scores.sort("as_of")
        out += [(row["computed_on"], row["score"]) for row in frame.iter_rows(named=True)]
    return out


def last_change(
    history: History, book: PolicyBook, freelancer: str, past: list[tuple[dt.date, int | None]]
) -> tuple[dt.date, dt.date] | None:
    """The two consecutive computation dates of the chart's last change of the displayed
    score. On a sampled chart, the change between the last two samples that differ is pinned
    to its day by bisection (a change that went and came back between two samples is not
    seen: the chart does not show it either)."""
    changes = [i for i in range(1, len(past)) if past[i][1] != past[i - 1][1]]
    if not changes:
        return None
    (lo, _), (hi, after) = past[changes[-1] - 1], past[changes[-1]]
    between = computation_dates(book, lo, hi)
    if between[0] != lo:
        between.insert(0, lo)
    one = history.only([freelancer])
    a, b = 0, len(between) - 1  # score(a) != after, score(b) == after
    while b - a > 1:
        mid = (a + b) // 2
        ((_, value),) = scores_on(one, book, [between[mid]])
        if value == after:
            b = mid
        else:
            a = mid
    return between[a], between[b]


def _f(value: int | None) -> float | None:
    return None if value is None else float(value)


def report(
    history: History,
    book: PolicyBook,
    *,
    as_of: dt.date,
    audience: Audience = "freelancer",
    freelancer: str | None = None,
) -> str:
    """The self-contained HTML report of one freelancer (the history's only one by default)."""
    who = pick_freelancer(history, freelancer)
    return render(screen(part_of(history, [who], book), book), book, who, as_of, audience)


def render(
    history: History, book: PolicyBook, freelancer: str, as_of: dt.date, audience: Audience
) -> str:
    """The report page as one HTML string."""
    (snap,) = snapshots(history, book, freelancer, [as_of])
    view = score_view(snap, book, audience).to_json()
    past = score_history(history, book, freelancer, as_of)
    last = None
    pair = last_change(history, book, freelancer, past)
    if pair is not None:
        last = explain(history, book, freelancer, pair[0], pair[1], audience, brief=True).to_json()
    base = projected(history, book, freelancer, as_of, FORECAST_MONTHS)  # forecast's and advice's
    ahead = forecast(history, book, freelancer, as_of, FORECAST_MONTHS, audience, base).to_json()
    why = {} if last is None else {last["to"]["as_of"]: causes_text(last["changes"])}
    points = [Point(d, _f(v), why.get(d.isoformat(), "")) for d, v in past]
    fig = figure(
        points,
        forecast_points(ahead),
        snap.policy.top_rated.min_score,
        f"Job success score of {freelancer}",
    )
    chart = embed(fig, "score-chart", script="inline")
    env = Environment(
        loader=PackageLoader("jobsuccess.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    advice = advise(history, book, freelancer, as_of, audience, FORECAST_MONTHS, base)
    return env.get_template("report.html.j2").render(
        score=view,
        audience=audience,
        chart=Markup(chart),
        last=last,
        forecast=ahead,
        advice=advice.to_json(),
        shown=shown,
        window_words=WINDOW_WORDS,
        status_words=STATUS_WORDS,
        k=snap.policy.privacy.k,
    )
