"""The API's agencies, on both backends: `/v1/agencies/{id}/score` and `/history` serve the
stored agency scores (equal to the engine's) to operators and clients, in the audience each
may read, never a private answer; records carry a contract's agency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jobsuccess.engine import score
from jobsuccess.policy import PolicyBook
from jobsuccess.service import create_app
from jobsuccess.service import schemas as s
from jobsuccess.store import ledger, open_database
from jobsuccess.store.keys import create_key, revoke_key
from jobsuccess.store.snapshots import run_snapshot
from jobsuccess.subjects import for_agency
from service.fixtures import Service, freelancer_records
from store.backends import BACKENDS, fresh_store
from store.records import TODAY, rec

BOOK = PolicyBook.shipped()
PRIVATE = {"recommend", "end_reason", "private_answer"}
PUBLIC_KEYS = {
    "audience",
    "agency",
    "computed_on",
    "score",
    "badges",
    "outcomes",
    "clients",
    "evidence",
}


def agency_records(f: str) -> list[dict[str, Any]]:
    """The fixture's freelancer records, the first two contracts done for agency a1."""
    return [
        r | {"agency": "a1"} if r["kind"] == "contract" and r["contract"] != f"{f}-c2" else r
        for r in freelancer_records(f)
    ]


@contextmanager
def running(db_url: str) -> Iterator[Service]:
    db = open_database(db_url)
    keys = {
        "operator": create_key(db, "operator")[0],
        "f1": create_key(db, "freelancer", "f1")[0],
        "client": create_key(db, "client")[0],
    }
    revoked, row = create_key(db, "client")
    revoke_key(db, row.prefix)
    keys["revoked"] = revoked
    with TestClient(create_app(db=db)) as client:
        svc = Service(client, db, keys)
        for f in ("f1", "f2"):
            answer = svc.post("/v1/records", "operator", {"records": agency_records(f)})
            assert answer.status_code == 200, answer.text
        run_snapshot(db, BOOK, TODAY)
        yield svc
    db.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def svc(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with (
        fresh_store(request.param, tmp_path_factory.mktemp("agencies")) as url,
        running(url) as one,
    ):
        yield one


def keys_in(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_in(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_in(v)}
    return set()


def test_operators_read_the_agency_score_the_engine_computes(svc: Service) -> None:
    answer = svc.get("/v1/agencies/a1/score", "operator")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["audience"], data["agency"]) == ("operator", "a1") and "freelancer" not in data
    engine = score(for_agency(ledger.history(svc.db), "a1"), BOOK, TODAY).scores.row(0, named=True)
    assert data["computed_on"] == engine["computed_on"].isoformat()
    assert (data["score"], data["best"], data["policy"]) == (
        engine["score"], engine["best"], engine["policy"],
    )  # fmt: skip
    longest = next(w for w in data["windows"] if w["window"] == "24m")
    # two contracts each of f1 and f2 for a1, with clients client-0 and client-1
    assert (data["outcomes"], data["clients"]) == (longest["outcomes"], longest["clients"])
    assert (data["outcomes"], data["clients"]) == (4, 2)
    assert {"success", "neutral", "negative", "total"} <= set(longest)
    assert not keys_in(data) & PRIVATE


def test_clients_read_the_public_view_only(svc: Service) -> None:
    data = svc.get("/v1/agencies/a1/score", "client").json()
    assert set(data) == PUBLIC_KEYS and data["audience"] == "public"
    operator = svc.get("/v1/agencies/a1/score", "operator", audience="public").json()
    assert operator == data
    refused = svc.get("/v1/agencies/a1/score", "client", audience="operator")
    assert refused.status_code == 403 and "may not read the operator view" in refused.text
    assert set(refused.json()) == {"detail"} and "windows" not in refused.text


@pytest.mark.parametrize("path", ["/v1/agencies/a1/score", "/v1/agencies/a1/history"])
def test_role_boundaries(svc: Service, path: str) -> None:
    for who, status in (("f1", 403), (None, 401), ("revoked", 401)):
        answer = svc.get(path, who)
        assert answer.status_code == status, (who, answer.text)
        assert set(answer.json()) == {"detail"} and "windows" not in answer.text
    assert svc.get(path, "operator").status_code == 200
    assert svc.get(path, "client").status_code == 200


def test_the_freelancer_view_is_not_an_agency_audience(svc: Service) -> None:
    answer = svc.get("/v1/agencies/a1/score", "operator", audience="freelancer")
    assert answer.status_code == 422


@pytest.mark.parametrize("who", ["operator", "client"])
def test_unknown_agencies_are_404(svc: Service, who: str) -> None:
    for path in ("/v1/agencies/zz/score", "/v1/agencies/zz/history"):
        answer = svc.get(path, who)
        assert answer.status_code == 404 and "no stored score for agency 'zz'" in answer.text
    # a freelancer id is no agency id
    assert svc.get("/v1/agencies/f1/score", "operator").status_code == 404
    assert svc.get("/v1/agencies/a1/score", "operator", as_of="2020-01-01").status_code == 404


def test_history_in_each_audience(svc: Service) -> None:
    full = svc.get("/v1/agencies/a1/history", "operator").json()
    assert (full["agency"], full["audience"]) == ("a1", "operator")
    (point,) = full["scores"]
    latest = svc.get("/v1/agencies/a1/score", "operator").json()
    assert (point["computed_on"], point["score"], point["best"], point["policy"]) == (
        latest["computed_on"], latest["score"], latest["best"], latest["policy"],
    )  # fmt: skip
    public = svc.get("/v1/agencies/a1/history", "client").json()
    assert public["audience"] == "public"
    assert set(public["scores"][0]) == {"computed_on", "score", "badges", "outcomes", "clients"}
    assert not (keys_in(full) | keys_in(public)) & PRIVATE
    assert svc.get("/v1/agencies/a1/history", "operator", since="2100-01-01").json()["scores"] == []


def test_records_carry_the_agency(svc: Service) -> None:
    entries = svc.get("/v1/freelancers/f1/ledger", "operator").json()["entries"]
    contracts = {
        e["record"]["contract"]: e["record"] for e in entries if e["record"]["kind"] == "contract"
    }
    assert {c: r["agency"] for c, r in contracts.items()} == {
        "f1-c0": "a1", "f1-c1": "a1", "f1-c2": None,
    }  # fmt: skip
    bad = rec("contract", "bad", freelancer="f9", contract="c", client="k", type="fixed",
              start="2026-01-01", agency="")  # fmt: skip
    answer = svc.post("/v1/records", "operator", {"records": [bad]})
    assert answer.status_code == 422 and "agency" in answer.text


def test_the_openapi_document_lists_the_agency_routes(svc: Service) -> None:
    paths = svc.client.get("/openapi.json").json()["paths"]
    assert {"/v1/agencies/{agency}/score", "/v1/agencies/{agency}/history"} <= set(paths)


@pytest.mark.parametrize(
    ("agency", "freelancer"),
    [(s.AgencyPublicScore, s.PublicScore), (s.AgencyOperatorScore, s.OperatorScore)],
)
def test_agency_views_have_the_freelancer_views_shape(agency: Any, freelancer: Any) -> None:
    """The same fields in the same order and types, ``agency`` in place of ``freelancer``."""
    renamed = [
        ("agency" if name == "freelancer" else name, f.annotation)
        for name, f in freelancer.model_fields.items()
    ]
    assert [(name, f.annotation) for name, f in agency.model_fields.items()] == renamed


@pytest.mark.parametrize(
    ("model", "subject"),
    [
        (s.PublicScore, "freelancer"),
        (s.OperatorScore, "freelancer"),
        (s.AgencyPublicScore, "agency"),
        (s.AgencyOperatorScore, "agency"),
    ],
)
def test_score_views_read_audience_subject_then_figures(model: Any, subject: str) -> None:
    """The views are built of bases (figures, subject, audience): the answers' keys still
    come audience first, then the subject, then the figures from ``computed_on`` on."""
    assert list(model.model_fields)[:3] == ["audience", subject, "computed_on"]
    assert list(model.model_fields)[-1] == "evidence"
