"""``jobsuccess partition``, and the Spark side of ``batch`` and ``lab`` (``--runner spark``).

Registered on the main app by `register`; pyspark is imported only when a Spark run starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jobsuccess.cli_common import err, out, plural, user_errors
from jobsuccess.cli_common import load_history as _load

if TYPE_CHECKING:
    import polars as pl

    from jobsuccess.model import History
    from jobsuccess.policy import PolicyBook
    from jobsuccess.spark.dataset import Dataset


@user_errors
def partition_command(
    market: Annotated[Path, typer.Argument(help="A table folder (or a JSON history).")],
    out_dir: Annotated[Path, typer.Option("--out", help="The dataset folder to write.")],
    buckets: Annotated[
        int,
        typer.Option(
            "--buckets",
            help="How many buckets (one Spark task each): freelancers go to bucket "
            "crc32(id) mod N; marketplace-wide actions to every bucket.",
        ),
    ],
) -> None:
    """Write a marketplace as a Parquet dataset bucketed by freelancer, for --runner spark.

    A table folder is read in batches, in memory bounded whatever its size; a JSON history
    or a dataset is loaded whole."""
    from jobsuccess.spark.dataset import is_dataset, partition, partition_folder

    if market.is_dir() and not is_dataset(market):
        manifest = partition_folder(market, out_dir, buckets)
    else:
        manifest = partition(_load(market), out_dir, buckets)
    per = manifest["contracts_per_bucket"]
    out.print(
        f"wrote {plural(manifest['contracts'], 'contract')} of "
        f"{plural(manifest['freelancers'], 'freelancer')} in "
        f"{plural(buckets, 'bucket')} ({per['min']:,} to {per['max']:,} contracts each) to "
        f"{out_dir}"
    )


def open_dataset(path: Path) -> Dataset:
    from jobsuccess.spark.dataset import Dataset

    return Dataset.open(path)


def _bar(dataset: Dataset, master: str) -> tuple[object, Callable[[int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn(f"[bold]spark {master}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("buckets"),
        console=err,
        transient=True,
    )
    task = bar.add_task("buckets", total=dataset.buckets)
    return bar, lambda done: bar.update(task, completed=done)


def spark_batch(
    dataset: Dataset, book: PolicyBook, day: dt.date, partition_size: int, master: str
) -> pl.DataFrame:
    """`jobsuccess.report.batch_rows` of every bucket, inside Spark, combined as the local
    runner combines its partitions."""
    from functools import partial

    from rich.progress import Progress

    from jobsuccess.report import batch_rows, combine
    from jobsuccess.spark.runner import map_buckets

    clients = _market_clients(dataset, master, book)
    work = partial(batch_rows, book=book, day=day, partition_size=partition_size)
    bar, progress = _bar(dataset, master)
    assert isinstance(bar, Progress)
    with bar:
        frames = map_buckets(dataset, work, master=master, progress=progress, clients=clients)
    return combine(frames)


def _market_clients(dataset: Dataset, master: str, *books: PolicyBook) -> pl.DataFrame | None:
    """The marketplace's client activity when a policy of ``books`` reads it (a vanished
    client is one without activity with anyone, in any bucket), from a first pass in Spark."""
    from jobsuccess.engine import reads_clients
    from jobsuccess.spark.runner import client_activity

    if not reads_clients(*books):
        return None
    return client_activity(dataset, master=master)


def spark_lab(
    dataset: Dataset,
    base: PolicyBook,
    candidate: PolicyBook,
    days: list[dt.date],
    partition_size: int,
    master: str,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """`jobsuccess.lab.run.lab_frame` of every bucket, inside Spark, and the marketplace's
    client activity it was scored with (None where neither book reads it)."""
    from functools import partial

    import polars as pl
    from rich.progress import Progress

    from jobsuccess.lab.run import empty_frame, lab_frame
    from jobsuccess.spark.runner import map_buckets

    clients = _market_clients(dataset, master, base, candidate)
    work = partial(
        lab_frame, base=base, candidate=candidate, days=days, partition_size=partition_size
    )
    bar, progress = _bar(dataset, master)
    assert isinstance(bar, Progress)
    with bar:
        mapped = map_buckets(dataset, work, master=master, progress=progress, clients=clients)
    frames = [f for f in mapped if f.height]
    if not frames:
        return empty_frame(), clients
    return pl.concat(frames).sort("freelancer", "as_of"), clients


def movers_history(dataset: Dataset, freelancers: list[str]) -> History:
    """The histories of a few freelancers, read from their buckets only."""
    return dataset.load_all(freelancers)


def register(app: typer.Typer) -> None:
    """Add ``partition`` to the main ``jobsuccess`` app."""
    app.command("partition")(partition_command)
