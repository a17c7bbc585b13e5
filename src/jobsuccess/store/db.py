"""Opening a store: database URLs, connection settings per backend, migrations.

A store URL is a SQLAlchemy URL. ``sqlite:///PATH`` (the embedded default) and
``postgresql://...`` are the two supported backends; a bare file path means SQLite, and
``postgresql://`` / ``postgres://`` are mapped to the psycopg 3 driver. The schema is brought
to the newest migration when a store is opened (`open_engine(..., migrate=True)`), under a
lock, so a fresh file or database works at once and two processes starting together do not
race.

Transactions:

* SQLite runs in WAL mode (readers never block the writer, so the API keeps serving while a
  snapshot writes), ``synchronous=NORMAL`` and a 30 s busy timeout. pysqlite's own
  transaction handling is switched off and ``BEGIN`` is emitted here: write transactions
  (those opened on `Database.writer`) start with ``BEGIN IMMEDIATE``, which takes the write
  lock up front, so two writers queue on the busy timeout instead of deadlocking on a lock
  upgrade.
* PostgreSQL runs at READ COMMITTED; writers rely on ``ON CONFLICT DO NOTHING`` and compare
  afterwards (see `jobsuccess.store.ledger`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from jobsuccess.errors import InputError
from jobsuccess.store.schema import settings

#: The embedded default: a SQLite file in the working directory (``JOBSUCCESS_DB`` overrides).
DEFAULT_URL: Final = "sqlite:///jobsuccess.db"
ENV_VAR: Final = "JOBSUCCESS_DB"
_WRITE: Final = "jobsuccess_write"
_MIGRATION_LOCK: Final = 0x6A5F6D6967  # an arbitrary constant: pg_advisory_xact_lock key
#: The newest migration (tests check it is the head of ``migrations/versions``). Opening a store
#: already at this revision does not import Alembic at all.
SCHEMA_REVISION: Final = "0009"
#: The settings row of the store's id secret, and the variable that can pin it at creation.
ID_SECRET: Final = "id_secret"
ID_SECRET_ENV: Final = "JOBSUCCESS_ID_SECRET"


def new_id_secret() -> str:
    """A new store's id secret: ``$JOBSUCCESS_ID_SECRET`` when set (to give several stores of
    one deployment the same ids), else 32 random bytes."""
    return os.environ.get(ID_SECRET_ENV) or secrets.token_hex(32)


def resolve_url(url: str | None) -> str:
    """The SQLAlchemy URL for ``--db`` (None -> ``$JOBSUCCESS_DB`` -> the embedded default)."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


@dataclass(frozen=True)
class Database:
    """An engine plus a writer view of it; what every store function takes."""

    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def writer(self) -> Engine:
        """The same pool; transactions begun here take the SQLite write lock at once."""
        return self.engine.execution_options(**{_WRITE: True})

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self.writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One read statement straight through the driver, for the hot single-row reads.

        No SQLAlchemy compilation or row processing and no transaction around it (one
        statement reads a consistent state on its own). ``sql`` marks parameters with ``?``;
        values come back as the driver gives them (SQLite: dates and timestamps as ISO text,
        booleans as 0/1).
        """
        if self.dialect != "sqlite":
            sql = sql.replace("%", "%%").replace("?", "%s")
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, tuple(params))
                rows: list[tuple[Any, ...]] = list(cursor.fetchall())
            finally:
                cursor.close()
            if self.dialect != "sqlite":
                raw.rollback()  # end the implicit transaction before the pool takes it back
            return rows
        finally:
            raw.close()

    @cached_property
    def id_secret(self) -> str:
        """The key of the ids this store derives (`jobsuccess.store.records.derived_id`),
        generated once (migration 0004, or here in a store emptied since) and kept in the
        store, so that a rerun import derives the same ids and stays exactly-once."""
        query = select(settings.c.value).where(settings.c.name == ID_SECRET)
        with self.read() as conn:
            found = conn.execute(query).scalar()
        if found is None:
            with self.write() as conn:
                fresh = {"name": ID_SECRET, "value": new_id_secret()}
                if self.dialect == "postgresql":
                    conn.execute(pg_insert(settings).values(fresh).on_conflict_do_nothing())
                else:
                    conn.execute(sqlite_insert(settings).values(fresh).on_conflict_do_nothing())
                found = conn.execute(query).scalar_one()  # the first writer's, if two raced
        return str(found)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def checkpointer(self, every: float = 1.0) -> Iterator[None]:
        """While the block runs, checkpoint SQLite's write-ahead log every ``every`` seconds
        on a thread of its own (``PASSIVE``: never waits for readers or writers). A no-op on
        PostgreSQL. Pair with ``open_database(..., background_checkpoints=True)``."""
        if self.dialect != "sqlite":
            yield
            return
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(every):
                with contextlib.suppress(Exception):  # a busy database: try again next time
                    self.fetch("PRAGMA wal_checkpoint(PASSIVE)")

        thread = threading.Thread(target=run, name="sqlite-checkpointer", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            with contextlib.suppress(Exception):
                self.fetch("PRAGMA wal_checkpoint(PASSIVE)")


def open_database(
    url: str | None = None,
    *,
    migrate: bool = True,
    create: bool = True,
    background_checkpoints: bool = False,
    bulk_load: bool = False,
    **engine_args: Any,
) -> Database:
    """Connect to ``url`` (see `resolve_url`) and, by default, migrate it to the newest schema.

    ``create=False`` refuses a store that does not exist yet (a SQLite file not there, a
    PostgreSQL database without the schema) instead of making an empty one: a mistyped
    ``--db`` must not look like a store with nobody in it. A database that cannot be reached
    is an `InputError` naming it, not a driver traceback.

    ``background_checkpoints`` (SQLite, for long-running servers): commits never run a WAL
    checkpoint themselves; `Database.checkpointer` does it on a thread of its own, so no
    request waits for the database file to be written back and synced.

    ``bulk_load`` (SQLite, for one long writer such as the importer): a page cache of
    `BULK_CACHE_MIB` instead of `CACHE_MIB`, since every transaction of random record ids
    touches pages all over the id index, and no memory map, whose pages of the store file
    would count in the process's resident memory and grow with the store.
    """
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise InputError(f"not a database URL: {url!r} ({exc})") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and not create:
        path = parsed.database
        if not path or path == ":memory:" or not Path(path).expanduser().is_file():
            raise InputError(f"no store at {shown}: {_CREATE_HINT}", field="--db")
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(
            resolved,
            autocheckpoint=not background_checkpoints,
            cache_mib=BULK_CACHE_MIB if bulk_load else CACHE_MIB,
            mmap=not bulk_load,
            **engine_args,
        )
    elif parsed.get_backend_name() == "postgresql":
        engine_args.setdefault("pool_size", 10)
        engine_args.setdefault("max_overflow", 20)
        engine_args.setdefault("pool_pre_ping", True)
        engine_args.setdefault("pool_use_lifo", True)
        engine = create_engine(resolved, **engine_args)
    else:
        raise InputError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    db = Database(engine)
    try:
        if not create and current_revision(db) is None:
            raise InputError(f"no jobsuccess store in {shown}: {_CREATE_HINT}", field="--db")
        if migrate:
            upgrade(db)
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise InputError(f"cannot open the store {shown}: {reason}", field="--db") from None
    except BaseException:
        db.dispose()
        raise
    return db


_CREATE_HINT: Final = (
    "`jobsuccess import FILE` or `jobsuccess serve` creates one (check --db and $JOBSUCCESS_DB)"
)


#: SQLite's page cache per connection, and a bulk writer's (`open_database`'s ``bulk_load``).
CACHE_MIB: Final = 32
BULK_CACHE_MIB: Final = 128
#: How much of the store file SQLite reads through a memory map (the OS page cache, shared).
MMAP_BYTES: Final = 2**30


def _sqlite_engine(
    url: str,
    *,
    autocheckpoint: bool = True,
    cache_mib: int = CACHE_MIB,
    mmap: bool = True,
    **engine_args: Any,
) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine_args.setdefault("pool_size", 10)
    engine_args.setdefault("max_overflow", 20)
    engine_args.setdefault("pool_use_lifo", True)  # the warmest connection (and cache) first
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, **engine_args
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA cache_size={-cache_mib * 1024}")  # negative: KiB, not pages
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES if mmap else 0}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "jobsuccess.store:migrations")
    return config


def head_revision() -> str | None:
    """The head of the shipped migrations (reads the scripts)."""
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None: not migrated yet)."""
    with db.read() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        revision: str | None = conn.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
        return revision


def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate to ``revision`` in one transaction, serialised against concurrent upgrades."""
    if revision == "head" and current_revision(db) == SCHEMA_REVISION:
        return
    from alembic import command

    config = _alembic_config()
    with db.write() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    config = _alembic_config()
    with db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
