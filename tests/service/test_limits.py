"""One request from one caller never takes the service down (issue 8, item 4): bodies over
the limit are 413 before they are read, scenarios over the event limit 422, and the service
answers the next request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from jobsuccess.limits import MAX_SCENARIO_EVENTS
from jobsuccess.service import create_app
from service.fixtures import Service
from store.records import TODAY


def contracts(n: int) -> list[dict[str, object]]:
    """``n`` hypothetical contracts, each with a payment and feedback (the attack's shape)."""
    return [
        {
            "type": "add_contract",
            "id": f"hypothetical-contract-{i:05d}",
            "client": f"some-client-of-the-attacker-{i:05d}",
            "start": "2026-01-01",
            "end": "2026-02-01",
            "ended_by": "client",
            "payments": [{"date": "2026-01-15", "amount": 500.0}],
            "feedback": {"date": "2026-02-02", "stars": 5},
        }
        for i in range(n)
    ]


def test_attack_a_3000_event_whatif_is_refused_fast_and_the_service_keeps_serving(
    service: Service,
) -> None:
    body = {"events": contracts(3000)}
    assert len(json.dumps(body)) > 500_000
    start = time.perf_counter()
    answer = service.post("/v1/freelancers/f1/whatif", "f1", body, as_of=TODAY.isoformat())
    assert time.perf_counter() - start < 5
    assert answer.status_code == 413, answer.text
    assert "request body too large: at most" in answer.json()["detail"]
    assert service.get("/health", None).status_code == 200
    assert service.get("/v1/freelancers/f1/score", "f1").status_code == 200
    small = service.post(
        "/v1/freelancers/f1/whatif", "f1", {"events": contracts(2)}, as_of=TODAY.isoformat()
    )
    assert small.status_code == 200, small.text


def test_a_scenario_over_the_event_limit_is_422_naming_the_limit(service: Service) -> None:
    events = contracts(MAX_SCENARIO_EVENTS + 1)
    assert len(json.dumps(events)) < 100_000  # under the body limit: the event limit refuses
    answer = service.post("/v1/freelancers/f1/whatif", "f1", events, as_of=TODAY.isoformat())
    assert answer.status_code == 422, answer.text
    assert f"at most {MAX_SCENARIO_EVENTS} events, this one has" in answer.json()["detail"]
    at_limit = service.post(
        "/v1/freelancers/f1/whatif", "f1", events[:MAX_SCENARIO_EVENTS], as_of=TODAY.isoformat()
    )
    assert at_limit.status_code == 200, at_limit.text
    # 200 hypothetical contracts are 200 changes: valued as fewer players, summing exactly
    body = at_limit.json()["body"]
    assert "grouped by kind" in body["method"]
    total = sum(c["effect"] for c in body["changes"])
    assert abs(total - body["delta"]) < 1e-4, (total, body["delta"])


def test_a_streamed_body_over_the_limit_is_413_too(service: Service) -> None:
    """Without a Content-Length (chunked), the bytes are counted as they come."""
    app = create_app(db=service.db, max_body=10_000)

    def chunks() -> Iterator[bytes]:
        yield b'{"records": ['
        for _ in range(200):
            yield b'{"kind": "payment", "id": "x", "freelancer": "f1"},'
        yield b"]}"

    with TestClient(app) as client:
        headers = {**service.headers("operator"), "content-type": "application/json"}
        answer = client.post("/v1/records", headers=headers, content=chunks())
        assert answer.status_code == 413, answer.text
        assert "at most 10,000 bytes" in answer.json()["detail"]
        declared = client.post("/v1/records", headers=headers, content=b"x" * 20_000)
        assert declared.status_code == 413
        assert client.get("/health").status_code == 200


def test_numeric_settings_from_the_environment_fail_alike_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The body limits, the review time and the pooling k are read by one parser: a bad value
    is an InputError naming the variable (the CLI's one-line error), never a ValueError."""
    from jobsuccess.errors import InputError
    from jobsuccess.service.cli import app_from_env
    from jobsuccess.service.limits import BodyLimit
    from jobsuccess.store.appeals import review_days

    def limited() -> BodyLimit:
        return BodyLimit(create_app())

    monkeypatch.setenv("JOBSUCCESS_MAX_BODY_BYTES", "1000")
    assert limited().limit == 1000
    readers: list[tuple[str, str, Callable[[], object]]] = [
        ("JOBSUCCESS_MAX_BODY_BYTES", "4MB", limited),
        ("JOBSUCCESS_MAX_WHATIF_BYTES", "0", limited),
        ("JOBSUCCESS_APPEAL_REVIEW_DAYS", "366", review_days),
        ("JOBSUCCESS_PRIVACY_K", "two", app_from_env),
    ]
    for variable, bad, read in readers:
        monkeypatch.setenv(variable, bad)
        with pytest.raises(InputError, match=f"field {variable}: expected") as raised:
            read()
        assert bad in str(raised.value), variable
        monkeypatch.delenv(variable)
