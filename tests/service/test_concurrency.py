"""Over real HTTP on loopback: concurrent writers lose nothing, and reads keep being served
while a snapshot runs."""

from __future__ import annotations

import threading
import time

import httpx

from jobsuccess.policy import PolicyBook
from jobsuccess.service import create_app
from jobsuccess.store import ledger
from jobsuccess.store.importer import import_history
from jobsuccess.store.snapshots import run_snapshot
from service.fixtures import Service
from service.server import serving
from store.records import TODAY, market, rec

CLIENTS, EACH = 8, 20


def test_n_clients_posting_m_records_each_store_n_times_m(service: Service) -> None:
    before = ledger.count(service.db)
    failures: list[str] = []
    app = create_app(db=service.db)
    with serving(app) as base:

        def client(n: int) -> None:
            with httpx.Client(
                base_url=base, headers=service.headers("operator"), timeout=30
            ) as http:
                for i in range(EACH):
                    batch = [
                        rec(
                            "payment",
                            f"c{n}-{i}",
                            freelancer="f1",
                            contract="f1-c0",
                            date="2026-07-01",
                            amount=float(i),
                        )
                    ]
                    if i % 4 == 0:  # and a record every client sends: stored once
                        batch.append(
                            rec(
                                "payment",
                                f"shared-{i}",
                                freelancer="f1",
                                contract="f1-c1",
                                date="2026-07-01",
                                amount=1.0,
                            )
                        )
                    answer = http.post("/v1/records", json={"records": batch})
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code} {answer.text}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    assert ledger.count(service.db) == before + CLIENTS * EACH + EACH // 4


def test_reads_are_served_while_a_snapshot_runs(service: Service) -> None:
    import_history(service.db, market(400, seed=21))
    app = create_app(db=service.db)
    book = PolicyBook.shipped()
    with serving(app) as base:
        done = threading.Event()
        result = {}

        def snapshot() -> None:
            result["snapshot"] = run_snapshot(
                service.db, book, TODAY.replace(day=2), partition_size=25
            )
            done.set()

        worker = threading.Thread(target=snapshot)
        latencies: list[float] = []
        statuses: set[int] = set()
        with httpx.Client(base_url=base, headers=service.headers("client"), timeout=30) as http:
            worker.start()
            while not done.is_set():
                start = time.perf_counter()
                answer = http.get("/v1/freelancers/f1/score")
                latencies.append(time.perf_counter() - start)
                statuses.add(answer.status_code)
            worker.join()
    assert result["snapshot"].computed == 402
    assert statuses == {200}
    assert len(latencies) >= 10, "the reads should have overlapped the snapshot"
    assert max(latencies) < 5.0
