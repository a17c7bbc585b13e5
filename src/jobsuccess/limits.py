"""The bounds every input shares: which days and amounts jobsuccess computes with.

One place for the loader, the command-line options, the store's records and what-if
scenarios, so that a date or an amount accepted in one is accepted in all. Days run from
1970-01-01 to 2199-12-31: window arithmetic (24 months back, 36 ahead) never leaves Python's
calendar, and both database backends store them. Amounts are finite and at most a billion
either way (refunds are negative).

Deliberately light (no pydantic, no polars): the command line imports it for every option.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from typing import Final

from jobsuccess.errors import InputError

FIRST_DAY: Final = dt.date(1970, 1, 1)
LAST_DAY: Final = dt.date(2199, 12, 31)
DAYS: Final = f"{FIRST_DAY}..{LAST_DAY}"
MAX_AMOUNT: Final = 1e9


def out_of_range(day: dt.date) -> str | None:
    """Why ``day`` cannot be used, or None when it can."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is outside the supported dates {DAYS}"


def not_a_date(text: str) -> str:
    """Why ``text`` is not a date: not ``YYYY-MM-DD``, or a day its month does not have."""
    shaped = len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit()
    if shaped and 1 <= int(text[5:7]) <= 12 and int(text[:4]) >= 1:
        year, month = int(text[:4]), int(text[5:7])
        days = calendar.monthrange(year, month)[1]
        name = dt.date(year, month, 1).strftime("%B %Y")
        return f"not a date: {text!r} (the day does not exist: {name} has {days} days)"
    return f"not a date: {text!r} (expected YYYY-MM-DD)"


def parse_day(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` day within the bounds; `ValueError` says what is wrong with it."""
    shaped = len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit()
    try:
        day = dt.date.fromisoformat(text) if shaped else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(not_a_date(text))
    problem = out_of_range(day)
    if problem:
        raise ValueError(problem)
    return day


#: Events in one what-if scenario (file, CLI or API): each hypothetical contract is valued in
#: the attribution, so a scenario is bounded like any other request (issue 8).
MAX_SCENARIO_EVENTS: Final = 200


def setting(name: str, default: int, *, unit: str, low: int = 1, high: int | None = None) -> int:
    """The environment variable ``name`` as a whole number of ``unit`` from ``low`` to
    ``high``, or ``default`` when it is unset or empty: the one reader of numeric settings, so
    that every bad one fails the same way (an `InputError` naming the variable)."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"expected a whole number of {unit}, got {raw!r}", field=name) from None
    return bounded(value, unit=unit, field=name, low=low, high=high)


def bounded(value: int, *, unit: str, field: str, low: int = 1, high: int | None = None) -> int:
    """``value`` when it is from ``low`` to ``high`` ``unit``, else an `InputError` naming
    ``field``: the one range check of `setting` and of values given directly."""
    if value < low or (high is not None and value > high):
        within = f"{low} to {high}" if high is not None else f"at least {low}"
        raise InputError(f"expected {within} {unit}, got {value}", field=field)
    return value
