"""The ledger: appending records (all or nothing, idempotent by id) and folding them back.

Appending a batch is one transaction, done in SQL over a staging table so that a batch of one
record (the API) and of a hundred thousand (the importer) take the same path:

1. the batch itself is checked: the same id twice with different content is a conflict, the
   same record twice is sent once;
2. the rows are bulk-loaded into ``incoming_records``, a temporary table private to the
   connection (``executemany`` on SQLite, ``COPY`` on PostgreSQL);
3. every record about a contract must name a contract the batch brings (checked while
   staging) or the ledger holds (one anti-join), else `UnknownContractError`;
4. ``INSERT INTO records SELECT ... ON CONFLICT DO NOTHING`` in batch order; if fewer rows went
   in than were staged, one join finds why: an id stored with another digest, or a second
   ``contract`` record for a stored contract. Equal content is a duplicate (a no-op); any
   difference raises `ConflictError` naming the ids, and the whole batch rolls back.

This is safe under concurrency on both backends: PostgreSQL makes a second inserter of an id
wait for the first transaction and then skip the row, after which the comparison sees the
committed row; SQLite serialises writers (``BEGIN IMMEDIATE``, see `jobsuccess.store.db`).

Folding (`history`) is one indexed query per group of freelancers and a vectorised polars
build of the five history frames, so a snapshot can fold and score the ledger partition by
partition without loading it whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from sqlalchemy import Connection, func, select, text

from jobsuccess.errors import InputError
from jobsuccess.model import History
from jobsuccess.store.db import Database
from jobsuccess.store.records import ENGINE_ACTIONS, from_row
from jobsuccess.store.schema import records

#: Largest number of values bound in one ``IN (...)`` list.
IN_CHUNK: Final = 900
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


class ConflictError(InputError):
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


Row = tuple[Any, ...]
_ID, _KIND, _FREELANCER, _CONTRACT, _DIGEST = (
    list(BATCH_SCHEMA).index(c) for c in ("id", "kind", "freelancer", "contract", "digest")
)
_DATES: Final = frozenset(i for i, t in enumerate(BATCH_SCHEMA.values()) if t == pl.Date())


def as_batch(rows: Sequence[Mapping[str, Any]] | pl.DataFrame) -> list[Row]:
    """Log rows (dicts from `jobsuccess.store.records.to_row`, or a frame of them) as tuples
    in `BATCH_SCHEMA` order."""
    if isinstance(rows, pl.DataFrame):
        return list(rows.select(pl.col(c).cast(t) for c, t in BATCH_SCHEMA.items()).iter_rows())
    return [tuple(row.get(c) for c in BATCH_SCHEMA) for row in rows]


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
    received = len(batch)
    batch = _dedupe(batch)
    if not batch:
        return AppendResult(received, 0, received)
    if conn is None:
        with db.write() as own:
            inserted = _insert(own, db.dialect, batch)
    else:
        inserted = _insert(conn, db.dialect, batch)
    return AppendResult(received, inserted, received - inserted)


def _insert(conn: Connection, dialect: str, batch: list[Row]) -> int:
    _stage(conn, dialect, batch)
    _check_contracts(conn)
    inserted = conn.exec_driver_sql(
        f"INSERT INTO records ({_NAMES}) SELECT {_NAMES} FROM incoming_records "
        "WHERE true ORDER BY ord ON CONFLICT DO NOTHING"
    ).rowcount
    if inserted < len(batch):
        _check_conflicts(conn)
    conn.exec_driver_sql("DELETE FROM incoming_records")
    return int(inserted)


def _dedupe(batch: list[Row]) -> list[Row]:
    """The batch without repeats; the same id with two contents is a conflict."""
    first: dict[str, Row] = {}
    twice: set[str] = set()
    for row in batch:
        seen = first.setdefault(row[_ID], row)
        if seen[_DIGEST] != row[_DIGEST]:
            twice.add(row[_ID])
    if twice:
        shown = sorted(twice)[:REPORTED]
        raise ConflictError(
            [Conflict(rid, "sent twice in this batch with different content") for rid in shown],
            more=len(twice) - len(shown),
        )
    return list(first.values())


def _stage(conn: Connection, dialect: str, batch: list[Row]) -> None:
    """Bulk-load ``batch`` (plus its order, whether its contract is known to be there, and its
    arrival time) into ``incoming_records``."""
    types = _TYPES[dialect]
    columns = ", ".join(f'"{c}" {types.get(t, "TEXT")}' for c, t in BATCH_SCHEMA.items())
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_records "
        f"(ord INTEGER NOT NULL, checked INTEGER NOT NULL, {columns}, "
        f"received_at {_STAMP[dialect]})"
    )
    # records about a contract the batch itself brings need no look-up in the ledger
    brought = {(r[_FREELANCER], r[_CONTRACT]) for r in batch if r[_KIND] == "contract"}

    def checked(row: Row) -> int:
        about = row[_KIND] != "contract" and row[_CONTRACT] is not None
        return int(not about or (row[_FREELANCER], row[_CONTRACT]) in brought)

    now = dt.datetime.now(dt.UTC)
    if dialect == "sqlite":  # the text forms SQLAlchemy's SQLite types store
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        values = [
            (n, checked(row), *(v.isoformat() if i in _DATES and v is not None else v
                                for i, v in enumerate(row)), stamp)
            for n, row in enumerate(batch)
        ]  # fmt: skip
        marks = ", ".join("?" * (len(BATCH_SCHEMA) + 3))
        conn.exec_driver_sql(
            f"INSERT INTO incoming_records (ord, checked, {_NAMES}) VALUES ({marks})", values
        )
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY incoming_records (ord, checked, {_NAMES}) FROM STDIN") as copy:
            for n, row in enumerate(batch):
                copy.write_row((n, checked(row), *row, now))
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


def log_frame(conn: Connection, freelancers: Sequence[str] | None = None) -> pl.DataFrame:
    """The log rows of some freelancers (plus marketplace-wide actions), in log order.

    Read through the driver, without SQLAlchemy's per-value conversions: this is the bulk
    read of every snapshot. SQLite hands dates back as ISO text; polars parses them at once.
    """
    names = ", ".join(f'"{c}"' for c in _LOG_SCHEMA)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if freelancers is None:
        rows = list(conn.exec_driver_sql(f"SELECT {names} FROM records"))
    else:
        rows = list(conn.exec_driver_sql(f"SELECT {names} FROM records WHERE freelancer IS NULL"))
        for part in chunks(sorted(set(freelancers))):
            marks = ", ".join([mark] * len(part))
            rows += conn.exec_driver_sql(
                f"SELECT {names} FROM records WHERE freelancer IN ({marks})", tuple(part)
            ).fetchall()
    if conn.dialect.name != "sqlite":
        return pl.DataFrame(rows, schema=_LOG_SCHEMA, orient="row").sort("seq")
    dates = [c for c, t in _LOG_SCHEMA.items() if t == pl.Date()]
    text_dates = {c: pl.String() if c in dates else t for c, t in _LOG_SCHEMA.items()}
    frame = pl.DataFrame(rows, schema=text_dates, orient="row")
    return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d")).sort("seq")


def fold(log: pl.DataFrame) -> History:
    """The history a log describes (vectorised; see the module doc of `records` for kinds)."""
    of = log.partition_by("kind", as_dict=True)

    def kind(name: str) -> pl.DataFrame:
        return of.get((name,), log.clear())

    contracts = kind("contract")
    changes = (
        pl.concat([contracts, kind("contract_update")])
        .sort("seq")
        .group_by("freelancer", "contract", maintain_order=True)
        .agg(
            pl.col(c).drop_nulls().last()
            for c in ("end", "ended_by", "end_reason", "client_feedback")
        )
    )
    contracts_frame = (
        contracts.select(
            "freelancer", "contract", "client", "contract_type", "start", "category", "agency"
        )
        .join(changes, on=["freelancer", "contract"], how="left")
        .rename({"contract": "id", "contract_type": "type"})
    )
    actions = kind("action").filter(pl.col("action_type").is_in(sorted(ENGINE_ACTIONS)))
    return History.from_frames(
        contracts=contracts_frame,
        payments=kind("payment").select("freelancer", "contract", "date", "amount"),
        feedback=kind("feedback").select("freelancer", "contract", "date", "stars", "recommend"),
        disputes=kind("dispute").select(
            "freelancer", "contract", pl.col("date").alias("opened"), "outcome"
        ),
        actions=actions.select(
            "freelancer",
            pl.col("action_type").alias("type"),
            "date",
            "contract",
            "client",
            "note",
            "until",
            "cause",
        ),
    )


def history(db: Database, freelancers: Sequence[str] | None = None) -> History:
    """Fold the ledger (or the part about ``freelancers``) into the engine's `History`."""
    with db.read() as conn:
        return fold(log_frame(conn, freelancers))


def freelancers(db: Database) -> list[str]:
    """Every freelancer with a contract in the ledger, sorted."""
    with db.read() as conn:
        query = select(records.c.freelancer).where(records.c.kind == "contract").distinct()
        return sorted(conn.execute(query).scalars())


def freelancer_count(db: Database) -> int:
    """How many freelancers have a contract in the ledger (``serve`` says so at start)."""
    with db.read() as conn:
        query = select(func.count(func.distinct(records.c.freelancer))).where(
            records.c.kind == "contract"
        )
        return int(conn.execute(query).scalar_one())


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
    "AppendResult",
    "Conflict",
    "ConflictError",
    "UnknownContractError",
    "agencies",
    "append",
    "count",
    "exists",
    "fold",
    "freelancers",
    "history",
    "log_frame",
    "records_of",
]
