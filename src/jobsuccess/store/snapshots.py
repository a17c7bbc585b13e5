"""Snapshots: the scheduled computation, stored, resumable, and read back as queries.

`run_snapshot` is what cron runs. For a requested date it asks the policy book for the
computation date and the policy in force (`PolicyBook.computation`), then scores every
freelancer in the ledger *as of the computation date*, so every date of one cadence period
yields the same snapshot and running it twice is a no-op.

Progress is durable: a ``computations`` row says the date is ``running``; freelancers are
folded from the ledger and scored in partitions (`jobsuccess.store.ledger.history` then
`jobsuccess.engine.score`, as `jobsuccess.engine.score_batch` scores a marketplace: in the
engine's hashed order, and with the whole ledger's client activity when a policy has
``vanished_client`` on), and each partition's scores and window figures are committed in one
transaction. After a crash a rerun scores only the freelancers without a stored score for
that date, then marks the computation ``done``. Two runs at once are harmless (rows are
inserted with ``ON CONFLICT DO NOTHING``). Writes are short transactions, so the API keeps
serving (and ingesting) while a snapshot runs. With ``workers`` above 1, that many processes
score partitions at once, each a transaction of its own as above (reading the ledger back is
most of a partition's time and holds the interpreter lock, so threads would not overlap it).

Agencies are scored the same way (`jobsuccess.subjects.for_agencies` over the folded ledger
of their freelancers), into ``agency_scores`` and ``agency_windows``, and resume alike: from
the partition that reads their members when those fit one (`_jobs`), else from a partition
that reads the members' ledgers again.

Stored per freelancer (and agency) and date: the displayed score, its best window, the reason
when there is none, the three statuses and the evidence behind the score (outcomes and
distinct clients of the policy's longest window, the same evidence the CLI shows); per window:
its score, eligibility, outcomes, clients and the weighted success / neutral / negative /
total.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import polars as pl
from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jobsuccess.engine import Scores, score
from jobsuccess.errors import JobSuccessError
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.store import ledger
from jobsuccess.store.db import Database, open_database
from jobsuccess.store.schema import agency_scores, agency_windows, computations, scores, windows
from jobsuccess.subjects import SubjectKind, for_agencies

DEFAULT_PARTITION: Final = 5000

Status = Literal["computed", "resumed", "already done"]


@dataclass(frozen=True)
class SnapshotResult:
    computed_on: dt.date
    policy: str
    status: Status
    freelancers: int  # freelancers with a stored score on that date
    computed: int  # freelancers scored by this run
    agencies: int = 0  # agencies with a stored score on that date
    agencies_computed: int = 0  # agencies scored by this run


#: Where each kind of subject's scores and window figures are stored, and its key column.
TABLES: Final = {
    "freelancer": (scores, windows, "freelancer"),
    "agency": (agency_scores, agency_windows, "agency"),
}


def run_snapshot(
    db: Database,
    book: PolicyBook,
    as_of: dt.date,
    *,
    partition_size: int = DEFAULT_PARTITION,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotResult:
    """Compute and store the snapshot for the computation date of ``as_of`` (see module doc);
    ``workers`` processes score partitions at once (`_run`)."""
    computed_on, policy = book.computation(as_of)
    with db.write() as conn:
        row = conn.execute(
            select(computations).where(computations.c.computed_on == computed_on)
        ).first()
        if row is not None and row.status == "done":
            return SnapshotResult(
                computed_on,
                row.policy,
                "already done",
                row.freelancers,
                0,
                _count(conn, "agency", computed_on),
            )
        if row is None:
            conn.execute(
                _insert(db, computations)
                .values(
                    computed_on=computed_on,
                    policy=policy.name,
                    status="running",
                    freelancers=0,
                    started_at=dt.datetime.now(dt.UTC),
                )
                .on_conflict_do_nothing()
            )
    everyone = ledger.freelancers(db)
    stored = _stored(db, "freelancer", computed_on)
    todo = [f for f in everyone if f not in stored]
    if progress:
        progress(0, len(todo))
    context = _Context(db, book, computed_on, _clients(db, book))
    agencies_done, jobs = _jobs(db, computed_on, todo, partition_size)
    agencies_computed = sum(len(job.agencies) for job in jobs)
    done = 0
    for scored in _run(context, jobs, workers):
        done += scored
        if progress and scored:
            progress(done, len(todo))
    with db.write() as conn:
        total = _count(conn, "freelancer", computed_on)
        conn.execute(
            update(computations)
            .where(computations.c.computed_on == computed_on)
            .values(status="done", freelancers=total, finished_at=dt.datetime.now(dt.UTC))
        )
    return SnapshotResult(
        computed_on,
        policy.name,
        "resumed" if stored or agencies_done else "computed",
        total,
        len(todo),
        agencies_done + agencies_computed,
        agencies_computed,
    )


def _count(conn: Connection, subject: SubjectKind, computed_on: dt.date) -> int:
    table = TABLES[subject][0]
    query = select(func.count()).select_from(table).where(table.c.computed_on == computed_on)
    return int(conn.execute(query).scalar_one())


def _stored(db: Database, subject: SubjectKind, computed_on: dt.date) -> set[str]:
    """The subjects of kind ``subject`` with a score stored on ``computed_on``."""
    table, _, key = TABLES[subject]
    query = select(table.c[key]).where(table.c.computed_on == computed_on)
    with db.read() as conn:
        return set(conn.execute(query).scalars())


def _clients(db: Database, book: PolicyBook) -> pl.DataFrame | None:
    """The marketplace's client activity when a policy of ``book`` reads it (as
    `jobsuccess.engine.score_batch` computes it over the whole market), else None."""
    if any(p.vanished_client.enabled for p in book):
        return ledger.client_activity(db)
    return None


def _jobs(
    db: Database, computed_on: dt.date, todo: list[str], partition_size: int
) -> tuple[int, list[_Job]]:
    """The snapshot's partitions (`_plan`) for the freelancers ``todo`` and the agencies
    without a stored score, and how many agencies are stored already."""
    stored = _stored(db, "agency", computed_on)
    members = {a: people for a, people in ledger.agencies(db).items() if a not in stored}
    return len(stored), _plan(todo, members, partition_size)


def _plan(todo: list[str], members: dict[str, list[str]], partition_size: int) -> list[_Job]:
    """The partitions that score the freelancers ``todo`` and the agencies of ``members``
    (each with its freelancers), every one of them once.

    Reading the ledger back is most of a partition's time, so an agency is scored from the
    history read for its members when it can be: when every member is still to score and
    the members of every agency linked to it by a shared member fit in one partition
    (`_linked`), those freelancers are a partition of their own and score their agencies
    too. The other freelancers go in slices of ``partition_size``, in sorted order; every other
    agency (some member stored already, as after a crash, or too many linked members) in
    partitions that read about ``partition_size`` of its members' ledgers again."""
    waiting = set(todo)
    linked = _linked({a: people for a, people in members.items() if waiting >= set(people)})
    jobs: list[_Job] = []
    for group, people in linked:  # whole groups that fit, packed up to partition_size
        if len(people) > partition_size:
            continue
        if jobs and len(jobs[-1].freelancers) + len(people) <= partition_size:
            last = jobs.pop()
            group, people = last.agencies + group, last.freelancers + people
        jobs.append(_Job(people, group))
    taken = {f for job in jobs for f in job.freelancers}
    left = [f for f in todo if f not in taken]
    jobs += [_Job(left[lo : lo + partition_size]) for lo in range(0, len(left), partition_size)]
    along = {a for job in jobs for a in job.agencies}
    alone = [a for a in members if a not in along]
    batch: list[str] = []
    readers: set[str] = set()
    for n, agency in enumerate(alone):
        batch.append(agency)
        readers.update(members[agency])
        if len(readers) >= partition_size or n == len(alone) - 1:
            jobs.append(_Job(sorted(readers), batch, freelancers_too=False))
            batch, readers = [], set()
    return jobs


def _linked(members: dict[str, list[str]]) -> list[tuple[list[str], list[str]]]:
    """The agencies in groups linked by shared members (a freelancer who worked for two
    agencies links them), each with its members: (agencies, freelancers), both sorted, the
    groups in the order of their first agency."""
    parent = {a: a for a in members}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = a = parent[parent[a]]
        return a

    first: dict[str, str] = {}
    for agency in sorted(members):
        for freelancer in members[agency]:
            other = first.setdefault(freelancer, agency)
            parent[root(other)] = root(agency)
    groups: dict[str, tuple[list[str], set[str]]] = {}
    for agency in sorted(members):
        group = groups.setdefault(root(agency), ([], set()))
        group[0].append(agency)
        group[1].update(members[agency])
    return [(group, sorted(people)) for group, people in groups.values()]


@dataclass(frozen=True)
class _Context:
    """What every partition of one snapshot is scored with."""

    db: Database
    book: PolicyBook
    computed_on: dt.date
    clients: pl.DataFrame | None


@dataclass(frozen=True)
class _Job:
    """One partition: the freelancers whose ledger is read and scored (unless not
    ``freelancers_too``: an agency's members scored already), and the ``agencies`` scored from
    the same history (every contract done for each of them is one of those freelancers')."""

    freelancers: list[str]
    agencies: list[str] = field(default_factory=list)
    freelancers_too: bool = True


def _score_and_store(context: _Context, job: _Job) -> int:
    """Read, score and store one partition in a transaction of its own; how many freelancers
    it scored."""
    history = ledger.history(context.db, job.freelancers)
    scored: list[tuple[SubjectKind, Scores]] = []
    if job.freelancers_too:
        scored.append(("freelancer", _scored(context, history)))
    if job.agencies:
        scored.append(("agency", _scored(context, for_agencies(history, job.agencies))))
    with context.db.write() as conn:
        for subject, result in scored:
            _store(context.db, conn, result, context.book, subject)
    return len(job.freelancers) if job.freelancers_too else 0


def _scored(context: _Context, history: History) -> Scores:
    return score(
        history,
        context.book,
        context.computed_on,
        readable_order=False,
        clients=context.clients,
    )


def _run(context: _Context, jobs: Sequence[_Job], workers: int) -> Iterator[int]:
    """Each job's count, in order: in this process, or shared out to ``workers`` processes.

    A partition is mostly reading the ledger back through the driver's Python objects, which
    holds the interpreter lock, so only processes (not threads) read two partitions at once;
    each opens the store by its URL, and writes serialise in the database as any two writers
    do.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _score_and_store(context, job)
        return
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),  # never fork polars' threads
        initializer=_start_worker,
        initargs=(
            context.db.engine.url.render_as_string(hide_password=False),
            context.book,
            context.computed_on,
            context.clients,
        ),
    )
    try:
        yield from pool.map(_in_worker, jobs)
    except BrokenProcessPool:
        raise JobSuccessError(
            "a snapshot worker process died (out of memory, or killed); the partitions it "
            "stored are kept: run the snapshot again to finish it"
        ) from None
    finally:  # after an error, the partitions not started yet are not started
        pool.shutdown(wait=True, cancel_futures=True)


#: A worker process's settings (`_start_worker`): the store's URL and the context without it.
_settings: tuple[str, PolicyBook, dt.date, pl.DataFrame | None] | None = None


def _start_worker(
    url: str, book: PolicyBook, computed_on: dt.date, clients: pl.DataFrame | None
) -> None:
    global _settings
    _settings = (url, book, computed_on, clients)


@functools.cache
def _worker_context() -> _Context:
    """The worker's context, its store opened by its first job, not when the worker starts,
    so that an error opening it reaches the caller as that error (an initializer's breaks the
    pool)."""
    assert _settings is not None, "a job ran outside a started worker"
    url, book, computed_on, clients = _settings
    return _Context(open_database(url, migrate=False, create=False), book, computed_on, clients)


def _in_worker(job: _Job) -> int:
    return _score_and_store(_worker_context(), job)


def _insert(db: Database, table: Any) -> Any:
    return (sqlite.insert if db.dialect == "sqlite" else postgresql.insert)(table)


def score_frames(result: Scores, book: PolicyBook) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's frames with the columns of the ``scores`` and ``windows`` tables."""
    longest = {p.name: p.windows.longest for p in book}
    win = result.windows.with_columns(pl.col("window").cast(pl.String))
    evidence = win.filter(
        pl.col("window") == pl.col("policy").replace_strict(longest, return_dtype=pl.String)
    ).select("freelancer", "computed_on", "outcomes", "clients")
    head = (
        result.scores.join(evidence, on=["freelancer", "computed_on"], how="left")
        .with_columns(pl.col("outcomes", "clients").fill_null(0))
        .select(*(c.name for c in scores.columns))
    )
    return head, win.select(*(c.name for c in windows.columns))


def score_rows(
    result: Scores, book: PolicyBook
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The engine's frames as rows of the ``scores`` and ``windows`` tables."""
    head, figures = score_frames(result, book)
    return head.to_dicts(), figures.to_dicts()


def _store(
    db: Database,
    conn: Connection,
    result: Scores,
    book: PolicyBook,
    subject: SubjectKind = "freelancer",
) -> None:
    """One partition's scores and window figures, ``ON CONFLICT DO NOTHING`` (a rerun or a
    second run at once skips what is stored), past SQLAlchemy's per-row work: SQLite by one
    ``executemany`` (dates as ISO text, booleans as 0/1), PostgreSQL by ``COPY`` in CSV
    (written by polars) into a temporary table, then one ``INSERT ... SELECT``."""
    into_scores, into_windows, key = TABLES[subject]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for table, frame in zip(
            (into_scores, into_windows), score_frames(result, book), strict=True
        ):
            if frame.is_empty():
                continue
            if key != "freelancer":
                frame = frame.rename({"freelancer": key})
            names = ", ".join(f'"{c}"' for c in frame.columns)
            if db.dialect == "sqlite":
                frame = frame.with_columns(
                    pl.col(c).dt.to_string("%Y-%m-%d")
                    for c, t in frame.schema.items()
                    if t == pl.Date()
                )
                marks = ", ".join("?" * frame.width)
                cursor.executemany(
                    f"INSERT INTO {table.name} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                    frame.rows(),
                )
                continue
            staged = f"incoming_{table.name}"
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged} (LIKE {table.name})")
            with cursor.copy(f"COPY {staged} ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(frame.write_csv(include_header=False))
            cursor.execute(
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staged} "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"DELETE FROM {staged}")
    finally:
        cursor.close()


# --- reading ---------------------------------------------------------------------------------


def computation_list(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        query = select(computations).order_by(computations.c.computed_on.desc())
        return [dict(r) for r in conn.execute(query).mappings()]


def latest_done(conn: Connection, as_of: dt.date | None = None) -> dt.date | None:
    """The newest finished computation date (on or before ``as_of``)."""
    query = select(func.max(computations.c.computed_on)).where(computations.c.status == "done")
    if as_of is not None:
        query = query.where(computations.c.computed_on <= as_of)
    day: dt.date | None = conn.execute(query).scalar_one()
    return day


_SCORE_COLUMNS: Final = {
    subject: tuple(c.name for c in table.columns) for subject, (table, _, _) in TABLES.items()
}
_SCORE_SQL: Final = {
    subject: (
        f"SELECT {', '.join(_SCORE_COLUMNS[subject])} FROM {table.name} WHERE {key} = ? "
        "AND computed_on <= ? ORDER BY computed_on DESC LIMIT 1"
    )
    for subject, (table, _, key) in TABLES.items()
}


def _typed(row: Sequence[Any], subject: SubjectKind = "freelancer") -> dict[str, Any]:
    """A ``scores`` row from the driver with SQLite's text dates and 0/1 booleans typed."""
    out = dict(zip(_SCORE_COLUMNS[subject], row, strict=True))
    for column in ("computed_on", "as_of"):
        if isinstance(out[column], str):
            out[column] = dt.date.fromisoformat(out[column])
    for column in ("top_rated", "top_rated_plus", "rising_talent"):
        out[column] = bool(out[column])
    return out


def latest_score(
    db: Database,
    freelancer: str,
    as_of: dt.date | None = None,
    *,
    with_windows: bool = False,
    subject: SubjectKind = "freelancer",
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """A freelancer's newest stored score (on or before ``as_of``) and, optionally, its windows;
    ``subject="agency"``: an agency's (the rows keyed by ``agency``).

    The score row is the API's hottest read: one indexed statement through the driver.
    """
    day = (as_of or dt.date.max).isoformat()
    rows = db.fetch(_SCORE_SQL[subject], (freelancer, day))
    if not rows:
        return None
    row = _typed(rows[0], subject)
    figures: list[dict[str, Any]] = []
    if with_windows:
        _, table, key = TABLES[subject]
        query = (
            select(table)
            .where(table.c[key] == freelancer, table.c.computed_on == row["computed_on"])
            .order_by(table.c.window)
        )
        with db.read() as conn:
            figures = [dict(w) for w in conn.execute(query).mappings()]
    return row, figures


def search_by_evidence(
    db: Database,
    min_score: int,
    low: Callable[[dict[str, Any], dict[str, Any]], float],
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """Like `search`, ranked by ``low(score row, its displayed window's row)`` (the evidence
    interval's lower bound), then score, outcomes, clients, freelancer: the ranking needs every
    match's displayed window, read in one join (no stored column: nothing to migrate).

    The ranking reads only what it sorts by (the score row's ``freelancer``, ``best``,
    ``score``, ``outcomes`` and ``clients``, as plain tuples: a market has tens of thousands of
    matches), and only the page's rows are then read whole."""
    with db.read() as conn:
        day = latest_done(conn)
        if day is None:
            return None, []
        query = (
            select(
                scores.c.freelancer,
                scores.c.best,
                scores.c.score,
                scores.c.outcomes,
                scores.c.clients,
                windows.c.score,
                windows.c.outcomes,
                windows.c.clients,
                windows.c.eligible,
            )
            .join(
                windows,
                (windows.c.freelancer == scores.c.freelancer)
                & (windows.c.computed_on == scores.c.computed_on)
                & (windows.c.window == scores.c.best),
            )
            .where(scores.c.computed_on == day, scores.c.score >= min_score)
        )
        keyed = []
        for who, best, value, outcomes, clients, w_score, w_n, w_clients, w_ok in conn.execute(
            query
        ).tuples():
            row = {
                "freelancer": who,
                "best": best,
                "score": value,
                "outcomes": outcomes,
                "clients": clients,
            }
            shown = {
                "window": best,
                "score": w_score,
                "outcomes": w_n,
                "clients": w_clients,
                "eligible": w_ok,
            }
            keyed.append((-low(row, shown), -value, -outcomes, -clients, who))
        keyed.sort()
        page = [k[4] for k in keyed[offset : offset + limit]]
        whole = select(scores).where(scores.c.computed_on == day, scores.c.freelancer.in_(page))
        rows = {r["freelancer"]: dict(r) for r in conn.execute(whole).mappings()}
    return day, [rows[f] for f in page]


def windows_of(
    db: Database, computed_on: dt.date, freelancers: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The stored windows of some freelancers on one computation date (search results'
    evidence), by freelancer."""
    found: dict[str, list[dict[str, Any]]] = {f: [] for f in freelancers}
    if not freelancers:
        return found
    query = select(windows).where(
        windows.c.computed_on == computed_on, windows.c.freelancer.in_(list(freelancers))
    )
    with db.read() as conn:
        for w in conn.execute(query).mappings():
            found[w["freelancer"]].append(dict(w))
    return found


def score_history(
    db: Database,
    freelancer: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 1000,
    *,
    subject: SubjectKind = "freelancer",
) -> list[dict[str, Any]]:
    """A freelancer's (or an agency's) stored scores, oldest first: a range read, never a
    recomputation."""
    table, _, key = TABLES[subject]
    query = select(table).where(table.c[key] == freelancer)
    if since is not None:
        query = query.where(table.c.computed_on >= since)
    if until is not None:
        query = query.where(table.c.computed_on <= until)
    query = query.order_by(table.c.computed_on).limit(limit)
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def search(
    db: Database,
    min_score: int,
    *,
    limit: int = 50,
    offset: int = 0,
    computed_on: dt.date | None = None,
) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """Freelancers scoring at least ``min_score`` in the newest finished computation.

    Best first (score, then evidence: outcomes, clients), with the evidence on every row.
    """
    with db.read() as conn:
        day = computed_on or latest_done(conn)
        if day is None:
            return None, []
        query = (
            select(scores)
            .where(scores.c.computed_on == day, scores.c.score >= min_score)
            .order_by(
                scores.c.score.desc(),
                scores.c.outcomes.desc(),
                scores.c.clients.desc(),
                scores.c.freelancer,
            )
            .limit(limit)
            .offset(offset)
        )
        return day, [dict(r) for r in conn.execute(query).mappings()]
