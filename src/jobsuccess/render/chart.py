"""The score chart (plotly): the displayed score on every computation date, and the forecast.

A displayed score holds from its computation date to the next one, so both lines are steps
(``line_shape="hv"``), never diagonals. Each point's hover names its value and its cause. The
forecast continues dashed from the last computed point; the Top Rated bar is a dotted rule.
Axis labels sit inside the automatic margins, so none is clipped at any width. No I/O: the
page embeds the figure (`jobsuccess.plot`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple


class Point(NamedTuple):
    """One date of the chart: the displayed score (None: no score) and why, for the hover."""

    day: dt.date
    score: float | None
    why: str = ""


HISTORY_COLOR = "#0969da"
FORECAST_COLOR = "#57606a"
BAR_COLOR = "#8250df"


def _trace(points: Sequence[Point], name: str, color: str, dash: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "name": name,
        "x": [p.day.isoformat() for p in points],
        "y": [p.score for p in points],
        "customdata": [p.why for p in points],
        "mode": "lines+markers",
        "line": {"shape": "hv", "color": color, "dash": dash, "width": 2},
        "marker": {"size": 6, "color": color},
        "connectgaps": False,
        "hovertemplate": "%{x}: <b>%{y}%</b><br>%{customdata}<extra></extra>",
    }


def figure(
    history: Sequence[Point],
    forecast: Sequence[Point] = (),
    bar: float | None = 90.0,
    title: str = "Job success score",
) -> dict[str, Any]:
    """The chart as a plotly figure (``{"data", "layout"}``, plain data: cheap to build)."""
    data = []
    if history:
        data.append(_trace(history, "computed", HISTORY_COLOR, "solid"))
    if forecast:
        ahead = [history[-1], *forecast] if history else list(forecast)
        data.append(_trace(ahead, "forecast", FORECAST_COLOR, "dash"))
    grid = {"gridcolor": "#eaeef2", "linecolor": "#d0d7de", "automargin": True}
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "font": {"family": "system-ui, sans-serif", "color": "#1f2328"},
        "hovermode": "closest",
        "clickmode": "event",
        "margin": {"l": 10, "r": 10, "t": 48, "b": 10},
        "legend": {"orientation": "h", "y": -0.2},
        "height": 320,
        "xaxis": {"type": "date", **grid},
        "yaxis": {"range": [0, 102], "ticksuffix": "%", "fixedrange": True, **grid},
        "shapes": [],
        "annotations": [],
    }
    if bar is not None:
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": bar,
                "y1": bar,
                "line": {"color": BAR_COLOR, "dash": "dot", "width": 1},
            }
        )
        layout["annotations"].append(
            {
                "text": f"Top Rated {bar:g}%",
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "y": bar,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": BAR_COLOR, "size": 11},
            }
        )
    if not data:
        layout["annotations"].append(
            {
                "text": "no computation yet",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        )
    return {"data": data, "layout": layout}


def causes_text(causes: Sequence[dict[str, Any]], most: int = 3) -> str:
    """The causes of a change (explain's or forecast's items) that moved it, largest first."""
    moved = sorted((c for c in causes if c.get("effect")), key=lambda c: -abs(c["effect"]))
    parts = [f"{c['text']} ({c['effect']:+.2f})" for c in moved[:most]]
    if len(moved) > most:
        parts.append(f"and {len(moved) - most} more")
    return "<br>".join(parts)


def forecast_points(ahead: dict[str, Any]) -> list[Point]:
    """The forecast (`jobsuccess.explain.forecast`'s JSON) as chart points: each change with
    its causes and status changes, then its last value held to the horizon."""
    points: list[Point] = []
    for change in ahead["changes"]:
        why = [f"{s}." for s in change.get("status_changes", ())]
        why.append(causes_text(change.get("causes", ())))
        points.append(
            Point(
                dt.date.fromisoformat(change["date"]),
                _value(change["score"]),
                "<br>".join(w for w in why if w),
            )
        )
    last = points[-1].score if points else _value(ahead["now"]["score"])
    points.append(Point(dt.date.fromisoformat(ahead["until"]), last, "if nothing new happens"))
    return points


def _value(score: int | None) -> float | None:
    return None if score is None else float(score)
