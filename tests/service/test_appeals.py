"""Appeals and reports decided by people, over the API (issue 13 item 1), on both backends."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from jobsuccess.store.keys import create_key
from service.fixtures import Service
from store.records import rec


def story_records(f: str = "f3") -> list[dict[str, Any]]:
    """Four ended contracts, recent (so every window holds them whatever today is): three with
    five stars, one with one star and no private answer nor end reason (a public outcome, whose
    change the freelancer may see; it is appealed below)."""
    today = dt.date.today()
    out: list[dict[str, Any]] = []
    for n in range(4):
        c = f"{f}-c{n}"
        start = today - dt.timedelta(days=120 - 20 * n)
        end = start + dt.timedelta(days=15)
        stars = 1.0 if n == 3 else 5.0
        feedback: dict[str, Any] = {"stars": stars}
        if n != 3:
            feedback["recommend"] = 10
        out += [
            rec(
                "contract",
                c,
                freelancer=f,
                contract=c,
                client=f"client-{f}-{n}",
                type="fixed",
                start=start.isoformat(),
            ),
            rec("payment", f"{c}-p", freelancer=f, contract=c, date=end.isoformat(), amount=900.0),
            rec(
                "contract_update",
                f"{c}-end",
                freelancer=f,
                contract=c,
                end=end.isoformat(),
                ended_by="client",
                **({} if n == 3 else {"end_reason": "completed"}),
            ),
            rec("feedback", f"{c}-fb", freelancer=f, contract=c, date=end.isoformat(), **feedback),
        ]
    return out


@pytest.fixture
def story(service: Service) -> Service:
    """The service with freelancer f3 (and its key) and a reviewer key."""
    answer = service.post("/v1/records", "operator", {"records": story_records()})
    assert answer.status_code == 200, answer.text
    service.keys["f3"] = create_key(service.db, "freelancer", "f3")[0]
    service.keys["reviewer"] = create_key(service.db, "operator", reviewer=True)[0]
    return service


FILING = {
    "contract": "f3-c3",
    "category": "scope_changed",
    "text": "The client doubled the scope after the fixed price was agreed, then rated me down.",
    "evidence": ["https://example.com/messages/f3-c3"],
}


def _prefix(key: str) -> str:
    return key.split("_")[1]


def test_an_appeal_filed_upheld_audited_and_explained(story: Service) -> None:
    """The Done-when story: a freelancer files through the API, a reviewer upholds it with a
    reason, the audit holds every step, the freelancer's explanation shows the effect."""
    filed = story.post("/v1/freelancers/f3/appeals", "f3", FILING)
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert (appeal["state"], appeal["kind"], appeal["decision"]) == ("filed", "appeal", None)
    aid = appeal["id"]
    queued = story.get("/v1/appeals", "operator").json()
    assert [a["id"] for a in queued["appeals"]] == [aid] and queued["review_days"] == 7
    assert not queued["appeals"][0]["overdue"]
    reviewed = story.post(f"/v1/appeals/{aid}/review", "operator", {"why": "taking it"})
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "in_review"
    reason = "The messages show the client changed the scope after agreeing the price."
    decided = story.post(
        f"/v1/appeals/{aid}/decision", "reviewer", {"decision": "upheld", "reason": reason}
    )
    assert decided.status_code == 200, decided.text
    today = dt.date.today()
    decision = decided.json()["decision"]
    assert decided.json()["state"] == "upheld"
    assert (decision["decision"], decision["on"], decision["reason"]) == (
        "upheld",
        today.isoformat(),
        reason,
    )
    # the freelancer follows it: status and the reason
    mine = story.get("/v1/freelancers/f3/appeals", "f3").json()["appeals"]
    assert [(a["id"], a["state"], a["decision"]["reason"]) for a in mine] == [
        (aid, "upheld", reason)
    ]
    # the audit: every step, who, from, to, why
    audit = story.get(f"/v1/appeals/{aid}/audit", "operator").json()["events"]
    steps = [(e["who"], e["role"], e["from_state"], e["to_state"], e["why"]) for e in audit]
    assert steps == [
        (_prefix(story.keys["f3"]), "freelancer", None, "filed", None),
        (_prefix(story.keys["operator"]), "operator", "filed", "in_review", "taking it"),
        (_prefix(story.keys["reviewer"]), "reviewer", "in_review", "upheld", reason),
    ]
    # the ledger holds the action, dated on the decision day, with its id on the decision
    ledger = story.get("/v1/freelancers/f3/ledger", "f3").json()["entries"]
    acts = [e["record"] for e in ledger if e["record"]["kind"] == "action"]
    assert [(a["id"], a["type"], a["date"], a["contract"], a["note"]) for a in acts] == [
        (decision["action"], "appeal_upheld", today.isoformat(), "f3-c3", reason)
    ]
    # the freelancer's explanation: the upheld appeal, with its effect in points
    since = (today - dt.timedelta(days=1)).isoformat()
    body = story.get("/v1/freelancers/f3/explain", "f3", **{"from": since}).json()["body"]
    change = body["changes"]
    upheld = [c for c in change["changes"] if c["kind"] == "operator action"]
    assert len(upheld) == 1, change["changes"]
    assert upheld[0]["text"] == f"f3-c3: an operator decision: appeal upheld on {today}"
    assert upheld[0]["effect"] > 0 and change["to"]["score"] > change["from"]["score"]
    assert upheld[0]["effect"] == pytest.approx(change["delta"], abs=1e-6)
    mine = {c["id"]: c for c in body["score"]["contracts"]}["f3-c3"]
    assert (mine["outcome"], mine["reason"]) == ("excluded", f"appeal upheld on {today}")


def _in_review(svc: Service, body: dict[str, Any] = FILING) -> str:
    filed = svc.post("/v1/freelancers/f3/appeals", "f3", body)
    assert filed.status_code == 201, filed.text
    aid: str = filed.json()["id"]
    assert svc.post(f"/v1/appeals/{aid}/review", "operator", None).status_code == 200
    return aid


def test_roles_are_refused(story: Service) -> None:
    assert story.post("/v1/freelancers/f3/appeals", "f1", FILING).status_code == 403
    assert story.post("/v1/freelancers/f3/appeals", "client", FILING).status_code == 403
    assert story.post("/v1/freelancers/f3/appeals", None, FILING).status_code == 401
    assert story.get("/v1/freelancers/f3/appeals", "f1").status_code == 403
    aid = _in_review(story)
    ruling = {"decision": "upheld", "reason": "fine"}
    plain = story.post(f"/v1/appeals/{aid}/decision", "operator", ruling)
    assert plain.status_code == 403 and "reviewer" in plain.json()["detail"]
    for who in ("f3", "client"):
        assert story.post(f"/v1/appeals/{aid}/decision", who, ruling).status_code == 403
        assert story.get("/v1/appeals", who).status_code == 403
        assert story.get(f"/v1/appeals/{aid}/audit", who).status_code in (403, 404)
    # another freelancer's appeal does not exist for f1 (no oracle of ids)
    assert story.get(f"/v1/appeals/{aid}", "f1").status_code == 404
    assert story.post(f"/v1/appeals/{aid}/withdraw", "f1", None).status_code == 404
    assert story.get(f"/v1/appeals/{aid}", "f3").json()["state"] == "in_review"
    assert story.get("/v1/appeals/ap-0000000000000000", "operator").status_code == 404


def test_a_decision_needs_a_written_reason(story: Service) -> None:
    aid = _in_review(story)
    for body in ({"decision": "upheld"}, {"decision": "upheld", "reason": ""},
                 {"decision": "denied", "reason": "   \n"}):  # fmt: skip
        answer = story.post(f"/v1/appeals/{aid}/decision", "reviewer", body)
        assert answer.status_code == 422, (body, answer.text)
    assert story.get(f"/v1/appeals/{aid}", "f3").json()["state"] == "in_review"
    assert len(story.get(f"/v1/appeals/{aid}/audit", "operator").json()["events"]) == 2


def test_the_states_are_followed(story: Service) -> None:
    filed = story.post("/v1/freelancers/f3/appeals", "f3", FILING).json()["id"]
    early = story.post(
        f"/v1/appeals/{filed}/decision", "reviewer", {"decision": "upheld", "reason": "x"}
    )
    assert early.status_code == 409 and "only from in_review" in early.json()["detail"]
    again = story.post("/v1/freelancers/f3/appeals", "f3", FILING)
    assert again.status_code == 409 and "still filed" in again.json()["detail"]
    gone = story.post(f"/v1/appeals/{filed}/withdraw", "f3", {"why": "sorted it out"})
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert story.post(f"/v1/appeals/{filed}/withdraw", "f3", None).status_code == 409
    assert story.post(f"/v1/appeals/{filed}/review", "operator", None).status_code == 409
    # withdrawn: filing again needs nothing new
    assert story.post("/v1/freelancers/f3/appeals", "f3", FILING).status_code == 201


def test_a_denied_appeal_is_refiled_only_with_new_evidence(story: Service) -> None:
    aid = _in_review(story)
    reason = "The messages do not show a change of scope."
    denied = story.post(
        f"/v1/appeals/{aid}/decision", "reviewer", {"decision": "denied", "reason": reason}
    )
    assert denied.status_code == 200 and denied.json()["decision"]["action"] is not None
    same = story.post("/v1/freelancers/f3/appeals", "f3", FILING)
    assert same.status_code == 409 and "new evidence" in same.json()["detail"]
    none = story.post("/v1/freelancers/f3/appeals", "f3", {**FILING, "evidence": []})
    assert none.status_code == 409
    new = {**FILING, "evidence": [*FILING["evidence"], "https://example.com/contract/f3-c3"]}
    refiled = story.post("/v1/freelancers/f3/appeals", "f3", new)
    assert refiled.status_code == 201, refiled.text
    # a report is another flow: the denied appeal does not hold it back
    report = story.post("/v1/freelancers/f3/appeals", "f3", {**FILING, "kind": "report"})
    assert report.status_code == 201
    actions = {
        e["record"]["type"]
        for e in story.get("/v1/freelancers/f3/ledger", "operator").json()["entries"]
        if e["record"]["kind"] == "action"
    }
    assert actions == {"appeal_rejected"}


def test_an_upheld_report_records_report_upheld(story: Service) -> None:
    aid = _in_review(story, {**FILING, "kind": "report", "category": "abusive_client"})
    decided = story.post(
        f"/v1/appeals/{aid}/decision", "reviewer", {"decision": "upheld", "reason": "abusive"}
    )
    assert decided.status_code == 200
    records = story.get("/v1/freelancers/f3/ledger", "operator").json()["entries"]
    acts = [e["record"] for e in records if e["record"]["kind"] == "action"]
    assert [(a["type"], a["contract"]) for a in acts] == [("report_upheld", "f3-c3")]


def test_filing_is_checked(story: Service) -> None:
    unknown = story.post("/v1/freelancers/f3/appeals", "f3", {**FILING, "contract": "nope"})
    assert unknown.status_code == 404
    for bad in ({"category": "bad"}, {"text": ""}, {"evidence": ["ftp://x/y"]},
                {"kind": "complaint"}, {"extra": 1}):  # fmt: skip
        assert story.post("/v1/freelancers/f3/appeals", "f3", {**FILING, **bad}).status_code == 422
    # a report needs feedback on the contract: f1's contracts have it; a new one has none
    contract = rec("contract", "f3-c9", freelancer="f3", contract="f3-c9", client="z",
                   type="hourly", start="2026-01-01")  # fmt: skip
    assert story.post("/v1/records", "operator", {"records": [contract]}).status_code == 200
    report = {**FILING, "contract": "f3-c9", "kind": "report"}
    refused = story.post("/v1/freelancers/f3/appeals", "f3", report)
    assert refused.status_code == 409 and "no feedback" in refused.json()["detail"]
    # an operator may file for the freelancer
    assert story.post("/v1/freelancers/f3/appeals", "operator", FILING).status_code == 201


def test_an_appeal_answers_the_stores_fields_then_the_decision(story: Service) -> None:
    """`AppealView` derives from the store's `AppealFields`: the answer keeps its keys, in
    order, with the evidence a JSON list."""
    filed = story.post("/v1/freelancers/f3/appeals", "f3", FILING).json()
    assert list(filed) == [
        "id", "freelancer", "contract", "kind", "category", "text", "evidence", "state",
        "filed_at", "updated_at", "decision",
    ]  # fmt: skip
    assert filed["evidence"] == FILING["evidence"] and filed["freelancer"] == "f3"
    detail = story.get(f"/v1/appeals/{filed['id']}", "operator").json()
    assert detail == filed


def test_the_queue_filters_and_pages(story: Service) -> None:
    first = _in_review(story)
    second = story.post("/v1/freelancers/f3/appeals", "f3", {**FILING, "kind": "report"}).json()[
        "id"
    ]
    both = story.get("/v1/appeals", "operator").json()["appeals"]
    assert [a["id"] for a in both] == [first, second]
    only = story.get("/v1/appeals", "operator", state="filed").json()
    assert [a["id"] for a in only["appeals"]] == [second] and only["states"] == ["filed"]
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    late = story.get("/v1/appeals", "operator", overdue="true", as_of=later).json()["appeals"]
    assert {a["id"] for a in late} == {first, second} and all(a["overdue"] for a in late)
    assert story.get("/v1/appeals", "operator", overdue="true").json()["appeals"] == []
    page = story.get("/v1/appeals", "operator", limit=1, offset=1).json()["appeals"]
    assert [a["id"] for a in page] == [second]
    assert story.get("/v1/appeals", "operator", stat="filed").status_code == 422


def _private_twins(svc: Service) -> None:
    """Freelancers p1 and p2: the same contract, except for the client's private answers."""
    for f, recommend, reason in (("p1", 10, "completed"), ("p2", 0, "not_completed")):
        records = [
            rec("contract", f"{f}-c", freelancer=f, contract="c", client="x", type="fixed",
                start="2026-03-01"),
            rec("contract_update", f"{f}-e", freelancer=f, contract="c", end="2026-03-20",
                ended_by="client", end_reason=reason),
            rec("feedback", f"{f}-fb", freelancer=f, contract="c", date="2026-03-21",
                stars=4.0, recommend=recommend),
        ]  # fmt: skip
        assert svc.post("/v1/records", "operator", {"records": records}).status_code == 200
        svc.keys[f] = create_key(svc.db, "freelancer", f)[0]
    svc.keys["reviewer"] = create_key(svc.db, "operator", reviewer=True)[0]


def _seen(svc: Service, f: str) -> list[Any]:
    """Everything freelancer ``f`` is answered through an appeal's life, refusals included,
    with the ids and times (which differ by construction) taken out."""
    body = {**FILING, "contract": "c"}
    answers = [svc.post(f"/v1/freelancers/{f}/appeals", f, body)]
    aid = answers[0].json()["id"]
    answers.append(svc.post(f"/v1/freelancers/{f}/appeals", f, body))  # still open: 409
    svc.post(f"/v1/appeals/{aid}/review", "operator", None)
    answers.append(svc.post(f"/v1/appeals/{aid}/decision", f, {"decision": "upheld",
                                                              "reason": "x"}))  # fmt: skip
    svc.post(f"/v1/appeals/{aid}/decision", "reviewer", {"decision": "denied", "reason": "no"})
    answers += [
        svc.post(f"/v1/freelancers/{f}/appeals", f, body),  # denied, no new evidence: 409
        svc.post(f"/v1/appeals/{aid}/withdraw", f, None),  # decided: 409
        svc.post(f"/v1/freelancers/{f}/appeals", f, {**body, "kind": "report"}),
        svc.get(f"/v1/freelancers/{f}/appeals", f),
        svc.get(f"/v1/appeals/{aid}", f),
        svc.get(f"/v1/freelancers/{f}/ledger", f),
    ]
    text = "\n".join(f"{a.status_code} {a.text}" for a in answers)
    for pattern in (r"ap-[0-9a-f]{16}", r"k-[0-9a-f]{32}", r"\d{4}-\d\d-\d\dT[\d:.]+Z",
                    rf"\b{f}\b", r"\bp[12]-(c|e|fb)\b"):  # fmt: skip
        text = re.sub(pattern, "#", text)
    return text.splitlines()


def test_nothing_the_freelancer_sees_derives_from_a_private_answer(service: Service) -> None:
    _private_twins(service)
    one, two = _seen(service, "p1"), _seen(service, "p2")
    assert one == two
    # teeth: the operators' view of the same two ledgers tells the answers apart
    views = [
        service.get(f"/v1/freelancers/{f}/ledger", "operator").json()["entries"]
        for f in ("p1", "p2")
    ]
    private = [[e["record"].get("recommend") for e in v] for v in views]
    assert private[0] != private[1]
