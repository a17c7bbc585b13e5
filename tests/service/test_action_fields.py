"""The API's records carry the history format's newer fields: a contract's category, an
account_hold's until, a contract_paused's cause; it refuses, with the reason, what the history
format refuses, and a freelancer reading the ledger sees them without private feedback."""

from __future__ import annotations

from typing import Any

from jobsuccess.store import ledger
from service.fixtures import Service
from store.records import rec

PRIVATE = {"recommend", "end_reason"}


def _new_records() -> list[dict[str, Any]]:
    return [
        rec("contract", "nf-c", freelancer="f1", contract="f1-c9", client="client-9",
            type="hourly", start="2026-08-01", category="design"),
        rec("action", "nf-r", type="report_upheld", freelancer="f1", contract="f1-c0",
            date="2026-06-01", note="report upheld: abusive feedback"),
        rec("action", "nf-h", type="account_hold", freelancer="f1", date="2026-09-01",
            until="2026-10-01", note="identity check"),
        rec("action", "nf-p", type="contract_paused", freelancer="f1", contract="f1-c9",
            date="2026-08-15", cause="client"),
    ]  # fmt: skip


def test_records_with_the_new_fields_are_stored_and_read_back(service: Service) -> None:
    sent = service.post("/v1/records", "operator", {"records": _new_records()})
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"received": 4, "inserted": 4, "duplicates": 0}
    again = service.post("/v1/records", "operator", {"records": _new_records()})
    assert again.json()["duplicates"] == 4
    folded = ledger.history(service.db, ["f1"])
    contract = folded.contracts.filter(id="f1-c9").row(0, named=True)
    assert contract["category"] == "design"
    hold = folded.actions.filter(type="account_hold").row(0, named=True)
    assert (str(hold["until"]), hold["contract"]) == ("2026-10-01", None)
    assert folded.actions.filter(type="contract_paused")["cause"].to_list() == ["client"]
    entries = service.get("/v1/freelancers/f1/ledger", "f1").json()["entries"]
    seen = {e["record"]["id"]: e["record"] for e in entries}
    assert all(not PRIVATE & set(r) for r in seen.values())
    assert seen["nf-c"]["category"] == "design"
    assert (seen["nf-h"]["until"], seen["nf-h"]["contract"]) == ("2026-10-01", None)
    assert seen["nf-p"]["cause"] == "client" and seen["nf-r"]["type"] == "report_upheld"


def test_a_changed_cause_is_a_409_conflict(service: Service) -> None:
    pause = _new_records()[3]
    assert service.post(
        "/v1/records", "operator", {"records": [_new_records()[0], pause]}
    ).is_success
    changed = service.post(
        "/v1/records", "operator", {"records": [pause | {"cause": "inactivity"}]}
    )
    assert changed.status_code == 409
    assert "cause 'client' -> 'inactivity'" in changed.json()["detail"]["message"]


def test_bad_new_actions_are_422_saying_why(service: Service) -> None:
    base = {"freelancer": "f1", "date": "2026-06-01"}
    bad = [
        ({"type": "contract_paused", "contract": "f1-c0", "cause": "weather"}, "'client' or"),
        ({"type": "contract_paused", "contract": "f1-c0"}, "needs a cause"),
        ({"type": "account_hold", "until": "2026-05-01"}, "is before the action's date"),
        ({"type": "account_hold", "contract": "f1-c0"}, "names no contract and no client"),
        ({"type": "report_upheld", "contract": "f1-c0", "until": "2026-07-01"}, "only an"),
        ({"type": "report_upheld", "contract": "f1-c0", "cause": "client"}, "only a"),
    ]
    before = ledger.count(service.db)
    for fields, message in bad:
        answer = service.post(
            "/v1/records", "operator", {"records": [rec("action", "b", **base, **fields)]}
        )
        assert answer.status_code == 422, (fields, answer.text)
        assert message in answer.text, (fields, answer.text)
    assert ledger.count(service.db) == before
