"""The engine's results as published: the score JSON of one freelancer (`score_json`) and the
rows of ``jobsuccess batch`` (`batch_rows`, the unit of work of every runner)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from jobsuccess.engine import Scores
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.subjects import SubjectKind

if TYPE_CHECKING:
    from jobsuccess.explain import Audience


def score_json(
    scores: Scores,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    *,
    subject: SubjectKind = "freelancer",
    audience: Audience = "operator",
    history: History | None = None,
) -> dict[str, Any]:
    """The score JSON of one freelancer as of one date (`jobsuccess.explain.view`, the one
    view of a score), for ``audience``. The operator's ``private_answer`` comes from
    ``history`` (the engine's frames do not hold answers: without one it is null).

    ``subject="agency"``: the same object for an agency scored as a subject
    (`jobsuccess.subjects.for_agencies`), its id under the key ``agency``.
    """
    from jobsuccess.explain.ledger import normalize, private_answers
    from jobsuccess.explain.view import view

    answers = None
    if history is not None and audience == "operator":
        rows = normalize(scores.of(freelancer, as_of).ledger)
        answers = private_answers(history.only([freelancer]), rows)
    return view(
        scores, book, freelancer, as_of, audience, answers=answers, subject=subject
    ).to_json()


def flat_scores(scores: Scores) -> pl.DataFrame:
    """One row per (freelancer, as_of): the score, statuses and each window's figures (the
    rows of ``jobsuccess batch``)."""
    wide = scores.windows.with_columns(pl.col("window").cast(pl.String)).pivot(
        on="window", index=["freelancer", "as_of"], values=["score", "outcomes", "clients"]
    )
    return scores.scores.join(wide, on=["freelancer", "as_of"], how="left").sort(
        "freelancer", "as_of"
    )


def batch_rows(
    history: History,
    book: PolicyBook,
    day: dt.date,
    partition_size: int = 50_000,
    advance: Callable[[int], None] | None = None,
    *,
    clients: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The rows ``jobsuccess batch`` writes: `flat_scores` of every partition of `score_batch`,
    sorted by freelancer (an empty frame without columns for a history without freelancers).
    The unit of work of every runner: the whole marketplace, or one bucket of a dataset with
    the marketplace's ``clients`` (`jobsuccess.engine.market_clients`)."""
    from jobsuccess.engine import score_batch

    parts: list[pl.DataFrame] = []
    scored = score_batch(
        history, book, day, partition_size=partition_size, ledger=False, clients=clients
    )
    for scores in scored:
        parts.append(flat_scores(scores))
        if advance is not None:
            advance(scores.scores.height)
    return combine(parts)


def combine(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Partitions' (or buckets') `batch_rows` as one frame: the same rows in the same order,
    however the freelancers were split (parts without rows carry nothing)."""
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed").sort("freelancer", "as_of")
