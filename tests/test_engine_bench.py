"""The engine benchmark's self-check (bench/engine_bench.py) refuses to time the wrong thing.

The full benchmark runs in CI as ``make bench-smoke``; these pin the parts that decide whether
a figure may be printed: the summary it compares with ``jobsuccess batch``, the comparison,
the refusal of a degenerate market, and the lower-bound plan's shape.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from jobsuccess.io import write_tables
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.synth import contracts_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import engine_bench as bench
from lower_bound import lower_bound

AS_OF = bench.AS_OF


@pytest.fixture(scope="module")
def market() -> History:
    return contracts_for(2000, seed=2, as_of=AS_OF)


def _scores(*rows: tuple[str, int | None, bool]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"freelancer": pl.String(), "score": pl.Int64(), "top_rated": pl.Boolean()},
        orient="row",
    )


def test_summary_is_order_free_and_score_sensitive() -> None:
    a = bench.summary(_scores(("f1", 95, True), ("f2", None, False), ("f3", 80, False)))
    b = bench.summary(_scores(("f3", 80, False), ("f1", 95, True), ("f2", None, False)))
    assert a == b == a | {"freelancers": 3, "scored": 2, "top_rated": 1}
    moved = bench.summary(_scores(("f1", 95, True), ("f2", None, False), ("f3", 81, False)))
    assert moved["checksum"] != a["checksum"]
    swapped = bench.summary(_scores(("f1", 80, True), ("f2", None, False), ("f3", 95, False)))
    assert swapped["checksum"] != a["checksum"]


def test_check_refuses_any_difference_from_batch() -> None:
    want = bench.summary(_scores(("f1", 95, True), ("f2", 70, False)))
    assert bench.check("engine", want, want).startswith("= batch")
    for kind, got in (
        ("engine", want | {"top_rated": 0}),
        ("engine-dataset", want | {"top_rated": 0}),
        ("engine", want | {"checksum": "0" * 16}),
        ("engine-no-status", want | {"scored": 1}),
        ("pandas", want | {"freelancers": 3}),
    ):
        with pytest.raises(bench.SelfCheckError, match="disagrees with jobsuccess batch"):
            bench.check(kind, got, want)
    # Without statuses Top Rated is not compared; nobody scored is refused whatever the run.
    assert bench.check("engine-no-status", want | {"top_rated": None}, want)
    with pytest.raises(bench.SelfCheckError, match="nobody scored"):
        bench.check("lower-bound", want | {"scored": 0}, want)


def test_degenerate_market_is_refused(market: History, tmp_path: Path) -> None:
    write_tables(market.with_frame("payments", market.payments.clear()), tmp_path)
    with pytest.raises(bench.SelfCheckError, match="no payments"):
        bench.load_checked(tmp_path)


def test_loaded_market_carries_every_record(market: History, tmp_path: Path) -> None:
    """The old benchmark read the Parquet files raw: 0 payments per freelancer."""
    write_tables(market, tmp_path)
    loaded = bench.load_checked(tmp_path)
    for name in ("payments", "feedback", "disputes"):
        frame = getattr(loaded, name)
        assert frame.height == getattr(market, name).height
        assert frame.get_column("freelancer").null_count() == 0


def test_lower_bound_scores_everyone_and_mostly_like_the_engine(market: History) -> None:
    from jobsuccess.engine import score

    book = PolicyBook.shipped()
    bound = lower_bound(market, AS_OF, book.in_force(AS_OF))
    engine = score(market, book, AS_OF, statuses=False).scores.select("freelancer", "score")
    assert bound.get_column("freelancer").to_list() == market.freelancers
    assert 0 < bound.get_column("score").is_not_null().sum() <= bound.height
    both = bound.join(engine, on="freelancer", suffix="_engine")
    agree = both.select(pl.col("score").eq_missing(pl.col("score_engine")).mean()).item()
    assert agree > 0.3  # a yardstick on the same data, not a copy of the rules


def test_the_dataset_kind_scores_every_bucket_like_the_whole(
    market: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dataset kind reads a bucket at a time: its result is the whole market's, over a
    dataset of several buckets (``BUCKET_CONTRACTS`` lowered so that 2,000 contracts make 4)."""
    from jobsuccess.engine import score_batch
    from jobsuccess.spark.dataset import Dataset

    folder = tmp_path / "market"
    write_tables(market, folder)
    monkeypatch.setattr(bench, "BUCKET_CONTRACTS", 500)
    data = bench.dataset(folder)
    assert Dataset.open(data).buckets == 4
    book = PolicyBook.shipped()
    whole = pl.concat(
        s.scores.select("freelancer", "score", "top_rated")
        for s in score_batch(bench.load_checked(folder), book, AS_OF, ledger=False)
    )
    assert bench.summary(bench.from_dataset(data)()) == bench.summary(whole)
