"""A running service with two freelancers, a snapshot, and a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jobsuccess.policy import PolicyBook
from jobsuccess.service import create_app
from jobsuccess.store import Database, open_database
from jobsuccess.store.keys import create_key, revoke_key
from jobsuccess.store.snapshots import run_snapshot
from store.backends import BACKENDS, fresh_store
from store.records import TODAY, rec


def freelancer_records(f: str) -> list[dict[str, Any]]:
    """Three ended contracts with three clients: enough for a score. Private feedback on each
    (recommend, end_reason) so tests can look for leaks."""
    out: list[dict[str, Any]] = []
    for n, (recommend, reason) in enumerate(
        [(10, "completed"), (9, "completed"), (3, "not_completed")]
    ):
        c = f"{f}-c{n}"
        start, end = f"2026-0{n + 3}-01", f"2026-0{n + 3}-20"
        out += [
            rec(
                "contract",
                f"{c}",
                freelancer=f,
                contract=c,
                client=f"client-{n}",
                type="fixed",
                start=start,
            ),
            rec("payment", f"{c}-p", freelancer=f, contract=c, date=end, amount=800.0),
            rec(
                "contract_update",
                f"{c}-end",
                freelancer=f,
                contract=c,
                end=end,
                ended_by="client",
                end_reason=reason,
            ),
            rec(
                "feedback",
                f"{c}-fb",
                freelancer=f,
                contract=c,
                date=end,
                stars=5.0,
                recommend=recommend,
            ),
        ]
    return out


@dataclass
class Service:
    client: TestClient
    db: Database
    keys: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str | None, **params: Any) -> Any:
        headers = self.headers(who) if who else {}
        return self.client.get(path, headers=headers, params=params)

    def post(self, path: str, who: str | None, body: Any, **params: Any) -> Any:
        headers = self.headers(who) if who else {}
        return self.client.post(path, headers=headers, json=body, params=params)


@contextmanager
def running(db_url: str) -> Iterator[Service]:
    """The service over a new store at ``db_url``, with its data, snapshot and keys."""
    db = open_database(db_url)
    app = create_app(db=db)
    keys = {
        "operator": create_key(db, "operator")[0],
        "f1": create_key(db, "freelancer", "f1")[0],
        "f2": create_key(db, "freelancer", "f2")[0],
        "nobody": create_key(db, "freelancer", "nobody")[0],
        "client": create_key(db, "client")[0],
    }
    revoked, row = create_key(db, "operator")
    revoke_key(db, row.prefix)
    keys["revoked"] = revoked
    with TestClient(app) as client:
        svc = Service(client, db, keys)
        for f in ("f1", "f2"):
            answer = svc.post("/v1/records", "operator", {"records": freelancer_records(f)})
            assert answer.status_code == 200, answer.text
        run_snapshot(db, PolicyBook.shipped(), TODAY)
        yield svc
    db.dispose()


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    """A service of its own (for tests that write)."""
    with running(db_url) as svc:
        yield svc


@pytest.fixture(scope="module", params=BACKENDS)
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One service per backend for a module of tests that only read (and check that)."""
    with fresh_store(request.param, tmp_path_factory.mktemp("shared")) as url, running(url) as svc:
        yield svc
