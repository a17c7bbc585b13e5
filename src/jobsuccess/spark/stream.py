"""Partitioning a folder of tables batch by batch (its peak memory still grows, slowly).

`jobsuccess partition` on a table folder never holds a whole table: it holds one batch of
rows, one group, or one bucket at a time, in three passes over staged Arrow files (written with
`pyarrow.dataset.write_dataset` as Arrow files, one per key and pass, open across batches):

1. **contracts**, batch by batch: each row's bucket (`bucket_of` its freelancer), the row
   staged under its bucket, and ``(id, bucket)`` staged under a group: a hash of the id mod
   G, G = contracts / ``group_contracts``.
2. **payments, feedback, disputes, and the actions that name a contract**, batch by batch,
   staged under the group of the contract they name; then group by group, joined with that
   group's contract ids (a grace hash join: no step holds every id), each row staged under
   its contract's bucket. A row naming no known contract goes to bucket 0, whose validation
   reports it. Actions naming no contract go to their freelancer's bucket, or, naming no
   freelancer either (marketplace-wide), are kept to go into every bucket.
3. **bucket by bucket**: its staged rows, in input order and with their input row numbers,
   through the one validation layer (`jobsuccess.io.checks.validate`: errors name the input
   file, row and field), out as the bucket's `History`.

The buckets are the ones `jobsuccess.spark.dataset.split` makes of the loaded marketplace
(tests/test_partition_stream.py: the same files, byte for byte). One check spans buckets and
is made in pass 2: a contract id used twice (``duplicate contract id ... in this folder``).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads

from jobsuccess.errors import InputError
from jobsuccess.io.checks import Raw, validate
from jobsuccess.io.fields import ROW
from jobsuccess.io.tables import scan_table, table_files, unreadable
from jobsuccess.model import History

#: Rows read from a table file at a time.
BATCH_ROWS: Final = 1_000_000
#: Contracts per group of the join in pass 2 (a group's ids and rows are held at once).
GROUP_CONTRACTS: Final = 1_000_000
_KEY: Final = "__key"
_BUCKET: Final = "__bucket"
_CHILDREN: Final[tuple[str, ...]] = ("payments", "feedback", "disputes")
_HASH_SEED: Final = 0x5EED


@dataclass
class Held:
    """The most rows any step held in one frame: what bounds the memory of a partition."""

    rows: int = 0

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        self.rows = max(self.rows, frame.height)
        return frame


def stream_buckets(
    market: Path,
    stage: Path,
    buckets: int,
    *,
    batch_rows: int = BATCH_ROWS,
    group_contracts: int = GROUP_CONTRACTS,
    held: Held | None = None,
) -> Iterator[tuple[int, History]]:
    """Every bucket's validated sub-history of the table folder ``market``, bucket 0 first,
    empty buckets included, staging under the empty folder ``stage`` (see the module)."""
    seen = held or Held()
    files = table_files(market)
    schemas = {t: _schema(p) for t, p in files.items()}
    # Schema-level errors (unknown or missing columns, wrong column types) before any pass.
    validate(
        {t: Raw(_empty(s), str(files[t])) for t, s in schemas.items()}, ids_per_freelancer=False
    )
    groups = max(1, math.ceil(_count(files["contracts"]) / max(group_contracts, 1)))
    read = _Reader(files, batch_rows, seen)
    joined: list[str] = [t for t in (*_CHILDREN, "actions") if t in files]

    # Pass 1: contracts by bucket; their (id, bucket) by group.
    _stage(
        (b.with_columns(_bucket_key(b, buckets)) for b in read("contracts")), stage / "contracts"
    )
    _stage(
        (
            b.select("id", ROW, _bucket_key(b, buckets).alias(_BUCKET), _group(groups, "id"))
            for b in read("contracts", "freelancer", "id")
        ),
        stage / "ids",
    )
    # Pass 2: the rows naming a contract by group, then by their contract's bucket.
    for table in joined:
        names = _given("contract") if table == "actions" else pl.lit(True)
        _stage(
            (b.filter(names).with_columns(_group(groups, "contract")) for b in read(table)),
            stage / f"{table}.by-group",
        )
    for g in range(groups):
        known = seen(_read(stage / "ids", g))
        _refuse_duplicate_ids(known, str(files["contracts"]))
        owners = known.select(pl.col("id").cast(pl.String).alias("__contract"), _BUCKET)
        for table in joined:
            rows = seen(_read(stage / f"{table}.by-group", g))
            if rows.height:
                found = rows.with_columns(_text("contract").alias("__contract")).join(
                    owners, on="__contract", how="left", maintain_order="none"
                )  # any order: pass 3 puts rows back in input order
                keyed = found.with_columns(pl.col(_BUCKET).fill_null(0).alias(_KEY))
                _stage(iter([keyed.drop("__contract", _BUCKET)]), stage / table, f"g{g}")
    for table in joined:  # staged twice at most: the disk holds a table twice, not thrice
        shutil.rmtree(stage / f"{table}.by-group", ignore_errors=True)
    # Actions naming no contract: their freelancer's bucket, or (no freelancer) every bucket.
    marketwide: list[pl.DataFrame] = []
    if "actions" in files:
        unnamed = (b.filter(~_given("contract")) for b in read("actions"))

        def own() -> Iterator[pl.DataFrame]:
            for batch in unnamed:
                marketwide.append(batch.filter(~_given("freelancer")))
                mine = batch.filter(_given("freelancer"))
                yield mine.with_columns(_bucket_key(mine, buckets))

        _stage(own(), stage / "actions", "own")
    everywhere = pl.concat(marketwide) if marketwide else None

    # Pass 3: bucket by bucket, validated as the loader validates a folder.
    for b in range(buckets):
        raws: dict[str, Raw] = {}
        for table, path in files.items():
            frame = _read(stage / table, b, schemas[table])
            shutil.rmtree(stage / table / str(b), ignore_errors=True)  # the disk, as it goes
            if table == "actions" and everywhere is not None:
                frame = pl.concat([frame, everywhere])
            raws[table] = Raw(seen(frame.sort(ROW)), str(path))
        yield b, validate(raws, ids_per_freelancer=False)


@dataclass(frozen=True)
class _Reader:
    """Reads a table file in batches of rows, with their row numbers."""

    files: Mapping[str, Path]
    rows: int
    seen: Held

    def __call__(self, table: str, *columns: str) -> Iterator[pl.DataFrame]:
        path = self.files[table]
        lazy = scan_table(path)
        if columns:
            lazy = lazy.select(columns)
        batches = lazy.with_row_index(ROW).collect_batches(
            chunk_size=max(self.rows, 1), maintain_order=True
        )
        try:
            for batch in batches:
                yield self.seen(batch)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise unreadable(path, exc) from None


def _bucket_key(frame: pl.DataFrame, buckets: int) -> pl.Series:
    from jobsuccess.spark.dataset import buckets_of

    return buckets_of(frame.get_column("freelancer"), buckets).cast(pl.Int32).alias(_KEY)


def _group(groups: int, column: str) -> pl.Expr:
    """A row's group in the join: a hash of the contract id (within this run only)."""
    return (_text(column).hash(_HASH_SEED) % groups).cast(pl.Int32).alias(_KEY)


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _given(column: str) -> pl.Expr:
    """Present, as the checks read a field (CSV's empty text is no value)."""
    return _text(column).fill_null("") != ""


def _empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema).with_row_index(ROW)


def _schema(path: Path) -> pl.Schema:
    try:
        return scan_table(path).collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, exc) from None


def _count(path: Path) -> int:
    try:
        return int(scan_table(path).select(pl.len()).collect().item())
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, exc) from None


def _stage(batches: Iterator[pl.DataFrame], folder: Path, name: str = "part") -> None:
    """Write the batches under ``folder/<key>/``, one file per key (and call)."""
    first = next(batches, None)
    if first is None:
        return
    schema = first.to_arrow().schema

    def arrow() -> Iterator[pa.RecordBatch]:
        yield from first.to_arrow().to_batches()
        for frame in batches:
            yield from frame.to_arrow().cast(schema).to_batches()

    pads.write_dataset(
        arrow(),
        folder,
        schema=schema,
        format="ipc",  # uncompressed Arrow: staging is written once and read once, soon
        partitioning=pads.partitioning(pa.schema([(_KEY, pa.int32())])),
        basename_template=f"{name}-{{i}}.arrow",
        existing_data_behavior="overwrite_or_ignore",
    )


def _read(folder: Path, key: int, schema: pl.Schema | None = None) -> pl.DataFrame:
    """What `_stage` wrote under ``key`` (empty, of ``schema`` plus row numbers, if none)."""
    files = sorted((folder / str(key)).glob("*.arrow"))
    if files:
        return pl.scan_ipc(files).collect()
    if schema is None:
        return pl.DataFrame(schema={"id": pl.String(), ROW: pl.UInt32(), _BUCKET: pl.Int32()})
    return _empty(schema)


def _refuse_duplicate_ids(known: pl.DataFrame, file: str) -> None:
    """A contract id used twice in the folder (two freelancers' contracts in two buckets
    meet here, in their group), worded as the loader words it."""
    ids = known.get_column("id")
    if ids.hash().n_unique() == ids.len():  # distinct hashes prove distinct ids, cheaply
        return
    later = known.sort(ROW).filter(_given("id") & ~pl.col("id").is_first_distinct())
    if later.height == 0:
        return
    row = later.row(0, named=True)
    raise InputError(
        f"duplicate contract id {row['id']!r} in this folder",
        file=file,
        record=f"{row[ROW] + 1} (contract {row['id']})",
        field="id",
    )
