"""The two storage backends the store and service tests run against.

SQLite: a fresh file. PostgreSQL: the local server (``JOBSUCCESS_TEST_PG``, default
``postgresql+psycopg://root@127.0.0.1:5432/test``), in schemas of the tests' own, created with
a unique name and dropped afterwards: one per test session (each xdist worker) whose tables
are emptied before each test (`db_url`), and fresh ones for fixtures of a wider scope
(`fresh_store`). PostgreSQL tests are skipped, with the reason, only when the server cannot
be reached.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from jobsuccess.store import Database, open_database
from jobsuccess.store.schema import metadata

PG_SERVER = os.environ.get("JOBSUCCESS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def schema_url(server: str, schema: str) -> str:
    """A URL whose connections work inside ``schema`` (search_path via libpq options)."""
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{schema}"


def require_pg() -> None:
    """Skip the calling test when the PostgreSQL server is unreachable."""
    engine = create_engine(PG_SERVER)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL at {PG_SERVER} is unreachable: {exc.orig}")
    finally:
        engine.dispose()


@contextmanager
def pg_schema(*, migrate: bool = True) -> Iterator[str]:
    """A new schema on the local PostgreSQL (migrated unless told not to), dropped on exit."""
    require_pg()
    admin = create_engine(PG_SERVER)
    schema = f"jss_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = schema_url(PG_SERVER, schema)
    try:
        if migrate:
            open_database(url).dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def fresh_store(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, migrated, empty store on ``backend``."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.db'}"
        open_database(url).dispose()
        yield url
    else:
        with pg_schema() as url:
            yield url


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


def empty_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        open_database(url).dispose()
        return url
    url = request.getfixturevalue("pg_schema_url")
    empty_pg(url)
    return str(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture(params=BACKENDS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table (a fresh file, or a fresh PostgreSQL schema): where
    migrations are tested from the start."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/blank.db"
    else:
        with pg_schema(migrate=False) as url:
            yield url
