"""history format fields: a contract's category, an account hold's until, a pause's cause

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: every stored record stays as it was (and keeps its digest: ADDED_CONTENT)
    op.add_column("records", sa.Column("category", sa.Text(), nullable=True))
    op.add_column("records", sa.Column("until", sa.Date(), nullable=True))
    op.add_column("records", sa.Column("cause", sa.Text(), nullable=True))


def downgrade() -> None:
    # native on PostgreSQL and SQLite >= 3.35 (the columns have no index or constraint)
    for name in ("cause", "until", "category"):
        op.execute(f"ALTER TABLE records DROP COLUMN {name}")
