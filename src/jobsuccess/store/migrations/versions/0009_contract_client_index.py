"""the contract records get an index by client (partial: ``kind = 'contract'``)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 00:40:00.000000

Under a policy with ``vanished_client`` on, the service explains one freelancer with the
marketplace's activity of their clients (`jobsuccess.store.ledger.client_activity` with
``clients``): their contracts' starts and positive payments, found from the clients. Without
an index by client that query scanned every contract record (and, on SQLite, every record);
with it, it reads those clients' contracts and then each contract's payments through the
per-freelancer index. The index holds the contract records only (a sixth of the log) and
only their client: about 1% more store. Building it holds off writes to ``records`` while it
runs (seconds for a million contracts): upgrade a large store when nothing is being ingested.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTRACTS = sa.text("kind = 'contract'")


def upgrade() -> None:
    op.create_index(
        "ix_records_client",
        "records",
        ["client"],
        unique=False,
        sqlite_where=CONTRACTS,
        postgresql_where=CONTRACTS,
    )


def downgrade() -> None:
    op.drop_index("ix_records_client", table_name="records")
