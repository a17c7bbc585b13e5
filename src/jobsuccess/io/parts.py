"""Reading a history in parts: memory bounded by a part, whatever the size of the input.

`Parts` reads a JSON file, a table folder (CSV or Parquet) or a partitioned dataset in
batches and deals its rows into parts on disk (a temporary folder), each holding everything
about some freelancers. Then it checks every part with the one validation layer
(`jobsuccess.io.checks.validate`, the same rules and wording as `jobsuccess.io.load`) before
handing out a single one: bad input anywhere is an `InputError` before the caller has done
anything with the rest. Every rule of the format is about one freelancer or one contract,
so dealing by freelancer keeps each rule inside one part:

* tables: a contract goes to the part of its freelancer (a hash of the id), a payment,
  feedback, dispute or action about a contract to its contract's part (the contract ids are
  held, with their part, while the other tables are dealt: about 20 bytes a contract), any
  other action to its freelancer's part; rows keep their row number in their file;
* JSON: each freelancer object, with everything nested in it, to its freelancer's part;
* a partitioned dataset: its buckets are its parts.

Marketplace-wide actions (no freelancer) go to the first part. Parts are handed out in
order, each a validated `History` (freelancers sorted within it, not across parts).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

from jobsuccess.errors import InputError
from jobsuccess.io.checks import Raw, validate
from jobsuccess.io.fields import ROW
from jobsuccess.io.jsonfmt import flatten_json, json_elements
from jobsuccess.io.tables import scan_table, table_files, unreadable
from jobsuccess.model import TABLES, History

#: About how many contracts a part holds (the unit of memory).
PART_CONTRACTS: Final = 50_000
#: Rows read from a table file at a time; freelancer objects read from JSON at a time.
BATCH_ROWS: Final = 200_000
JSON_BATCH: Final = 1_000
#: About the JSON text of a part (`PART_CONTRACTS` contracts with their payments and feedback).
JSON_PART_BYTES: Final = 32 * 2**20
_PART: Final = "__part"
_SEED: Final = 0x9A27


class Parts:
    """A history read in parts (see the module doc); use as a context manager, which
    removes the temporary folder.

    ``rows`` counts the ledger records the parts make (`count_records`), known once the
    input is read and checked, before any part is handed out.
    """

    def __init__(
        self, path: Path, *, contracts: int = PART_CONTRACTS, folder: Path | None = None
    ) -> None:
        self.path = path
        self.contracts = max(1, contracts)
        self._tmp = Path(tempfile.mkdtemp(prefix="jobsuccess-parts-", dir=folder))
        self.count = 0
        self.rows = 0

    def __enter__(self) -> Parts:
        try:
            self._read()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __iter__(self) -> Iterator[History]:
        for n in range(self.count):
            folder = self._tmp / f"checked-{n}"
            yield History.from_frames(
                **{t: pl.read_ipc(folder / f"{t}.arrow", memory_map=False) for t in TABLES}
            )

    # -- reading --------------------------------------------------------------------------

    def _read(self) -> None:
        from jobsuccess.spark.dataset import Dataset, is_dataset

        p = self.path
        if p.is_dir() and is_dataset(p):
            dataset = Dataset.open(p)
            for b in range(dataset.buckets):
                part = dataset.load(b)
                if b:  # marketplace-wide actions are copied into every bucket: keep one
                    part = part.with_frame(
                        "actions", part.actions.filter(pl.col("freelancer").is_not_null())
                    )
                self._keep(part)
            return
        if p.is_dir():
            self._tables(p)
        elif not p.exists():
            raise InputError("no such file or folder", file=str(p))
        elif p.suffix.lower() != ".json":
            raise InputError("expected a .json file or a folder of tables", file=str(p))
        else:
            self._json(p)

    def _tables(self, folder: Path) -> None:
        files = table_files(folder)
        contracts = _height(files["contracts"])
        parts = max(1, -(-contracts // self.contracts))
        deal = _Dealer(self._tmp, parts)
        owners: list[pl.DataFrame] = []
        for batch in _batches(files["contracts"]):
            batch = batch.with_columns(_hashed("freelancer", batch, parts))
            deal(batch, "contracts")
            if "id" in batch.columns:
                owners.append(
                    batch.select(pl.col("id").cast(pl.String, strict=False).alias("_c"), _PART)
                )
        owner = (
            pl.concat(owners).unique("_c", keep="first")
            if owners
            else pl.DataFrame(schema={"_c": pl.String(), _PART: pl.UInt32()})
        )
        del owners
        for table, path in files.items():
            if table == "contracts":
                continue
            for batch in _batches(path):
                if "contract" in batch.columns:
                    found = (
                        batch.select(pl.col("contract").cast(pl.String, strict=False).alias("_c"))
                        .join(owner, on="_c", how="left", maintain_order="left")
                        .get_column(_PART)
                    )
                else:
                    found = pl.repeat(None, batch.height, dtype=pl.UInt32, eager=True)
                by_freelancer = batch.select(_hashed("freelancer", batch, parts)).to_series()
                part = found.fill_null(by_freelancer) if table == "actions" else found
                deal(batch.with_columns(part.fill_null(0).alias(_PART)), table)
        deal.close()
        for n in range(parts):
            self._check(deal.raws(n, files), ids_per_freelancer=False)

    def _json(self, path: Path) -> None:
        deal: _Dealer | None = None
        rows: dict[str, int] = {}
        pending: list[object] = []
        seen = 0

        def flush() -> None:
            nonlocal deal, seen
            raws = flatten_json(str(path), pending, seen)
            seen += len(pending)
            pending.clear()
            if deal is None:  # a JSON file has no index: parts by its size
                parts = -(-path.stat().st_size // JSON_PART_BYTES)
                deal = _Dealer(self._tmp, max(1, min(parts, 10_000)))
            for table, raw in raws.items():
                frame = raw.frame.with_columns(pl.col(ROW) + rows.get(table, 0))
                rows[table] = rows.get(table, 0) + frame.height
                deal(frame.with_columns(_hashed("freelancer", frame, deal.parts)), table)

        for element in json_elements(path):
            pending.append(element)
            if len(pending) >= JSON_BATCH:
                flush()
        if pending or deal is None:
            flush()
        assert deal is not None
        deal.close()
        files = {table: path for table in rows}
        for n in range(deal.parts):
            self._check(deal.raws(n, files), ids_per_freelancer=True)

    def _check(self, raws: Mapping[str, Raw], *, ids_per_freelancer: bool) -> None:
        self._keep(validate(raws, ids_per_freelancer=ids_per_freelancer))

    def _keep(self, part: History) -> None:
        folder = self._tmp / f"checked-{self.count}"
        folder.mkdir()
        for table, frame in part.frames():
            frame.write_ipc(folder / f"{table}.arrow")
        self.count += 1
        self.rows += count_records(part)


def count_records(history: History) -> int:
    """How many ledger records a history makes (`jobsuccess.store.importer.history_rows`):
    one per contract, payment, feedback, dispute and action, plus an update per contract
    with an end, ended_by or end_reason."""
    c = history.contracts
    ended = c.select(
        pl.any_horizontal(pl.col(x).is_not_null() for x in ("end", "ended_by", "end_reason")).sum()
    ).item()
    return int(
        c.height
        + ended
        + history.payments.height
        + history.feedback.height
        + history.disputes.height
        + history.actions.height
    )


def _height(path: Path) -> int:
    try:
        return int(scan_table(path).select(pl.len()).collect().item())
    except (pl.exceptions.PolarsError, OSError) as e:
        raise unreadable(path, e) from None


def _batches(path: Path) -> Iterator[pl.DataFrame]:
    try:
        empty = True
        for batch in scan_table(path).with_row_index(ROW).collect_batches(chunk_size=BATCH_ROWS):
            empty = False
            yield batch
        if empty:  # a table with no rows still has its columns
            yield scan_table(path).with_row_index(ROW).limit(0).collect()
    except (pl.exceptions.PolarsError, OSError) as e:
        raise unreadable(path, e) from None


def _hashed(column: str, frame: pl.DataFrame, parts: int) -> pl.Expr:
    """The part of each row by a hash of ``column`` (part 0 where it is missing or null)."""
    if column not in frame.columns:
        return pl.lit(0, dtype=pl.UInt32).alias(_PART)
    key = pl.col(column).cast(pl.String, strict=False)
    return (
        pl.when(key.is_null())
        .then(pl.lit(0, dtype=pl.UInt64))
        .otherwise(key.hash(_SEED) % parts)
        .cast(pl.UInt32)
        .alias(_PART)
    )


class _Dealer:
    """Appends rows to one Arrow file per table and part."""

    def __init__(self, folder: Path, parts: int) -> None:
        self.folder = folder
        self.parts = parts
        self._writers: dict[tuple[str, int], ipc.RecordBatchFileWriter] = {}
        self._schemas: dict[str, pa.Schema] = {}

    def __call__(self, batch: pl.DataFrame, table: str) -> None:
        self._schemas.setdefault(table, batch.drop(_PART).to_arrow().schema)
        for key, part in batch.partition_by(_PART, as_dict=True, include_key=False).items():
            n = int(str(key[0]))
            arrow = part.to_arrow()
            schema = self._schemas[table]
            writer = self._writers.get((table, n))
            if writer is None:
                writer = ipc.new_file(str(self._path(table, n)), schema)
                self._writers[(table, n)] = writer
            writer.write_table(arrow.cast(schema))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def _path(self, table: str, n: int) -> Path:
        return self.folder / f"dealt-{n}-{table}.arrow"

    def raws(self, n: int, files: Mapping[str, Path]) -> dict[str, Raw]:
        """Part ``n``'s rows as the raw tables `validate` takes (each named by its file)."""
        out = {}
        for table, source in files.items():
            path = self._path(table, n)
            if path.is_file():
                frame = pl.read_ipc(path, memory_map=False)
                path.unlink()
            else:
                schema = self._schemas.get(table)
                frame = (
                    pl.DataFrame(pa.Table.from_batches([], schema))
                    if schema is not None
                    else pl.DataFrame()
                )
            if table in self._schemas:
                out[table] = Raw(frame, str(source))
        return out
