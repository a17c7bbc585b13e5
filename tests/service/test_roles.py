"""Every role boundary, crossed: the right refusal, and nothing of the data asked for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.fixtures import Service

PRIVATE = {"recommend", "end_reason"}

READS = [
    "/v1/freelancers/{f}/score",
    "/v1/freelancers/{f}/history",
    "/v1/freelancers/{f}/ledger",
    "/v1/freelancers/{f}/explain",
    "/v1/freelancers/{f}/forecast",
    "/v1/freelancers/{f}/advice",
]
OPERATOR_ONLY = [
    ("GET", "/v1/keys", None),
    ("POST", "/v1/keys", {"role": "client"}),
    ("DELETE", "/v1/keys/000000000000", None),
    ("GET", "/v1/snapshots", None),
    (
        "POST",
        "/v1/records",
        {
            "records": [
                {
                    "kind": "payment",
                    "id": "x",
                    "freelancer": "f1",
                    "contract": "f1-c0",
                    "date": "2026-05-01",
                    "amount": 1.0,
                }
            ]
        },
    ),
    ("POST", "/v1/actions/client-flags", {"client": "client-1"}),
    ("POST", "/v1/actions/feedback-removals", {"freelancer": "f1", "contract": "f1-c2"}),
    (
        "POST",
        "/v1/actions/appeal-decisions",
        {"freelancer": "f1", "contract": "f1-c2", "decision": "upheld", "note": "stalled"},
    ),
]


def keys_in(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_in(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_in(v)}
    return set()


def assert_refused(answer: Any, status: int) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    for leak in ("score", "records", "entries", "windows", "800", "client-"):
        assert leak not in json.dumps(body["detail"]) or leak == "score", body


def _call(svc: Service, method: str, path: str, body: Any, who: str | None) -> Any:
    headers = svc.headers(who) if who else {}
    return svc.client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/freelancers/f1/score",
        "/v1/freelancers/f1/ledger",
        "/v1/freelancers",
        "/v1/keys",
        "/v1/snapshots",
    ],
)
@pytest.mark.parametrize("key", [None, "jss_nonsense", "revoked", "wrong-secret"])
def test_missing_invalid_or_revoked_keys_get_401(
    shared_service: Service, path: str, key: str | None
) -> None:
    if key in ("revoked",):
        headers = shared_service.headers(key)
    elif key == "wrong-secret":
        headers = {"Authorization": f"Bearer {shared_service.keys['operator'][:-4]}AAAA"}
    else:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
    answer = shared_service.client.get(path, headers=headers)
    assert_refused(answer, 401)
    assert answer.headers["www-authenticate"] == "Bearer"


def test_401_comes_before_validation(shared_service: Service) -> None:
    answer = shared_service.client.get("/v1/freelancers/f1/score", params={"as_of": "not a date"})
    assert_refused(answer, 401)


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("target", ["f2", "does-not-exist"])
def test_a_freelancer_cannot_read_another(shared_service: Service, path: str, target: str) -> None:
    assert_refused(shared_service.get(path.format(f=target), "f1"), 403)


@pytest.mark.parametrize("path", READS[1:])
def test_a_client_reads_public_scores_only(shared_service: Service, path: str) -> None:
    assert_refused(shared_service.get(path.format(f="f1"), "client"), 403)


@pytest.mark.parametrize("who", ["client", "f1"])
@pytest.mark.parametrize("audience", ["freelancer", "operator"])
def test_asking_for_a_higher_audience_is_refused(
    shared_service: Service, who: str, audience: str
) -> None:
    if who == "f1" and audience == "freelancer":
        return  # its own audience
    answer = shared_service.get("/v1/freelancers/f1/score", who, audience=audience)
    assert_refused(answer, 403)


@pytest.mark.parametrize("method, path, body", OPERATOR_ONLY)
@pytest.mark.parametrize("who", ["f1", "client"])
def test_only_operators_write_and_administer(
    shared_service: Service, who: str, method: str, path: str, body: Any
) -> None:
    before = shared_service.get("/v1/freelancers/f1/ledger", "operator").json()
    assert_refused(_call(shared_service, method, path, body, who), 403)
    assert shared_service.get("/v1/freelancers/f1/ledger", "operator").json() == before


def test_freelancers_cannot_search(shared_service: Service) -> None:
    assert_refused(shared_service.get("/v1/freelancers", "f1", min_score=0), 403)


def test_the_client_view_is_the_public_score_and_badges(shared_service: Service) -> None:
    answer = shared_service.get("/v1/freelancers/f1/score", "client")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "audience",
        "freelancer",
        "computed_on",
        "score",
        "badges",
        "outcomes",
        "clients",
        "evidence",
    }
    assert body["audience"] == "public"
    assert not keys_in(body) & (PRIVATE | {"windows", "reason", "best_score", "success"})
    found = shared_service.get("/v1/freelancers", "client", min_score=0).json()["results"]
    assert found and all(set(r) == set(body) for r in found)


def test_the_freelancer_view_has_no_private_feedback(shared_service: Service) -> None:
    score = shared_service.get("/v1/freelancers/f1/score", "f1").json()
    assert score["audience"] == "freelancer"
    assert score["windows"] and not keys_in(score) & {
        "success",
        "neutral",
        "negative",
        "best_score",
        *PRIVATE,
    }
    ledger = shared_service.get("/v1/freelancers/f1/ledger", "f1").json()
    assert ledger["audience"] == "freelancer" and len(ledger["entries"]) == 12
    assert not keys_in(ledger) & PRIVATE
    assert "not_completed" not in json.dumps(ledger)
    history = shared_service.get("/v1/freelancers/f1/history", "f1").json()
    assert [p["computed_on"] for p in history["scores"]] == [score["computed_on"]]
    assert not keys_in(history) & PRIVATE
    # its own public view is allowed
    assert (
        shared_service.get("/v1/freelancers/f1/score", "f1", audience="public").status_code == 200
    )


def test_the_operator_sees_everything(shared_service: Service) -> None:
    score = shared_service.get("/v1/freelancers/f1/score", "operator").json()
    assert score["audience"] == "operator" and "success" in score["windows"][0]
    ledger = shared_service.get("/v1/freelancers/f1/ledger", "operator").json()
    assert {"recommend", "end_reason"} <= keys_in(ledger)
    assert shared_service.get("/v1/freelancers/f2/ledger", "operator").status_code == 200


def test_a_freelancer_key_without_data_gets_404_for_itself(shared_service: Service) -> None:
    assert shared_service.get("/v1/freelancers/nobody/score", "nobody").status_code == 404
    assert shared_service.get("/v1/freelancers/nobody/ledger", "nobody").status_code == 404
