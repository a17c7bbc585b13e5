"""Harsh raters from a store: client_feedback kept, proposals read from the ledger, an
operator's confirmation recorded as client_flagged, and under jobsuccess-2026 the confirmed
client's contracts stop counting (issue 13 item 2, end to end); on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from histories import displayed, history, job, outcome
from jobsuccess.cli import app
from jobsuccess.model import History
from jobsuccess.service import create_app
from jobsuccess.store import Database, ledger
from jobsuccess.store.actions import AlreadyFlagged, NotAProposal, confirm_rater
from jobsuccess.store.importer import import_history
from jobsuccess.store.keys import create_key

ON = dt.date(2025, 12, 1)
POLICY = "jobsuccess-2026"


def market() -> History:
    """Eight freelancers, three ordinary clients each; ``kh`` hired them all and rates them
    below their other clients, ``kn`` hired them all and rates like the others. The
    freelancers gave ``kh`` 1.5 stars and everyone else 4.8 (``client_feedback``)."""
    rows = []
    for i in range(8):
        f = f"f{i}"
        for j in range(3):
            rows.append(job(f"{f}-o{j}", f"k{i}-{j}", end=f"2025-0{j + 2}-10", freelancer=f))
        rows.append(job(f"{f}-h", "kh", end="2025-06-10", stars=2.0, recommend=2, freelancer=f))
        rows.append(job(f"{f}-n", "kn", end="2025-07-10", stars=5.0, recommend=10, freelancer=f))
    h = history(*rows)
    stars = pl.when(pl.col("client") == "kh").then(1.5).otherwise(4.8)
    return h.with_frame("contracts", h.contracts.with_columns(client_feedback=stars))


@pytest.fixture
def stored(db: Database) -> Database:
    import_history(db, market())
    return db


def test_client_feedback_is_stored_and_read_back(stored: Database) -> None:
    back = ledger.history(stored).contracts
    given = dict(zip(back["id"], back["client_feedback"], strict=True))
    assert given["f3-h"] == 1.5 and given["f3-o1"] == 4.8 and len(given) == 40
    again = import_history(stored, market())
    assert again.inserted == 0  # a rerun import stays a no-op


def test_raters_from_the_store_then_confirmed_and_not_counted(
    stored: Database, db_url: str
) -> None:
    runner = CliRunner()
    base = ["raters", "--db", db_url, "--as-of", str(ON), "--no-measure"]
    listed = runner.invoke(app, [*base, "--json"])
    assert listed.exit_code == 0, listed.output
    (proposal,) = json.loads(listed.stdout)["proposals"]
    assert proposal["client"] == "kh" and not proposal["flagged"]
    assert proposal["client_feedback"] == {
        "mean": 1.5,
        "count": 8,
        "market_mean": 4.14,
    }  # (8 x 1.5 + 32 x 4.8) / 40
    before = [displayed(ledger.history(stored, [f"f{i}"]), ON, POLICY) for i in range(8)]
    assert outcome(ledger.history(stored, ["f0"]), ON, "f0-h", POLICY)[1] == "negative"

    confirmed = runner.invoke(app, [*base, "--confirm", "kh", "--json"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "confirmed: client kh flagged on 2025-12-01" in confirmed.stderr
    assert json.loads(confirmed.stdout)["proposals"][0]["flagged"]
    flags = ledger.history(stored).actions
    assert flags.select("type", "client", "freelancer", "date").rows() == [
        ("client_flagged", "kh", None, ON)
    ]
    note = flags["note"][0]
    assert "8 freelancers" in note and "2.00 against 5.00" in note
    # under jobsuccess-2026, the confirmed rater's contracts stop counting: every one of its
    # freelancers gains, and the other clients' contracts count as before
    for i in range(8):
        h = ledger.history(stored, [f"f{i}"])
        assert outcome(h, ON, f"f{i}-h", POLICY)[:2] == ("client_flagged", "excluded")
        assert outcome(h, ON, f"f{i}-n", POLICY)[:2] != ("client_flagged", "excluded")
    after = [displayed(ledger.history(stored, [f"f{i}"]), ON, POLICY) for i in range(8)]
    assert all(
        b is not None and a is not None and a > b for a, b in zip(after, before, strict=True)
    )

    again = runner.invoke(app, [*base, "--confirm", "kh"])
    assert again.exit_code == 2 and "flagged already" in again.stderr
    other = runner.invoke(app, [*base, "--confirm", "kn"])
    assert other.exit_code == 2 and "not a harsh-rater proposal" in other.stderr
    both = runner.invoke(app, ["raters", "somewhere", "--db", db_url])
    assert both.exit_code == 2 and "one of them" in both.stderr


def test_confirm_over_the_api(stored: Database) -> None:
    app_ = create_app(db=stored)
    operator = {"Authorization": f"Bearer {create_key(stored, 'operator')[0]}"}
    client = {"Authorization": f"Bearer {create_key(stored, 'client')[0]}"}
    body = {"as_of": str(ON)}
    with TestClient(app_) as http:
        assert http.post("/v1/raters/kh/confirm", headers=client, json=body).status_code == 403
        nope = http.post("/v1/raters/kn/confirm", headers=operator, json=body)
        assert nope.status_code == 404 and "not a harsh-rater proposal" in nope.json()["detail"]
        done = http.post("/v1/raters/kh/confirm", headers=operator, json=body)
        assert done.status_code == 200, done.text
        answer = done.json()
        assert (answer["client"], answer["date"], answer["inserted"]) == ("kh", str(ON), True)
        assert answer["proposal"]["freelancers"] == 8
        twice = http.post("/v1/raters/kh/confirm", headers=operator, json=body)
        assert twice.status_code == 409
    ids = ledger.history(stored).actions.select("type", "client").rows()
    assert ids == [("client_flagged", "kh")]


def test_confirm_refuses_what_is_not_proposed(stored: Database) -> None:
    with pytest.raises(NotAProposal):
        confirm_rater(stored, "k0-0", as_of=ON)
    confirm_rater(stored, "kh", as_of=ON)
    with pytest.raises(AlreadyFlagged):
        confirm_rater(stored, "kh", as_of=ON + dt.timedelta(days=1))


def test_client_feedback_comes_later_as_a_contract_update(db: Database) -> None:
    """A freelancer rates the client after the contract was stored: a contract_update with
    only client_feedback; a later one wins; an update naming nothing is still refused."""
    from pydantic import ValidationError

    from store.records import contract, row

    ledger.append(db, [contract("c1")])
    ledger.append(db, [row("contract_update", "u1", freelancer="f1", contract="k1",
                           client_feedback=2.0)])  # fmt: skip
    ledger.append(db, [row("contract_update", "u2", freelancer="f1", contract="k1",
                           client_feedback=4.5)])  # fmt: skip
    assert ledger.history(db).contracts["client_feedback"].to_list() == [4.5]
    with pytest.raises(ValidationError, match="client_feedback"):
        row("contract_update", "u3", freelancer="f1", contract="k1")
    with pytest.raises(ValidationError):
        row("contract_update", "u4", freelancer="f1", contract="k1", client_feedback=6.0)
    entries = ledger.records_of(db, "f1", private=False)
    assert [e[2].get("client_feedback") for e in entries] == [None, 2.0, 4.5]
