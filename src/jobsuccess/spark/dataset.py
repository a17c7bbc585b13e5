"""The partitioned dataset: a marketplace's five tables bucketed by a stable hash of the
freelancer id, each bucket a table folder that holds everything its freelancers need.

Layout (``jobsuccess partition MARKET --out DATASET --buckets N``)::

    DATASET/_dataset.json             {"format": "jobsuccess-dataset", "buckets": N, ...}
    DATASET/bucket-00000/contracts.parquet, payments, feedback, disputes, actions
    ...
    DATASET/bucket-{N-1:05d}/...

A freelancer's bucket is ``crc32(id as UTF-8) mod N``: the same on every machine, Python and
library version (unlike a hash seeded per process or an engine's own). A marketplace-wide
action (``actions.freelancer`` null: a client flagged everywhere) is copied into every bucket.
A bucket with no freelancer is written too, with empty tables, so that the folder always
holds N buckets. Each bucket is an ordinary table folder: `jobsuccess.io.load` reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.model import TABLES, History, empty

if TYPE_CHECKING:
    from jobsuccess.spark.stream import Held

MANIFEST: Final = "_dataset.json"
FORMAT: Final = "jobsuccess-dataset"
HASH: Final = "crc32(freelancer id as UTF-8) mod buckets"
MAX_BUCKETS: Final = 100_000


def bucket_name(bucket: int) -> str:
    return f"bucket-{bucket:05d}"


def bucket_of(freelancer: str, buckets: int) -> int:
    """The bucket of one freelancer id (see the module's docstring)."""
    return zlib.crc32(freelancer.encode("utf-8")) % buckets


def buckets_of(freelancers: pl.Series, buckets: int) -> pl.Series:
    """`bucket_of` each id of a column (each distinct id hashed once; a missing id: 0)."""
    ids = freelancers.cast(pl.String)
    distinct = ids.drop_nulls().unique()
    codes = pl.Series([bucket_of(f, buckets) for f in distinct.to_list()], dtype=pl.Int64())
    return ids.replace_strict(distinct, codes, default=0, return_dtype=pl.Int64()).alias("bucket")


def split(history: History, buckets: int) -> Iterator[tuple[int, History]]:
    """Every bucket's sub-history, bucket 0 first, empty buckets included."""
    ids = pl.concat(
        [history.contracts.get_column("freelancer"), history.actions.get_column("freelancer")]
    ).drop_nulls()
    ids = ids.unique().sort()
    assignment = pl.DataFrame({"freelancer": ids, "bucket": buckets_of(ids, buckets)})
    parts: dict[str, dict[int, pl.DataFrame]] = {}
    for name, frame in history.frames():
        keyed = frame.filter(pl.col("freelancer").is_not_null()).join(
            assignment, on="freelancer", how="left"
        )
        parts[name] = {
            int(str(key[0])): part.drop("bucket")
            for key, part in keyed.partition_by("bucket", as_dict=True).items()
        }
    everywhere = history.actions.filter(pl.col("freelancer").is_null())
    for b in range(buckets):
        frames = {name: parts[name].get(b, empty(name)) for name in TABLES}
        frames["actions"] = pl.concat([frames["actions"], everywhere])
        yield b, History.from_frames(**frames)


def partition(history: History, folder: Path, buckets: int) -> dict[str, Any]:
    """Write ``history`` as a dataset of ``buckets`` buckets at ``folder`` (replacing a
    previous dataset there whole; refusing a folder that holds anything else). Returns the
    manifest."""
    _check_target(folder, buckets)
    return _write(folder, buckets, split(history, buckets))


def partition_folder(
    market: Path,
    folder: Path,
    buckets: int,
    *,
    batch_rows: int | None = None,
    group_contracts: int | None = None,
    held: Held | None = None,
) -> dict[str, Any]:
    """`partition` of the table folder ``market``, read in batches: memory bounded by a
    batch, a group and a bucket, never the marketplace (`jobsuccess.spark.stream`). The
    same dataset as partitioning the loaded folder."""
    from jobsuccess.spark import stream

    _check_target(folder, buckets)
    with tempfile.TemporaryDirectory(
        dir=folder.parent, prefix=f".{folder.name}.", suffix=".stage"
    ) as stage:
        parts = stream.stream_buckets(
            market,
            Path(stage),
            buckets,
            batch_rows=batch_rows or stream.BATCH_ROWS,
            group_contracts=group_contracts or stream.GROUP_CONTRACTS,
            held=held,
        )
        return _write(folder, buckets, parts)


def _check_target(folder: Path, buckets: int) -> None:
    if not 1 <= buckets <= MAX_BUCKETS:
        raise InputError(f"expected 1 to {MAX_BUCKETS:,} buckets, got {buckets}", field="--buckets")
    if folder.exists():
        if not folder.is_dir():
            raise InputError("exists and is not a folder", file=str(folder))
        if any(folder.iterdir()) and not (folder / MANIFEST).is_file():
            raise InputError(
                "holds other files and is not a dataset; write to a new or empty folder",
                file=str(folder),
            )
    folder.parent.mkdir(parents=True, exist_ok=True)


def _write(folder: Path, buckets: int, parts: Iterable[tuple[int, History]]) -> dict[str, Any]:
    """Write each bucket's history, then the manifest, and move the whole into place."""
    from jobsuccess.io import write_tables
    from jobsuccess.io.atomic import umask_mode

    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        sizes, freelancers = [], 0
        for b, part in parts:
            try:
                write_tables(part, tmp / bucket_name(b))
            except ValueError as exc:  # contract ids not unique across freelancers
                raise InputError(str(exc)) from None
            sizes.append(part.contracts.height)
            freelancers += len(part.freelancers)
        manifest = {
            "format": FORMAT,
            "version": 1,
            "buckets": buckets,
            "hash": HASH,
            "freelancers": freelancers,
            "contracts": sum(sizes),
            "contracts_per_bucket": {"min": min(sizes), "max": max(sizes)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, umask_mode(folder=True))
        if folder.exists():
            old = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.old"
            os.rename(folder, old)
            os.rename(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest


@dataclass(frozen=True)
class Dataset:
    """A partitioned dataset on disk (its manifest read and checked)."""

    folder: Path
    buckets: int
    freelancers: int
    contracts: int

    @classmethod
    def open(cls, folder: Path) -> Dataset:
        """Raises `InputError` (one line) unless ``folder`` is a dataset `partition` wrote."""
        where = str(folder)
        if not folder.exists():
            raise InputError("no such dataset folder", file=where)
        manifest = folder / MANIFEST
        if not folder.is_dir() or not manifest.is_file():
            raise InputError(
                f"not a partitioned dataset (no {MANIFEST}); write one with "
                "jobsuccess partition MARKET --out DATASET --buckets N",
                file=where,
            )
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("hash") != HASH:
                raise ValueError("unknown format or hash")
            buckets = int(data["buckets"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"unreadable {MANIFEST}: {exc}", file=where) from None
        missing = [b for b in range(buckets) if not (folder / bucket_name(b)).is_dir()]
        if missing:
            raise InputError(
                f"{len(missing)} of {buckets} buckets missing ({bucket_name(missing[0])})",
                file=where,
            )
        return cls(folder.resolve(), buckets, int(data["freelancers"]), int(data["contracts"]))

    def path(self, bucket: int) -> Path:
        return self.folder / bucket_name(bucket)

    def load(self, bucket: int) -> History:
        from jobsuccess.io import load

        return load(self.path(bucket))

    def client_activity(self) -> pl.DataFrame:
        """The marketplace's client activity (`jobsuccess.engine.facts.client_activity` of
        the whole), from every bucket in turn: one bucket in memory at a time."""
        from jobsuccess.engine.facts import client_activity, merge_activity

        return merge_activity(client_activity(self.load(b)) for b in range(self.buckets))

    def load_all(self, freelancers: list[str] | None = None) -> History:
        """The whole marketplace (``freelancers``: only theirs, reading only their buckets)."""
        wanted = (
            range(self.buckets)
            if freelancers is None
            else sorted({bucket_of(f, self.buckets) for f in freelancers})
        )
        parts = [self.load(b) for b in wanted]
        if not parts:
            return History.empty()
        everywhere = parts[0].actions.filter(pl.col("freelancer").is_null())
        frames = {
            name: pl.concat(
                [
                    getattr(p, name).filter(pl.col("freelancer").is_not_null())
                    if name == "actions"
                    else getattr(p, name)
                    for p in parts
                ]
            )
            for name in TABLES
        }
        frames["actions"] = pl.concat([frames["actions"], everywhere])
        history = History.from_frames(**frames)
        return history if freelancers is None else history.only(freelancers)


def is_dataset(path: Path) -> bool:
    return (path / MANIFEST).is_file()
