"""The one deterministic order of every frame, and sorting that skips sorted input.

Readers and writers agree on this order, so a folder written by `write_tables` loads without
a sort: checking that rows are in order is one cheap pass, sorting 30M rows is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

#: Sort keys per table (nulls last): by freelancer, contract, then date.
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "contracts": ("freelancer", "id"),
    "payments": ("freelancer", "contract", "date", "amount"),
    "feedback": ("freelancer", "contract", "date", "stars", "recommend"),
    "disputes": ("freelancer", "contract", "opened", "outcome"),
    "actions": ("freelancer", "date", "type", "contract", "client", "note"),
}


def in_order(frame: pl.DataFrame, keys: Sequence[str]) -> bool:
    """Whether rows are already sorted by ``keys`` (ascending, nulls last)."""
    if frame.height < 2:
        return True
    after = pl.lit(False)  # the keys so far put the row strictly after the one before
    same = pl.lit(True)  # the keys so far equal the row before's
    for key in keys:
        now, before = pl.col(key), pl.col(key).shift(1)
        greater = (
            pl.when(now.is_null() | before.is_null())
            .then(now.is_null() & before.is_not_null())
            .otherwise(now > before)
        )
        after = after | (same & greater)
        same = same & now.eq_missing(before)
    return bool(frame.select((after | same).slice(1).all()).item())


def ordered(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """``frame`` sorted by ``keys`` (nulls last), without sorting when it already is."""
    return frame if in_order(frame, keys) else sort(frame, keys)


def sort(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """``frame`` sorted by ``keys``, nulls last."""
    # nulls_last takes a slow sort path (13x at 30M rows): ask for it only where nulls are
    nulls = any(frame.get_column(k).null_count() for k in keys)
    return frame.sort(list(keys), nulls_last=nulls)
