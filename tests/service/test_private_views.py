"""What a freelancer reads derives from nothing private (issue 8, item 3): operator notes
only when marked public, no global sequence numbers."""

from __future__ import annotations

import json

from jobsuccess.policy import PolicyBook
from jobsuccess.store.snapshots import run_snapshot
from service.fixtures import Service
from store.records import TODAY, rec

NOTE = "rates everyone 1/10"  # the README's own example


def _everything(service: Service, who: str, freelancer: str = "f1") -> str:
    """Every answer the freelancer's key can read about ``freelancer``, as one text."""
    base = f"/v1/freelancers/{freelancer}"
    answers = [
        service.get(f"{base}/ledger", who, limit=1000),
        service.get(f"{base}/score", who),
        service.get(f"{base}/history", who),
        service.get(f"{base}/explain", who, to=TODAY.isoformat()),
        service.get(f"{base}/forecast", who, as_of=TODAY.isoformat()),
        service.get(f"{base}/advice", who, as_of=TODAY.isoformat()),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    return json.dumps([a.json() for a in answers])


def test_attack_operator_notes_do_not_reach_the_freelancer(service: Service) -> None:
    flag = {"client": "client-2", "freelancer": "f1", "date": "2026-10-01", "note": NOTE}
    assert service.post("/v1/actions/client-flags", "operator", flag).status_code == 200
    appeal = {"freelancer": "f1", "contract": "f1-c1", "decision": "rejected",
              "note": "appeal rejected: " + NOTE, "date": "2026-10-02"}  # fmt: skip
    assert service.post("/v1/actions/appeal-decisions", "operator", appeal).status_code == 200
    run_snapshot(service.db, PolicyBook.shipped(), TODAY)
    assert NOTE not in _everything(service, "f1")
    mine = service.get("/v1/freelancers/f1/ledger", "f1", limit=1000).json()["entries"]
    actions = [e["record"] for e in mine if e["record"]["kind"] == "action"]
    assert len(actions) == 2 and all(a["note"] is None for a in actions)
    assert all("note_public" not in a for a in actions)
    operator = service.get("/v1/freelancers/f1/ledger", "operator", limit=1000).json()
    notes = [e["record"]["note"] for e in operator["entries"] if e["record"]["kind"] == "action"]
    assert all(NOTE in n for n in notes)


def test_a_note_marked_public_reaches_the_freelancer(service: Service) -> None:
    body = {"freelancer": "f1", "contract": "f1-c2", "decision": "upheld", "date": "2026-10-01",
            "note": "the client stalled the work", "note_public": True}  # fmt: skip
    answer = service.post("/v1/actions/appeal-decisions", "operator", body)
    assert answer.status_code == 200, answer.text
    private = dict(body, contract="f1-c1", note="between us", note_public=False)
    assert service.post("/v1/actions/appeal-decisions", "operator", private).status_code == 200
    mine = service.get("/v1/freelancers/f1/ledger", "f1", limit=1000).json()["entries"]
    notes = sorted(str(e["record"]["note"]) for e in mine if e["record"]["kind"] == "action")
    assert notes == ["None", "the client stalled the work"]
    # the same action sent again (flag and all) is the same record
    again = service.post("/v1/actions/appeal-decisions", "operator", body).json()
    assert again == {"id": answer.json()["id"], "inserted": False}
    sent = rec("action", "n1", type="appeal_rejected", freelancer="f1", contract="f1-c0",
               date="2026-10-03", note="sent public", note_public=True)  # fmt: skip
    assert service.post("/v1/records", "operator", {"records": [sent]}).status_code == 200
    assert "sent public" in _everything(service, "f1")


def test_attack_freelancer_ledger_shows_no_global_seq(service: Service) -> None:
    def mine() -> list[dict[str, object]]:
        entries: list[dict[str, object]] = []
        after = 0
        while True:
            page = service.get("/v1/freelancers/f1/ledger", "f1", limit=5, after=after).json()
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            after = page["next_after"]

    before = mine()
    assert [e["n"] for e in before] == list(range(1, 13))
    assert all(e["seq"] is None for e in before)
    # other freelancers' records in between change nothing the freelancer reads
    others = [rec("payment", f"f2-p{i}", freelancer="f2", contract="f2-c0", date="2026-06-01",
                  amount=5.0) for i in range(7)]  # fmt: skip
    assert service.post("/v1/records", "operator", {"records": others}).status_code == 200
    assert mine() == before
    # operators keep the log's seq
    operator = service.get("/v1/freelancers/f2/ledger", "operator", limit=1000).json()
    seqs = [e["seq"] for e in operator["entries"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 19
    assert [e["n"] for e in operator["entries"]] == list(range(1, 20))
