"""The explanation endpoints over the ledger: audiences, privacy, bad scenarios, and a build
without the explanations (503)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from jobsuccess.service import create_app
from jobsuccess.service.explain_port import ModuleExplainer, Unavailable, default_explainer
from service.fixtures import Service

AS_OF = "2026-11-01"


def test_the_explanations_are_connected() -> None:
    assert isinstance(default_explainer(), ModuleExplainer)


def test_a_freelancer_gets_its_own_explanations_in_its_audience(shared_service: Service) -> None:
    for path, params in [
        ("explain", {"as_of": AS_OF, "since": "2026-06-01"}),
        ("forecast", {"as_of": AS_OF, "months": 3}),
        ("advice", {"as_of": AS_OF}),
    ]:
        answer = shared_service.get(f"/v1/freelancers/f1/{path}", "f1", **params)
        assert answer.status_code == 200, (path, answer.text)
        body = answer.json()
        assert (body["freelancer"], body["audience"], body["as_of"]) == ("f1", "freelancer", AS_OF)
        assert body["body"]
    score = shared_service.get("/v1/freelancers/f1/explain", "f1", as_of=AS_OF).json()
    assert score["body"]["score"]["freelancer"] == "f1"
    # one client answered 3 out of 10 (freelancer_records): the freelancer never sees it
    assert '"recommend": 3' not in json.dumps(score)


def test_operators_get_the_operator_audience(shared_service: Service) -> None:
    answer = shared_service.get("/v1/freelancers/f1/explain", "operator", as_of=AS_OF)
    assert answer.status_code == 200 and answer.json()["audience"] == "operator"


def test_whatif_and_its_privacy_rule(shared_service: Service) -> None:
    scenario = {"events": [{"type": "flag_client", "client": "client-2"}]}
    body = {"as_of": AS_OF, "scenario": scenario}
    as_freelancer = shared_service.post("/v1/freelancers/f1/whatif", "f1", body)
    assert as_freelancer.status_code == 422 and "operator" in as_freelancer.json()["detail"]
    as_operator = shared_service.post("/v1/freelancers/f1/whatif", "operator", body)
    assert as_operator.status_code == 200, as_operator.text
    bad = shared_service.post(
        "/v1/freelancers/f1/whatif", "operator", {"scenario": {"events": [{"type": "nope"}]}}
    )
    assert bad.status_code == 422


def test_bad_ranges_and_unknown_freelancers(shared_service: Service) -> None:
    backwards = shared_service.get(
        "/v1/freelancers/f1/explain", "operator", as_of=AS_OF, since="2026-12-01"
    )
    assert backwards.status_code == 422
    assert shared_service.get("/v1/freelancers/ghost/advice", "operator").status_code == 404


def test_without_the_explanations_the_answer_is_503(shared_service: Service) -> None:
    app = create_app(db=shared_service.db, explainer=Unavailable())
    with TestClient(app) as client:
        headers = shared_service.headers("f1")
        answer = client.get("/v1/freelancers/f1/explain", headers=headers)
        assert answer.status_code == 503 and "not available" in answer.json()["detail"]
        whatif = client.post("/v1/freelancers/f1/whatif", headers=headers, json={"scenario": {}})
        assert whatif.status_code == 503
