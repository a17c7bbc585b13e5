"""The Spark runner: the same engine function once per bucket, inside Spark, via Arrow.

`map_buckets` makes one Spark task per bucket (``spark.range(N, numPartitions=N)``: exactly one
bucket number per partition, none empty unless N exceeds the range) and maps it with
``mapInArrow``: the task loads its bucket's table folder (`jobsuccess.io.load`), calls the
work function once (the batch engine over every freelancer of the bucket, never one call per
freelancer and never a second implementation in Spark SQL) and returns the resulting Polars
frame as Arrow IPC bytes in one binary cell. The driver reads the cells back into Polars
frames: no column ever goes through Spark's types, so there are no unsigned-integer or
timestamp casts, and the output is the local runner's, byte for byte, after the same sort.

Workers run the Python that runs this process (``PYSPARK_PYTHON``, unless set): on a cluster
every executor needs the same environment (jobsuccess and its dependencies installed, or the
package shipped with ``--py-files``), and the dataset on storage every executor can read. A
bucket's input and output must fit one Python worker's memory: size buckets accordingly
(README, "A marketplace that outgrows one machine").
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.model import History
from jobsuccess.spark.dataset import Dataset

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import SparkSession


class Work(Protocol):
    """What a task computes from its bucket: with ``clients``, the marketplace's client
    activity (`jobsuccess.engine.market_clients`), when the caller has it."""

    def __call__(self, history: History, *, clients: pl.DataFrame | None = None) -> pl.DataFrame:
        """One frame from one bucket's history."""
        ...


DEFAULT_MASTER = "local[2]"
POLARS_THREADS = os.environ.get("JOBSUCCESS_SPARK_POLARS_THREADS", "1")


@contextmanager
def session(master: str = DEFAULT_MASTER) -> Iterator[SparkSession]:
    """A Spark session on ``master``: the active one if it runs there (a test's, a notebook's;
    left running), else a new one, stopped afterwards."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "the Spark runner needs pyspark: pip install 'jobsuccess[spark]'"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == master:
        yield active
        return
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise InputError("the Spark runner needs Java 17 (no java on PATH, JAVA_HOME unset)")
    if master.startswith("local"):  # not the machine's outward address: no warning about it
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    try:
        spark = (
            SparkSession.builder.master(master)
            .appName("jobsuccess")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.maxResultSize", "0")
            # One task is one core's work: its worker's Polars gets one thread, not one per
            # core of the machine (N workers x N threads on N cores thrash).
            .config("spark.executorEnv.POLARS_MAX_THREADS", POLARS_THREADS)
            .getOrCreate()
        )
    except Exception as exc:  # the JVM did not start: say so in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"Spark did not start on {master}: {first}") from None
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _bucket_task(
    folder: str, work: Work, shared: Broadcast[bytes] | None
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function each Spark task runs on its batches of bucket numbers (``shared``: the
    broadcast client activity, as Arrow IPC bytes)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from jobsuccess.io import load

        clients = None if shared is None else pl.read_ipc(io.BytesIO(shared.value))
        for batch in batches:
            for bucket in batch.column("id").to_pylist():
                history = load(os.path.join(folder, f"bucket-{bucket:05d}"))
                frame = work(history) if clients is None else work(history, clients=clients)
                sink = io.BytesIO()
                frame.write_ipc(sink)
                yield pa.RecordBatch.from_pydict(
                    {"bucket": [bucket], "frame": [sink.getvalue()]},
                    schema=pa.schema([("bucket", pa.int64()), ("frame", pa.large_binary())]),
                )

    return run


def map_buckets(
    dataset: Dataset,
    work: Work,
    *,
    master: str = DEFAULT_MASTER,
    progress: Callable[[int], None] | None = None,
    clients: pl.DataFrame | None = None,
) -> list[pl.DataFrame]:
    """``work`` applied to every bucket inside Spark, one task per bucket; the frames in
    bucket order. ``progress`` gets the number of buckets done so far, now and then.
    ``clients`` (the marketplace's client activity, `client_activity`) reaches every task as
    one broadcast and is handed to ``work``."""
    with session(master) as spark:
        shared = None
        if clients is not None:
            sink = io.BytesIO()
            clients.write_ipc(sink)
            shared = spark.sparkContext.broadcast(sink.getvalue())
        buckets = spark.range(0, dataset.buckets, 1, numPartitions=dataset.buckets)
        with warnings.catch_warnings():  # mapInArrow never touches pandas
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
            mapped = buckets.mapInArrow(
                _bucket_task(str(dataset.folder), work, shared), "bucket long, frame binary"
            )
        result: dict[str, Any] = {}

        def collect() -> None:
            try:
                result["rows"] = mapped.collect()
            except Exception as exc:
                result["error"] = exc

        thread = threading.Thread(target=collect, daemon=True)
        thread.start()
        tracker = spark.sparkContext.statusTracker()
        done = 0
        while thread.is_alive():
            thread.join(0.25)
            if progress is not None:
                stages = [tracker.getStageInfo(s) for s in tracker.getActiveStageIds()]
                done = max(done, sum(s.numCompletedTasks for s in stages if s is not None))
                progress(done)
        if "error" in result:
            raise _one_line(result["error"])
        if progress is not None:
            progress(dataset.buckets)
        rows = sorted(result["rows"], key=lambda r: int(r["bucket"]))
        return [pl.read_ipc(io.BytesIO(bytes(r["frame"]))) for r in rows]


def client_activity(dataset: Dataset, *, master: str = DEFAULT_MASTER) -> pl.DataFrame:
    """The marketplace's client activity, every bucket's inside Spark, merged on the driver
    (`jobsuccess.engine.facts.merge_activity`): the same frame as from the whole market."""
    from jobsuccess.engine.facts import client_activity as of_history
    from jobsuccess.engine.facts import merge_activity

    def work(history: History, *, clients: pl.DataFrame | None = None) -> pl.DataFrame:
        return of_history(history)

    return merge_activity(map_buckets(dataset, work, master=master))


def _one_line(exc: Exception) -> Exception:
    """A worker's `InputError` (a bucket that does not load) as the user's one line."""
    text = str(exc)
    marker = "jobsuccess.errors.InputError: "
    if marker in text:
        line = text.split(marker, 1)[1].strip().splitlines()[0]
        return InputError(line)
    return exc
