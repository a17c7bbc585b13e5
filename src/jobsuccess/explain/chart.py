"""An inline SVG line chart of a score over time (no script, no network): history and forecast.

Dates without a score break the line. The forecast continues as a dashed line; the Top Rated
bar is drawn as a faint rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

Series = Sequence[tuple[dt.date, float | None]]

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34


def _runs(points: Series) -> list[list[tuple[dt.date, float]]]:
    """Consecutive stretches with a score."""
    runs: list[list[tuple[dt.date, float]]] = [[]]
    for day, value in points:
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((day, value))
    return [r for r in runs if r]


def svg(
    history: Series,
    forecast: Series = (),
    bar: float | None = 90.0,
    title: str = "Job success score",
) -> str:
    """The chart as an ``<svg>`` element."""
    days = [d for d, _ in (*history, *forecast)]
    if not days:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="40">'
            f'<text x="8" y="24">{escape(title)}: no computation yet</text></svg>'
        )
    lo, hi = min(days), max(days)
    span = max((hi - lo).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - lo).days / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" class="axis" '
            f'text-anchor="end">{tick}%</text>'
        )
    if bar is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(bar):.1f}" y2="{y(bar):.1f}" '
            f'class="bar"/><text x="{WIDTH - RIGHT}" y="{y(bar) - 4:.1f}" class="axis" '
            f'text-anchor="end">Top Rated {bar:g}%</text>'
        )
    for label_day in _ticks(lo, hi):
        parts.append(
            f'<text x="{x(label_day):.1f}" y="{HEIGHT - 10}" class="axis" '
            f'text-anchor="middle">{label_day.isoformat()}</text>'
        )
    for points, css in ((history, "line"), (forecast, "line forecast")):
        for run in _runs(points):
            coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in run)
            parts.append(f'<polyline points="{coords}" class="{css}"/>')
            if len(run) == 1:
                d, v = run[0]
                parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" class="{css}"/>')
    if history:
        last = history[-1]
        if last[1] is not None:
            parts.append(
                f'<circle cx="{x(last[0]):.1f}" cy="{y(last[1]):.1f}" r="4" '
                f'class="now"><title>{last[0]}: {last[1]:.0f}%</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _ticks(lo: dt.date, hi: dt.date, count: int = 5) -> list[dt.date]:
    if lo == hi:
        return [lo]
    step = (hi - lo) / (count - 1)
    return [lo + step * i for i in range(count)]
