"""appeals and reports decided by people, their append-only audit, reviewer keys, client_feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:00:00.000000

* ``appeals``: one row per appeal or report a freelancer files on one contract, with its
  current state; ``appeal_events``: every transition (who, when, from, to, why). Triggers
  refuse UPDATE and DELETE on ``appeal_events`` and DELETE on ``appeals``, on SQLite and on
  PostgreSQL, so that no code path (nor a hand-typed statement) can rewrite the audit;
* ``api_keys.reviewer``: an operator key that may decide appeals (false for every key so far);
* ``records.client_feedback``: the stars the freelancer gave the client (a contract's or a
  contract update's, nullable: every stored record keeps its digest, see ``ADDED_CONTENT``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (trigger, table, event) of the refusals; the message names the table.
GUARDS = (
    ("appeal_events_no_update", "appeal_events", "UPDATE"),
    ("appeal_events_no_delete", "appeal_events", "DELETE"),
    ("appeals_no_delete", "appeals", "DELETE"),
)
PG_FUNCTION = "jobsuccess_append_only"


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("records", sa.Column("client_feedback", sa.Float(), nullable=True))
    op.add_column(
        "api_keys",
        sa.Column("reviewer", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("freelancer", sa.Text(), nullable=False),
        sa.Column("contract", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
    )
    op.create_index("ix_appeals_state_filed_at", "appeals", ["state", "filed_at"])
    op.create_index("ix_appeals_freelancer_contract", "appeals", ["freelancer", "contract"])
    op.create_table(
        "appeal_events",
        sa.Column("seq", _seq(), autoincrement=True, nullable=False),
        sa.Column("appeal", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["appeal"], ["appeals.id"], name="fk_appeal_events_appeal"),
        sa.PrimaryKeyConstraint("seq", name="pk_appeal_events"),
    )
    op.create_index("ix_appeal_events_appeal_seq", "appeal_events", ["appeal", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        for name, table, event in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
            )
    else:
        for name, table, event in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {event} refused'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _ in GUARDS:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        op.execute(f"DROP FUNCTION {PG_FUNCTION}()")
    op.drop_index("ix_appeal_events_appeal_seq", table_name="appeal_events")
    op.drop_table("appeal_events")
    op.drop_index("ix_appeals_freelancer_contract", table_name="appeals")
    op.drop_index("ix_appeals_state_filed_at", table_name="appeals")
    op.drop_table("appeals")
    # native on PostgreSQL and SQLite >= 3.35 (the columns have no index or constraint)
    op.execute("ALTER TABLE api_keys DROP COLUMN reviewer")
    op.execute("ALTER TABLE records DROP COLUMN client_feedback")
