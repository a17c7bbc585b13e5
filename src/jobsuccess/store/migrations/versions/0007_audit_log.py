"""the audit log of what operators saw and did in the web console

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jobsuccess.store.schema import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("freelancer", sa.Text()),
        sa.Column("client", sa.Text()),
        sa.Column("detail", sa.Text()),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_freelancer", "audit_log", ["freelancer"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_freelancer", "audit_log")
    op.drop_table("audit_log")
