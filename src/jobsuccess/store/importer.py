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

The command reads its input in parts (`jobsuccess.io.parts`: batches of rows dealt to parts
on disk by freelancer, every part checked before anything is stored), so its memory is a
part's, whatever the size of the input; `import_history` appends them part by part.
Records are appended in chunks of whole freelancers (of a part; by default 5,000, about a
whole part), each chunk one transaction (contracts travel with their payments, so every chunk
is self-contained); on SQLite a chunk goes in one ``executemany`` per run of one kind, binding
only the columns that kind sets, on PostgreSQL by ``COPY`` (`jobsuccess.store.ledger`).
A run killed at any point (even ``kill -9``) leaves whole chunks behind; running it again
skips what is stored, because appending a stored record is a no-op. A record whose derived
id is stored with different content (the file changed a contract's client, say) stops the
import with a `ConflictError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

import polars as pl

from jobsuccess.io.parts import Parts
from jobsuccess.model import History
from jobsuccess.store import ledger
from jobsuccess.store.db import Database
from jobsuccess.store.records import ADDED_CONTENT, CONTENT_COLUMNS, with_derived_ids

DEFAULT_CHUNK: Final = 5000  # freelancers per transaction (about a part: `PART_CONTRACTS`)


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
    return with_derived_ids(frame, secret)


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
    history: History | Parts,
    *,
    freelancers_per_chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Append ``history`` to the ledger: a whole `History`, or one read and checked in parts
    (`jobsuccess.io.parts.Parts`: memory bounded by a part, whatever the input's size), part
    by part; ``progress(done, total)`` after every chunk."""
    histories: Iterable[History] = [history] if isinstance(history, History) else history
    total = None if isinstance(history, History) else history.rows
    secret = db.id_secret
    records = inserted = 0
    if progress and total is not None:
        progress(0, total)
    for part in histories:
        rows = history_rows(part, secret=secret)
        if total is None:
            total = rows.height
            if progress:
                progress(0, total)
        for chunk in chunked(rows, freelancers_per_chunk):
            inserted += ledger.append(db, chunk).inserted
            records += chunk.height
            if progress:
                progress(records, total)
    return ImportResult(records, inserted, records - inserted)
