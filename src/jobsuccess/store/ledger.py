"""The ledger: appending records (all or nothing, idempotent by id) and folding them back.

Appending a batch is one transaction, done in SQL over a staging table so that a batch of one
record (the API) and of a hundred thousand (the importer) take the same path:

1. the batch itself is checked: the same id twice with different content is a conflict, the
   same record twice is sent once;
2. the rows are bulk-loaded into ``incoming_records``, a temporary table private to the
   connection (``executemany`` on SQLite, ``COPY`` in CSV written by polars on PostgreSQL);
   on SQLite a batch that brings every contract it is about (an import's) goes straight into
   ``records`` instead, in batch order, one ``executemany`` per run of rows of one kind
   binding only the columns the run sets (`_runs`), and is staged only when fewer rows
   went in than were sent, to tell duplicates from conflicts (step 4);
3. every record about a contract must name a contract the batch brings (checked while
   staging) or the ledger holds (one anti-join), else `UnknownContractError`;
4. ``INSERT INTO records SELECT ... ON CONFLICT DO NOTHING`` in batch order; if fewer rows went
   in than were staged, one join finds why: an id stored with another digest, or a second
   ``contract`` record for a stored contract. Equal content is a duplicate (a no-op); any
   difference raises `ConflictError` naming the ids, and the whole batch rolls back.

This is safe under concurrency on both backends: PostgreSQL makes a second inserter of an id
wait for the first transaction and then skip the row, after which the comparison sees the
committed row; SQLite serialises writers (``BEGIN IMMEDIATE``, see `jobsuccess.store.db`).

Folding (`history`) reads a group of freelancers past SQLAlchemy (`log_frame`: one ``COPY
... TO STDOUT`` on PostgreSQL; on SQLite the driver's cursor, a query per kind of record that
searches ``ix_records_freelancer_kind_seq`` by freelancer and kind), then builds the five
history frames in polars, so a snapshot can fold and score the ledger partition by
partition without loading it whole.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from sqlalchemy import Connection, func, select, text
from sqlalchemy.sql.selectable import TextualSelect

from jobsuccess import errors
from jobsuccess.engine.facts import merge_activity
from jobsuccess.errors import InputError
from jobsuccess.model import History
from jobsuccess.store.db import Database
from jobsuccess.store.records import ENGINE_ACTIONS, Kind, from_row
from jobsuccess.store.schema import records

#: Largest number of values bound in one ``IN (...)`` list.
IN_CHUNK: Final = 900
#: A batch this large (an import's) gets more sort memory on PostgreSQL.
_LARGE: Final = 10_000
#: Rows read from SQLite at a time when the read is not by freelancer.
_BLOCK_ROWS: Final = 100_000
#: How many conflicts or unknown references an error reports (it says how many more).
REPORTED: Final = 100

#: A batch of log rows: what `append` takes (or builds from dicts).
BATCH_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(),
    "kind": pl.String(),
    "freelancer": pl.String(),
    "contract": pl.String(),
    "client": pl.String(),
    "contract_type": pl.String(),
    "start": pl.Date(),
    "end": pl.Date(),
    "ended_by": pl.String(),
    "end_reason": pl.String(),
    "date": pl.Date(),
    "amount": pl.Float64(),
    "stars": pl.Float64(),
    "recommend": pl.Int16(),
    "outcome": pl.String(),
    "action_type": pl.String(),
    "note": pl.String(),
    "agency": pl.String(),
    "category": pl.String(),
    "until": pl.Date(),
    "cause": pl.String(),
    "note_public": pl.Boolean(),
    "client_feedback": pl.Float64(),
    "digest": pl.String(),
}
_COLUMNS: Final = (*BATCH_SCHEMA, "received_at")
_NAMES: Final = ", ".join(f'"{c}"' for c in _COLUMNS)
_TYPES: Final = {
    "sqlite": {
        pl.Date(): "DATE",
        pl.Float64(): "REAL",
        pl.Int16(): "INTEGER",
        pl.Boolean(): "BOOLEAN",
    },
    "postgresql": {
        pl.Date(): "DATE",
        pl.Float64(): "DOUBLE PRECISION",
        pl.Int16(): "SMALLINT",
        pl.Boolean(): "BOOLEAN",
    },
}
_STAMP: Final = {"sqlite": "TEXT", "postgresql": "TIMESTAMPTZ"}


@dataclass(frozen=True)
class Conflict:
    id: str
    message: str


class ConflictError(errors.Conflict):
    """Records whose ids (or contracts) the ledger already holds with different content."""

    def __init__(self, conflicts: Sequence[Conflict], more: int = 0) -> None:
        self.conflicts = list(conflicts)
        shown = "; ".join(f"record {c.id}: {c.message}" for c in self.conflicts[:5])
        rest = len(self.conflicts) - 5 + more
        super().__init__(
            f"conflicting records, nothing was stored: {shown}"
            + (f" (and {rest} more)" if rest > 0 else "")
        )


class UnknownContractError(InputError):
    """Records about contracts that neither the ledger nor the batch holds."""

    def __init__(self, missing: Sequence[tuple[str, str, str]]) -> None:
        self.missing = list(missing)
        shown = "; ".join(
            f"record {rid}: contract {c!r} of freelancer {f!r} is not in the ledger"
            for rid, f, c in self.missing[:5]
        )
        more = f" (and {len(self.missing) - 5} more)" if len(self.missing) > 5 else ""
        super().__init__(f"unknown contracts, nothing was stored: {shown}{more}")


@dataclass(frozen=True)
class AppendResult:
    received: int
    inserted: int
    duplicates: int


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def as_batch(rows: Sequence[Mapping[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    """Log rows (dicts from `jobsuccess.store.records.to_row`, or a frame of them) as a frame
    of `BATCH_SCHEMA`."""
    if isinstance(rows, pl.DataFrame):
        return rows.select(pl.col(c).cast(t) for c, t in BATCH_SCHEMA.items())
    return pl.DataFrame(
        [tuple(row.get(c) for c in BATCH_SCHEMA) for row in rows],
        schema=BATCH_SCHEMA,
        orient="row",
    )


def append(
    db: Database,
    rows: Sequence[Mapping[str, Any]] | pl.DataFrame,
    *,
    conn: Connection | None = None,
) -> AppendResult:
    """Append log rows in one transaction (see the module doc): a transaction of its own, or
    the caller's write transaction ``conn`` (opened on `Database.write`), so that the rows
    are stored together with the caller's other writes or not at all."""
    batch = as_batch(rows)
    received = batch.height
    batch = _dedupe(batch)
    if batch.is_empty():
        return AppendResult(received, 0, received)
    checked = _checked(batch)
    if conn is None:
        with db.write() as own:
            inserted = _insert(own, db.dialect, batch, checked)
    else:
        inserted = _insert(conn, db.dialect, batch, checked)
    return AppendResult(received, inserted, received - inserted)


def _insert(conn: Connection, dialect: str, batch: pl.DataFrame, checked: pl.Series) -> int:
    if dialect == "sqlite" and bool(checked.all()):
        inserted = _insert_directly(conn, batch)
        if inserted < batch.height:  # duplicates, or a conflict: find which
            _stage(conn, dialect, batch, checked)
            _check_conflicts(conn)
            conn.exec_driver_sql("DELETE FROM incoming_records")
        return inserted
    _stage(conn, dialect, batch, checked)
    _check_contracts(conn)
    if dialect == "postgresql" and batch.height >= _LARGE:
        # an import's batch: sort it by ``ord`` in memory, not in files (this transaction only)
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    inserted = conn.exec_driver_sql(
        f"INSERT INTO records ({_NAMES}) SELECT {_NAMES} FROM incoming_records "
        "WHERE true ORDER BY ord ON CONFLICT DO NOTHING"
    ).rowcount
    if inserted < batch.height:
        _check_conflicts(conn)
    conn.exec_driver_sql("DELETE FROM incoming_records")
    return int(inserted)


def _dedupe(batch: pl.DataFrame) -> pl.DataFrame:
    """The batch without repeats; the same id with two contents is a conflict."""
    if batch.get_column("id").is_unique().all():
        return batch
    twice = (
        batch.group_by("id")
        .agg(pl.col("digest").n_unique().alias("contents"))
        .filter(pl.col("contents") > 1)
        .get_column("id")
        .sort()
    )
    if twice.len():
        shown = twice.head(REPORTED).to_list()
        raise ConflictError(
            [Conflict(rid, "sent twice in this batch with different content") for rid in shown],
            more=twice.len() - len(shown),
        )
    return batch.unique("id", keep="first", maintain_order=True)


def _checked(batch: pl.DataFrame) -> pl.Series:
    """Whether each row needs no look-up of its contract in the ledger: it is about no
    contract, or about one the batch itself brings."""
    key = ["freelancer", "contract"]
    brought = batch.filter(pl.col("kind") == "contract").select(key).unique()
    about = (pl.col("kind") != "contract") & pl.col("contract").is_not_null()
    found = batch.select(key).join(
        brought.with_columns(pl.lit(True).alias("_brought")),
        on=key,
        how="left",
        maintain_order="left",
        nulls_equal=True,
    )
    return (
        batch.select(about.alias("about"))
        .hstack(found.select("_brought"))
        .select((~pl.col("about") | pl.col("_brought").fill_null(False)).alias("checked"))
        .to_series()
    )


def _sqlite_values(
    batch: pl.DataFrame, *leading: pl.Series, columns: Sequence[str] = tuple(BATCH_SCHEMA)
) -> list[tuple[Any, ...]]:
    """The batch's ``columns`` as SQLite parameter rows: dates as the ISO text SQLAlchemy's
    SQLite types store, the arrival time as its timestamp text."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return batch.select(
        *leading,
        *(
            pl.col(c).dt.to_string("%Y-%m-%d") if BATCH_SCHEMA[c] == pl.Date() else pl.col(c)
            for c in columns
        ),
        pl.lit(stamp).alias("received_at"),
    ).rows()


def _runs(batch: pl.DataFrame) -> Iterator[tuple[list[str], pl.DataFrame]]:
    """The batch in runs of consecutive rows of one kind (in batch order), each with the
    columns it sets: a payment binds 8 values, not 25 (an import's batch is a few runs)."""
    run = (pl.col("kind") != pl.col("kind").shift()).fill_null(True).cum_sum().alias("_run")
    runs = batch.with_columns(run).partition_by("_run", maintain_order=True, include_key=False)
    for part in runs:
        nulls = part.null_count().row(0, named=True)
        yield [c for c in BATCH_SCHEMA if nulls[c] < part.height], part


def _insert_directly(conn: Connection, batch: pl.DataFrame) -> int:
    """SQLite, a batch that brings every contract it is about: straight into the log in batch
    order (one ``executemany`` a run of one kind); how many rows went in."""
    raw = conn.connection.dbapi_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        before = raw.total_changes  # type: ignore[union-attr]
        for columns, part in _runs(batch):
            names = ", ".join(f'"{c}"' for c in (*columns, "received_at"))
            marks = ", ".join("?" * (len(columns) + 1))
            cursor.executemany(
                f"INSERT INTO records ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                _sqlite_values(part, columns=columns),
            )
        after = raw.total_changes  # type: ignore[union-attr]
    finally:
        cursor.close()
    return int(after - before)


def _stage(conn: Connection, dialect: str, batch: pl.DataFrame, checked: pl.Series) -> None:
    """Bulk-load ``batch`` (plus its order, whether its contract is known to be there, and its
    arrival time) into ``incoming_records``."""
    types = _TYPES[dialect]
    columns = ", ".join(f'"{c}" {types.get(t, "TEXT")}' for c, t in BATCH_SCHEMA.items())
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_records "
        f"(ord INTEGER NOT NULL, checked INTEGER NOT NULL, {columns}, "
        f"received_at {_STAMP[dialect]})"
    )
    order = pl.int_range(batch.height, dtype=pl.Int64, eager=True).alias("ord")
    flags = checked.cast(pl.Int8).alias("checked")
    if dialect == "sqlite":
        marks = ", ".join("?" * (len(BATCH_SCHEMA) + 3))
        conn.exec_driver_sql(
            f"INSERT INTO incoming_records (ord, checked, {_NAMES}) VALUES ({marks})",
            _sqlite_values(batch, order, flags),
        )
        return
    # PostgreSQL: COPY in CSV, written by polars (quoting, nulls as empty fields, an empty
    # string as "", dates ISO, floats in their shortest exact form)
    now = dt.datetime.now(dt.UTC).isoformat()
    text = batch.select(order, flags, *BATCH_SCHEMA, pl.lit(now).alias("received_at")).write_csv(
        include_header=False
    )
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            f"COPY incoming_records (ord, checked, {_NAMES}) FROM STDIN (FORMAT csv)"
        ) as copy:
            copy.write(text)
    finally:
        cursor.close()


def _check_contracts(conn: Connection) -> None:
    """Records about a contract that neither the ledger nor the batch holds."""
    found = conn.execute(
        text(
            "SELECT s.id, s.freelancer, s.contract FROM incoming_records s "
            "WHERE s.checked = 0 "
            "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.kind = 'contract' "
            "  AND r.freelancer = s.freelancer AND r.contract = s.contract) "
            f"ORDER BY s.ord LIMIT {REPORTED}"
        )
    ).all()
    if found:
        raise UnknownContractError([(r[0], r[1], r[2]) for r in found])


def _check_conflicts(conn: Connection) -> None:
    """After the insert: staged rows stored with other content, or not stored at all (a
    second ``contract`` record for a stored contract). Duplicates are no conflict."""
    found = conn.execute(
        text(
            "SELECT s.id, r.id IS NULL FROM incoming_records s "
            "LEFT JOIN records r ON r.id = s.id "
            f"WHERE r.id IS NULL OR r.digest <> s.digest ORDER BY s.ord LIMIT {REPORTED + 1}"
        )
    ).all()
    if not found:
        return
    conflicts = []
    for record_id, unstored in found[:REPORTED]:
        staged = text("SELECT * FROM incoming_records WHERE id = :id")
        new = dict(conn.execute(staged, {"id": record_id}).mappings().one())
        if unstored:
            other = conn.execute(
                select(records.c.id).where(
                    records.c.kind == "contract",
                    records.c.freelancer == new["freelancer"],
                    records.c.contract == new["contract"],
                )
            ).scalar_one()
            conflicts.append(
                Conflict(
                    record_id,
                    f"contract {new['contract']!r} of freelancer {new['freelancer']!r} is already "
                    f"recorded as record {other}; send later changes as contract_update records",
                )
            )
        else:
            stored = select(records).where(records.c.id == record_id)
            old = dict(conn.execute(stored).mappings().one())
            conflicts.append(
                Conflict(
                    record_id, "already stored with different content: " + _difference(old, new)
                )
            )
    raise ConflictError(conflicts, more=len(found) - len(conflicts))


def _difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    before, after = from_row(old), from_row(_typed(new))
    changed = [
        f"{k} {before.get(k)!r} -> {after.get(k)!r}"
        for k in dict.fromkeys([*before, *after])
        if before.get(k) != after.get(k)
    ]
    return ", ".join(changed) or "same fields, different content"


def _typed(staged: Mapping[str, Any]) -> dict[str, Any]:
    """A staged row with its dates as dates (SQLite hands staged dates back as text)."""
    row = dict(staged)
    for column, dtype in BATCH_SCHEMA.items():
        if dtype == pl.Date() and isinstance(row.get(column), str):
            row[column] = dt.date.fromisoformat(row[column])
    return row


# --- reading ---------------------------------------------------------------------------------

#: What a snapshot reads back: the batch's fields in log order, less the id, digest and
#: note_public (no engine input), with recommend as the engine's Int8.
_LOG_SCHEMA: Final[dict[str, pl.DataType]] = {
    "seq": pl.Int64(),
    **{c: t for c, t in BATCH_SCHEMA.items() if c not in ("id", "digest", "note_public")},
    "recommend": pl.Int8(),
}


#: A contract's facts that a later ``contract_update`` may change (`fold` keeps the last).
_CHANGES: Final = ("end", "ended_by", "end_reason", "client_feedback")
#: What `fold` reads of each kind of record, besides ``seq``: a snapshot's SQLite read fetches
#: only these (a payment has 4 of the log's 21 columns; a cell fetched is a Python object).
FOLDED: Final[dict[Kind, tuple[str, ...]]] = {
    "contract": (
        "freelancer",
        "contract",
        "client",
        "contract_type",
        "start",
        "category",
        "agency",
        *_CHANGES,
    ),
    "contract_update": ("freelancer", "contract", *_CHANGES),
    "payment": ("freelancer", "contract", "date", "amount"),
    "feedback": ("freelancer", "contract", "date", "stars", "recommend"),
    "dispute": ("freelancer", "contract", "date", "outcome"),
    "action": ("freelancer", "action_type", "date", "contract", "client", "note", "until", "cause"),
}


def log_frame(conn: Connection, freelancers: Sequence[str] | None = None) -> pl.DataFrame:
    """The log rows of some freelancers (plus marketplace-wide actions), in log order, with
    the columns `fold` reads (`FOLDED`; the others null on SQLite).

    The bulk read of every snapshot, so it skips SQLAlchemy's per-row work: PostgreSQL sends
    the rows by ``COPY ... TO STDOUT`` in CSV, which polars parses (an empty string is quoted,
    a null is not); SQLite's rows come straight from the driver's cursor, one query per kind
    of record for only the columns `fold` reads of it (dates as ISO text, parsed by polars at
    once), which visits that kind's records only (the index is by freelancer, kind and
    ``seq``): the driver's Python objects are most of the read.
    """
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in _LOG_SCHEMA)
        return _copy_out(conn, names, freelancers).sort("seq")
    dates = [c for c, t in _LOG_SCHEMA.items() if t == pl.Date()]
    text_dates = {c: pl.String() if c in dates else t for c, t in _LOG_SCHEMA.items()}
    frames = [pl.DataFrame(schema=text_dates)]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for kind, folded in FOLDED.items():
            schema = {c: text_dates[c] for c in ("seq", *folded)}
            alone = "" if freelancers is None else " AND freelancer IS NULL"
            frames += _rows_of(cursor, kind, schema, alone, ())
            for part in chunks(sorted(set(freelancers or ()))):
                where = f" AND freelancer IN ({', '.join('?' * len(part))})"
                frames += _rows_of(cursor, kind, schema, where, tuple(part))
    finally:
        cursor.close()
    frame = pl.concat(frames, how="diagonal").select(list(text_dates))
    return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d")).sort("seq")


def _rows_of(
    cursor: Any, kind: str, schema: dict[str, pl.DataType], where: str, params: tuple[Any, ...]
) -> Iterator[pl.DataFrame]:
    """SQLite: the ``schema`` columns of the ``kind`` records matching ``where``, a frame per
    block of rows (the driver's Python tuples never outgrow a block)."""
    names = ", ".join(f'"{c}"' for c in schema)
    cursor.execute(f"SELECT {names} FROM records WHERE kind = ?{where}", (kind, *params))
    while rows := cursor.fetchmany(_BLOCK_ROWS):
        yield pl.DataFrame(rows, schema=schema, orient="row").with_columns(kind=pl.lit(kind))


def _copy_out(conn: Connection, names: str, freelancers: Sequence[str] | None) -> pl.DataFrame:
    """PostgreSQL: the log rows as CSV from ``COPY (SELECT ...) TO STDOUT``, read by polars."""
    where = "" if freelancers is None else " WHERE freelancer IS NULL OR freelancer = ANY(%s)"
    params = () if freelancers is None else (sorted(set(freelancers)),)
    buffer = bytearray()
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            f"COPY (SELECT {names} FROM records{where}) TO STDOUT (FORMAT csv)", params
        ) as copy:
            while block := copy.read():
                buffer += block
    finally:
        cursor.close()
    if not buffer:
        return pl.DataFrame(schema=_LOG_SCHEMA)
    return pl.read_csv(
        io.BytesIO(buffer), has_header=False, schema=_LOG_SCHEMA, try_parse_dates=False
    )


def fold(log: pl.DataFrame) -> History:
    """The history a log describes (vectorised; see the module doc of `records` for kinds);
    it reads the columns `FOLDED` names."""
    of = log.partition_by("kind", as_dict=True)

    def kind(name: Kind) -> pl.DataFrame:
        return of.get((name,), log.clear()).select(FOLDED[name])

    contracts = kind("contract")
    changes = (
        log.filter(pl.col("kind").is_in(["contract", "contract_update"]))
        .sort("seq")
        .group_by("freelancer", "contract", maintain_order=True)
        .agg(pl.col(c).drop_nulls().last() for c in _CHANGES)
    )
    contracts_frame = (
        contracts.drop(_CHANGES)
        .join(changes, on=["freelancer", "contract"], how="left")
        .rename({"contract": "id", "contract_type": "type"})
    )
    actions = kind("action").filter(pl.col("action_type").is_in(sorted(ENGINE_ACTIONS)))
    return History.from_frames(
        contracts=contracts_frame,
        payments=kind("payment"),
        feedback=kind("feedback"),
        disputes=kind("dispute").rename({"date": "opened"}),
        actions=actions.rename({"action_type": "type"}),
    )


def history(db: Database, freelancers: Sequence[str] | None = None) -> History:
    """Fold the ledger (or the part about ``freelancers``) into the engine's `History`."""
    with db.read() as conn:
        return fold(log_frame(conn, freelancers))


def client_activity(db: Database, clients: Iterable[str] | None = None) -> pl.DataFrame:
    """`jobsuccess.engine.facts.client_activity` of the whole ledger, in SQL: each client's
    days of activity (a contract started, a positive payment to anyone), for a snapshot that
    scores the ledger in partitions under a policy with ``vanished_client`` on (a client is
    vanished from the marketplace, not from one partition); with ``clients``, theirs only
    (what one freelancer's explanation needs: the activity of their clients)."""
    rows: list[Any] = []
    with db.read() as conn:
        if clients is None:
            rows += conn.execute(_activity("", db.dialect)).all()
        for part in chunks(sorted(set(clients or ()))):
            names = {f"c{i}": client for i, client in enumerate(part)}
            marks = ", ".join(f":{n}" for n in names)
            rows += conn.execute(_activity(f" AND c.client IN ({marks})", db.dialect), names).all()
    frame = pl.DataFrame(rows, schema={"client": pl.String(), "date": pl.Date()}, orient="row")
    return merge_activity([frame])


def _activity(among: str, dialect: str) -> TextualSelect:
    """The activity query (a contract's start, its positive payments) of the contract
    records ``c`` that ``among`` (an ``AND ...`` condition) keeps. The whole ledger: every
    payment, its contract looked up. Some clients: their contracts first (migration 0009's
    index), then each one's payments through the per-freelancer index; SQLite keeps the order
    of a ``CROSS JOIN`` (its planner would scan every record for payments)."""
    pairs = "records p JOIN records c"
    if among:
        pairs = f"records c {'CROSS JOIN' if dialect == 'sqlite' else 'JOIN'} records p"
    return text(
        f"SELECT c.client, c.start AS date FROM records c WHERE c.kind = 'contract'{among} "
        f"UNION SELECT c.client, p.date FROM {pairs} "
        "ON p.freelancer = c.freelancer AND p.kind = 'payment' AND p.contract = c.contract "
        f"WHERE c.kind = 'contract' AND p.amount > 0{among}"
    ).columns(records.c.client, records.c.date)


def freelancers(db: Database) -> list[str]:
    """Every freelancer with a contract in the ledger, sorted."""
    with db.read() as conn:
        query = text(f"SELECT DISTINCT freelancer FROM {_contracts(db)} WHERE kind = 'contract'")
        return sorted(conn.execute(query).scalars())


def freelancer_count(db: Database) -> int:
    """How many freelancers have a contract in the ledger (``serve`` says so at start)."""
    with db.read() as conn:
        query = f"SELECT count(DISTINCT freelancer) FROM {_contracts(db)} WHERE kind = 'contract'"
        return int(conn.execute(text(query)).scalar_one())


def _contracts(db: Database) -> str:
    """The table to read the contract records from: on SQLite through their partial index,
    named, since its planner prefers the per-freelancer index of every record (it covers the
    query too, but is six times larger: 0.45 s against 0.15 s to list 100,000 freelancers)."""
    return "records INDEXED BY uq_records_contract" if db.dialect == "sqlite" else "records"


def agencies(db: Database) -> dict[str, list[str]]:
    """Every agency with a contract in the ledger (sorted) and its freelancers (sorted)."""
    with db.read() as conn:
        query = (
            select(records.c.agency, records.c.freelancer)
            .where(records.c.kind == "contract", records.c.agency.is_not(None))
            .distinct()
            .order_by(records.c.agency, records.c.freelancer)
        )
        out: dict[str, list[str]] = {}
        for agency, freelancer in conn.execute(query):
            out.setdefault(agency, []).append(freelancer)
        return out


def count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def records_of(
    db: Database,
    freelancer: str,
    *,
    after: int = 0,
    limit: int = 1000,
    private: bool = True,
) -> list[tuple[int, int, dict[str, Any]]]:
    """A freelancer's records in log order after the first ``after`` of them:
    (position, seq, record), position counting from 1 among this freelancer's records.

    Positions are the freelancer's own cursor: the global ``seq`` would tell a freelancer how
    many records everyone else received in between, so only operators are shown it.
    """
    query = (
        select(records)
        .where(records.c.freelancer == freelancer)
        .order_by(records.c.seq)
        .offset(after)
        .limit(limit)
    )
    with db.read() as conn:
        return [
            (after + i + 1, row["seq"], from_row(dict(row), private=private))
            for i, row in enumerate(conn.execute(query).mappings())
        ]


def exists(
    db: Database,
    *,
    freelancer: str,
    contract: str | None = None,
    kinds: Iterable[str] = ("contract",),
) -> bool:
    """Whether the ledger holds a record of ``kinds`` about a freelancer (and contract)."""
    conditions = [records.c.freelancer == freelancer, records.c.kind.in_(list(kinds))]
    if contract is not None:
        conditions.append(records.c.contract == contract)
    with db.read() as conn:
        return conn.execute(select(records.c.seq).where(*conditions).limit(1)).first() is not None


__all__ = [
    "FOLDED",
    "AppendResult",
    "Conflict",
    "ConflictError",
    "UnknownContractError",
    "agencies",
    "append",
    "client_activity",
    "count",
    "exists",
    "find_freelancers",
    "fold",
    "freelancers",
    "history",
    "log_frame",
    "recent_actions",
    "records_of",
]


def find_freelancers(db: Database, text: str, *, limit: int = 20) -> list[str]:
    """Freelancers whose id starts with ``text`` (sorted, at most ``limit``): the console's
    search box. On SQLite an index range read: its text order is the code points' order, so
    every id that starts with ``text`` lies from ``text`` up to `_past` it (elsewhere a
    collation may order them otherwise, and the planner reads ``LIKE`` alone)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions = [
        records.c.kind == "contract",
        records.c.freelancer.like(f"{escaped}%", escape="\\"),
    ]
    if db.dialect == "sqlite":
        conditions.append(records.c.freelancer >= text)
        if (bound := _past(text)) is not None:
            conditions.append(records.c.freelancer < bound)
    query = (
        select(records.c.freelancer)
        .where(*conditions)
        .distinct()
        .order_by(records.c.freelancer)
        .limit(limit)
    )
    with db.read() as conn:
        return list(conn.execute(query).scalars())


def _past(prefix: str) -> str | None:
    """The least text above every text that starts with ``prefix`` in code point order (None:
    there is none, the prefix being empty or all U+10FFFF)."""
    for i in range(len(prefix) - 1, -1, -1):
        point = ord(prefix[i]) + 1
        if point == 0xD800:  # surrogates are no text: the next code point is U+E000
            point = 0xE000
        if point <= 0x10FFFF:
            return prefix[:i] + chr(point)
    return None


def recent_actions(db: Database, *, limit: int = 200) -> list[tuple[int, dict[str, Any]]]:
    """The newest operator action records of the whole ledger, newest first: (seq, record)."""
    query = select(records).where(records.c.kind == "action").order_by(records.c.seq.desc())
    with db.read() as conn:
        return [
            (row["seq"], from_row(dict(row), private=True))
            for row in conn.execute(query.limit(limit)).mappings()
        ]
