"""The bounds every input shares: which days and amounts jobsuccess computes with.

One place for the loader, the command-line options, the store's records and what-if
scenarios, so that a date or an amount accepted in one is accepted in all. Days run from
1970-01-01 to 2199-12-31: window arithmetic (24 months back, 36 ahead) never leaves Python's
calendar, and both database backends store them. Amounts are finite and at most a billion
either way (refunds are negative).

Deliberately light (no pydantic, no polars): the command line imports it for every option.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

FIRST_DAY: Final = dt.date(1970, 1, 1)
LAST_DAY: Final = dt.date(2199, 12, 31)
DAYS: Final = f"{FIRST_DAY}..{LAST_DAY}"
MAX_AMOUNT: Final = 1e9


def out_of_range(day: dt.date) -> str | None:
    """Why ``day`` cannot be used, or None when it can."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is outside the supported dates {DAYS}"


def parse_day(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` day within the bounds; `ValueError` says what is wrong with it."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.replace("-", "").isdigit():
        raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (no such day in the calendar)") from None
    problem = out_of_range(day)
    if problem:
        raise ValueError(problem)
    return day
