"""The lab's ``report.html``: one self-contained page (plotly's JavaScript inline, no network).

An adapter: it reads the freelancer frame, the `Summary` and the explained movers and renders
them; every number comes from `jobsuccess.lab.compare` and the explain engine. Plot element
ids are fixed, so the same inputs give the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from jobsuccess.explain.words import shown
from jobsuccess.lab.compare import SEGMENTS, STATUSES, DateSummary, Figures, Summary
from jobsuccess.lab.run import Mover
from jobsuccess.plot import embed

BANDS: Final = ("no score", "under 75", "75-79", "80-89", "90+")
SHOWN_CHANGES: Final = 6


def _band(column: str) -> pl.Expr:
    s = pl.col(column)
    return (
        pl.when(s.is_null())
        .then(pl.lit(BANDS[0]))
        .when(s < 75)
        .then(pl.lit(BANDS[1]))
        .when(s < 80)
        .then(pl.lit(BANDS[2]))
        .when(s < 90)
        .then(pl.lit(BANDS[3]))
        .otherwise(pl.lit(BANDS[4]))
    )


def band_matrix(frame: pl.DataFrame) -> list[list[int]]:
    """Counts of freelancers by (candidate band, base band), rows and columns in `BANDS` order."""
    counts = (
        frame.select(b=_band("base_score"), c=_band("candidate_score"))
        .group_by("b", "c")
        .len()
        .iter_rows()
    )
    table = {(b, c): n for b, c, n in counts}
    return [[int(table.get((b, c), 0)) for b in BANDS] for c in BANDS]


def _figure_html(fig: Any, div_id: str, first: bool) -> str:
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return embed(fig, div_id, script="inline" if first else None)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _headline(f: Figures) -> list[tuple[str, str]]:
    rows = [
        ("freelancers", f"{f.freelancers:,}"),
        (
            "scored (base / candidate / both)",
            f"{f.scored_base:,} / {f.scored_candidate:,} / {f.scored_both:,}",
        ),
        ("gained a score", f"{f.gained_score.count:,} ({_pct(f.gained_score.share)})"),
        ("lost a score", f"{f.lost_score.count:,} ({_pct(f.lost_score.share)})"),
        ("displayed score changed", f"{f.changed.count:,} ({_pct(f.changed.share)} of scored)"),
        (
            "changed by 5 points or more",
            f"{f.changed_by_5.count:,} ({_pct(f.changed_by_5.share)} of scored)",
        ),
    ]
    for line, c in f.crossed.items():
        rows.append((f"crossed {line} (up / down)", f"{c.up.count:,} / {c.down.count:,}"))
    for s in STATUSES:
        st = f.statuses[s]
        rows.append(
            (f"{s.replace('_', ' ')} (gained / lost)", f"{st.gained.count:,} / {st.lost.count:,}")
        )
    d = f.delta
    if d.mean is not None:
        q = ", ".join(f"{k} {v:+d}" for k, v in d.quantiles.items() if v is not None)
        rows.append(("delta: mean, mean |delta|", f"{d.mean:+.3f}, {d.mean_abs:.3f}"))
        rows.append(("delta quantiles", q))
    return rows


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table class='kv'>{body}</table>"


def _movers(movers: Sequence[Mover]) -> str:
    items = []
    for m in movers:
        moved = [c for c in m.to_json()["changes"] if c["effect"]]
        changes = moved[:SHOWN_CHANGES]
        rest = len(moved) - len(changes)
        lis = "".join(
            f"<li><b>{c['effect']:+.2f}</b> {html.escape(c['kind'])}: {html.escape(c['text'])}</li>"
            for c in changes
        )
        if rest > 0:
            lis += f"<li>... and {rest} more</li>"
        items.append(
            f"<tr><td class='id'>{html.escape(m.freelancer)}</td>"
            f"<td>{shown(m.base_score)} &rarr; {shown(m.candidate_score)}</td>"
            f"<td><ul>{lis or '<li>no change</li>'}</ul></td></tr>"
        )
    head = "<tr><th>freelancer</th><th>score</th><th>why (explain engine, operator)</th></tr>"
    return f"<table class='movers'>{head}{''.join(items)}</table>"


def render(frame: pl.DataFrame, summary: Summary, movers: Sequence[Mover], market: str) -> str:
    """The whole page for the lab's last date (and, over several dates, their trend)."""
    import plotly.graph_objects as go

    last: DateSummary = summary.dates[-1]
    day = last.as_of
    one = frame.filter(pl.col("as_of") == day)
    figs: list[str] = []

    deltas = one.filter(pl.col("delta").is_not_null()).get_column("delta").to_list()
    hist = go.Figure(go.Histogram(x=deltas, xbins={"size": 1}, marker_color="#4063d8"))
    hist.update_layout(
        title=f"Displayed score change, candidate minus base ({len(deltas):,} scored both ways)",
        xaxis_title="delta (points)",
        yaxis_title="freelancers",
        yaxis_type="log",
    )
    figs.append(_figure_html(hist, "lab-delta", True))

    matrix = band_matrix(one)
    heat = go.Figure(
        go.Heatmap(
            z=matrix,
            x=list(BANDS),
            y=list(BANDS),
            text=[[f"{v:,}" for v in row] for row in matrix],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
        )
    )
    heat.update_layout(
        title="Before / after: freelancers by score band",
        xaxis_title=f"base ({summary.base})",
        yaxis_title=f"candidate ({summary.candidate})",
    )
    figs.append(_figure_html(heat, "lab-bands", False))

    for name, bands in last.segments.items():
        labels = list(bands)
        seg = go.Figure(
            [
                go.Bar(
                    name="lost a score", x=labels, y=[bands[b].lost_score.share for b in labels]
                ),
                go.Bar(
                    name="gained a score", x=labels, y=[bands[b].gained_score.share for b in labels]
                ),
                go.Bar(
                    name="changed by 5+ (of scored)",
                    x=labels,
                    y=[bands[b].changed_by_5.share for b in labels],
                ),
            ]
        )
        sizes = ", ".join(f"{b}: {bands[b].freelancers:,}" for b in labels)
        seg.update_layout(
            title=f"By {name.replace('_', ' ')} ({sizes})",
            barmode="group",
            yaxis_tickformat=".1%",
        )
        figs.append(_figure_html(seg, f"lab-segment-{SEGMENTS[name][0]}", False))

    if len(summary.dates) > 1:
        xs = [d.as_of.isoformat() for d in summary.dates]
        trend = go.Figure(
            [
                go.Scatter(
                    name="lost a score", x=xs, y=[d.figures.lost_score.count for d in summary.dates]
                ),
                go.Scatter(
                    name="gained a score",
                    x=xs,
                    y=[d.figures.gained_score.count for d in summary.dates],
                ),
                go.Scatter(
                    name="changed by 5+",
                    x=xs,
                    y=[d.figures.changed_by_5.count for d in summary.dates],
                ),
            ]
        )
        trend.update_layout(title="Over the computation dates", yaxis_title="freelancers")
        figs.append(_figure_html(trend, "lab-dates", False))

    title = f"Policy lab: {summary.base} vs {summary.candidate}"
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}th,td{padding:4px 10px;text-align:left;"
        "vertical-align:top;border-bottom:1px solid #eee}td.id{font-family:monospace}"
        "ul{margin:0;padding-left:1.2em}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>Market <code>{html.escape(market)}</code>, as of {day.isoformat()}"
        + (f" (last of {len(summary.dates)} computation dates)" if len(summary.dates) > 1 else "")
        + ". Base: <b>"
        + html.escape(summary.base)
        + "</b>; candidate: <b>"
        + html.escape(summary.candidate)
        + "</b>.</p>"
        + _table(_headline(last.figures))
        + "".join(f"<div class='plot'>{f}</div>" for f in figs)
        + f"<h2>The {len(movers)} largest movers</h2>"
        + _movers(movers)
        + "</body></html>\n"
    )
