"""The ledger on both backends: idempotent ids, conflicts, all-or-nothing batches, folding."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from jobsuccess.store import Database, ledger
from jobsuccess.store.ledger import ConflictError, UnknownContractError
from store.records import assert_same_history, contract, market, payment, row


def test_append_then_resend_is_a_no_op(db: Database) -> None:
    batch = [contract("c1"), payment("p1")]
    assert ledger.append(db, batch).inserted == 2
    again = ledger.append(db, batch)
    assert (again.inserted, again.duplicates) == (0, 2)
    assert ledger.count(db) == 2


def test_same_content_in_another_spelling_is_the_same_record(db: Database) -> None:
    ledger.append(
        db,
        [
            contract("c1"),
            row(
                "feedback",
                "fb",
                freelancer="f1",
                contract="k1",
                date="2024-03-01",
                stars=5,
                recommend=10,
            ),
        ],
    )
    same = row(
        "feedback", "fb", freelancer="f1", contract="k1", date="2024-03-01", stars=5.0, recommend=10
    )
    assert ledger.append(db, [same]).duplicates == 1


def test_conflicting_content_under_a_stored_id_names_the_id_and_stores_nothing(
    db: Database,
) -> None:
    ledger.append(db, [contract("c1"), payment("p1", amount=100)])
    with pytest.raises(ConflictError) as caught:
        ledger.append(db, [payment("p2"), payment("p1", amount=101)])
    assert [c.id for c in caught.value.conflicts] == ["p1"]
    assert "record p1" in str(caught.value) and "amount 100.0 -> 101.0" in str(caught.value)
    assert ledger.count(db) == 2  # p2 was not stored either: the batch is all or nothing


def test_same_id_twice_in_one_batch_with_different_content(db: Database) -> None:
    with pytest.raises(ConflictError, match="sent twice in this batch"):
        ledger.append(db, [contract("c1"), payment("p1", amount=1), payment("p1", amount=2)])
    assert ledger.count(db) == 0


def test_a_contract_is_recorded_once_later_facts_are_updates(db: Database) -> None:
    ledger.append(db, [contract("c1")])
    with pytest.raises(ConflictError, match="already recorded as record c1"):
        ledger.append(db, [contract("c1-again", client="y")])
    ledger.append(
        db,
        [
            row(
                "contract_update",
                "u1",
                freelancer="f1",
                contract="k1",
                end="2024-05-01",
                ended_by="client",
            ),
            row(
                "contract_update", "u2", freelancer="f1", contract="k1", end_reason="not_completed"
            ),
            row("contract_update", "u3", freelancer="f1", contract="k1", end="2024-06-01"),
        ],
    )
    folded = ledger.history(db).contracts.row(0, named=True)
    assert (folded["end"], folded["ended_by"], folded["end_reason"]) == (
        dt.date(2024, 6, 1),
        "client",
        "not_completed",
    )


def test_records_about_unknown_contracts_are_refused(db: Database) -> None:
    ledger.append(db, [contract("c1")])
    with pytest.raises(UnknownContractError, match="record p9: contract 'k9'"):
        ledger.append(db, [payment("p1"), payment("p9", c="k9")])
    assert ledger.count(db) == 1
    # a batch may bring the contract along with its records
    assert ledger.append(db, [contract("c2", c="k2"), payment("p2", c="k2")]).inserted == 2


def test_fold_per_freelancer_keeps_marketplace_wide_actions(db: Database) -> None:
    ledger.append(
        db,
        [
            contract("c1", f="a"),
            contract("c2", f="b"),
            row("action", "flag", type="client_flagged", date="2024-03-01", client="x"),
            row(
                "action",
                "no",
                type="appeal_rejected",
                date="2024-03-01",
                freelancer="a",
                contract="k1",
                note="the client's account of the work stands",
            ),
        ],
    )
    one = ledger.history(db, ["a"])
    assert one.contracts.get_column("freelancer").to_list() == ["a"]
    assert one.actions.get_column("type").to_list() == ["client_flagged"]  # rejected: record only
    assert_same_history(one, ledger.history(db).only(["a"]))


def test_a_marketplace_round_trips_through_the_ledger(db: Database) -> None:
    from jobsuccess.store.importer import import_history

    history = market(60, seed=3)
    result = import_history(db, history, freelancers_per_chunk=7)
    assert result.inserted == result.records
    assert_same_history(ledger.history(db), history)
    some = history.freelancers[10:25]
    assert_same_history(ledger.history(db, some), history.only(some))


def test_the_client_activity_of_some_clients_is_the_markets_for_them(db: Database) -> None:
    """What one freelancer's explanation reads from the store: their clients' activity on the
    whole ledger, the engine's `client_activity` of the market kept to those clients."""
    import polars as pl

    from jobsuccess.engine.facts import client_activity
    from jobsuccess.store.importer import import_history

    history = market(60, seed=3)
    import_history(db, history, freelancers_per_chunk=7)
    whole = client_activity(history)
    assert ledger.client_activity(db).equals(whole)
    theirs = history.only([history.freelancers[4]]).contracts.get_column("client").unique()
    some = ledger.client_activity(db, theirs.to_list())
    assert some.equals(whole.filter(pl.col("client").is_in(theirs.implode())))
    assert some.height < whole.height
    assert ledger.client_activity(db, []).is_empty()


@pytest.mark.parametrize("writers, each", [(8, 25)])
def test_concurrent_writers_lose_nothing(db: Database, writers: int, each: int) -> None:
    ledger.append(db, [contract("c1")])
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for i in range(each):
                # half the writers also resend a record another writer sends: stored once
                batch = [payment(f"w{w}-{i}", amount=i)]
                if w % 2:
                    batch.append(payment(f"shared-{i}", amount=-1))
                ledger.append(db, batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ledger.count(db) == 1 + writers * each + each


SEARCHED = ["a", "ab", "ab%x", "ab_x", "ab\\x", "abc", "Abc", "ab\U0010ffff", "ac", "b", "é1", "éz"]


@pytest.mark.parametrize(
    "prefix", ["", "a", "ab", "AB", "ab%", "ab_", "ab\\", "abc", "b", "é", "\U0010ffff", "z"]
)
def test_find_freelancers_is_the_ids_that_start_with_the_text(db: Database, prefix: str) -> None:
    """Case-sensitive on both backends, wildcards taken literally, and on SQLite a range read
    whose end (`_past`) loses no id (an id continuing the prefix with U+10FFFF included)."""
    ledger.append(db, [contract(f"c{i}", f=f, c="k1") for i, f in enumerate(SEARCHED)])
    expected = sorted(f for f in SEARCHED if f.startswith(prefix))
    assert ledger.find_freelancers(db, prefix, limit=100) == expected
    assert ledger.find_freelancers(db, prefix, limit=2) == expected[:2]
