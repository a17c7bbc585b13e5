"""The bucketed dataset and the Spark runner, for real in ``local[2]`` (issue 12).

One Spark session for the whole file (the commands reuse the active session on the same
master); the markets are small so that the file runs within a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from jobsuccess.cli import app
from jobsuccess.io import load, write_tables
from jobsuccess.policy import load_policy
from jobsuccess.spark.dataset import MANIFEST, Dataset, bucket_of
from jobsuccess.synth import marketplace

runner = CliRunner(env={"NO_COLOR": "1"})
DAY = "2026-11-01"


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from jobsuccess.spark.runner import session

    with session("local[2]") as active:
        yield active


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 freelancers (7 buckets do not divide them), marketplace-wide actions included."""
    folder = tmp_path_factory.mktemp("spark") / "market"
    history = marketplace(300, seed=5)
    assert history.actions.get_column("freelancer").null_count() >= 1
    write_tables(history, folder)
    return folder


def _partition(market: Path, out: Path, buckets: int) -> Dataset:
    result = _invoke("partition", str(market), "--out", str(out), "--buckets", str(buckets))
    assert result.exit_code == 0, result.output
    return Dataset.open(out)


def test_the_bucket_hash_is_crc32_of_the_id() -> None:
    assert zlib.crc32(b"f000001") == 2324247154
    assert bucket_of("f000001", 7) == 2324247154 % 7 == 5


def test_each_bucket_holds_everything_its_freelancers_need(market: Path, tmp_path: Path) -> None:
    dataset = _partition(market, tmp_path / "ds", 7)
    whole = load(market)
    manifest = json.loads((tmp_path / "ds" / MANIFEST).read_text())
    assert (manifest["buckets"], manifest["freelancers"]) == (7, 300)
    everywhere = whole.actions.filter(pl.col("freelancer").is_null())
    seen: list[str] = []
    for b in range(7):
        part = dataset.load(b)
        assert all(bucket_of(f, 7) == b for f in part.freelancers)
        assert part.freelancers
        assert part.actions.filter(pl.col("freelancer").is_null()).equals(everywhere)
        mine = whole.only(part.freelancers)
        for name, frame in part.frames():
            expected = getattr(mine, name)
            assert frame.sort(frame.columns, nulls_last=True).equals(
                expected.sort(expected.columns, nulls_last=True)
            ), name
        seen += part.freelancers
    assert sorted(seen) == whole.freelancers


#: The shipped default, and a policy that reads every client's activity on the whole market
#: (a vanished client): a bucket alone sees only its own freelancers' clients.
POLICIES = pytest.mark.parametrize("policy", ["auto", "jobsuccess-2026"])


@POLICIES
def test_spark_batch_gives_the_local_bytes(
    market: Path, tmp_path: Path, spark: object, policy: str
) -> None:
    _partition(market, tmp_path / "ds", 7)
    local, remote = tmp_path / "local.parquet", tmp_path / "spark.parquet"
    common = ["--as-of", DAY, "--policy", policy]
    assert _invoke("batch", str(market), *common, "--out", str(local)).exit_code == 0
    result = _invoke("batch", str(tmp_path / "ds"), "--runner", "spark", "--master", "local[2]",
                     *common, "--out", str(remote))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(local).height == 300
    assert local.read_bytes() == remote.read_bytes()


def test_a_bucket_alone_would_miss_other_buckets_clients(market: Path, tmp_path: Path) -> None:
    """The teeth of the jobsuccess-2026 cases: each bucket scored with its own client
    activity gives other scores than the market's."""
    from jobsuccess.report import batch_rows, combine

    dataset = _partition(market, tmp_path / "ds", 7)
    book = load_policy("jobsuccess-2026")
    day = dt.date.fromisoformat(DAY)
    alone = combine([batch_rows(dataset.load(b), book, day) for b in range(7)])
    clients = dataset.client_activity()
    shared = combine([batch_rows(dataset.load(b), book, day, clients=clients) for b in range(7)])
    assert shared.equals(batch_rows(load(market), book, day))
    assert not alone.equals(shared)


def test_an_empty_bucket_is_scored_as_nothing(tmp_path: Path, spark: object) -> None:
    market = tmp_path / "two"
    write_tables(marketplace(2, seed=1), market)
    dataset = _partition(market, tmp_path / "ds", 5)
    empty = [b for b in range(5) if not dataset.load(b).freelancers]
    assert len(empty) >= 3
    local, remote = tmp_path / "local.parquet", tmp_path / "spark.parquet"
    assert _invoke("batch", str(market), "--as-of", DAY, "--out", str(local)).exit_code == 0
    args = ["batch", str(tmp_path / "ds"), "--runner", "spark", "--as-of", DAY, "--out"]
    assert _invoke(*args, str(remote)).exit_code == 0
    assert local.read_bytes() == remote.read_bytes()


@pytest.mark.parametrize("candidate", ["auto@k=3", "jobsuccess-2026"])
def test_spark_lab_gives_the_local_files(
    market: Path, tmp_path: Path, spark: object, candidate: str
) -> None:
    _partition(market, tmp_path / "ds", 4)
    common = ["--base", "auto", "--candidate", candidate, "--as-of", DAY]
    assert _invoke("lab", str(market), *common, "--out", str(tmp_path / "local")).exit_code == 0
    result = _invoke("lab", str(tmp_path / "ds"), *common, "--runner", "spark", "--out",
                     str(tmp_path / "spark"))  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("freelancers.parquet", "summary.json"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "spark" / name).read_bytes()
    page = (tmp_path / "spark" / "report.html").read_text()
    top = pl.read_parquet(tmp_path / "local" / "freelancers.parquet").sort(
        pl.col("delta").abs(), descending=True, nulls_last=True
    )
    assert f">{top.row(0, named=True)['freelancer']}<" in page


@POLICIES
def test_the_local_runner_reads_a_dataset_a_bucket_at_a_time(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    _partition(market, tmp_path / "ds", 3)
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    common = ["--as-of", DAY, "--policy", policy]
    assert _invoke("batch", str(market), *common, "--out", str(a)).exit_code == 0

    def whole(self: Dataset, freelancers: list[str] | None = None) -> None:
        raise AssertionError("the dataset was read whole")

    monkeypatch.setattr(Dataset, "load_all", whole)
    result = _invoke("batch", str(tmp_path / "ds"), *common, "--out", str(b))
    assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["batch", "{tmp}/nowhere", "--runner", "spark"], "no such dataset folder"),
        (["batch", "{market}", "--runner", "spark"], "not a partitioned dataset"),
        (
            ["lab", "{market}", "--base", "auto", "--candidate", "2020-11", "--runner", "spark"],
            "not a partitioned dataset",
        ),
        (["batch", "{market}", "--master", "local[2]"], "--master goes with --runner spark"),
        (["batch", "{market}", "--runner", "yarn"], "expected local or spark"),
        (["batch", "{market}", "--runner", "spark", "--agencies"], "needs the local runner"),
        (["partition", "{market}", "--buckets", "0"], "expected 1 to"),
    ],
)
def test_bad_runs_get_one_line(market: Path, tmp_path: Path, args: list[str], message: str) -> None:
    filled = [a.format(tmp=tmp_path, market=market) for a in args]
    out = tmp_path / ("ds" if args[0] == "partition" else "x.parquet")
    result = _invoke(*filled, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_partition_refuses_a_folder_of_other_files(market: Path, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = _invoke("partition", str(market), "--out", str(tmp_path / "busy"), "--buckets", "2")
    assert result.exit_code == 2 and "not a dataset" in result.output
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    _partition(market, tmp_path / "ds", 2)
    _partition(market, tmp_path / "ds", 3)  # a dataset is replaced whole
    assert sorted(p.name for p in (tmp_path / "ds").iterdir())[-1] == "bucket-00002"
