"""The history format's newer fields in the store, on both backends: a contract's category, and
the actions report_upheld, account_hold (with its until day) and contract_paused (with its
cause). Imports carry them, folding gives them back, snapshots score them as the engine does,
records without them keep their digests, the API refuses what the history format refuses, and
migration 0003 goes up and back down."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from jobsuccess.engine import score
from jobsuccess.io import load, write_tables
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.service.cli import app
from jobsuccess.store import ConflictError, Database, ledger, open_database
from jobsuccess.store.db import SCHEMA_REVISION, current_revision, downgrade, upgrade
from jobsuccess.store.importer import history_rows, import_history
from jobsuccess.store.records import digest, from_row, sha256
from jobsuccess.store.schema import scores
from jobsuccess.store.snapshots import run_snapshot, score_rows
from store.records import TODAY, assert_same_history, contract, market, row

BOOK = PolicyBook.shipped()
SEED = 31  # 30 freelancers: f000002 has one outcome, f000005 is Top Rated, f000007 scores 74


def _last_feedback(history: History, freelancer: str) -> dict[str, Any]:
    """The freelancer's latest feedback on an ended contract: the outcome an action changes."""
    ended = history.contracts.filter(pl.col("end").is_not_null()).select(
        "freelancer", pl.col("id").alias("contract")
    )
    return (
        history.feedback.join(ended, on=["freelancer", "contract"])
        .filter(pl.col("freelancer") == freelancer)
        .sort("date")
        .row(-1, named=True)
    )


def enriched(history: History) -> History:
    """``history`` with categories on half its contracts and one action of each new type
    (an account_hold without until and an inactivity pause as well)."""
    report, paused = _last_feedback(history, "f000002"), _last_feedback(history, "f000007")
    other = _last_feedback(history, "f000003")
    day = dt.timedelta(days=1)
    new = [
        ("f000002", "report_upheld", report["date"] + day, report["contract"], None, None),
        ("f000007", "contract_paused", paused["date"], paused["contract"], None, "client"),
        ("f000003", "contract_paused", other["date"], other["contract"], None, "inactivity"),
        ("f000005", "account_hold", TODAY - 40 * day, None, TODAY + 20 * day, None),
        ("f000009", "account_hold", TODAY - 400 * day, None, None, None),
    ]
    actions = pl.DataFrame(
        [
            {"freelancer": f, "type": t, "date": d, "contract": c, "client": None,
             "note": f"{t} by the test", "until": u, "cause": cause}
            for f, t, d, c, u, cause in new
        ],
        schema=history.actions.schema,
    )  # fmt: skip
    contracts = history.contracts.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.format("cat-{}", pl.int_range(pl.len()) % 3))
        .alias("category")
    )
    return history.with_frame("contracts", contracts).with_frame(
        "actions", pl.concat([history.actions, actions])
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> History:
    """The enriched market written as tables and loaded back: the history format accepts it."""
    folder = tmp_path_factory.mktemp("fields") / "market"
    write_tables(enriched(market(30, seed=SEED)), folder, format="parquet")
    return load(folder)


def _scores(history: History) -> dict[str, dict[str, Any]]:
    head, _ = score_rows(score(history, BOOK, TODAY), BOOK)
    return {str(r["freelancer"]): r for r in head}


def test_the_new_fields_change_scores(loaded: History) -> None:
    """Guard for the tests below: each new action changes its freelancer's result, so a
    store that dropped one could not reproduce the engine."""
    assert loaded.contracts["category"].drop_nulls().len() > 0
    assert set(loaded.actions["type"]) >= {"report_upheld", "account_hold", "contract_paused"}
    plain = loaded.with_frame(
        "actions",
        loaded.actions.filter(
            ~pl.col("type").is_in(["report_upheld", "account_hold", "contract_paused"])
        ),
    )
    before, after = _scores(plain), _scores(loaded)
    changed = {f for f in after if after[f] != before[f]}
    assert {"f000002", "f000005", "f000007"} <= changed, changed


def test_import_round_trips_the_new_fields(db: Database, loaded: History) -> None:
    first = import_history(db, loaded)
    assert first.inserted == first.records
    folded = ledger.history(db)
    assert_same_history(folded, loaded)
    key = ["freelancer", "type", "date", "contract"]
    new = pl.col("type").is_in(["report_upheld", "account_hold", "contract_paused"])
    assert (
        folded.actions.filter(new)
        .sort(key, nulls_last=True)
        .equals(loaded.actions.filter(new).sort(key, nulls_last=True))
    )
    assert folded.contracts.sort("freelancer", "id")["category"].equals(
        loaded.contracts.sort("freelancer", "id")["category"]
    )
    assert import_history(db, loaded).inserted == 0  # re-import: a no-op


def test_cli_import_then_snapshot_equals_the_engine(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "market"
    write_tables(enriched(market(30, seed=SEED)), folder, format="parquet")
    history = load(folder)
    result = CliRunner().invoke(app, ["import", str(folder), "--db", db_url, "--quiet"])
    assert result.exit_code == 0, result.output
    db = open_database(db_url)
    try:
        run_snapshot(db, BOOK, TODAY, partition_size=7)
        with db.read() as conn:
            stored = [dict(r) for r in conn.execute(select(scores)).mappings()]
        assert {str(r["freelancer"]): r for r in stored} == _scores(history)
    finally:
        db.dispose()


def test_records_without_the_new_fields_keep_their_digest() -> None:
    """0003 adds category, until and cause to the canonical content only when set: records
    without them have the digests and derived ids they had before (pinned here)."""
    plain = contract("x", f="f1", c="c1", client="k1", start="2024-01-01")
    assert plain["digest"] == "50edd584623b940b813616d812ec9d90b1cee94140dd1d24085ae718cbda00a9"
    # pinned from the code before 0003
    flag = row("action", "y", type="client_flagged", date="2024-03-01", client="k1", note="n")
    assert flag["digest"] == "b39f32a5555afaf8822e61fa831aa892a8d7240cdfb8d8288cbe8ed8ec357556"
    removal = dict(type="feedback_removed", freelancer="f1", contract="c1", date="2024-03-01")
    assert (
        row("action", "z", **removal)["digest"]
        == "54f6b254774f08d40f6b2d5259e0e33d12d6ca865133e73dcffcbe21efe3f86c"
    )
    # every id and digest the importer derived for a market before 0003 (219 records)
    rows = history_rows(market(10, seed=SEED), secret=None).sort("id")
    pairs = "".join(f"{i}{d}" for i, d in zip(rows["id"], rows["digest"], strict=True))
    assert (rows.height, sha256(pairs)) == (
        219,
        "a076cc1edd884b088d4309a99572e7703f53ce89f9490c69530277892bc0101f",
    )
    # set, each new field is content
    categorised = contract("x", f="f1", c="c1", client="k1", start="2024-01-01", category="web")
    assert categorised["digest"] != plain["digest"] and digest(categorised) == categorised["digest"]
    hold = dict(type="account_hold", freelancer="f1", date="2024-03-01")
    held = row("action", "h", **hold, until="2024-04-01")
    assert held["digest"] not in (row("action", "h", **hold)["digest"], flag["digest"])
    assert digest(held) == held["digest"]
    pause = dict(type="contract_paused", freelancer="f1", contract="c1", date="2024-03-01")
    assert (
        row("action", "p", **pause, cause="client")["digest"]
        != row("action", "p", **pause, cause="inactivity")["digest"]
    )


def test_a_contract_resent_with_another_category_is_a_conflict(db: Database) -> None:
    ledger.append(db, [contract("x", category="web")])
    with pytest.raises(ConflictError, match=r"category 'web' -> 'design'"):
        ledger.append(db, [contract("x", category="design")])
    assert ledger.append(db, [contract("x", category="web")]).duplicates == 1
    pause = dict(type="contract_paused", freelancer="f1", contract="k1", date="2024-02-01")
    ledger.append(db, [row("action", "p", **pause, cause="client")])
    with pytest.raises(ConflictError, match=r"cause 'client' -> 'inactivity'"):
        ledger.append(db, [row("action", "p", **pause, cause="inactivity")])


BAD_ACTIONS = [
    ({"type": "contract_paused", "contract": "k1", "cause": "weather"}, "cause"),
    ({"type": "contract_paused", "contract": "k1"}, "contract_paused needs a cause"),
    ({"type": "account_hold", "until": "2024-01-31"}, "until 2024-01-31 is before"),
    ({"type": "account_hold", "contract": "k1"}, "names no contract and no client"),
    ({"type": "account_hold", "client": "x"}, "names no contract and no client"),
    ({"type": "report_upheld", "contract": "k1", "cause": "client"}, "only a contract_paused"),
    ({"type": "report_upheld", "contract": "k1", "until": "2024-03-01"}, "only an account_hold"),
    ({"type": "report_upheld"}, "report_upheld needs a freelancer and a contract"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_ACTIONS)
def test_bad_new_actions_are_refused_saying_why(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        row("action", "a", freelancer="f1", date="2024-02-01", **fields)


def test_an_account_hold_needs_its_freelancer() -> None:
    with pytest.raises(ValidationError, match="account_hold needs a freelancer"):
        row("action", "a", type="account_hold", date="2024-02-01")


def test_the_new_fields_read_back_as_records(db: Database) -> None:
    ledger.append(
        db,
        [
            contract("c", category="web"),
            row("action", "h", type="account_hold", freelancer="f1", date="2024-02-01",
                until="2024-03-01", note="check"),
            row("action", "p", type="contract_paused", freelancer="f1", contract="k1",
                date="2024-02-02", cause="inactivity"),
        ],
    )  # fmt: skip
    got = {r["id"]: r for _, _, r in ledger.records_of(db, "f1", private=False)}
    assert got["c"]["category"] == "web" and "end_reason" not in got["c"]
    assert (got["h"]["until"], got["h"]["contract"], got["h"]["cause"]) == (
        "2024-03-01",
        None,
        None,
    )
    assert got["p"]["cause"] == "inactivity" and got["p"]["until"] is None
    assert from_row({**row("action", "q", type="report_upheld", freelancer="f1", contract="k1",
                           date="2024-02-03"), "seq": 1})["type"] == "report_upheld"  # fmt: skip


def test_migration_0003_adds_the_columns_to_a_0002_store_and_goes_back(blank_url: str) -> None:
    db = open_database(blank_url, migrate=False)
    upgrade(db, "0002")
    with db.write() as conn:  # a contract stored before 0003
        conn.exec_driver_sql(
            "INSERT INTO records (id, kind, freelancer, contract, client, contract_type, "
            "start, digest, received_at, agency) VALUES ('x', 'contract', 'f1', 'c1', 'k1', "
            "'fixed', '2024-01-01', 'd', '2024-01-02 00:00:00', 'a1')"
        )
    upgrade(db, "0003")
    assert current_revision(db) == "0003"
    with db.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("records")}
    assert {"category", "until", "cause", "agency"} <= columns
    downgrade(db, "0002")
    assert current_revision(db) == "0002"
    with db.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("records")}
        assert not {"category", "until", "cause"} & columns and "agency" in columns
        assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar_one() == 1
    upgrade(db)  # and up again
    assert current_revision(db) == SCHEMA_REVISION
    folded = ledger.history(db)  # the ledger is read at the newest schema only
    assert folded.contracts[["agency", "category"]].rows() == [("a1", None)]
    db.dispose()


def test_imported_and_sent_new_fields_have_the_same_digest(loaded: History) -> None:
    """The importer (column by column) and the API (one record) canonicalise the new fields
    alike: resending an imported account_hold or a categorised contract is a duplicate."""
    from pydantic import TypeAdapter

    from jobsuccess.store.ledger import BATCH_SCHEMA
    from jobsuccess.store.records import Record, to_row

    rows = history_rows(loaded, secret=None)
    new = rows.filter(
        pl.col("category").is_not_null()
        | pl.col("until").is_not_null()
        | pl.col("cause").is_not_null()
    )
    assert set(new["kind"]) == {"contract", "action"} and new["until"].drop_nulls().len() == 1
    for old in new.to_dicts():
        record = {k: v for k, v in from_row(old).items() if v is not None}
        rebuilt = to_row(TypeAdapter(Record).validate_python(record))
        assert {c: rebuilt[c] for c in BATCH_SCHEMA} == {c: old[c] for c in BATCH_SCHEMA}
