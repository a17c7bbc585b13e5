"""The table format: a folder with one CSV or Parquet file per table.

Reading hands each file over as found (CSV as text, Parquet with its own types) to the shared
checks; contract ids are unique across the folder, so the other tables name a contract by id
alone and get their freelancer from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final, Literal

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.io.atomic import replacing_folder
from jobsuccess.io.checks import Raw
from jobsuccess.io.fields import ROW
from jobsuccess.io.order import ORDER, ordered
from jobsuccess.model import SCHEMAS, TABLES, History

TableFormat = Literal["parquet", "csv"]
FORMATS: Final[tuple[TableFormat, ...]] = ("parquet", "csv")

#: Columns each table is written with: ``freelancer`` only where the contract cannot give it.
WRITTEN: Final[dict[str, tuple[str, ...]]] = {
    table: tuple(c for c in schema if c != "freelancer" or table in ("contracts", "actions"))
    for table, schema in SCHEMAS.items()
}


def read_tables(folder: Path) -> dict[str, Raw]:
    """Read the table files of ``folder`` (only contracts is required) as raw tables."""
    return {
        table: Raw(_read(path).with_row_index(ROW), str(path))
        for table, path in table_files(folder).items()
    }


def table_files(folder: Path) -> dict[str, Path]:
    """The table files of ``folder``, by table (only contracts is required)."""
    files: dict[str, Path] = {}
    for table in TABLES:
        found = [
            folder / f"{table}.{ext}" for ext in FORMATS if (folder / f"{table}.{ext}").is_file()
        ]
        if len(found) > 1:
            raise InputError(
                f"both {found[0].name} and {found[1].name}: keep one", file=str(folder)
            )
        if found:
            files[table] = found[0]
        elif table == "contracts":
            raise InputError(
                "no contracts table (contracts.csv or contracts.parquet)", file=str(folder)
            )
    return files


def scan_table(path: Path) -> pl.LazyFrame:
    """One table file, lazily, read as `read_tables` reads it (CSV as text)."""
    if path.suffix == ".csv":
        return pl.scan_csv(path, infer_schema=False)
    return pl.scan_parquet(path)


def unreadable(path: Path, exc: Exception) -> InputError:
    """The one-line error for a table file the reader cannot read."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"cannot read {path.suffix[1:].upper()}: {first}", file=str(path))


def _read(path: Path) -> pl.DataFrame:
    try:
        if path.suffix == ".csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as e:
        raise unreadable(path, e) from None


def write_tables(
    history: History, folder: str | os.PathLike[str], format: TableFormat = "parquet"
) -> None:
    """Write ``history`` as a folder of tables, replacing the folder whole (atomically).

    Contract ids must be unique across freelancers here, unlike in JSON.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown table format {format!r} (expected parquet or csv)")
    ids = history.contracts.get_column("id")
    if ids.hash().n_unique() < ids.len() and ids.is_duplicated().any():
        dup = ids.filter(ids.is_duplicated()).sort().first()
        raise ValueError(
            f"contract id {dup!r} is used by more than one contract; the table format needs "
            "contract ids unique across freelancers"
        )
    owned = frozenset(f"{t}.{ext}" for t in TABLES for ext in FORMATS)
    with replacing_folder(Path(folder), owned) as tmp:
        for table, frame in history.frames():
            out = ordered(frame, ORDER[table]).select(WRITTEN[table])
            path = tmp / f"{table}.{format}"
            if format == "csv":
                out.write_csv(path)
            else:
                out.write_parquet(path)


def write_pieces(pieces: Iterable[History], folder: str | os.PathLike[str]) -> None:
    """Write a history that comes in pieces (`jobsuccess.synth.contract_chunks`) as one
    Parquet table folder, one piece in memory at a time, replacing the folder whole.

    Each piece is appended to every table's file as row groups, in the tables' order; pieces
    whose ids sort in piece order (as ``contract_chunks``'s do) give files in that order but
    for the actions, whose marketplace-wide rows close each piece (the loader sorts them).
    Contract ids must be unique across pieces: not checked here, the loader refuses them.
    """
    import pyarrow.parquet as pq

    owned = frozenset(f"{t}.{ext}" for t in TABLES for ext in FORMATS)
    with replacing_folder(Path(folder), owned) as tmp:
        writers: dict[str, pq.ParquetWriter] = {}
        try:
            for piece in pieces:
                for table, frame in piece.frames():
                    data = ordered(frame, ORDER[table]).select(WRITTEN[table]).to_arrow()
                    if table not in writers:
                        writers[table] = pq.ParquetWriter(tmp / f"{table}.parquet", data.schema)
                    writers[table].write_table(data.cast(writers[table].schema))
        finally:
            for writer in writers.values():
                writer.close()
        for table in TABLES:  # no piece at all: the empty tables
            if table not in writers:
                pl.DataFrame(schema={c: SCHEMAS[table][c] for c in WRITTEN[table]}).write_parquet(
                    tmp / f"{table}.parquet"
                )
