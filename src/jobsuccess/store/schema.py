"""The store's tables (SQLAlchemy Core), the single source the Alembic migrations follow.

Three groups:

``records``
    The ledger: an append-only log of the history format's records, one wide row per record
    (the columns a record kind does not use are null). ``seq`` orders the log; ``id`` is the
    record id the sender chose (or the importer derived), unique across the whole log;
    ``digest`` is the SHA-256 of the record's canonical content, so "the same record again"
    and "a different record under an existing id" are told apart without comparing columns.
    Rows are only ever inserted. A partial unique index keeps one ``contract`` record per
    (freelancer, contract): later facts about a contract are ``contract_update`` records.

``computations``, ``scores``, ``windows``
    Snapshots: one ``computations`` row per computation date (its policy and progress), and
    the engine's results for each freelancer on that date. The score history of a freelancer
    is a range read of ``scores``.

``agency_scores``, ``agency_windows``
    The same results for each agency (`jobsuccess.subjects`), keyed by ``agency``: an
    agency is scored like a freelancer, over every contract done for it.

``api_keys``
    Service keys: a public ``prefix`` to find the row and the SHA-256 of the whole key.

``audit_log``
    What operators saw and did in the web console, append-only (migration 0007): each view
    of private answers and each decision on a harsh-rater proposal, with who (the key's
    prefix and role), when, about which freelancer or client, and what.

``settings``
    The store's own values, by name: ``id_secret`` (migration 0004), the key of every derived
    record id (`jobsuccess.store.records.derived_id`), generated once with the store.

``appeals``, ``appeal_events`` (migration 0005)
    Appeals and reports a freelancer files on one contract, decided by people
    (`jobsuccess.store.appeals`): one ``appeals`` row each, holding what was filed and its
    current state, and ``appeal_events``, the append-only audit of every transition (who,
    when, from, to, why). Triggers refuse UPDATE and DELETE on ``appeal_events`` and DELETE
    on ``appeals`` on both backends: the database itself keeps the audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.engine import Dialect

#: Constraint names are explicit so migrations are reproducible on every backend.
metadata: Final = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp with time zone that always reads back aware, in UTC.

    SQLite has no time zones and hands timestamps back naive; they are written in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None:
            value = (
                value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
            )
        return value


#: SQLite only auto-increments an ``INTEGER PRIMARY KEY``; elsewhere a 64-bit sequence.
Seq = BigInteger().with_variant(Integer(), "sqlite")

records: Final = Table(
    "records",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("freelancer", Text),
    Column("contract", Text),
    Column("client", Text),
    Column("contract_type", String(16)),
    Column("start", Date),
    Column("end", Date),
    Column("ended_by", String(16)),
    Column("end_reason", String(32)),
    Column("date", Date),
    Column("amount", Float),
    Column("stars", Float),
    Column("recommend", SmallInteger),
    Column("outcome", String(16)),
    Column("action_type", String(32)),
    Column("note", Text),
    Column("digest", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("agency", Text),  # migration 0002: the agency a contract is done for
    Column("category", Text),  # migration 0003: a contract's category
    Column("until", Date),  # migration 0003: an account_hold's last day
    Column("cause", Text),  # migration 0003: why a contract_paused contract was paused
    Column("note_public", Boolean),  # migration 0004: an action's note may reach the freelancer
    Column("client_feedback", Float),  # migration 0005: the freelancer's stars for the client
    Index("ix_records_freelancer_kind_seq", "freelancer", "kind", "seq"),  # migration 0008
    Index(  # migration 0009: a contract's client, for the activity of some clients
        "ix_records_client",
        "client",
        sqlite_where=text("kind = 'contract'"),
        postgresql_where=text("kind = 'contract'"),
    ),
    Index(
        "uq_records_contract",
        "freelancer",
        "contract",
        unique=True,
        sqlite_where=text("kind = 'contract'"),
        postgresql_where=text("kind = 'contract'"),
    ),
)

computations: Final = Table(
    "computations",
    metadata,
    Column("computed_on", Date, primary_key=True),
    Column("policy", Text, nullable=False),
    Column("status", String(16), nullable=False),  # running | done
    Column("freelancers", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
)

scores: Final = Table(
    "scores",
    metadata,
    Column("freelancer", Text, primary_key=True),
    Column("computed_on", Date, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("policy", Text, nullable=False),
    Column("score", SmallInteger),
    Column("best", String(16)),
    Column("best_score", Float),
    Column("reason", Text),
    Column("top_rated", Boolean, nullable=False),
    Column("top_rated_plus", Boolean, nullable=False),
    Column("rising_talent", Boolean, nullable=False),
    Column("outcomes", Integer, nullable=False),
    Column("clients", Integer, nullable=False),
    Index("ix_scores_computed_on_score", "computed_on", "score"),
)

windows: Final = Table(
    "windows",
    metadata,
    Column("freelancer", Text, primary_key=True),
    Column("computed_on", Date, primary_key=True),
    Column("window", String(16), primary_key=True),
    Column("score", Float),
    Column("eligible", Boolean, nullable=False),
    Column("outcomes", Integer, nullable=False),
    Column("clients", Integer, nullable=False),
    Column("success", Float, nullable=False),
    Column("neutral", Float, nullable=False),
    Column("negative", Float, nullable=False),
    Column("total", Float, nullable=False),
)


def _per_agency(table: Table) -> Table:
    """``table`` keyed by ``agency`` instead of ``freelancer``: one shape for both subjects."""
    return Table(
        f"agency_{table.name}",
        metadata,
        *(
            Column(
                "agency" if c.name == "freelancer" else c.name,
                c.type,
                primary_key=c.primary_key,
                nullable=c.nullable,
            )
            for c in table.columns
        ),
    )


agency_scores: Final = _per_agency(scores)
agency_windows: Final = _per_agency(windows)

api_keys: Final = Table(
    "api_keys",
    metadata,
    Column("prefix", String(16), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("freelancer", Text),
    Column("label", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    # migration 0005: an operator key that may decide appeals
    Column("reviewer", Boolean, nullable=False, server_default=false()),
)

settings: Final = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

audit_log: Final = Table(
    "audit_log",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("freelancer", Text),
    Column("client", Text),
    Column("detail", Text),
    Index("ix_audit_log_freelancer", "freelancer"),
)

appeals: Final = Table(
    "appeals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("freelancer", Text, nullable=False),
    Column("contract", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # appeal | report
    Column("category", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # a JSON list of links
    Column("state", String(16), nullable=False),  # filed | in_review | upheld | denied | withdrawn
    Column("filed_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("decided_on", Date),  # the decision's date: the upheld action's effective date
    Column("reason", Text),  # the decision's written reason (shown to the freelancer)
    Column("action", Text),  # the ledger record the decision recorded
    Index("ix_appeals_state_filed_at", "state", "filed_at"),
    Index("ix_appeals_freelancer_contract", "freelancer", "contract"),
)

appeal_events: Final = Table(
    "appeal_events",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("appeal", String(40), ForeignKey("appeals.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("who", String(64), nullable=False),  # the key's prefix
    Column("role", String(16), nullable=False),  # freelancer | operator | reviewer
    Column("from_state", String(16)),  # null: the filing
    Column("to_state", String(16), nullable=False),
    Column("why", Text),
    Index("ix_appeal_events_appeal_seq", "appeal", "seq"),
)
