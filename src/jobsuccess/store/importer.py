"""Importing a history (JSON file or table folder) into the ledger, resumably.

A history describes state; the importer turns it into ledger records with deterministic ids
(`jobsuccess.store.records.derived_id`, keyed with the store's own secret so that an id
reveals nothing about the record, and a rerun derives the same ids):

* a ``contract`` record per contract, its id derived from (freelancer, contract) alone, with
  the contract's client, type, start, category and agency;
* a ``contract_update`` record for its end, ended_by, end_reason and client_feedback (the
  freelancer's stars for the client) when any is set, its id derived from those values:
  importing a later version of the history in which a contract has ended (or the freelancer
  has rated the client) adds the update and nothing else;
* ``payment``, ``feedback``, ``dispute`` and ``action`` records, their ids derived from their
  content plus their occurrence number among identical records of the same contract (two
  equal payments on one day are two payments, and stay two on every re-import).

Records are appended in chunks of whole freelancers, each chunk one transaction (contracts
travel with their payments, so every chunk is self-contained). A run killed at any point
(even ``kill -9``) leaves whole chunks behind; running it again skips what is stored, because
appending a stored record is a no-op. A record whose derived id is stored with different
content (the file changed a contract's client, say) stops the import with a `ConflictError`
naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

import polars as pl

from jobsuccess.model import History
from jobsuccess.store import ledger
from jobsuccess.store.db import Database
from jobsuccess.store.records import (
    ADDED_CONTENT,
    CONTENT_COLUMNS,
    added_content,
    canonical_column,
    keyed_id,
    plain_id,
    plain_id_of,
    sha256,
)

DEFAULT_CHUNK: Final = 500  # freelancers per transaction


def history_rows(history: History, *, secret: str | None) -> pl.DataFrame:
    """Every record of ``history`` as log rows (columns: id, CONTENT_COLUMNS, digest).

    Ids are keyed with ``secret`` (the store's `Database.id_secret`); ``None`` gives the plain
    ids stored before migration 0004 (which reveal content: tests and the migration only).
    """
    c = history.contracts
    parts = [
        c.select(
            pl.lit("contract").alias("kind"),
            "freelancer",
            pl.col("id").alias("contract"),
            "client",
            pl.col("type").alias("contract_type"),
            "start",
            "category",
            "agency",
        ),
        c.filter(
            pl.any_horizontal(
                pl.col(x).is_not_null()
                for x in ("end", "ended_by", "end_reason", "client_feedback")
            )
        ).select(
            pl.lit("contract_update").alias("kind"),
            "freelancer",
            pl.col("id").alias("contract"),
            "end",
            "ended_by",
            "end_reason",
            "client_feedback",
        ),
        history.payments.select(
            pl.lit("payment").alias("kind"), "freelancer", "contract", "date", "amount"
        ),
        history.feedback.select(
            pl.lit("feedback").alias("kind"), "freelancer", "contract", "date", "stars", "recommend"
        ),
        history.disputes.select(
            pl.lit("dispute").alias("kind"),
            "freelancer",
            "contract",
            pl.col("opened").alias("date"),
            "outcome",
        ),
        history.actions.select(
            pl.lit("action").alias("kind"),
            "freelancer",
            "contract",
            "client",
            pl.col("type").alias("action_type"),
            "date",
            "note",
            "until",
            "cause",
        ),
    ]
    frame = pl.concat(parts, how="diagonal_relaxed")
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.Boolean() if col == "note_public" else pl.String()).alias(col)
        for col in (*CONTENT_COLUMNS, *ADDED_CONTENT)
        if col not in frame.columns
    ).select(*CONTENT_COLUMNS, *ADDED_CONTENT)
    texts = [canonical_column(c, frame.get_column(c).to_list()) for c in CONTENT_COLUMNS]
    canon = ["|".join(parts) for parts in zip(*texts, strict=True)]
    for column in ADDED_CONTENT:
        values = frame.get_column(column).to_list()
        canon = [t + added_content(column, v) for t, v in zip(canon, values, strict=True)]
    # occurrence number among records with the same content: stable ids for repeats
    seen: dict[str, int] = {}
    occurrence = []
    for text in canon:
        seen[text] = n = seen.get(text, -1) + 1
        occurrence.append(n)
    kinds = frame.get_column("kind").to_list()
    keys = zip(
        frame.get_column("freelancer").to_list(),
        frame.get_column("contract").to_list(),
        strict=True,
    )
    ids = [
        plain_id("contract", f, c) if kind == "contract" else plain_id_of(text, n)
        for kind, (f, c), text, n in zip(kinds, keys, canon, occurrence, strict=True)
    ]
    if secret is not None:
        ids = [keyed_id(secret, i) for i in ids]
    return frame.with_columns(
        pl.Series("id", ids, dtype=pl.String()),
        pl.Series("digest", [sha256(t) for t in canon], dtype=pl.String()),
    )


@dataclass(frozen=True)
class ImportResult:
    records: int
    inserted: int
    duplicates: int


def chunked(rows: pl.DataFrame, freelancers_per_chunk: int) -> Iterator[pl.DataFrame]:
    """Rows in chunks of whole freelancers (in freelancer order), contracts first in each.

    Marketplace-wide actions (no freelancer) come in a chunk of their own, first.
    """
    order = {"contract": 0, "contract_update": 1}
    keyed = rows.with_columns(
        _chunk=((pl.col("freelancer").rank("dense") - 1) // freelancers_per_chunk).fill_null(-1),
        _order=pl.col("kind").replace_strict(order, default=2, return_dtype=pl.Int8),
    ).sort("_chunk", "_order", maintain_order=True)
    for part in keyed.partition_by("_chunk", maintain_order=True):
        yield part.drop("_chunk", "_order")


def import_history(
    db: Database,
    history: History,
    *,
    freelancers_per_chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Append ``history`` to the ledger; ``progress(done, total)`` after every chunk."""
    rows = history_rows(history, secret=db.id_secret)
    total, inserted = rows.height, 0
    done = 0
    if progress:
        progress(0, total)
    for chunk in chunked(rows, freelancers_per_chunk):
        inserted += ledger.append(db, chunk).inserted
        done += chunk.height
        if progress:
            progress(done, total)
    return ImportResult(total, inserted, total - inserted)
