"""Spark benchmark: the local runner against Spark ``local[2]`` on the same marketplace.

    .venv/bin/python bench/spark_bench.py                                   # 10M both, 30M Spark
    .venv/bin/python bench/spark_bench.py --contracts 1000000 --spark-only 0  # what ran here

On demand, not in CI. For each size, a synthetic marketplace of exactly that many contracts
(`jobsuccess.synth.contracts_for`, cached under bench/.cache like bench/engine_bench.py's) is
partitioned (``jobsuccess partition``, timed) and scored as of 2026-11-01 under ``auto`` by
``jobsuccess batch`` with the local runner and with ``--runner spark --master local[2]``, each
a fresh subprocess: wall time, and the peak resident memory of each process of its tree (the
CLI's Python, Spark's JVM, Spark's Python workers), sampled every 0.1 s. The two outputs must
be the same bytes, else the run fails without a figure. ``--spark-only`` sizes run only the
partition and the Spark runner (the local runner would not fit, or is not the point). Last,
one bucket scored alone in one process (load, then `jobsuccess.report.batch_rows`): the
per-bucket cost that sizes a cluster (README, "A marketplace that outgrows one machine").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from engine_bench import AS_OF, CACHE  # noqa: E402
from engine_bench import market as drawn_at_once  # noqa: E402

#: The CLI under this interpreter (not the ``jobsuccess`` script, whose interpreter line may
#: name another environment's Python: a copied virtual environment's does).
CLI = [sys.executable, "-m", "jobsuccess.cli"]
CONTRACTS_PER_BUCKET = 250_000
#: Larger markets are drawn in pieces of this many contracts (`contract_chunks`): drawn at
#: once, 30M contracts would take some 13 GB.
PIECE = int(os.environ.get("SPARK_BENCH_PIECE", "3000000"))
AT_ONCE = 10_000_000


def market(contracts: int, seed: int = 1) -> Path:
    """The cached market of ``contracts`` (engine_bench's up to 10M, drawn in pieces above)."""
    if contracts <= AT_ONCE:
        return drawn_at_once(contracts, seed)
    folder = CACHE / f"market-{contracts}-{seed}-pieces-{PIECE}"
    if not (folder / "contracts.parquet").exists():
        from jobsuccess.io.tables import write_pieces
        from jobsuccess.synth import contract_chunks

        write_pieces(contract_chunks(contracts, seed=seed, chunk=PIECE, as_of=AS_OF), folder)
    return folder


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _kind(pid: int, root: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    if not cmd:
        return None
    if pid == root:
        return "cli (python)"
    program = cmd.split(" ", 1)[0]
    if program.endswith("/java") or program == "java":
        return "spark jvm"
    if "python" in program:
        return "spark python worker"
    return "launcher scripts"


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; its wall time and each process kind's highest peak RSS (MiB) and count."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peaks: dict[int, tuple[str, int]] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            tree, todo = _children(), [proc.pid]
            while todo:
                pid = todo.pop()
                todo += tree.get(pid, [])
                kb = _hwm_kb(pid)
                seen, old = peaks.get(pid, ("launcher scripts", 0))
                # Classified anew each time (a launcher script execs into the JVM), but not
                # once it exits (an exiting process has no command line).
                peaks[pid] = (_kind(pid, proc.pid) or seen, max(old, kb))
            stop.wait(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    kinds: dict[str, dict[str, float]] = {}
    for kind, kb in peaks.values():
        k = kinds.setdefault(kind, {"processes": 0, "peak_mib": 0.0})
        k["processes"] += 1
        k["peak_mib"] = max(k["peak_mib"], round(kb / 1024, 1))
    return {"wall_s": round(wall, 2), "memory": kinds, "stdout": out.decode()}


def one_bucket(dataset: Path) -> dict[str, Any]:
    """Bucket 0 loaded and scored in a fresh process: seconds and peak RSS."""
    code = f"""
import datetime as dt, json, time
from pathlib import Path
from jobsuccess.policy import load_policy
from jobsuccess.report import batch_rows
from jobsuccess.spark.dataset import Dataset
d = Dataset.open(Path({str(dataset)!r}))
t = time.perf_counter(); h = d.load(0); loaded = time.perf_counter() - t
day = dt.date.fromisoformat({AS_OF.isoformat()!r})
t = time.perf_counter(); f = batch_rows(h, load_policy("auto"), day)
scored = time.perf_counter() - t
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(json.dumps({{"contracts": h.contracts.height, "freelancers": f.height,
                   "load_s": round(loaded, 2), "engine_s": round(scored, 2),
                   "peak_mib": round(hwm / 1024, 1)}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def bench(contracts: int, spark_only: bool, buckets: int | None, master: str) -> dict[str, Any]:
    folder = market(contracts)
    n = buckets or max(2, -(-contracts // CONTRACTS_PER_BUCKET))
    dataset = CACHE / f"dataset-{contracts}-{n}"
    day = AS_OF.isoformat()
    row: dict[str, Any] = {"contracts": contracts, "buckets": n}
    row["partition"] = run_measured(
        [*CLI, "partition", str(folder), "--out", str(dataset), "--buckets", str(n)]
    )
    with tempfile.TemporaryDirectory() as tmp:
        spark_out, local_out = Path(tmp) / "spark.parquet", Path(tmp) / "local.parquet"
        row["spark"] = run_measured(
            [
                *CLI,
                "batch",
                str(dataset),
                "--runner",
                "spark",
                "--master",
                master,
                "--as-of",
                day,
                "--out",
                str(spark_out),
            ]
        )
        if not spark_only:
            row["local"] = run_measured(
                [*CLI, "batch", str(folder), "--as-of", day, "--out", str(local_out)]
            )
            same = local_out.read_bytes() == spark_out.read_bytes()
            if not same:
                raise SystemExit(f"{contracts:,} contracts: Spark's output differs from local")
            row["identical"] = True
    row["one_bucket"] = one_bucket(dataset)
    for k in ("partition", "spark", "local"):
        row.get(k, {}).pop("stdout", None)
    return row


def _print(rows: list[dict[str, Any]], master: str) -> None:
    print(f"as of {AS_OF}, policy auto; Spark master {master}; peak RSS per process (MiB)")
    head = f"{'contracts':>12} {'buckets':>7} {'run':<16} {'wall s':>8}  peak memory per process"
    print(head)
    for r in rows:
        for name, key in (("partition", "partition"), ("local runner", "local"),
                          ("spark " + master, "spark")):  # fmt: skip
            if key not in r:
                continue
            m = r[key]
            mem = "; ".join(
                f"{kind} {v['peak_mib']:,.0f}"
                + (f" (x{v['processes']:.0f})" if v["processes"] > 1 else "")
                for kind, v in sorted(m["memory"].items())
            )
            print(f"{r['contracts']:>12,} {r['buckets']:>7} {name:<16} {m['wall_s']:>8.2f}  {mem}")
        b = r["one_bucket"]
        print(
            f"{'':>12} {'':>7} {'one bucket':<16} {b['load_s'] + b['engine_s']:>8.2f}  "
            f"{b['contracts']:,} contracts: load {b['load_s']} s, engine {b['engine_s']} s, "
            f"peak {b['peak_mib']:,.0f} MiB"
        )
        if r.get("identical"):
            print(f"{'':>12} {'':>7} Spark output identical to the local runner's (bytes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", default="10000000", help="sizes run both ways")
    parser.add_argument(
        "--spark-only", default="30000000", help="sizes run on Spark only (0: none)"
    )
    default = f"buckets (default: one per {CONTRACTS_PER_BUCKET:,} contracts)"
    parser.add_argument("--buckets", type=int, default=None, help=default)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    plan = [(int(s), False) for s in args.contracts.split(",") if int(s)]
    plan += [(int(s), True) for s in args.spark_only.split(",") if int(s)]
    rows = [bench(n, only, args.buckets, args.master) for n, only in plan]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print(rows, args.master)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
