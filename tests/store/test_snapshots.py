"""Snapshots on both backends: stored results equal the engine's, idempotent per computation
date, resumable after kill -9, and the score history is a query."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from jobsuccess.engine import score
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook, load_policy
from jobsuccess.service.cli import app
from jobsuccess.store import Database, open_database
from jobsuccess.store.importer import import_history
from jobsuccess.store.schema import computations, scores, windows
from jobsuccess.store.snapshots import (
    latest_score,
    run_snapshot,
    score_history,
    score_rows,
    search,
)
from store.crash import kill_once_stored
from store.records import TODAY, market

BOOK = PolicyBook.shipped()


def _stored(db: Database) -> pl.DataFrame:
    with db.read() as conn:
        rows = conn.execute(select(scores).order_by(scores.c.freelancer)).mappings().all()
    return pl.DataFrame([dict(r) for r in rows])


def test_a_snapshot_stores_what_the_engine_computes(db: Database) -> None:
    history = market(40, seed=11)
    import_history(db, history)
    result = run_snapshot(db, BOOK, TODAY, partition_size=15)
    assert (result.status, result.freelancers, result.computed) == ("computed", 40, 40)
    expected_scores, expected_windows = score_rows(score(history, BOOK, TODAY), BOOK)
    stored = _stored(db)
    assert stored.height == 40
    assert stored.sort("freelancer").to_dicts() == sorted(
        expected_scores, key=lambda r: r["freelancer"]
    )
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(windows)).scalar_one() == len(
            expected_windows
        )
    # the evidence on each row is the longest window's
    one = stored.row(0, named=True)
    _, figures = latest_score(db, one["freelancer"], with_windows=True) or ({}, [])
    longest = next(w for w in figures if w["window"] == "24m")
    assert (one["outcomes"], one["clients"]) == (longest["outcomes"], longest["clients"])


def test_partitions_see_the_whole_marketplace_s_clients(db: Database) -> None:
    """Under a policy with ``vanished_client`` on, a client is vanished from the marketplace,
    not from one partition: a snapshot in partitions of 3 freelancers stores what the engine
    computes over the whole market (and what it would store without the market's client
    activity differs, or the test would prove nothing)."""
    book = load_policy("jobsuccess-2026")
    history = market(60, seed=16)
    import_history(db, history)
    run_snapshot(db, book, TODAY, partition_size=3)
    expected, _ = score_rows(score(history, book, TODAY), book)
    assert _stored(db).sort("freelancer").to_dicts() == sorted(
        expected, key=lambda r: r["freelancer"]
    )
    alone = [
        row
        for part in history.partitions(3)
        for row in score_rows(score(part, book, TODAY), book)[0]
    ]
    assert sorted(alone, key=lambda r: r["freelancer"]) != sorted(
        expected, key=lambda r: r["freelancer"]
    )


def test_idempotent_per_computation_date(db: Database) -> None:
    import_history(db, market(10, seed=12))
    first = run_snapshot(db, BOOK, TODAY)
    again = run_snapshot(db, BOOK, TODAY)
    assert again.status == "already done" and again.computed == 0
    assert again.computed_on == first.computed_on
    # a date in the same cadence period is the same computation (the 2021 policy: biweekly)
    old_on, _ = BOOK.computation(dt.date(2022, 3, 9))
    a = run_snapshot(db, BOOK, old_on)
    b = run_snapshot(db, BOOK, old_on + dt.timedelta(days=3))
    assert (a.status, b.status, b.computed_on) == ("computed", "already done", old_on)


def test_a_crashed_computation_resumes_where_it_stopped(db: Database) -> None:
    history = market(30, seed=13)
    import_history(db, history)
    complete = run_snapshot(db, BOOK, TODAY)
    reference = _stored(db)
    with db.write() as conn:  # as if it had died after a few partitions
        keep = sorted(reference.get_column("freelancer").to_list())[:12]
        conn.execute(delete(scores).where(scores.c.freelancer.not_in(keep)))
        conn.execute(delete(windows).where(windows.c.freelancer.not_in(keep)))
        conn.execute(update(computations).values(status="running", finished_at=None))
    resumed = run_snapshot(db, BOOK, TODAY, partition_size=7)
    assert (resumed.status, resumed.computed, resumed.freelancers) == ("resumed", 18, 30)
    assert _stored(db).equals(reference)
    assert complete.freelancers == resumed.freelancers


def test_score_history_and_search_are_queries(db: Database) -> None:
    history = market(25, seed=14)
    import_history(db, history)
    days = [TODAY - dt.timedelta(days=d) for d in (60, 30, 0)]
    for day in days:
        run_snapshot(db, BOOK, day)
    someone = history.freelancers[0]
    past = score_history(db, someone)
    assert [p["computed_on"] for p in past] == days
    assert [p["computed_on"] for p in score_history(db, someone, since=days[1])] == days[1:]
    assert latest_score(db, someone, as_of=days[1] + dt.timedelta(days=1)) is not None
    shown, found = search(db, 0, limit=100)
    assert shown == TODAY
    ranked = [(-r["score"], -r["outcomes"], -r["clients"], r["freelancer"]) for r in found]
    assert ranked == sorted(ranked) and all(r["score"] is not None for r in found)


def _rerun_completes(db: Database, command: list[str], history: History) -> None:
    """Rerunning a crashed snapshot resumes it and stores what the engine computes."""
    rerun = CliRunner().invoke(app, command)
    assert rerun.exit_code == 0, rerun.output
    assert "resumed" in rerun.output and f"{len(history.freelancers)} stored" in rerun.output
    expected, _ = score_rows(score(history, BOOK, TODAY), BOOK)
    assert _stored(db).sort("freelancer").to_dicts() == sorted(
        expected, key=lambda r: r["freelancer"]
    )


def test_snapshot_killed_midway_then_rerun_completes(db_url: str) -> None:
    db = open_database(db_url)
    history = market(120, seed=15)
    import_history(db, history)
    command = ["snapshot", "--db", db_url, "--as-of", TODAY.isoformat(), "--quiet"]

    def stored_scores() -> int:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(scores)).scalar_one())

    # one freelancer per partition: slow enough to be caught midway
    stored = kill_once_stored([*command, "--partition", "1"], stored_scores)
    assert 0 < stored < 120
    _rerun_completes(db, command, history)
    again = CliRunner().invoke(app, command)
    assert "already done" in again.output
    db.dispose()


def _tables(db: Database) -> dict[str, list[dict[str, object]]]:
    """Every stored score and window figure, of freelancers and agencies, in key order."""
    from jobsuccess.store.schema import agency_scores, agency_windows

    out = {}
    with db.read() as conn:
        for table in (scores, windows, agency_scores, agency_windows):
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(r) for r in conn.execute(query).mappings()]
    return out


def test_worker_processes_store_what_one_process_stores(db_url: str) -> None:
    """``--workers 2``: partitions (of freelancers, then of agencies) scored in two processes
    of their own store the same rows as one process does, every partition once."""
    from jobsuccess.store.schema import agency_scores, agency_windows

    db = open_database(db_url)
    history = market(60, seed=22)  # ten of the freelancers in two agencies
    import_history(db, history)
    command = ["snapshot", "--db", db_url, "--as-of", TODAY.isoformat(), "--quiet"]
    ran = CliRunner().invoke(app, [*command, "--workers", "2", "--partition", "7"])
    assert ran.exit_code == 0, ran.output
    assert "60 freelancers scored now" in ran.output and "2 agencies scored now" in ran.output
    in_workers = _tables(db)
    assert len(in_workers["scores"]) == 60 and len(in_workers["agency_scores"]) == 2
    with db.write() as conn:
        for table in (scores, windows, agency_scores, agency_windows, computations):
            conn.execute(delete(table))
    run_snapshot(db, BOOK, TODAY, partition_size=7)
    assert _tables(db) == in_workers
    db.dispose()


def _workers_of(pid: int) -> list[int]:
    """The pool's worker processes among ``pid``'s children (not multiprocessing's tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                found.append(int(child))
    return found


def test_a_worker_killed_midway_is_one_line_and_a_rerun_completes(tmp_path: Path) -> None:
    """A worker process killed (``kill -9``, as the out-of-memory killer does) stops the
    snapshot with one line and exit code 2, not a traceback; what was stored stays, and a
    rerun finishes the computation."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    db = open_database(url)
    history = market(120, seed=15)
    import_history(db, history)
    command = ["snapshot", "--db", url, "--as-of", TODAY.isoformat(), "--quiet"]
    victim = subprocess.Popen(
        [sys.executable, "-m", "jobsuccess.service.cli", *command, "--partition", "1",
         "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    killed = False
    while not killed and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.01)
        with db.read() as conn:
            stored = conn.execute(select(func.count()).select_from(scores)).scalar_one()
        workers = _workers_of(victim.pid) if stored else []
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            killed = True
    out, err = victim.communicate(timeout=120)
    assert killed, "the snapshot ended before a worker could be killed"
    assert victim.returncode == 2, (out, err)
    assert "worker process died" in err and "Traceback" not in err, err
    _rerun_completes(db, command, history)
    db.dispose()
