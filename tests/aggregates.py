"""Typed reads of polars aggregates (``Series.min()``, ``.mean()``, ``.quantile()``...).

Polars types them as any Python literal or None, so a test comparing one needs to say which
kind it expects; these check it at run time too, so a wrong kind fails with the value shown.
"""

from __future__ import annotations

import datetime as dt


def as_float(value: object) -> float:
    """A numeric aggregate (an int or float; None, as of an empty column, fails)."""
    assert isinstance(value, int | float), value
    return float(value)


def as_date(value: object) -> dt.date:
    """A date aggregate (None, as of an empty column, fails)."""
    assert isinstance(value, dt.date), value
    return value
