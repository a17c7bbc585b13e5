"""The figures beside every score: each window's, rounded as published, and the evidence block.

The CLI's score JSON (`jobsuccess.explain.view`) and the API's stored scores both come through
here, so they agree to the digit; the evidence reads nothing but published figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

from jobsuccess.engine.windows import FIGURES, WINDOW_ORDER

WINDOW_FIELDS = FIGURES
DIGITS = 4


def _num(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def _window_value(field: str, value: Any) -> Any:
    if field == "eligible":
        return bool(value)
    if field in ("outcomes", "clients"):
        return int(value)
    return _num(value)


def window_figures(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each window's figures as the score JSON has them: in the engine's window order
    (3m, 6m, 12m, 24m, trending; not string order) and rounded to `DIGITS`. The CLI's JSON and
    the API's stored scores both come through here, so they agree to the digit."""
    ordered = sorted(rows, key=lambda w: _WINDOW_RANK.get(str(w["window"]), len(_WINDOW_RANK)))
    return {
        str(w["window"]): {field: _window_value(field, w[field]) for field in WINDOW_FIELDS}
        for w in ordered
    }


_WINDOW_RANK: Final = {name: i for i, name in enumerate(WINDOW_ORDER)}


#: The evidence block's interval (docs/rules.md, "Evidence"): a Wilson score interval at 95%.
EVIDENCE_METHOD: Final = "wilson"
EVIDENCE_LEVEL: Final = 0.95
_Z: Final = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson(rate: float, n: int, z: float = _Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``rate`` observed over ``n`` trials."""
    p = min(max(rate, 0.0), 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def evidence(best: str | None, windows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The evidence behind a displayed score, from its window's own published aggregates.

    ``windows`` is `window_figures`'s output. The window is the displayed one (``best``), or
    without a score the longest; ``outcomes`` and ``clients`` are that window's (trending: those
    of its longest window, as everywhere). The interval is a Wilson score interval on the
    window's score read as a proportion of its ``outcomes`` (``low``, ``high``, in percent),
    null without a score. It reads nothing but figures the score JSON already shows, so it
    reveals nothing private. The CLI's score JSON and the API both build it here.
    """
    plain = [w for w in WINDOW_ORDER if w in windows and w != "trending"]
    window = best if best in windows else (plain[-1] if plain else None)
    figures = windows.get(window, {}) if window is not None else {}
    n = int(figures.get("outcomes") or 0)
    shown = figures.get("score") if best is not None else None
    low = high = None
    if shown is not None and n > 0:
        lo, hi = wilson(float(shown) / 100, n)
        low, high = round(100 * lo, DIGITS), round(100 * hi, DIGITS)
    return {
        "window": window,
        "outcomes": n,
        "clients": int(figures.get("clients") or 0),
        "method": EVIDENCE_METHOD,
        "level": EVIDENCE_LEVEL,
        "low": low,
        "high": high,
    }
