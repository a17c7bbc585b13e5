"""Alembic environment, shipped in the package (``script_location = jobsuccess.store:migrations``).

`jobsuccess.store.db.upgrade` passes an open connection inside a transaction in
``config.attributes["connection"]``; the ``alembic`` command line (with ``sqlalchemy.url`` in
its config) works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from jobsuccess.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        url = config.get_main_option("sqlalchemy.url")
        assert url, "set sqlalchemy.url or pass a connection"
        with create_engine(url).connect() as conn:
            _run(conn)
            conn.commit()
