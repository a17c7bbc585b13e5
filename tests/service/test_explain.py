"""The explanation endpoints over the ledger: audiences, privacy, bad scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsuccess.service import create_app
from jobsuccess.service.explain_port import ModuleExplainer
from service.fixtures import Service

AS_OF = "2026-11-01"


def test_the_explanations_are_connected(shared_service: Service) -> None:
    assert isinstance(create_app(db=shared_service.db).state.explainer, ModuleExplainer)


def test_a_freelancer_gets_its_own_explanations_in_its_audience(shared_service: Service) -> None:
    routes: list[tuple[str, dict[str, object]]] = [
        ("explain", {"to": AS_OF, "from": "2026-06-01"}),
        ("forecast", {"as_of": AS_OF, "months": 3}),
        ("advice", {"as_of": AS_OF}),
    ]
    for path, params in routes:
        answer = shared_service.get(f"/v1/freelancers/f1/{path}", "f1", **params)
        assert answer.status_code == 200, (path, answer.text)
        body = answer.json()
        assert (body["freelancer"], body["audience"], body["as_of"]) == ("f1", "freelancer", AS_OF)
        assert body["body"]
    score = shared_service.get("/v1/freelancers/f1/explain", "f1", to=AS_OF).json()
    assert score["body"]["score"]["freelancer"] == "f1"
    # one client answered 3 out of 10 (freelancer_records): the freelancer never sees it
    assert '"recommend": 3' not in json.dumps(score)


def test_operators_get_the_operator_audience(shared_service: Service) -> None:
    answer = shared_service.get("/v1/freelancers/f1/explain", "operator", to=AS_OF)
    assert answer.status_code == 200 and answer.json()["audience"] == "operator"


def test_whatif_and_its_privacy_rule(shared_service: Service) -> None:
    scenario = {"events": [{"type": "flag_client", "client": "client-2"}]}
    path = "/v1/freelancers/f1/whatif"
    as_freelancer = shared_service.post(path, "f1", scenario, as_of=AS_OF)
    assert as_freelancer.status_code == 422 and "operator" in as_freelancer.json()["detail"]
    as_operator = shared_service.post(path, "operator", scenario, as_of=AS_OF)
    assert as_operator.status_code == 200, as_operator.text
    bad = shared_service.post(path, "operator", {"events": [{"type": "nope"}]})
    assert bad.status_code == 422


def test_bad_ranges_and_unknown_freelancers(shared_service: Service) -> None:
    backwards = shared_service.get(
        "/v1/freelancers/f1/explain", "operator", **{"to": AS_OF, "from": "2026-12-01"}
    )
    assert backwards.status_code == 422
    assert shared_service.get("/v1/freelancers/ghost/advice", "operator").status_code == 404


# --- issue 10: the API and the command line agree -------------------------------------------


def test_a_cli_scenario_file_posts_as_is(shared_service: Service, tmp_path: Path) -> None:
    """The file `jobsuccess whatif --scenario` reads is the body, object or plain list; the
    date is ``as_of`` like every other one-date route."""
    events = [{"type": "flag_client", "client": "client-2"}]
    path = "/v1/freelancers/f1/whatif"
    for body in (events, {"description": "flag the harsh one", "events": events}):
        answer = shared_service.post(path, "operator", body, as_of=AS_OF)
        assert answer.status_code == 200, answer.text
        assert answer.json()["as_of"] == AS_OF
    old = shared_service.post(path, "operator", {"as_of": AS_OF, "scenario": {"events": events}})
    assert old.status_code == 422


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("explain", {"since": "2026-06-01"}),
        ("explain", {"as_of": AS_OF}),
        ("forecast", {"horizon": 3}),
        ("score", {"asof": AS_OF}),
        ("history", {"until": AS_OF}),
    ],
)
def test_unknown_query_parameters_are_422_naming_them(
    shared_service: Service, route: str, params: dict[str, str]
) -> None:
    answer = shared_service.get(f"/v1/freelancers/f1/{route}", "operator", **params)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["query", next(iter(params))]
    assert "unknown query parameter" in problem["msg"]
    posted = shared_service.post(
        "/v1/freelancers/f1/whatif", "operator", [{"type": "appeal", "contract": "c1"}], asof=AS_OF
    )
    assert posted.status_code == 422 and posted.json()["detail"][0]["loc"] == ["query", "asof"]


def test_explain_takes_from_and_to_like_the_cli(shared_service: Service) -> None:
    answer = shared_service.get(
        "/v1/freelancers/f1/explain", "operator", **{"from": "2026-06-01", "to": AS_OF}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == AS_OF
    assert body["body"]["changes"]["from"]["as_of"] == "2026-06-01"
    assert body["body"]["changes"]["to"]["as_of"] == AS_OF


def test_an_explanation_gives_the_stored_score_under_vanished_clients(tmp_path: Path) -> None:
    """jobsuccess-2026 judges a vanished client from the whole ledger: the snapshot does, so
    the explanation of one freelancer reads their clients' activity from the store too (their
    own records alone give other scores, shown first)."""
    import datetime as dt

    from fastapi.testclient import TestClient

    from jobsuccess.engine import score
    from jobsuccess.policy import load_policy
    from jobsuccess.store import open_database
    from jobsuccess.store.importer import import_history
    from jobsuccess.store.keys import create_key
    from jobsuccess.store.snapshots import run_snapshot
    from jobsuccess.synth import marketplace

    history, book = marketplace(150, seed=5), load_policy("jobsuccess-2026")
    day = dt.date.fromisoformat(AS_OF)
    db = open_database(f"sqlite:///{tmp_path / 'store.db'}")
    import_history(db, history)
    run_snapshot(db, book, day)
    key = create_key(db, "operator")[0]
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(db=db, policy=book)) as client:
        checked = 0
        for f in history.freelancers[:50]:
            alone = score(history.only([f]), book, day).scores.get_column("score").item()
            stored = client.get(f"/v1/freelancers/{f}/score", headers=headers).json()["score"]
            if alone == stored:
                continue
            answer = client.get(
                f"/v1/freelancers/{f}/explain", headers=headers, params={"to": AS_OF}
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["body"]["score"]["score"] == stored
            checked += 1
        assert checked  # the teeth: some freelancer's own records alone score otherwise
    db.dispose()
