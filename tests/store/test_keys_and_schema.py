"""API keys (hashed, revocable) and the shipped migrations, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from jobsuccess.errors import InputError, NotFound
from jobsuccess.service.cli import app
from jobsuccess.store import Database, open_database
from jobsuccess.store.db import SCHEMA_REVISION, current_revision, downgrade, head_revision, upgrade
from jobsuccess.store.keys import create_key, list_keys, revoke_key, verify_key
from jobsuccess.store.schema import api_keys, metadata


def test_keys_are_stored_hashed_and_verified(db: Database) -> None:
    key, row = create_key(db, "freelancer", "f1", label="alice's laptop")
    with db.read() as conn:
        stored = conn.execute(select(api_keys)).mappings().one()
    assert key not in stored.values() and key.split("_", 2)[2] not in str(dict(stored))
    assert stored["prefix"] == row.prefix and len(stored["hash"]) == 64
    found = verify_key(db, key)
    assert found is not None and (found.role, found.freelancer) == ("freelancer", "f1")
    assert verify_key(db, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert verify_key(db, "jss_000000000000_" + "x" * 43) is None
    assert verify_key(db, "not a key") is None


def test_revoked_keys_open_nothing(db: Database) -> None:
    key, row = create_key(db, "operator")
    revoked = revoke_key(db, row.prefix)
    assert not revoked.active and verify_key(db, key) is None
    assert revoke_key(db, key).revoked_at == revoked.revoked_at  # again: first date kept
    with pytest.raises(NotFound, match="no key"):
        revoke_key(db, "ffffffffffff")


@pytest.mark.parametrize(
    "role, freelancer, message",
    [
        ("admin", None, "unknown role"),
        ("freelancer", None, "needs --freelancer"),
        ("client", "f1", "not bound to a freelancer"),
    ],
)
def test_key_roles_are_checked(
    db: Database, role: str, freelancer: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        create_key(db, role, freelancer)


def test_keys_cli(db_url: str) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "--role", "client", "--db", db_url])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("jss_")
    db = open_database(db_url)
    assert verify_key(db, key) is not None
    listed = runner.invoke(app, ["keys", "list", "--db", db_url])
    assert key.split("_")[1] in listed.output and key not in listed.output
    assert runner.invoke(app, ["keys", "revoke", key.split("_")[1], "--db", db_url]).exit_code == 0
    assert verify_key(db, key) is None
    bad = runner.invoke(app, ["keys", "create", "--role", "freelancer", "--db", db_url])
    assert bad.exit_code == 2 and "needs --freelancer" in bad.output
    assert [k.role for k in list_keys(db)] == ["client"]
    db.dispose()


def test_the_schema_revision_constant_is_the_migrations_head() -> None:
    assert head_revision() == SCHEMA_REVISION


def test_migrations_create_the_model_and_go_down_and_up(blank_url: str) -> None:
    db = open_database(blank_url, migrate=False)
    assert current_revision(db) is None
    upgrade(db)
    upgrade(db)  # at head: nothing to do
    assert current_revision(db) == SCHEMA_REVISION
    with db.read() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    downgrade(db, "base")
    with db.read() as conn:
        assert not {t.name for t in metadata.sorted_tables} & set(inspect(conn).get_table_names())
    upgrade(db)
    assert current_revision(db) == SCHEMA_REVISION
    db.dispose()


def test_the_migrated_indexes_of_the_log_are_the_schemas(blank_url: str) -> None:
    """0006 drops the (kind, freelancer) index 0001 made and the schema never declared; 0008
    puts the kind into the per-freelancer index; 0009 adds the contracts' index by client.
    Going down brings each back."""
    db = open_database(blank_url)

    def indexes() -> set[str]:
        with db.read() as conn:
            found = {str(i["name"]) for i in inspect(conn).get_indexes("records")}
        return found - {"uq_records_id"}  # PostgreSQL lists the unique constraint too

    declared = {str(i.name) for i in metadata.tables["records"].indexes}
    assert indexes() == declared
    assert {"ix_records_freelancer_kind_seq", "ix_records_client"} <= declared
    downgrade(db, "0008")
    assert indexes() == declared - {"ix_records_client"}
    downgrade(db, "0007")
    before = declared - {"ix_records_freelancer_kind_seq", "ix_records_client"}
    before |= {"ix_records_freelancer_seq"}
    assert indexes() == before
    downgrade(db, "0004")
    assert indexes() == {*before, "ix_records_kind_freelancer"}
    upgrade(db)
    assert indexes() == declared
    db.dispose()


def test_a_snapshot_reads_each_kind_of_a_freelancers_records_from_its_own_range(
    tmp_path: Path,
) -> None:
    """On SQLite the query `log_frame` runs per kind searches the index by freelancer and
    kind, so it visits that kind's records only (a plan that searched by freelancer alone
    visited every record of the freelancer for each kind: issue 9). PostgreSQL reads a
    partition in one ``COPY``."""
    db = open_database(f"sqlite:///{tmp_path / 'plan.db'}")
    with db.read() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT seq, date, amount FROM records "
            "WHERE kind = ? AND freelancer IN (?, ?)",
            ("payment", "f1", "f2"),
        ).all()
    db.dispose()
    assert any("ix_records_freelancer_kind_seq (freelancer=? AND kind=?)" in r[-1] for r in plan)


def test_some_clients_activity_is_read_from_their_contracts(tmp_path: Path) -> None:
    """The activity of one freelancer's clients (`ledger.client_activity` with ``clients``)
    searches the contracts by client (migration 0009), then each contract's payments by
    freelancer and kind: no scan of the log."""
    from jobsuccess.store.ledger import _activity

    db = open_database(f"sqlite:///{tmp_path / 'plan.db'}")
    query = str(_activity(" AND c.client IN (?, ?)", "sqlite"))
    with db.read() as conn:
        plan = [r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", ("a", "b") * 2)]
    db.dispose()
    assert sum("USING INDEX ix_records_client (client=?)" in step for step in plan) == 2
    assert any("ix_records_freelancer_kind_seq (freelancer=? AND kind=?)" in s for s in plan)
    assert not any(step.startswith("SCAN") for step in plan), plan


def test_bad_urls_are_input_errors() -> None:
    with pytest.raises(InputError, match="unsupported database"):
        open_database("mysql://localhost/x")


def test_the_commands_mount_on_another_cli(tmp_path: Path) -> None:
    import typer

    from jobsuccess.service.cli import register

    main = typer.Typer()
    register(main)
    url = f"sqlite:///{tmp_path / 'mounted.db'}"
    open_database(url).dispose()  # only import and serve create a store
    runner = CliRunner()
    made = runner.invoke(main, ["keys", "create", "--role", "operator", "--db", url])
    assert made.exit_code == 0, made.output
    snapshot = runner.invoke(main, ["snapshot", "--db", url, "--as-of", "2026-11-01", "--quiet"])
    assert snapshot.exit_code == 0 and "0 freelancers scored now" in snapshot.output
    help_text = runner.invoke(main, ["--help"]).output
    assert all(name in help_text for name in ("import", "snapshot", "serve", "keys"))


@pytest.mark.parametrize(
    "command",
    [
        ["snapshot", "--as-of", "2026-11-01", "--quiet"],
        ["keys", "list"],
        ["keys", "create", "--role", "operator"],
        ["keys", "revoke", "0123456789ab"],
    ],
)
def test_only_import_and_serve_create_a_store(tmp_path: Path, command: list[str]) -> None:
    """Issue 10 item 3: a mistyped --db is refused, not a new empty store and exit 0."""
    url = f"sqlite:///{tmp_path / 'typo' / 'x.db'}"
    result = CliRunner().invoke(app, [*command, "--db", url])
    assert result.exit_code == 2, result.output
    assert "no store at" in result.output and "jobsuccess import" in result.output
    assert not (tmp_path / "typo").exists()


def test_a_database_without_the_schema_is_not_a_store(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    path = tmp_path / "other.db"
    create_engine(f"sqlite:///{path}").connect().close()  # an existing, empty SQLite file
    assert path.exists()
    result = CliRunner().invoke(app, ["keys", "list", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 2 and "no jobsuccess store" in result.output


def test_an_unreachable_database_is_one_line() -> None:
    """Issue 10 item 1: PostgreSQL down is an error line, not a 54-frame traceback."""
    url = "postgresql://nobody@127.0.0.1:1/none"
    example = str(Path(__file__).resolve().parents[2] / "examples" / "idle-drop.json")
    for command in (["snapshot", "--quiet"], ["keys", "list"], ["import", example, "--quiet"]):
        result = CliRunner().invoke(app, [*command, "--db", url])
        assert result.exit_code == 2, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    result = CliRunner().invoke(app, ["keys", "list", "--db", url])
    assert "cannot open the store" in result.output and "127.0.0.1" in result.output


def test_the_cli_defaults_match_the_store() -> None:
    from jobsuccess.service import cli
    from jobsuccess.store.importer import DEFAULT_CHUNK
    from jobsuccess.store.snapshots import DEFAULT_PARTITION

    assert (cli.DEFAULT_CHUNK, cli.DEFAULT_PARTITION) == (DEFAULT_CHUNK, DEFAULT_PARTITION)


def test_a_bulk_loading_store_caches_more_and_maps_nothing(tmp_path: Path) -> None:
    """The importer's connections hold a larger page cache and no memory map (whose pages of
    the store file would count in its resident memory and grow with the store); every other
    connection keeps the shared memory map."""
    from jobsuccess.store.db import BULK_CACHE_MIB, CACHE_MIB, MMAP_BYTES

    url = f"sqlite:///{tmp_path / 'x.db'}"
    seen = {}
    for bulk in (False, True):
        db = open_database(url, bulk_load=bulk)
        seen[bulk] = (db.fetch("PRAGMA cache_size")[0][0], db.fetch("PRAGMA mmap_size")[0][0])
        db.dispose()
    assert seen[False] == (-CACHE_MIB * 1024, MMAP_BYTES)
    assert seen[True] == (-BULK_CACHE_MIB * 1024, 0)


def test_the_import_command_opens_a_bulk_loading_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobsuccess.store

    opened: list[bool] = []
    real = jobsuccess.store.open_database

    def spy(url: str | None = None, **options: bool) -> Database:
        opened.append(options.get("bulk_load", False))
        return real(url, **options)

    monkeypatch.setattr(jobsuccess.store, "open_database", spy)
    example = str(Path(__file__).resolve().parents[2] / "examples" / "idle-drop.json")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["import", example, "--db", url, "--quiet"])
    assert result.exit_code == 0, result.output
    assert opened == [True]
