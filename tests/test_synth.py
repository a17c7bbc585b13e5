"""The synthetic marketplace: deterministic, valid by every loader rule, and realistic enough
that the engine's stories (idle, long-term, harsh clients, refunds...) all occur."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates import as_date, as_float
from jobsuccess.model import (
    ACTION_TYPES,
    CONTRACT_TYPES,
    DISPUTE_OUTCOMES,
    END_REASONS,
    ENDED_BY,
    SCHEMAS,
    History,
)
from jobsuccess.synth import DEFAULT_AS_OF, MEAN_CONTRACTS, contracts_for, marketplace

AS_OF = DEFAULT_AS_OF


@pytest.fixture(scope="module")
def market() -> History:
    return marketplace(3000, seed=11)


def _bytes(h: History) -> list[bytes]:
    out = []
    for _, frame in h.frames():
        buf = io.BytesIO()
        frame.write_parquet(buf)
        out.append(buf.getvalue())
        out.append(frame.write_csv().encode())
    return out


def assert_valid(h: History, as_of: dt.date = AS_OF, years: float = 4.0) -> None:
    """Every rule the loader enforces, plus the generator's own promises."""
    for name, frame in h.frames():
        assert frame.schema == pl.Schema(SCHEMAS[name]), name
    c, p, f, d, a = h.contracts, h.payments, h.feedback, h.disputes, h.actions

    assert c["id"].is_unique().all()
    assert (
        c.select(pl.col("freelancer", "id", "client", "type", "start").null_count())
        .sum_horizontal()
        .item()
        == 0
    )
    assert c["freelancer"].str.contains(r"^f\d{6,}$").all()
    assert c["id"].str.contains(r"^c\d{7,}$").all()
    assert c["client"].str.contains(r"^k\d{5,}$").all()
    assert c["type"].is_in(list(CONTRACT_TYPES)).all()
    first = as_of - dt.timedelta(days=int(years * 365.25) + 1)
    earliest = c["start"].min()
    assert earliest is None or first <= as_date(earliest)
    closed = c.filter(pl.col("end").is_not_null())
    opened = c.filter(pl.col("end").is_null())
    assert (closed["end"] >= closed["start"]).all()
    assert closed["ended_by"].is_in(list(ENDED_BY)).all()
    assert closed["end_reason"].is_in(list(END_REASONS)).all()
    assert opened["ended_by"].null_count() == opened.height
    assert opened["end_reason"].null_count() == opened.height

    for frame, column in (
        (c, "start"),
        (c, "end"),
        (p, "date"),
        (f, "date"),
        (d, "opened"),
        (a, "date"),
    ):
        top = frame[column].max()
        assert top is None or as_date(top) <= as_of, column

    def joined(frame: pl.DataFrame) -> pl.DataFrame:
        out = frame.join(
            c.select("freelancer", pl.col("id").alias("contract"), "start", "end", "client"),
            on=["freelancer", "contract"],
            how="left",
            validate="m:1",
        )
        assert out["start"].null_count() == 0, "row of a missing contract"
        return out

    pays = joined(p)
    assert (pays["date"] >= pays["start"]).all()
    assert (pays["date"] <= pays["end"].fill_null(as_of)).all()
    assert p["amount"].null_count() == 0
    positive = p.filter(pl.col("amount") > 0)["amount"]
    assert positive.is_empty() or (
        as_float(positive.min()) >= 20 and as_float(positive.max()) <= 50_000
    )
    net = p.group_by("contract").agg(pl.col("amount").sum())["amount"]
    assert net.is_empty() or as_float(net.min()) > -0.01, "a refund beyond what was paid"

    fb = joined(f)
    assert f["contract"].is_unique().all()
    assert fb["end"].null_count() == 0, "feedback on an open contract"
    assert ((fb["date"] >= fb["end"]) & (fb["date"] <= fb["end"] + dt.timedelta(days=14))).all()
    stars = f["stars"].drop_nulls()
    assert ((stars >= 1) & (stars <= 5)).all()
    assert ((stars * 20).round(6) == (stars * 20).round(0)).all(), "not a multiple of 0.05"
    rec = f["recommend"].drop_nulls()
    assert ((rec >= 0) & (rec <= 10)).all()
    assert (f["stars"].is_not_null() | f["recommend"].is_not_null()).all()

    ds = joined(d)
    assert d["contract"].is_unique().all()
    assert d["outcome"].is_in(list(DISPUTE_OUTCOMES)).all()
    assert ((ds["opened"] >= ds["start"]) & (ds["opened"] <= ds["end"].fill_null(as_of))).all()

    assert a["type"].is_in(list(ACTION_TYPES)).all()
    assert a["note"].null_count() == 0
    flags = a.filter(pl.col("type") == "client_flagged")
    assert flags["freelancer"].null_count() == flags.height
    assert flags["contract"].null_count() == flags.height
    assert flags["client"].is_in(c["client"].implode()).all()
    hired = flags.join(c.group_by("client").agg(pl.col("start").min()), on="client")
    assert (hired["date"] >= hired["start"]).all(), "a client flagged before any hire"
    on = a.filter(pl.col("type") != "client_flagged")
    assert on["client"].null_count() == on.height  # a contract action names the contract
    acts = joined(on)
    fb_dates = acts.join(f.select("contract", pl.col("date").alias("fb")), on="contract")
    assert fb_dates.height == acts.height, "an action on a contract without feedback"
    assert (fb_dates["date"] >= fb_dates["fb"]).all()


#: The canonical row order of the table formats (nulls last): written as is, no sort needed.
ORDER = {
    "contracts": ("freelancer", "id"),
    "payments": ("freelancer", "contract", "date", "amount"),
    "feedback": ("freelancer", "contract", "date", "stars", "recommend"),
    "disputes": ("freelancer", "contract", "opened", "outcome"),
    "actions": ("freelancer", "date", "type", "contract", "client", "note"),
}


def test_rows_come_in_canonical_order(market: History) -> None:
    for name, frame in market.frames():
        keys = list(ORDER[name])
        assert frame.equals(frame.sort(keys, nulls_last=True, maintain_order=True)), name


# -- determinism and API -------------------------------------------------------------------


def test_same_seed_same_bytes() -> None:
    a, b = marketplace(400, seed=3), marketplace(400, seed=3)
    for (name, x), (_, y) in zip(a.frames(), b.frames(), strict=True):
        assert x.equals(y), name
    assert _bytes(a) == _bytes(b)


def test_different_seed_differs() -> None:
    a, b = marketplace(400, seed=3), marketplace(400, seed=4)
    assert not a.contracts.equals(b.contracts)
    assert not a.payments.equals(b.payments)


def test_contracts_for_is_exact_and_deterministic() -> None:
    h = contracts_for(5_000, seed=2)
    assert h.contracts.height == 5_000
    assert_valid(h)
    assert h.contracts.equals(contracts_for(5_000, seed=2).contracts)
    assert len(h.freelancers) == pytest.approx(5_000 / MEAN_CONTRACTS, rel=0.3)
    assert contracts_for(1, seed=0).contracts.height == 1


def test_empty_and_bad_sizes() -> None:
    for h in (marketplace(0, seed=1), contracts_for(0, seed=1)):
        assert all(frame.is_empty() for _, frame in h.frames())
        assert_valid(h)
    with pytest.raises(ValueError):
        marketplace(-1, seed=1)
    with pytest.raises(ValueError):
        marketplace(10, seed=1, years=0)
    with pytest.raises(ValueError):
        contracts_for(10, seed=1, as_of=dt.date(1972, 1, 1), years=4)


def test_as_of_and_years() -> None:
    day = dt.date(2021, 6, 30)
    h = marketplace(300, seed=5, as_of=day, years=1.5)
    assert_valid(h, day, 1.5)
    assert as_date(h.contracts["start"].min()) >= day - dt.timedelta(days=548)


@given(st.integers(0, 60), st.integers(0, 2**32), st.floats(0.001, 8.0))
def test_any_small_market_is_valid(freelancers: int, seed: int, years: float) -> None:
    assert_valid(marketplace(freelancers, seed=seed, years=years), AS_OF, years)


def test_scale_smoke() -> None:
    h = marketplace(20_000, seed=1)
    assert 150_000 < h.contracts.height < 260_000
    assert h.payments.height > 2 * h.contracts.height
    assert h.contracts["id"].is_unique().all()


# -- realism -------------------------------------------------------------------------------


def test_market_is_valid(market: History) -> None:
    assert_valid(market)


def test_activity_is_skewed(market: History) -> None:
    per = market.contracts.group_by("freelancer").len()["len"]
    assert as_float((per <= 5).mean()) > 0.4
    assert (per >= 50).sum() > 0
    assert 7 < as_float(per.mean()) < 14
    c = market.contracts
    length = (c["end"].fill_null(AS_OF) - c["start"]).dt.total_days()
    assert as_float(length.min()) <= 2 and as_float(length.max()) >= 365
    assert as_date(c["start"].min()) < AS_OF - dt.timedelta(days=3 * 365)
    types = c["type"].value_counts(normalize=True)
    assert as_float(types["proportion"].min()) > 0.3


def test_clients_are_shared_and_hire_again(market: History) -> None:
    c = market.contracts
    repeat = c.group_by("freelancer", "client").len().filter(pl.col("len") >= 2)
    assert repeat.height > 0.05 * c["freelancer"].n_unique()
    shared = c.group_by("client").agg(pl.col("freelancer").n_unique())
    assert (shared["freelancer"] >= 5).sum() > 10


def test_feedback_is_inflated_in_public_and_candid_in_private(market: History) -> None:
    c, f = market.contracts, market.feedback
    ended = c["end"].is_not_null().sum()
    assert 0.20 <= 1 - f.height / ended <= 0.30
    stars, rec = f["stars"].drop_nulls(), f["recommend"].drop_nulls()
    assert as_float(stars.median()) >= 4.8
    assert as_float((rec <= 6).mean()) > 2 * as_float((stars < 4).mean())
    assert f.filter((pl.col("stars") >= 4.8) & (pl.col("recommend") <= 6)).height > 0
    assert 0 < f["stars"].null_count() < 0.1 * f.height
    assert 0 < f["recommend"].null_count() < 0.1 * f.height
    fine = stars.filter((stars * 10).round(6) != (stars * 10).round(0))
    assert not fine.is_empty(), "no star rating rounded to 0.05"
    reasons = c["end_reason"].drop_nulls().value_counts(normalize=True)
    share = dict(zip(reasons["end_reason"], reasons["proportion"], strict=True))
    assert set(share) == set(END_REASONS) and share["completed"] > 0.7
    assert set(c["ended_by"].drop_nulls().unique()) == set(ENDED_BY)


def _by_contract(market: History) -> pl.DataFrame:
    pays = market.payments.group_by("contract").agg(
        pl.col("amount").sum().alias("net"),
        pl.col("date").min().alias("first_paid"),
        pl.col("date").max().alias("last_paid"),
        pl.len().alias("payments"),
    )
    out: pl.DataFrame = market.contracts.join(pays, left_on="id", right_on="contract", how="left")
    return out


def test_open_contracts_idle_long_term_and_retainers(market: History) -> None:
    c = _by_contract(market).filter(pl.col("end").is_null())
    since = (pl.lit(AS_OF) - pl.col("last_paid")).dt.total_days()
    old = (pl.lit(AS_OF) - pl.col("start")).dt.total_days() >= 90
    idle = c.filter(old & (pl.col("last_paid").is_null() | (since >= 90)))
    assert idle.filter(pl.col("net") > 0).height > 10, "idle with earnings"
    assert idle.filter(pl.col("net").fill_null(0) <= 0).height > 10, "idle without earnings"
    long_term = c.filter(
        (pl.col("type") == "hourly")
        & ((pl.col("last_paid") - pl.col("first_paid")).dt.total_days() >= 90)
        & (since < 90)
    )
    assert long_term.height > 20
    gaps = (
        market.payments.filter(pl.col("amount") > 0)
        .join(c.select(pl.col("id").alias("contract")), on="contract")
        .with_columns(gap=pl.col("date").diff().over("contract").dt.total_days())
        .group_by("contract")
        .agg(pl.len(), pl.col("gap").max())
    )
    sporadic = gaps.filter((pl.col("len") >= 3) & (pl.col("gap") >= 60))
    assert sporadic.height > 0, "no retainer-like sporadic contract"


def test_payments_refunds_and_zero_contracts(market: History) -> None:
    c = _by_contract(market)
    hourly = market.payments.join(
        market.contracts.filter(pl.col("type") == "hourly").select(pl.col("id").alias("contract")),
        on="contract",
    )
    gap = hourly.with_columns(pl.col("date").diff().over("contract").dt.total_days())["date"]
    assert set(gap.drop_nulls().mode().to_list()) <= {7, 14, 30}
    refunds = market.payments.filter(pl.col("amount") < 0)
    assert refunds.height > 20
    assert c.filter(pl.col("payments") >= 2, pl.col("net").abs() < 0.005).height > 0, "full refund"
    zero = c.filter(pl.col("end").is_not_null() & pl.col("payments").is_null())
    assert zero.height > 0
    amounts = market.payments.filter(pl.col("amount") > 0)["amount"]
    assert as_float(amounts.quantile(0.5)) < 1_000 < as_float(amounts.quantile(0.99))


def test_disputes_harsh_clients_and_actions(market: History) -> None:
    d, a, f, c = market.disputes, market.actions, market.feedback, market.contracts
    assert 0 < d.height < 0.02 * c.height
    assert set(d["outcome"]) == set(DISPUTE_OUTCOMES)
    assert set(a["type"]) == {"client_flagged", "report_upheld", "appeal_upheld"}
    assert a.height < 0.05 * c.height
    harsh = a.filter(pl.col("type") == "client_flagged", pl.col("note").str.contains("harsh"))
    rated = f.join(c.select(pl.col("id").alias("contract"), "client"), on="contract")
    per = (
        rated.filter(pl.col("client").is_in(harsh["client"].implode()))
        .group_by("client")
        .agg(pl.col("recommend").mean(), pl.col("freelancer").n_unique(), pl.col("stars").mean())
    )
    assert per.height > 3
    assert as_float(per["recommend"].median()) < 5, "flagged clients are not harsh"
    assert as_float(per["freelancer"].max()) >= 3
    others = rated.filter(~pl.col("client").is_in(harsh["client"].implode()))
    assert as_float(per["stars"].mean()) < as_float(others["stars"].mean())
    removed = a.filter(pl.col("type") == "report_upheld")
    notes = removed["note"]
    assert notes.str.contains("terms").any() and notes.str.contains("abusive").any()
