"""Load benchmark of the service: score reads and record writes over loopback HTTP.

    .venv/bin/python bench/service_load.py                          # 50k freelancers, SQLite
    .venv/bin/python bench/service_load.py --freelancers 2000 --duration 5     # a smoke run
    .venv/bin/python bench/service_load.py --db postgresql://root@127.0.0.1:5432/test

What it does:

1. A store with ``--freelancers`` freelancers: a synthetic marketplace (`jobsuccess.synth`)
   imported into the ledger (`jobsuccess.store.importer`) and one snapshot computed, so every
   freelancer has a stored score. The embedded default is a SQLite file cached under
   ``bench/.cache`` (seeded once, reused while it holds enough freelancers); with ``--db`` the
   given store is seeded when it holds fewer freelancers than asked for.
2. The SQLite file read through once (``--cold`` skips it): a running service has its pages
   in the OS page cache; a freshly seeded one would be measured on first reads from disk.
3. ``jobsuccess serve`` in a subprocess on a free loopback port (``--workers`` processes).
4. Open-loop load at fixed rates, one phase after another: score reads
   (``GET /v1/freelancers/{random}/score`` with a client key), record writes
   (``POST /v1/records``, one new payment on a random stored contract, operator key), then both
   at once. Each request is scheduled at ``start + i / rate`` and its latency is counted from
   that scheduled time, so a server that falls behind is charged for the queue it causes (no
   coordinated omission). The client keeps persistent HTTP/1.1 connections and speaks raw
   HTTP over asyncio streams, to take as little CPU from the server as it can.

It prints one row per phase (target rate, achieved throughput, p50 / p99 / max latency,
errors, and whether the issue's target is met: reads 500/s with p99 < 20 ms, writes 200/s with
p99 < 50 ms, no errors) and writes the same as JSON to ``bench/results/service_load.json``.
``--cpus 0,1`` pins server and client to those cores for the load (the target is stated for
2 cores); seeding uses every core.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
AS_OF = dt.date(2026, 11, 1)
TARGETS = {"reads": (500, 20.0), "writes": (200, 50.0)}  # rate (req/s), p99 (ms)


# --- the store ---------------------------------------------------------------------------------


def seed(url: str, freelancers: int, seed_value: int) -> dict[str, Any]:
    """Make sure the store at ``url`` holds ``freelancers`` freelancers with a snapshot."""
    from jobsuccess.policy import PolicyBook
    from jobsuccess.store import ledger, open_database
    from jobsuccess.store.importer import import_history
    from jobsuccess.store.snapshots import run_snapshot
    from jobsuccess.synth import marketplace

    db = open_database(url)
    info: dict[str, Any] = {}
    have = len(ledger.freelancers(db))
    if have < freelancers:
        print(f"seeding {freelancers:,} freelancers into {_safe(url)} (once) ...", flush=True)
        start = time.perf_counter()
        history = marketplace(freelancers, seed=seed_value, as_of=AS_OF)
        result = import_history(db, history, freelancers_per_chunk=2000)
        info["import_s"] = round(time.perf_counter() - start, 1)
        info["imported"] = result.records
        print(f"  imported {result.records:,} records in {info['import_s']} s", flush=True)
    start = time.perf_counter()
    snap = run_snapshot(db, PolicyBook.shipped(), AS_OF, partition_size=10_000)
    if snap.computed:
        info["snapshot_s"] = round(time.perf_counter() - start, 1)
        print(f"  snapshot of {snap.computed:,} freelancers in {info['snapshot_s']} s", flush=True)
    info["freelancers"] = len(ledger.freelancers(db))
    info["records"] = ledger.count(db)
    db.dispose()
    return info


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def workload(url: str, sample: int) -> tuple[list[str], list[tuple[str, str]], str, str]:
    """Freelancers to read, (freelancer, contract) pairs to write to, and two keys."""
    from sqlalchemy import func, select

    from jobsuccess.store import open_database
    from jobsuccess.store.keys import create_key
    from jobsuccess.store.schema import records

    db = open_database(url)
    with db.read() as conn:
        pairs = [
            (f, c)
            for f, c in conn.execute(
                select(records.c.freelancer, records.c.contract)
                .where(records.c.kind == "contract")
                .order_by(func.random())
                .limit(sample)
            )
        ]
    client, _ = create_key(db, "client", label="load benchmark")
    operator, _ = create_key(db, "operator", label="load benchmark")
    db.dispose()
    return sorted({f for f, _ in pairs}), pairs, client, operator


def warm_cache(path: Path) -> None:
    """Read the database file once, so the load meets the steady state of a running service
    (its pages in the OS page cache) rather than first reads from disk."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live children (uvicorn's
    worker processes), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "jobsuccess.service.cli", "serve", "--db", url,
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None  # stderr=PIPE
            raise RuntimeError(f"the server exited: {server.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start in 60 s")


# --- the load ----------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for this benchmark."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        self.writer.write(request)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status


def get(path: str, key: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n\r\n".encode()


def post(path: str, key: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


@dataclass
class Phase:
    name: str
    rate: float
    duration: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    elapsed: float = 0.0
    server_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else float("nan")

        target = TARGETS.get(self.name)
        out: dict[str, Any] = {
            "phase": self.name,
            "target_rate": self.rate,
            "requests": self.sent,
            "throughput": round(len(lat) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1], 2) if lat else float("nan"),
            "mean_ms": round(statistics.fmean(lat), 2) if lat else float("nan"),
            "server_cpu_ms": round(1000 * self.server_cpu_s / self.sent, 2) if self.sent else 0,
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
        }
        if target is not None:
            rate, p99 = target
            out["target"] = f">= {rate}/s, p99 < {p99:g} ms, no errors"
            out["met"] = bool(
                out["throughput"] >= 0.98 * rate and out["p99_ms"] < p99 and not out["errors"]
            )
        return out


async def run_phases(
    port: int, plan: list[tuple[str, float, list[bytes]]], duration: float, pool: int
) -> list[Phase]:
    """Run the given streams at once, each at its rate, for ``duration`` seconds."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(await Connection.open(port))
    phases = [Phase(name, rate, duration) for name, rate, _ in plan]

    async def one(phase: Phase, request: bytes, due: float) -> None:
        conn = await idle.get()
        try:
            status = await conn.send(request)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            phase.errors[type(exc).__name__] = phase.errors.get(type(exc).__name__, 0) + 1
            conn = await Connection.open(port)
        else:
            if status >= 400:
                phase.errors[str(status)] = phase.errors.get(str(status), 0) + 1
            else:
                phase.latencies_ms.append((time.perf_counter() - due) * 1000)
        idle.put_nowait(conn)

    async def stream(phase: Phase, requests: list[bytes]) -> None:
        loop_start = time.perf_counter()
        total = int(phase.rate * duration)
        tasks = []
        for i in range(total):
            due = loop_start + i / phase.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(phase, requests[i % len(requests)], due)))
        phase.sent = total
        await asyncio.gather(*tasks)
        phase.elapsed = time.perf_counter() - loop_start

    await asyncio.gather(*(stream(p, reqs) for p, (_, _, reqs) in zip(phases, plan, strict=True)))
    while not idle.empty():
        idle.get_nowait().writer.close()
    return phases


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ("phase", "target", "requests", "req/s", "p50 ms", "p99 ms", "max ms",
              "server CPU ms/req", "errors", "met")  # fmt: skip
    lines = [
        (
            r["phase"], f"{r['target_rate']:g}/s", str(r["requests"]), f"{r['throughput']:.1f}",
            f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['max_ms']:.2f}",
            f"{r['server_cpu_ms']:.2f}", str(r["errors"]),
            "-" if r.get("met") is None else ("yes" if r["met"] else "NO"),
        )
        for r in rows
    ]  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(header, *lines, strict=True)]
    for line in (header, tuple("-" * w for w in widths), *lines):
        print("  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freelancers", type=int, default=50_000)
    parser.add_argument("--db", help="store URL (default: a cached SQLite file)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--read-rate", type=float, default=500.0)
    parser.add_argument("--write-rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--pool", type=int, default=64, help="client connections")
    parser.add_argument("--cpus", help="pin server and client to these cores, e.g. 0,1")
    parser.add_argument("--skip-mixed", action="store_true", help="no reads+writes phase")
    parser.add_argument("--cold", action="store_true", help="do not pre-read the SQLite file")
    parser.add_argument(
        "--read-path",
        default="/v1/freelancers/{f}/score",
        help="what a read asks for ({f}: a random freelancer)",
    )
    args = parser.parse_args()

    url = args.db or f"sqlite:///{CACHE / f'service-{args.freelancers}.db'}"
    CACHE.mkdir(exist_ok=True)
    seeded = seed(url, args.freelancers, seed_value=1)
    os.sync()  # measure the service, not the write-back of the bulk load
    if url.startswith("sqlite:///") and not args.cold:
        warm_cache(Path(url.removeprefix("sqlite:///")))
    readers, pairs, client_key, operator_key = workload(url, sample=20_000)
    rng = random.Random(7)
    run = uuid.uuid4().hex[:8]
    reads = [get(args.read_path.format(f=rng.choice(readers)), client_key) for _ in range(20_000)]

    def writes(tag: str, n: int) -> list[bytes]:
        out = []
        for i in range(n):
            f, c = rng.choice(pairs)
            record = {"kind": "payment", "id": f"bench-{run}-{tag}-{i}", "freelancer": f,
                      "contract": c, "date": "2026-10-15", "amount": 120.0}  # fmt: skip
            out.append(post("/v1/records", operator_key, {"records": [record]}))
        return out

    n_writes = int(args.write_rate * args.duration) + 1
    if args.cpus:  # seeding used every core; the load runs on these only (inherited)
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    port = free_port()
    load_before = os.getloadavg()
    server = start_server(url, port, args.workers)
    try:
        warm = [("warm-up reads", 200.0, reads[:1000]), ("warm-up writes", 100.0, writes("u", 400))]
        asyncio.run(run_phases(port, warm, 3.0, args.pool))  # connections, threads, caches
        results = []
        for plan in (
            [("reads", args.read_rate, reads)],
            [("writes", args.write_rate, writes("w", n_writes))],
            *(
                []
                if args.skip_mixed
                else [[("mixed reads", args.read_rate, reads),
                       ("mixed writes", args.write_rate, writes("m", n_writes))]]
            ),
        ):  # fmt: skip
            before = cpu_seconds(server.pid)
            gc.collect()
            gc.disable()  # the load generator's own pauses would count as latency
            phases = asyncio.run(run_phases(port, plan, args.duration, args.pool))
            gc.enable()
            used = cpu_seconds(server.pid) - before
            sent = sum(p.sent for p in phases)
            for p in phases:  # the server's CPU, shared by request count
                p.server_cpu_s = used * p.sent / sent if sent else 0.0
            results += [p.summary() for p in phases]
    finally:
        server.terminate()
        server.wait(timeout=30)
    backend = url.split(":", 1)[0].split("+")[0]
    print()
    print(
        f"service load on loopback: {seeded['freelancers']:,} freelancers, "
        f"{seeded['records']:,} records, {backend}, {args.workers} server worker(s), "
        f"{len(os.sched_getaffinity(0))} cores usable, {args.duration:g} s per phase"
    )
    print_table(results)
    print(
        f"load average before / after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f} "
        "(other processes on the machine compete for the same cores)"
    )
    RESULTS.mkdir(exist_ok=True)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "cores": len(os.sched_getaffinity(0)),
        "backend": backend,
        "workers": args.workers,
        "duration_s": args.duration,
        "store": seeded,
        "load_average": [load_before[0], os.getloadavg()[0]],
        "phases": results,
    }
    (RESULTS / "service_load.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
