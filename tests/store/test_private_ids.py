"""Record ids reveal nothing about private content (issue 8, item 3, attack 1).

Ids used to be plain SHA-256 hashes of a record's whole content, private feedback included:
a freelancer reading their ledger could try the 12 values of ``recommend`` (and the end
reasons) against each id and recover every answer. Ids are now keyed with the store's own
secret (migration 0004 rewrote the stored ones).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import insert

from jobsuccess.model import History
from jobsuccess.store import Database, ledger, open_database
from jobsuccess.store.db import current_revision, upgrade
from jobsuccess.store.importer import history_rows, import_history
from jobsuccess.store.records import (
    CONTENT_COLUMNS,
    PLAIN_ID,
    canonical,
    keyed_id,
    plain_id,
    plain_id_of,
)
from jobsuccess.store.schema import records
from store.records import market

RECOMMEND_GUESSES = (None, *range(11))
END_REASON_GUESSES = (None, "completed", "not_completed", "no_longer_needed", "other")
_COLUMN = {"type": "contract_type", "opened": "date"}


def _row_of(record: dict[str, Any]) -> dict[str, Any]:
    """A freelancer-visible record back as a log row (what an attacker can rebuild)."""
    rename = {"type": "action_type"} if record["kind"] == "action" else _COLUMN
    row: dict[str, Any] = dict.fromkeys(CONTENT_COLUMNS)
    for key, value in record.items():
        if key != "id":
            row[rename.get(key, key)] = value
    return row


def recovered(records: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The private answers an attacker recovers by trying every value against each id."""
    found = []
    for record in records:
        if record["kind"] not in ("feedback", "contract_update"):
            continue
        row = _row_of(record)
        for c in ("start", "end", "date"):
            if isinstance(row.get(c), str):
                row[c] = dt.date.fromisoformat(row[c])
        field, guesses = (
            ("recommend", RECOMMEND_GUESSES)
            if record["kind"] == "feedback"
            else ("end_reason", END_REASON_GUESSES)
        )
        for guess in guesses:
            text = canonical({**row, field: guess})
            if any(plain_id_of(text, n) == record["id"] for n in range(3)):
                found.append((record["id"], guess))
    return found


@pytest.fixture
def history() -> History:
    return market(20, seed=5)


def test_attack_ids_do_not_reveal_private_answers(db: Database, history: History) -> None:
    import_history(db, history)
    seen = [
        r for f in ledger.freelancers(db) for _, _, r in ledger.records_of(db, f, private=False)
    ]
    assert not any("recommend" in r or "end_reason" in r for r in seen)
    assert sum(r["kind"] == "feedback" for r in seen) > 20
    assert recovered(seen) == []
    # the attack itself works: on plain ids (the code before 0004) it recovers every answer
    plain = history_rows(history, secret=None).filter(
        history_rows(history, secret=None)["kind"].is_in(["feedback", "contract_update"])
    )
    from jobsuccess.store.records import from_row

    exposed = [from_row(r, private=False) for r in plain.to_dicts()]
    assert len(recovered(exposed)) == len(exposed)


def test_derived_ids_are_keyed_with_the_stores_own_secret(db: Database, db_url: str) -> None:
    again = open_database(db_url)
    assert again.id_secret == db.id_secret and len(db.id_secret) >= 32
    again.dispose()
    assert keyed_id("a", plain_id("x")) != keyed_id("b", plain_id("x"))
    assert not PLAIN_ID.fullmatch(keyed_id("a", plain_id("x")))


def test_migration_0004_rewrites_plain_ids_and_a_rerun_import_stays_a_noop(
    blank_url: str, history: History
) -> None:
    db = open_database(blank_url, migrate=False)
    upgrade(db, "0003")
    old = history_rows(history, secret=None)
    now = dt.datetime.now(dt.UTC)
    stored = [  # what an import stored before 0004 (the 0003 columns), and one chosen id
        {k: v for k, v in r.items() if k not in ("note_public", "client_feedback")}
        | {"received_at": now}
        for r in old.to_dicts()
    ]
    chosen = {"id": "d-operator-chosen", "kind": "action", "action_type": "client_flagged",
              "client": "k1", "date": dt.date(2024, 1, 1), "digest": "0" * 64}  # fmt: skip
    stored.append(dict.fromkeys(stored[0]) | chosen | {"received_at": now})
    with db.write() as conn:
        for part in (stored[i : i + 500] for i in range(0, len(stored), 500)):
            conn.execute(insert(records), part)
    upgrade(db, "0004")
    assert current_revision(db) == "0004"
    with db.read() as conn:
        ids = set(conn.exec_driver_sql("SELECT id FROM records").scalars())
    assert not any(PLAIN_ID.fullmatch(i) for i in ids) and "d-operator-chosen" in ids
    assert ids - {"d-operator-chosen"} == {keyed_id(db.id_secret, i) for i in old["id"]}
    upgrade(db)  # the importer writes at the newest schema
    rerun = import_history(db, history)
    assert rerun.inserted == 0 and ledger.count(db) == old.height + 1
    db.dispose()
