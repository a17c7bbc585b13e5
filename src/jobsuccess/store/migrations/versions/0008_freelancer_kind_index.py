"""the log's per-freelancer index gains the kind: (freelancer, kind, seq), not (freelancer, seq)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:30:00.000000

A snapshot reads a partition's records one kind at a time, each kind's own columns only
(`jobsuccess.store.ledger.log_frame`). Under ``ix_records_freelancer_seq`` every one of those
queries visited every record of the partition's freelancers to keep one kind; under
``ix_records_freelancer_kind_seq`` each visits its own kind's records only (issue 9: the
read was most of a snapshot's time). The index is as large but for one short column; a
freelancer's records in log order (`jobsuccess.store.ledger.records_of`) are read from their
kinds' ranges and sorted. The new index is built before the old one goes, in the migration's
one transaction; downgrading swaps them back. On SQLite the old index's pages stay in the
file as free pages, which later inserts reuse (``VACUUM`` gives them back: a 100,000-freelancer
store upgraded in place grew from 1.80 to 1.99 GB). Building the index holds off writes to
``records`` while it runs (about 6 s for 6.3M records on SQLite here): upgrade a large store
when nothing is being ingested.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_records_freelancer_kind_seq", "records", ["freelancer", "kind", "seq"], unique=False
    )
    op.drop_index("ix_records_freelancer_seq", table_name="records")


def downgrade() -> None:
    op.create_index("ix_records_freelancer_seq", "records", ["freelancer", "seq"], unique=False)
    op.drop_index("ix_records_freelancer_kind_seq", table_name="records")
