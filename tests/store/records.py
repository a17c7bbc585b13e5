"""Compact builders of ledger records (validated, as log rows) for the store and service tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from pydantic import TypeAdapter

from jobsuccess.model import History
from jobsuccess.store.records import Record, to_row

_RECORD: TypeAdapter[Any] = TypeAdapter(Record)


def rec(kind: str, id: str, **fields: Any) -> dict[str, Any]:
    """A record in its JSON form (what the API receives)."""
    return {"kind": kind, "id": id, **fields}


def row(kind: str, id: str, **fields: Any) -> dict[str, Any]:
    """The log row of a record (validated like the API does)."""
    return to_row(_RECORD.validate_python(rec(kind, id, **fields)))


def contract(
    id: str, f: str = "f1", c: str = "k1", client: str = "x", start: str = "2024-01-01", **more: Any
) -> dict[str, Any]:
    return row(
        "contract", id, freelancer=f, contract=c, client=client, type="fixed", start=start, **more
    )


def payment(
    id: str, f: str = "f1", c: str = "k1", date: str = "2024-02-01", amount: float = 100.0
) -> dict[str, Any]:
    return row("payment", id, freelancer=f, contract=c, date=date, amount=amount)


def sorted_history(history: History) -> dict[str, pl.DataFrame]:
    """Each frame sorted by every column: two histories with the same rows compare equal."""
    return {name: frame.sort(frame.columns, nulls_last=True) for name, frame in history.frames()}


def assert_same_history(a: History, b: History) -> None:
    left, right = sorted_history(a), sorted_history(b)
    for name in left:
        assert left[name].equals(right[name]), f"{name} differ:\n{left[name]}\n{right[name]}"


TODAY = dt.date(2026, 11, 1)


def market(freelancers: int, seed: int, *, wide_actions: bool = True) -> History:
    """A synthetic marketplace that every history format accepts.

    `jobsuccess.synth` puts the client on feedback_removed actions, which the file formats
    refuse (an action names a contract or a client); such clients are cleared here.
    ``wide_actions=False`` drops marketplace-wide actions (the JSON format has no place for
    them).
    """
    from jobsuccess.synth import marketplace

    history = marketplace(freelancers, seed=seed, as_of=TODAY)
    actions = history.actions.with_columns(
        pl.when(pl.col("type") == "client_flagged").then(pl.col("client")).alias("client")
    )
    if not wide_actions:
        actions = actions.filter(pl.col("freelancer").is_not_null())
    return history.with_frame("actions", actions)
