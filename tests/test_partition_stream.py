"""`jobsuccess partition` on a table folder streams it (issue 12): the dataset of the loaded
marketplace, byte for byte, while no step holds a whole table; bad input still gets the
loader's one-line error; and synthetic markets too big to draw at once come in pieces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jobsuccess.cli import app
from jobsuccess.errors import InputError
from jobsuccess.io import load, write_tables
from jobsuccess.io.tables import write_pieces
from jobsuccess.spark.dataset import MANIFEST, partition, partition_folder
from jobsuccess.spark.stream import Held
from jobsuccess.synth import contract_chunks, contracts_for, marketplace

BUCKETS = 7


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 freelancers, about 4,000 contracts; marketplace-wide actions and actions naming
    a freelancer but no contract included."""
    folder = tmp_path_factory.mktemp("stream") / "market"
    history = marketplace(400, seed=11)
    hold = pl.DataFrame(
        {"freelancer": ["f000007"], "type": ["account_hold"], "date": [dt.date(2025, 3, 1)]}
    )
    history = history.with_frame("actions", pl.concat([history.actions, hold], how="diagonal"))
    assert history.actions.get_column("freelancer").null_count() >= 1
    write_tables(history, folder)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_streamed_dataset_is_the_loaded_one(market: Path, tmp_path: Path, fmt: str) -> None:
    source = market
    if fmt == "csv":
        source = tmp_path / "csv"
        write_tables(load(market), source, format="csv")
    whole = partition(load(source), tmp_path / "old", BUCKETS)
    held = Held()
    # Small batches and groups: many of each, so every pass meets its pieces.
    streamed = partition_folder(
        source, tmp_path / "new", BUCKETS, batch_rows=500, group_contracts=700, held=held
    )
    assert streamed == whole
    old, new = _files(tmp_path / "old"), _files(tmp_path / "new")
    assert sorted(new) == sorted(old) and MANIFEST in new
    assert [name for name in old if old[name] != new[name]] == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_no_step_holds_a_whole_table(market: Path, tmp_path: Path) -> None:
    payments = load(market).payments.height
    held = Held()
    partition_folder(
        market, tmp_path / "small", BUCKETS, batch_rows=1000, group_contracts=500, held=held
    )
    # The largest frame: a batch of 1,000 rows, a group's payments (~1/8), a bucket's (~1/7).
    assert 1000 <= held.rows < payments / 4
    # The measure sees a whole table where one is held: one batch, one group.
    whole = Held()
    partition_folder(market, tmp_path / "big", BUCKETS, held=whole)
    assert whole.rows == payments


def _broken(market: Path, tmp_path: Path, table: str, change: pl.Expr, row: int) -> Path:
    folder = tmp_path / "broken"
    write_tables(load(market), folder)
    frame = pl.read_parquet(folder / f"{table}.parquet")
    frame = frame.with_row_index("__i").with_columns(
        pl.when(pl.col("__i") == row).then(change).otherwise(pl.col(change.meta.output_name()))
    )
    frame.drop("__i").write_parquet(folder / f"{table}.parquet")
    return folder


@pytest.mark.parametrize(
    ("table", "change", "row", "says"),
    [
        ("payments", pl.lit("c-nowhere").alias("contract"), 40, "unknown contract 'c-nowhere'"),
        ("contracts", pl.lit("c0000001").alias("id"), 3000, "duplicate contract id 'c0000001'"),
        ("feedback", pl.lit(11.0).alias("stars"), 5, "stars must be within"),
    ],
)
def test_bad_input_gets_the_loaders_line(
    market: Path, tmp_path: Path, table: str, change: pl.Expr, row: int, says: str
) -> None:
    folder = _broken(market, tmp_path, table, change, row)
    with pytest.raises(InputError) as loaded:
        load(folder)
    result = CliRunner().invoke(
        app, ["partition", str(folder), "--out", str(tmp_path / "ds"), "--buckets", "7"]
    )
    assert result.exit_code == 2
    line = result.output.strip()
    assert says in line and f"{table}.parquet" in line and f"record {row + 1}" in line
    assert line.splitlines()[0] == f"error: {str(loaded.value).splitlines()[0]}"
    assert not (tmp_path / "ds").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken"]  # nothing half-written


def test_a_market_in_pieces_is_one_market(tmp_path: Path) -> None:
    pieces = list(contract_chunks(2500, seed=4, chunk=1000))
    assert [p.contracts.height for p in pieces] == [1000, 1000, 500]
    assert pieces[0].contracts.get_column("id").first() == "c00-0000001"
    write_pieces(iter(pieces), tmp_path / "m")
    whole = load(tmp_path / "m")
    assert whole.contracts.height == 2500
    assert whole.contracts.get_column("id").n_unique() == 2500
    assert whole.contracts.equals(pl.concat([p.contracts for p in pieces]))
    assert whole.payments.equals(pl.concat([p.payments for p in pieces]))
    again = list(contract_chunks(2500, seed=4, chunk=1000))
    assert all(a.payments.equals(b.payments) for a, b in zip(pieces, again, strict=True))
    # Piece i is contracts_for from the seed (4, i), tagged: piece 0 from the seed itself.
    ids = ["freelancer", "id", "client", "agency"]
    first = contracts_for(1000, seed=4).contracts
    assert pieces[0].contracts.drop(ids).equals(first.drop(ids))
    assert (
        pieces[0]
        .contracts.get_column("client")
        .str.slice(4)
        .equals(first.get_column("client").str.slice(1))
    )
    assert not pieces[1].contracts.drop(ids).equals(first.drop(ids))
    (one,) = contract_chunks(800, seed=4, chunk=1000)
    assert one.contracts.equals(contracts_for(800, seed=4).contracts)
