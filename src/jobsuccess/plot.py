"""The one way every page of the project embeds a chart: plotly, never a CDN.

`plotly` (a pinned dependency) ships its JavaScript inside the Python package. A
self-contained file (the HTML report, the lab's report.html) inlines it once with the first
chart (``script="inline"``); the web app serves the same file at `SCRIPT_URL` and pages load
it from there (``script=None``: the page's template holds the ``<script>`` tag). Element ids
are given, never random, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Final, Literal

#: Where the web app serves plotly.min.js (`jobsuccess.web.assets`).
SCRIPT_URL: Final = "/static/vendor/plotly.min.js"
CONFIG: Final[dict[str, Any]] = {"displaylogo": False, "responsive": True}


@cache
def plotly_js() -> str:
    """plotly.min.js as the installed package ships it."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def embed(fig: Any, div_id: str, *, script: Literal["inline"] | None) -> str:
    """The figure (a plotly ``Figure`` or its ``{"data", "layout"}``) as an HTML fragment: a
    ``<div id=div_id>`` and the script drawing it."""
    import plotly.io as pio

    return str(
        pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=script == "inline",
            div_id=div_id,
            config=CONFIG,
            validate=False,
        )
    )


def figure_json(fig: dict[str, Any]) -> str:
    """A figure's ``{"data", "layout"}`` as JSON, for a page's script to draw."""
    return json.dumps(fig, separators=(",", ":"), allow_nan=False)
