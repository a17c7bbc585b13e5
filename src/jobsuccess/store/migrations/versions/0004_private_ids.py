"""ids that reveal nothing: the store's id secret, keyed record ids, public operator notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:50:00.000000

Ids derived before (by the importer and the action endpoints) were plain SHA-256 hashes of
the record's content, private feedback included: anyone shown an id could try the 12 values
of ``recommend`` against it. This revision generates the store's ``id_secret`` (or takes
``JOBSUCCESS_ID_SECRET`` when set) and rewrites every stored id of the plain form
(``d-`` and 32 hex digits) to its HMAC (`jobsuccess.store.records.keyed_id`), which is what
the importer and the endpoints now derive: re-importing the same history after the upgrade
is still a no-op. Ids a sender chose are kept (they are the sender's to choose).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jobsuccess.store.db import ID_SECRET, new_id_secret
from jobsuccess.store.records import PLAIN_ID, keyed_id

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    op.add_column("records", sa.Column("note_public", sa.Boolean(), nullable=True))
    settings = op.create_table(
        "settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_settings"),
    )
    secret = new_id_secret()
    op.bulk_insert(settings, [{"name": ID_SECRET, "value": secret}])
    conn = op.get_bind()
    # plain ids are "d-" + 32 hex digits: 34 characters
    found = conn.execute(
        sa.text("SELECT seq, id FROM records WHERE id LIKE 'd-%' AND length(id) = 34")
    ).all()
    rewrites = [
        {"s": seq, "i": keyed_id(secret, rid)} for seq, rid in found if PLAIN_ID.fullmatch(rid)
    ]
    update = sa.text("UPDATE records SET id = :i WHERE seq = :s")
    for lo in range(0, len(rewrites), BATCH):
        conn.execute(update, rewrites[lo : lo + BATCH])


def downgrade() -> None:
    # the rewritten ids stay keyed: an HMAC cannot be undone, and either form is a valid id
    op.drop_table("settings")
    op.execute("ALTER TABLE records DROP COLUMN note_public")
