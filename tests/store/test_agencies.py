"""Agencies in the store, on both backends: the ledger keeps a contract's agency, imports
carry it, snapshots store agency scores (equal to the engine's), resumably; migration 0002."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest
from sqlalchemy import delete, inspect, select, update

from jobsuccess.engine import score
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.store import ConflictError, Database, ledger, open_database
from jobsuccess.store.db import SCHEMA_REVISION, current_revision, downgrade, upgrade
from jobsuccess.store.importer import history_rows, import_history
from jobsuccess.store.records import digest
from jobsuccess.store.schema import agency_scores, agency_windows, computations, scores, windows
from jobsuccess.store.snapshots import latest_score, run_snapshot, score_history, score_rows
from jobsuccess.subjects import agencies, for_agencies
from store.records import TODAY, contract, market

BOOK = PolicyBook.shipped()
SEED = 22  # 60 freelancers, ten of them in two agencies


def _agency_rows(db: Database) -> list[dict[str, object]]:
    with db.read() as conn:
        query = select(agency_scores).order_by(agency_scores.c.agency)
        return [dict(r) for r in conn.execute(query).mappings()]


def _expected(history: History) -> list[dict[str, object]]:
    """The engine's agency scores as rows of ``agency_scores``."""
    result = score(for_agencies(history), BOOK, TODAY)
    head, _ = score_rows(result, BOOK)
    return sorted(
        ({"agency": r.pop("freelancer"), **r} for r in head), key=lambda r: str(r["agency"])
    )


def test_import_carries_the_agency(db: Database) -> None:
    history = market(60, seed=SEED)
    assert len(agencies(history)) == 2
    import_history(db, history)
    folded = ledger.history(db)
    assert folded.contracts.sort("freelancer", "id").equals(history.contracts)
    members = history.contracts.filter(pl.col("agency").is_not_null())
    assert ledger.agencies(db) == {
        a: sorted(members.filter(pl.col("agency") == a)["freelancer"].unique().to_list())
        for a in agencies(history)
    }
    assert import_history(db, history).inserted == 0  # re-import: a no-op


def test_records_stored_before_agencies_keep_their_digest() -> None:
    """0002 adds agency to the canonical content only when set: a record without one has the
    digest (and derived id) it had under 0001, pinned here."""
    plain = contract("x", f="f1", c="c1", client="k1", start="2024-01-01")
    assert plain["digest"] == "50edd584623b940b813616d812ec9d90b1cee94140dd1d24085ae718cbda00a9"
    assert digest(plain) == plain["digest"]
    other = contract("x", f="f1", c="c1", client="k1", start="2024-01-01", agency="a1")
    assert other["digest"] != plain["digest"] and digest(other) == other["digest"]
    rows = history_rows(market(60, seed=SEED), secret=None).filter(pl.col("kind") == "contract")
    for row in rows.filter(pl.col("agency").is_not_null()).head(3).to_dicts():
        assert digest(row) == row["digest"]


def test_a_contract_resent_with_another_agency_is_a_conflict(db: Database) -> None:
    ledger.append(db, [contract("x", agency="a1")])
    with pytest.raises(ConflictError, match=r"agency 'a1' -> 'a2'"):
        ledger.append(db, [contract("x", agency="a2")])
    assert ledger.append(db, [contract("x", agency="a1")]).duplicates == 1


def test_a_snapshot_stores_agency_scores_as_the_engine_computes_them(db: Database) -> None:
    history = market(60, seed=SEED)
    import_history(db, history)
    result = run_snapshot(db, BOOK, TODAY, partition_size=4)
    assert (result.agencies, result.agencies_computed) == (2, 2)
    assert _agency_rows(db) == _expected(history)
    one = agencies(history)[0]
    found = latest_score(db, one, with_windows=True, subject="agency")
    assert found is not None
    row, figures = found
    assert row["agency"] == one and {w["window"] for w in figures} >= {"6m", "12m", "24m"}
    assert all(w["agency"] == one for w in figures)
    assert [p["computed_on"] for p in score_history(db, one, subject="agency")] == [
        row["computed_on"]
    ]
    # an agency id is not a freelancer id: neither table answers for the other
    assert latest_score(db, one) is None
    assert latest_score(db, history.freelancers[0], subject="agency") is None
    again = run_snapshot(db, BOOK, TODAY)
    assert (again.status, again.agencies, again.agencies_computed) == ("already done", 2, 0)


def test_a_crashed_agency_snapshot_resumes(db: Database) -> None:
    history = market(60, seed=SEED)
    import_history(db, history)
    run_snapshot(db, BOOK, TODAY)
    reference = _agency_rows(db)
    first = agencies(history)[0]
    with db.write() as conn:  # as if it had died after storing the first agency
        conn.execute(delete(agency_scores).where(agency_scores.c.agency != first))
        conn.execute(delete(agency_windows).where(agency_windows.c.agency != first))
        conn.execute(update(computations).values(status="running", finished_at=None))
    resumed = run_snapshot(db, BOOK, TODAY)
    assert (resumed.status, resumed.computed, resumed.agencies_computed) == ("resumed", 0, 1)
    assert resumed.agencies == 2 and _agency_rows(db) == reference


def test_migration_0002_adds_agencies_to_a_0001_store_and_goes_back(blank_url: str) -> None:
    db = open_database(blank_url, migrate=False)
    upgrade(db, "0001")
    with db.write() as conn:  # a contract stored before agencies existed
        conn.exec_driver_sql(
            "INSERT INTO records (id, kind, freelancer, contract, client, contract_type, "
            "start, digest, received_at) VALUES ('x', 'contract', 'f1', 'c1', 'k1', 'fixed', "
            "'2024-01-01', 'd', '2024-01-02 00:00:00')"
        )
    upgrade(db)  # through 0002 to the head (later migrations keep what 0002 added)
    assert current_revision(db) == SCHEMA_REVISION
    with db.read() as conn:
        names = set(inspect(conn).get_table_names())
        columns = {c["name"] for c in inspect(conn).get_columns("records")}
    assert {"agency_scores", "agency_windows"} <= names and "agency" in columns
    assert ledger.history(db).contracts["agency"].to_list() == [None]
    downgrade(db, "0001")
    with db.read() as conn:
        assert not {"agency_scores", "agency_windows"} & set(inspect(conn).get_table_names())
        assert "agency" not in {c["name"] for c in inspect(conn).get_columns("records")}
        assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar_one() == 1
    db.dispose()


def test_an_agency_is_scored_from_the_partition_that_reads_its_members(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each freelancer's ledger is read once when an agency's members fit a partition; after
    a crash that left some of them stored, the agency reads its members again. Both ways the
    scores are the engine's."""
    history = market(60, seed=SEED)
    import_history(db, history)
    reads: list[str] = []
    real = ledger.history

    def counted(database: Database, freelancers: Sequence[str] | None = None) -> History:
        reads.extend(freelancers or ["everyone"])
        return real(database, freelancers)

    monkeypatch.setattr(ledger, "history", counted)
    first = run_snapshot(db, BOOK, TODAY, partition_size=20)
    assert (first.computed, first.agencies_computed) == (60, 2)
    assert sorted(reads) == sorted(history.freelancers)  # no ledger read twice
    reference = _agency_rows(db)
    assert reference == _expected(history)

    agency = agencies(history)[0]
    member = ledger.agencies(db)[agency][0]
    with db.write() as conn:  # as if it had died after storing all but one member and agency
        conn.execute(delete(agency_scores))
        conn.execute(delete(agency_windows))
        conn.execute(delete(scores).where(scores.c.freelancer == member))
        conn.execute(delete(windows).where(windows.c.freelancer == member))
        conn.execute(update(computations).values(status="running", finished_at=None))
    reads.clear()
    resumed = run_snapshot(db, BOOK, TODAY, partition_size=20)
    assert (resumed.computed, resumed.agencies_computed) == (1, 2)
    assert reads.count(member) == 2  # its own partition, then its agency's
    assert _agency_rows(db) == reference
