"""One freelancer's engine results on one date (a `Snapshot`), and what its ledger rows say.

Explanations never classify a contract themselves: they read the engine's ledger (rule,
outcome, weight, shares, windows, batch) and compare ledgers. A ledger row here is a plain
dict of one contract's engine columns; ``rows`` frames keep the engine's columns with the
computation date as ``on``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

import polars as pl

from jobsuccess.engine import LEDGER, Scores, evaluate, score
from jobsuccess.engine.privacy import SHARES
from jobsuccess.errors import InputError
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

Row = Mapping[str, Any]


class Plain:
    """A result whose JSON is its fields, in order (``dataclasses.asdict``): for dataclasses
    whose fields are JSON values or other such dataclasses."""

    def to_json(self) -> dict[str, Any]:
        assert is_dataclass(self) and not isinstance(self, type)
        return asdict(self)


@dataclass(frozen=True)
class PrivateAnswer(Plain):
    """A client's private answers to one contract's feedback (operators only)."""

    recommend: int | None
    end_reason: str | None


@dataclass(frozen=True)
class Snapshot:
    """The engine's answer for one freelancer as of one date."""

    freelancer: str
    as_of: dt.date
    on: dt.date
    policy: Policy
    head: dict[str, Any]
    """The engine's score row: score, best, best_score, reason and statuses."""
    rows: pl.DataFrame
    """The ledger: one row per contract started by ``on``."""
    scores: Scores
    """The engine's frames for this one (freelancer, as_of), for the score JSON."""
    answers: dict[str, PrivateAnswer]
    """Each contract's private answers known on ``on`` (for operators only)."""

    def row(self, contract: str) -> Row | None:
        return rows_by_id(self.rows).get(contract)


def pick_freelancer(history: History, freelancer: str | None) -> str:
    """The freelancer to explain: the one given, or the history's only one (errors name the
    field ``freelancer``; the CLI calls it by its option)."""
    known = history.freelancers
    if freelancer is not None:
        if freelancer not in known:
            raise InputError(
                f"no freelancer {freelancer!r} in the history; known: {', '.join(known) or 'none'}",
                field="freelancer",
            )
        return freelancer
    if len(known) != 1:
        raise InputError(
            f"the history holds {len(known)} freelancers; pick one ({', '.join(known[:10])})",
            field="freelancer",
        )
    return known[0]


def normalize(ledger: pl.DataFrame) -> pl.DataFrame:
    """Engine ledger rows of one date as ``rows``: the computation date in ``on``."""
    drop = [c for c in ("as_of", "policy") if c in ledger.columns]
    if "computed_on" in ledger.columns:
        ledger = ledger.drop("on", strict=False).rename({"computed_on": "on"})
    return ledger.drop(drop).sort("id")


def snapshots(
    history: History,
    book: PolicyBook,
    freelancer: str,
    dates: Sequence[dt.date],
    *,
    statuses: bool = True,
) -> list[Snapshot]:
    """The engine's results as of each date (one engine call), in the order given."""
    one = history.only([freelancer])
    scores = score(one, book, list(dates), statuses=statuses)
    out = []
    for day in dates:
        part = scores.of(freelancer, day)
        head = part.scores.row(0, named=True)
        rows = normalize(part.ledger)
        out.append(
            Snapshot(
                freelancer=freelancer,
                as_of=day,
                on=head["computed_on"],
                policy=book.get(head["policy"]),
                head=head,
                rows=rows,
                scores=part,
                answers=private_answers(one, rows),
            )
        )
    return out


def private_answers(history: History, rows: pl.DataFrame) -> dict[str, PrivateAnswer]:
    """The private answers of the feedback the engine counted as given, per contract.

    Which feedback counts is the engine's test (``has_feedback`` in its ledger: given at the
    end and within its days), read here, never restated; the answers come from the history,
    since a held member's ledger row is classified with them set aside.
    """
    counted = rows.filter(pl.col("has_feedback")).select(
        pl.col("id").alias("contract"), pl.col("fb_date").alias("date")
    )
    given = (
        history.feedback.select("contract", "date", "recommend")
        .join(counted, on=["contract", "date"])
        .join(
            history.contracts.select(pl.col("id").alias("contract"), "end_reason"),
            on="contract",
        )
    )
    return {
        str(r["contract"]): PrivateAnswer(r["recommend"], r["end_reason"])
        for r in given.iter_rows(named=True)
    }


def rows_under(history: History, freelancer: str, policy: Policy, on: dt.date) -> pl.DataFrame:
    """The ledger of ``on`` under a given policy, whatever the policy in force then."""
    run = evaluate(history.only([freelancer]), policy, [on], through=LEDGER)
    return normalize(run.ledger.filter(pl.col("freelancer") == freelancer))


def rows_by_id(rows: pl.DataFrame) -> dict[str, Row]:
    return {str(r["id"]): r for r in rows.iter_rows(named=True)}


# -- what one row says ------------------------------------------------------------------------


def rule_of(row: Row | None) -> str | None:
    return None if row is None else str(row["rule"])


def pooled(row: Row | None) -> bool:
    """Counted through a closed batch: its own private outcome is never shown to freelancers."""
    return (
        row is not None
        and bool(row["private"])
        and not bool(row["held"])
        and row["batch"] is not None
    )


def unpooled(row: Row | None) -> bool:
    """Decided by a private answer and counted on its own (pooling off, ``privacy.k = 1``, the
    faithful replay): its outcome is never shown to freelancers, though a score change that
    only this contract caused still reveals it, as on the marketplace replayed."""
    return row is not None and bool(row["private"]) and row["batch"] is None


def held(row: Row | None) -> bool:
    """Private feedback waiting for its batch: counted on public feedback only."""
    return row is not None and bool(row["private"]) and bool(row["held"])


def windows_of(row: Row | None, names: Sequence[str]) -> tuple[str, ...]:
    if row is None:
        return ()
    return tuple(w for w in names if row.get(f"in_{w}"))


def shares_of(row: Row | None) -> tuple[float, float, float]:
    if row is None:
        return (0.0, 0.0, 0.0)
    success, neutral, negative = (float(row[c]) for c in SHARES)
    return success, neutral, negative


def weight_of(row: Row | None) -> float:
    return 0.0 if row is None else float(row["weight"])
