"""The service's commands: ``import``, ``snapshot``, ``serve``, ``keys`` and ``appeals``
(`jobsuccess.service.appeals_cli`).

`app` is a Typer app holding them (usable on its own: ``python -m jobsuccess.service.cli``);
`register` mounts them on the main ``jobsuccess`` CLI, whose helpers (error handling, dates,
options) they share. Every command takes ``--db URL``
(default ``$JOBSUCCESS_DB``, else the embedded SQLite file ``jobsuccess.db``). Bad input
prints one line and exits with code 2, like the rest of the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jobsuccess.cli_common import (
    PRIVACY_K_ENV,
    AsOf,
    DbOpt,
    PolicyOpt,
    PrivacyKOpt,
    parse_date,
    plural,
    user_errors,
)
from jobsuccess.service.appeals_cli import appeals_app

if TYPE_CHECKING:  # the store (SQLAlchemy) loads in the commands: a quick ``jobsuccess --help``
    from fastapi import FastAPI
    from rich.progress import Progress

    from jobsuccess.store import Database

#: `jobsuccess.store.importer.DEFAULT_CHUNK` and `jobsuccess.store.snapshots.DEFAULT_PARTITION`,
#: restated so that the options' defaults need no import of the store (a test keeps them equal).
DEFAULT_CHUNK = 5000
DEFAULT_PARTITION = 5000

app = typer.Typer(
    help="jobsuccess as a service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(appeals_app, name="appeals")

out = Console()
err = Console(stderr=True)
QuietOpt = Annotated[bool, typer.Option("--quiet", metavar="", help="No progress bar.")]


def _progress(label: str, unit: str, quiet: bool) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
    )


@app.command("import")
@user_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A JSON history or a table folder.")],
    db: DbOpt = None,
    chunk: Annotated[
        int, typer.Option("--chunk", min=1, help="Freelancers per transaction.")
    ] = DEFAULT_CHUNK,
    quiet: QuietOpt = False,
) -> None:
    """Append a history's records to the ledger; safe to rerun after a crash (each record is
    stored once)."""
    from jobsuccess.io.parts import Parts
    from jobsuccess.store import open_database
    from jobsuccess.store.importer import import_history

    # the whole input is read and checked before the store is opened (or created)
    with Parts(path) as parts:
        database = open_database(db, bulk_load=True)
        with _progress("importing", "records", quiet) as bar:
            task = bar.add_task("import", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = import_history(database, parts, freelancers_per_chunk=chunk, progress=advance)
    out.print(
        f"{plural(result.records, 'record')}: {result.inserted:,} new, "
        f"{result.duplicates:,} already stored",
        soft_wrap=True,
    )


@app.command("snapshot")
@user_errors
def snapshot(
    db: DbOpt = None,
    as_of: AsOf = None,
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    partition: Annotated[
        int, typer.Option("--partition", min=1, help="Freelancers per partition.")
    ] = DEFAULT_PARTITION,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes that score partitions at once (each holds one partition).",
        ),
    ] = 1,
    quiet: QuietOpt = False,
) -> None:
    """Run the scheduled computation for every freelancer and agency and store it (for cron:
    idempotent per computation date, resumable after a crash)."""
    from jobsuccess.policy import load_policy
    from jobsuccess.store import open_database
    from jobsuccess.store.snapshots import run_snapshot

    day = parse_date(as_of)
    book = load_policy(policy, privacy_k=privacy_k)
    database = open_database(db, create=False)
    with _progress("scoring", "freelancers", quiet) as bar:
        task = bar.add_task("snapshot", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_snapshot(
            database, book, day, partition_size=partition, workers=workers, progress=advance
        )
    out.print(
        f"snapshot {result.computed_on} (policy {result.policy}): {result.status}; "
        f"{plural(result.computed, 'freelancer')} scored now, {result.freelancers:,} stored; "
        f"{plural(result.agencies_computed, 'agency', 'agencies')} scored now, "
        f"{result.agencies:,} stored",
        soft_wrap=True,
    )


_ENV_POLICY = "JOBSUCCESS_POLICY"


def app_from_env() -> FastAPI:
    """The app for uvicorn's worker processes (``--workers``): settings from the environment."""
    from jobsuccess.limits import setting
    from jobsuccess.policy import load_policy
    from jobsuccess.service import create_app

    k = setting(PRIVACY_K_ENV, 0, unit="clients") or None  # 0: unset, the policy's own k
    book = load_policy(os.environ.get(_ENV_POLICY, "auto"), privacy_k=k)
    return create_app(os.environ.get("JOBSUCCESS_DB"), policy=book, migrate=False)


@app.command("serve")
@user_errors
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the REST API (docs at http://HOST:PORT/docs)."""
    import uvicorn

    from jobsuccess.policy import load_policy
    from jobsuccess.store import open_database, resolve_url
    from jobsuccess.store.ledger import freelancer_count

    url = resolve_url(db)
    database = open_database(url)  # create / migrate once, before any worker starts
    try:
        held = freelancer_count(database)
    finally:
        database.dispose()
    os.environ["JOBSUCCESS_DB"] = url
    os.environ[_ENV_POLICY] = policy
    if privacy_k is not None:
        os.environ[PRIVACY_K_ENV] = str(privacy_k)
    load_policy(policy, privacy_k=privacy_k)  # a bad policy fails here, not in a worker
    from jobsuccess.store.appeals import review_days

    review_days()  # and so does a bad $JOBSUCCESS_APPEAL_REVIEW_DAYS
    # Which store, and whether it holds anyone: a server started in the wrong folder would
    # otherwise serve an empty new file and answer every score with a 404.
    err.print(
        f"jobsuccess: serving {_safe(url)} ({plural(held, 'freelancer')}) at http://{host}:{port} "
        "(docs: /docs)",
        soft_wrap=True,
    )
    if held == 0:
        err.print(
            "[yellow]note:[/] the store is empty: `jobsuccess import FILE --db ...` fills it",
            soft_wrap=True,
        )
    uvicorn.run(
        "jobsuccess.service.cli:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _existing(db: str | None) -> Database:
    """The store at ``--db``, which must exist: only ``import`` and ``serve`` create one."""
    from jobsuccess.store import open_database

    return open_database(db, create=False)


@keys_app.command("create")
@user_errors
def keys_create(
    role: Annotated[str, typer.Option("--role", help="operator, freelancer or client.")],
    freelancer: Annotated[
        str | None, typer.Option("--freelancer", help="The freelancer a freelancer key reads.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="A note: who holds it.")] = None,
    reviewer: Annotated[
        bool,
        typer.Option(
            "--reviewer", metavar="", help="An operator key that may also decide appeals."
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Create a key and print it (the only time it is shown; only its hash is stored)."""
    from jobsuccess.store import keys as store_keys

    key, row = store_keys.create_key(_existing(db), role, freelancer, label, reviewer=reviewer)
    err.print(
        f"created {row.role}{' (reviewer)' if row.reviewer else ''} key {row.prefix}"
        + (f" for freelancer {row.freelancer}" if row.freelancer else "")
    )
    print(key)


@keys_app.command("list")
@user_errors
def keys_list(db: DbOpt = None) -> None:
    """List keys (prefixes, roles, status), never the keys themselves."""
    from jobsuccess.store import keys as store_keys

    table = Table("prefix", "role", "freelancer", "label", "created", "status")
    for k in store_keys.list_keys(_existing(db)):
        table.add_row(
            k.prefix,
            f"{k.role} (reviewer)" if k.reviewer else k.role,
            k.freelancer or "-",
            k.label or "-",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            "active" if k.active else f"revoked {k.revoked_at:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@keys_app.command("revoke")
@user_errors
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (or the whole key).")],
    db: DbOpt = None,
) -> None:
    """Revoke a key; it stops working at once."""
    from jobsuccess.store import keys as store_keys

    key = store_keys.revoke_key(_existing(db), prefix)
    out.print(f"revoked {key.role} key {key.prefix}")


def register(main: typer.Typer) -> None:
    """Mount ``import``, ``snapshot``, ``serve``, ``keys`` and ``appeals`` on the main CLI."""
    main.command("import")(import_)
    main.command("snapshot")(snapshot)
    main.command("serve")(serve)
    main.add_typer(keys_app, name="keys")
    main.add_typer(appeals_app, name="appeals")


if __name__ == "__main__":
    app()
