"""The service's commands: ``import``, ``snapshot``, ``serve`` and ``keys``.

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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jobsuccess.cli_common import AsOf, PolicyOpt, parse_date, user_errors
from jobsuccess.cli_common import load_history as _load
from jobsuccess.store import keys as store_keys
from jobsuccess.store import open_database, resolve_url
from jobsuccess.store.importer import DEFAULT_CHUNK, import_history
from jobsuccess.store.snapshots import DEFAULT_PARTITION, run_snapshot

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(
    help="jobsuccess as a service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, postgresql://...); "
        "default $JOBSUCCESS_DB or sqlite:///jobsuccess.db.",
    ),
]


def _progress(label: str, unit: str, quiet: bool) -> Progress:
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
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Append a history's records to the ledger; safe to rerun after a crash (each record is
    stored once)."""
    history = _load(path)
    database = open_database(db)
    with _progress("importing", "records", quiet) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = import_history(database, history, freelancers_per_chunk=chunk, progress=advance)
    out.print(
        f"{result.records:,} records: {result.inserted:,} new, "
        f"{result.duplicates:,} already stored",
        soft_wrap=True,
    )


@app.command("snapshot")
@user_errors
def snapshot(
    db: DbOpt = None,
    as_of: AsOf = None,
    policy: PolicyOpt = "auto",
    partition: Annotated[
        int, typer.Option("--partition", min=1, help="Freelancers per partition.")
    ] = DEFAULT_PARTITION,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run the scheduled computation for every freelancer and agency and store it (for cron:
    idempotent per computation date, resumable after a crash)."""
    from jobsuccess.policy import load_policy

    day = parse_date(as_of)
    book = load_policy(policy)
    database = open_database(db)
    with _progress("scoring", "freelancers", quiet) as bar:
        task = bar.add_task("snapshot", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_snapshot(database, book, day, partition_size=partition, progress=advance)
    out.print(
        f"snapshot {result.computed_on} (policy {result.policy}): {result.status}; "
        f"{result.computed:,} freelancers scored now, {result.freelancers:,} stored; "
        f"{result.agencies_computed:,} agencies scored now, {result.agencies:,} stored",
        soft_wrap=True,
    )


_ENV_POLICY = "JOBSUCCESS_POLICY"


def app_from_env() -> FastAPI:
    """The app for uvicorn's worker processes (``--workers``): settings from the environment."""
    from jobsuccess.service import create_app

    return create_app(
        os.environ.get("JOBSUCCESS_DB"), policy=os.environ.get(_ENV_POLICY, "auto"), migrate=False
    )


@app.command("serve")
@user_errors
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    policy: PolicyOpt = "auto",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the REST API (docs at http://HOST:PORT/docs)."""
    import uvicorn

    url = resolve_url(db)
    open_database(url).dispose()  # create / migrate once, before any worker starts
    os.environ["JOBSUCCESS_DB"] = url
    os.environ[_ENV_POLICY] = policy
    err.print(
        f"jobsuccess: serving {_safe(url)} at http://{host}:{port} (docs: /docs)", soft_wrap=True
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


@keys_app.command("create")
@user_errors
def keys_create(
    role: Annotated[str, typer.Option("--role", help="operator, freelancer or client.")],
    freelancer: Annotated[
        str | None, typer.Option("--freelancer", help="The freelancer a freelancer key reads.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="A note: who holds it.")] = None,
    db: DbOpt = None,
) -> None:
    """Create a key and print it (the only time it is shown; only its hash is stored)."""
    key, row = store_keys.create_key(open_database(db), role, freelancer, label)
    err.print(
        f"created {row.role} key {row.prefix}"
        + (f" for freelancer {row.freelancer}" if row.freelancer else "")
    )
    print(key)


@keys_app.command("list")
@user_errors
def keys_list(db: DbOpt = None) -> None:
    """List keys (prefixes, roles, status), never the keys themselves."""
    table = Table("prefix", "role", "freelancer", "label", "created", "status")
    for k in store_keys.list_keys(open_database(db)):
        table.add_row(
            k.prefix,
            k.role,
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
    key = store_keys.revoke_key(open_database(db), prefix)
    out.print(f"revoked {key.role} key {key.prefix}")


def register(main: typer.Typer) -> None:
    """Mount ``import``, ``snapshot``, ``serve`` and ``keys`` on the main CLI."""
    main.command("import")(import_)
    main.command("snapshot")(snapshot)
    main.command("serve")(serve)
    main.add_typer(keys_app, name="keys")


if __name__ == "__main__":
    app()
