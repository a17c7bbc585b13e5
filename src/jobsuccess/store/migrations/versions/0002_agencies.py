"""agencies: the contract's agency, and stored agency scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("records", sa.Column("agency", sa.Text(), nullable=True))
    op.create_table(
        "agency_scores",
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("best", sa.String(length=16), nullable=True),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("top_rated", sa.Boolean(), nullable=False),
        sa.Column("top_rated_plus", sa.Boolean(), nullable=False),
        sa.Column("rising_talent", sa.Boolean(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency", "computed_on", name=op.f("pk_agency_scores")),
    )
    op.create_table(
        "agency_windows",
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("success", sa.Float(), nullable=False),
        sa.Column("neutral", sa.Float(), nullable=False),
        sa.Column("negative", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("agency", "computed_on", "window", name=op.f("pk_agency_windows")),
    )


def downgrade() -> None:
    op.drop_table("agency_windows")
    op.drop_table("agency_scores")
    # native on PostgreSQL and SQLite >= 3.35 (the column has no index or constraint)
    op.execute("ALTER TABLE records DROP COLUMN agency")
