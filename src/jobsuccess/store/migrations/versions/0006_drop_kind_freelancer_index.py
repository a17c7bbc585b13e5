"""drop ix_records_kind_freelancer: an index no query uses, paid on every insert

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:40:00.000000

Migration 0001 created ``ix_records_kind_freelancer`` (kind, freelancer), which the schema
(`jobsuccess.store.schema`) never declared: the freelancer and agency lists read the partial
unique index ``uq_records_contract`` (freelancer, contract WHERE kind = 'contract') and the
per-freelancer reads ``ix_records_freelancer_seq``. It cost every appended record an index
entry (29 of the 310 bytes a record took on SQLite, and a quarter of the index work of a bulk
import, issue 9). Nothing else changes; downgrading recreates it.

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_records_kind_freelancer", table_name="records")


def downgrade() -> None:
    op.create_index("ix_records_kind_freelancer", "records", ["kind", "freelancer"], unique=False)
