"""A real ``jobsuccess serve`` on a temporary store, for the browser tests and the screenshots.

The store holds the idle-drop story (freelancer ``nadia``, examples/idle-drop.json) and a
small synthetic marketplace, with snapshots on the story's computation dates and on the
market's last day, and one key per role. The server is the real command in a subprocess on
a free port; `running` yields its base URL and the keys.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "examples" / "idle-drop.json"
STORY_FREELANCER = "nadia"
#: Computation dates of the story's snapshots (the chart's points), and the market's day.
STORY_DATES = (dt.date(2024, 10, 1), dt.date(2024, 10, 25), dt.date(2024, 11, 20))
MARKET_DAY = dt.date(2026, 11, 1)
MARKET_SIZE = 25
CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Served:
    url: str
    db_url: str
    keys: dict[str, str]
    other_freelancer: str
    appellant: str
    """A market freelancer with a score today and a contract counted against it."""
    appealed: str


def _appellant(market: Any, book: Any) -> tuple[str, str]:
    """A freelancer scored today with a negative contract that counts, decided in public (a
    private one's change shows the freelancer only pooled): upholding an appeal on it moves
    the score, and the freelancer's explanation names the appeal."""
    import polars as pl

    from jobsuccess.engine import score

    result = score(market, book, dt.date.today())
    scored = result.scores.filter(pl.col("score").is_not_null()).select("freelancer")
    counted_in_public = (
        (pl.col("outcome") == "negative") & (pl.col("weight") > 0) & ~pl.col("private")
    )
    against = result.ledger.filter(counted_in_public).join(scored, on="freelancer")
    row = against.sort("freelancer", "id").row(0, named=True)
    return str(row["freelancer"]), str(row["id"])


def build_store(folder: Path) -> tuple[str, dict[str, str], str, tuple[str, str]]:
    """A store with the story and a market, snapshots, and a key per role."""
    from jobsuccess.cli_common import load_history
    from jobsuccess.policy import load_policy
    from jobsuccess.store import open_database
    from jobsuccess.store.importer import import_history
    from jobsuccess.store.keys import create_key
    from jobsuccess.store.snapshots import run_snapshot
    from jobsuccess.synth import marketplace

    url = f"sqlite:///{folder / 'web.db'}"
    db = open_database(url)
    market = marketplace(MARKET_SIZE, seed=11, as_of=MARKET_DAY)
    import_history(db, load_history(STORY))
    import_history(db, market)
    book = load_policy("auto")
    for day in (*STORY_DATES, MARKET_DAY):
        run_snapshot(db, book, day)
    _lab(folder / "lab" / "fairness", market)
    other = market.freelancers[0]
    appellant = _appellant(market, book)
    keys = {
        "operator": create_key(db, "operator", label="web tests")[0],
        "reviewer": create_key(db, "operator", label="web tests", reviewer=True)[0],
        "freelancer": create_key(db, "freelancer", STORY_FREELANCER)[0],
        "client": create_key(db, "client")[0],
        "appellant": create_key(db, "freelancer", appellant[0])[0],
    }
    db.dispose()
    return url, keys, other, appellant


def _lab(out: Path, market: object) -> None:
    """A policy-lab result (``jobsuccess lab --out``'s files) for the console's lab page."""
    from jobsuccess.io.tables import write_tables

    tables = out.parent / "market"
    write_tables(market, tables)  # type: ignore[arg-type]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jobsuccess.cli",
            "lab",
            str(tables),
            "--base",
            "2024-09",
            "--candidate",
            "jobsuccess-2026",
            "--as-of",
            str(MARKET_DAY),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(folder: Path) -> Iterator[Served]:
    """``jobsuccess serve`` on a new store in ``folder`` until the block ends."""
    url, keys, other, (appellant, appealed) = build_store(folder)
    port = _free_port()
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jobsuccess.cli",
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "JOBSUCCESS_LAB_DIR": str(folder / "lab")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jobsuccess serve exited: {(folder / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("jobsuccess serve did not start in 180 s")
            time.sleep(0.2)
        yield Served(base, url, keys, other, appellant, appealed)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
