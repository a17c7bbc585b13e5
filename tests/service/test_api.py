"""The API end to end: ingest, ledger paging, operator actions, keys, snapshots, search."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsuccess.policy import PolicyBook
from jobsuccess.store import ledger
from jobsuccess.store.snapshots import run_snapshot
from service.fixtures import Service
from store.records import TODAY, rec


def _payment(id: str, amount: float = 5.0, contract: str = "f1-c0") -> dict[str, object]:
    return rec("payment", id, freelancer="f1", contract=contract, date="2026-06-01", amount=amount)


def test_ingest_is_idempotent_and_all_or_nothing(service: Service) -> None:
    before = ledger.count(service.db)
    first = service.post("/v1/records", "operator", {"records": [_payment("a"), _payment("b")]})
    assert first.json() == {"received": 2, "inserted": 2, "duplicates": 0}
    again = service.post("/v1/records", "operator", {"records": [_payment("a"), _payment("b")]})
    assert again.json() == {"received": 2, "inserted": 0, "duplicates": 2}
    conflict = service.post(
        "/v1/records", "operator", {"records": [_payment("c"), _payment("a", amount=6.0)]}
    )
    assert conflict.status_code == 409
    detail = conflict.json()["detail"]
    assert [c["id"] for c in detail["conflicts"]] == ["a"] and "amount" in detail["message"]
    unknown = service.post(
        "/v1/records", "operator", {"records": [_payment("d"), _payment("e", contract="nope")]}
    )
    assert unknown.status_code == 422 and "record e" in unknown.json()["detail"]
    assert ledger.count(service.db) == before + 2


def test_invalid_records_are_422_naming_the_field(service: Service) -> None:
    bad = [
        rec("feedback", "x", freelancer="f1", contract="f1-c0", date="2026-06-01", stars=7),
        rec("payment", "y", freelancer="f1", contract="f1-c0", date="2026-13-01", amount=1),
        rec("payment", "z\u0000", freelancer="f1", contract="f1-c0", date="2026-06-01", amount=1),
        rec("contract_update", "u", freelancer="f1", contract="f1-c0"),
        rec("action", "a", type="feedback_removed", date="2026-06-01"),
        {"kind": "payment", "id": "w", "freelancer": "f1"},
        {"kind": "bogus", "id": "v"},
    ]
    for record in bad:
        answer = service.post("/v1/records", "operator", {"records": [record]})
        assert answer.status_code == 422, (record, answer.text)
        assert all({"loc", "msg", "type"} == set(e) for e in answer.json()["detail"])


def test_the_ledger_pages_in_log_order(service: Service) -> None:
    first = service.get("/v1/freelancers/f1/ledger", "operator", limit=5).json()
    assert len(first["entries"]) == 5 and first["next_after"] == first["entries"][-1]["n"] == 5
    rest = service.get("/v1/freelancers/f1/ledger", "operator", after=first["next_after"]).json()
    seqs = [e["seq"] for e in first["entries"] + rest["entries"]]
    assert seqs == sorted(seqs) and len(seqs) == 12 and rest["next_after"] is None


def test_operator_actions_are_recorded_once_and_change_the_next_snapshot(
    service: Service,
) -> None:
    body = {
        "freelancer": "f1",
        "contract": "f1-c2",
        "decision": "upheld",
        "note": "the client stalled the work herself",
        "date": "2026-10-01",
    }
    first = service.post("/v1/actions/appeal-decisions", "operator", body)
    assert first.status_code == 200 and first.json()["inserted"] is True
    again = service.post("/v1/actions/appeal-decisions", "operator", body)
    assert again.json() == {"id": first.json()["id"], "inserted": False}
    rejected = service.post(
        "/v1/actions/appeal-decisions",
        "operator",
        {**body, "decision": "rejected", "contract": "f1-c1"},
    )
    assert rejected.status_code == 200
    flag = service.post(
        "/v1/actions/client-flags",
        "operator",
        {"client": "client-0", "note": "rates everyone 1 star"},
    )
    assert flag.status_code == 200
    removal = service.post(
        "/v1/actions/feedback-removals",
        "operator",
        {"freelancer": "f2", "contract": "f2-c2", "date": "2026-10-01"},
    )
    assert removal.status_code == 200
    perk = service.post(
        "/v1/actions/feedback-removals",
        "operator",
        {"freelancer": "f2", "contract": "f2-c3", "date": "2026-10-01", "via": "perk"},
    )
    assert perk.status_code in (200, 422), perk.text
    kinds = {
        e["record"].get("type")
        for e in service.get("/v1/freelancers/f2/ledger", "operator").json()["entries"]
        if e["record"]["kind"] == "action"
    }
    assert "report_upheld" in kinds
    assert ("feedback_removed" in kinds) == (perk.status_code == 200)
    missing = service.post(
        "/v1/actions/feedback-removals", "operator", {"freelancer": "f2", "contract": "nope"}
    )
    assert missing.status_code == 422
    records = [
        e["record"] for e in service.get("/v1/freelancers/f1/ledger", "operator").json()["entries"]
    ]
    appeals = [r for r in records if r["kind"] == "action"]
    assert {a["type"] for a in appeals} == {"appeal_upheld", "appeal_rejected"}
    assert all(a["note"] for a in appeals)
    history = ledger.history(service.db, ["f1"])
    assert sorted(history.actions.get_column("type").to_list()) == [
        "appeal_upheld",
        "client_flagged",
    ]


def test_keys_over_the_api(service: Service) -> None:
    made = service.post("/v1/keys", "operator", {"role": "freelancer", "freelancer": "f2"})
    assert made.status_code == 201
    key, prefix = made.json()["key"], made.json()["prefix"]
    headers = {"Authorization": f"Bearer {key}"}
    assert service.client.get("/v1/freelancers/f2/score", headers=headers).status_code == 200
    listed = service.get("/v1/keys", "operator").json()
    assert prefix in [k["prefix"] for k in listed] and key not in str(listed)
    assert (
        service.client.delete(f"/v1/keys/{prefix}", headers=service.headers("operator")).status_code
        == 200
    )
    assert service.client.get("/v1/freelancers/f2/score", headers=headers).status_code == 401
    assert (
        service.client.delete(
            "/v1/keys/ffffffffffff", headers=service.headers("operator")
        ).status_code
        == 404
    )
    bad = service.post("/v1/keys", "operator", {"role": "freelancer"})
    assert bad.status_code == 422


def test_scores_history_search_and_snapshots(service: Service) -> None:
    book = PolicyBook.shipped()
    run_snapshot(service.db, book, TODAY.replace(day=2))
    snapshots = service.get("/v1/snapshots", "operator").json()
    assert [s["status"] for s in snapshots] == ["done", "done"]
    history = service.get("/v1/freelancers/f1/history", "operator").json()["scores"]
    assert len(history) == 2 and history[0]["computed_on"] < history[1]["computed_on"]
    score = service.get("/v1/freelancers/f1/score", "operator").json()
    assert score["computed_on"] == history[-1]["computed_on"]
    earlier = service.get("/v1/freelancers/f1/score", "operator", as_of=str(TODAY)).json()
    assert earlier["computed_on"] == history[0]["computed_on"]
    found = service.get("/v1/freelancers", "client", min_score=0, limit=1).json()
    assert found["computed_on"] == history[-1]["computed_on"] and len(found["results"]) == 1
    top = found["results"][0]
    assert top["outcomes"] >= 1 and top["clients"] >= 1
    none = service.get("/v1/freelancers", "client", min_score=100, offset=10).json()
    assert none["results"] == []


def test_health_and_docs_need_no_key(service: Service) -> None:
    assert service.client.get("/health").json() == {"status": "ok"}
    assert service.client.get("/docs").status_code == 200
    assert "/v1/records" in service.client.get("/openapi.json").json()["paths"]


def test_score_windows_match_the_cli_json(service: Service) -> None:
    """Issue 10 item 4: the engine's window order (not 12m, 24m, 3m...) and the CLI's rounding."""
    from jobsuccess.engine import score
    from jobsuccess.report import score_json

    book = PolicyBook.shipped()
    history = ledger.history(service.db, ["f1"])
    cli = score_json(score(history, book, TODAY), book, "f1", TODAY)
    answer = service.get("/v1/freelancers/f1/score", "operator", as_of=str(TODAY)).json()
    windows = {w.pop("window"): w for w in answer["windows"]}
    assert list(windows) == list(cli["windows"])
    assert windows == cli["windows"]


def test_score_evidence_is_the_cli_jsons_in_every_audience_and_in_search(service: Service) -> None:
    """Issue 13 item 5: the evidence block is the CLI's, key for key, wherever the API serves
    a score (public, freelancer, operator, search results)."""
    from jobsuccess.engine import score
    from jobsuccess.report import score_json

    book = PolicyBook.shipped()
    history = ledger.history(service.db, ["f1"])
    cli = score_json(score(history, book, TODAY), book, "f1", TODAY)["evidence"]
    assert set(cli) == {"window", "outcomes", "clients", "method", "level", "low", "high"}
    for role in ("operator", "f1", "client"):
        answer = service.get("/v1/freelancers/f1/score", role, as_of=str(TODAY)).json()
        assert answer["evidence"] == cli, role
    found = service.get("/v1/freelancers", "client", min_score=0, limit=50).json()["results"]
    assert [r["evidence"] for r in found if r["freelancer"] == "f1"] == [cli]


def test_serve_names_its_store_and_how_many_freelancers_it_holds(
    service: Service, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 10 item 3: a server started in the wrong folder says it serves an empty store."""
    import uvicorn
    from typer.testing import CliRunner

    from jobsuccess.service.cli import app

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    for name in ("JOBSUCCESS_DB", "JOBSUCCESS_POLICY"):  # serve sets them for its workers
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["serve", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "(2 freelancers)" in result.output and "empty" not in result.output
    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    empty = CliRunner().invoke(app, ["serve", "--db", fresh])
    assert "(0 freelancers)" in empty.output and "the store is empty" in empty.output


def test_search_sorts_by_the_evidence_lower_bound(service: Service) -> None:
    """Issue 13 item 5: ``sort=evidence`` ranks by the interval's lower bound (from the stored
    windows: no migration), the same matches as the default ranking."""
    by_score = service.get("/v1/freelancers", "client", min_score=0, limit=50).json()["results"]
    by_evidence = service.get(
        "/v1/freelancers", "client", min_score=0, limit=50, sort="evidence"
    ).json()["results"]
    assert sorted(r["freelancer"] for r in by_evidence) == sorted(r["freelancer"] for r in by_score)
    lows = [r["evidence"]["low"] for r in by_evidence]
    assert lows and lows == sorted(lows, reverse=True)
    first = service.get(
        "/v1/freelancers", "client", min_score=0, limit=1, offset=1, sort="evidence"
    ).json()["results"]
    assert [r["freelancer"] for r in first] == [r["freelancer"] for r in by_evidence[1:2]]
    assert service.get("/v1/freelancers", "client", sort="stars").status_code == 422
