"""One freelancer of a marketplace is explained with the marketplace's numbers.

A policy with ``vanished_client`` on (jobsuccess-2026) asks whether a client has had any
activity on the whole marketplace; the explanations of one freelancer cut from a market read
the market's client activity (`jobsuccess.explain.part_of`), so that they explain the score
`batch` gives, not the one the freelancer's own contracts alone would give.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from jobsuccess import explain
from jobsuccess.engine import score
from jobsuccess.engine.facts import client_activity
from jobsuccess.explain.frozen import freeze
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook, load_policy
from jobsuccess.report import batch_rows
from jobsuccess.synth import marketplace

DAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def market() -> History:
    return marketplace(300, seed=5)


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_policy("jobsuccess-2026")


@pytest.fixture(scope="module")
def moved(market: History, book: PolicyBook) -> dict[str, int]:
    """Batch's score of the freelancers whose own contracts alone would score otherwise."""
    batch = dict(batch_rows(market, book, DAY).select("freelancer", "score").iter_rows())
    out = {}
    for f in market.freelancers[:80]:
        alone = score(market.only([f]), book, DAY).scores.get_column("score").item()
        if alone != batch[f]:
            out[f] = batch[f]
    assert out  # the teeth: on this market the difference shows
    return out


def test_every_explanation_gives_batchs_score(
    market: History, book: PolicyBook, moved: dict[str, int]
) -> None:
    for f, want in list(moved.items())[:3]:
        assert explain.score_for(market, book, as_of=DAY, freelancer=f).to_json()["score"] == want
        change = explain.explain(market, book, start=dt.date(2026, 6, 1), end=DAY, freelancer=f)
        assert change.to_json()["to"]["score"] == want
        ahead = explain.forecast(market, book, as_of=DAY, months=3, freelancer=f)
        assert ahead.to_json()["now"]["score"] == want
        versus = explain.compare(market, load_policy("2024-09"), book, as_of=DAY, freelancer=f)
        assert versus.to_json()["to"]["score"] == want


def test_alone_the_freelancer_would_be_explained_otherwise(
    market: History, book: PolicyBook, moved: dict[str, int]
) -> None:
    f, want = next(iter(moved.items()))
    alone = explain.score_for(market.only([f]), book, as_of=DAY, freelancer=f)
    assert alone.to_json()["score"] != want
    # the same part with the market's activity attached is explained like the market
    part = market.only([f]).with_market(client_activity(market))
    assert explain.score_for(part, book, as_of=DAY).to_json()["score"] == want


def test_a_policy_without_vanished_clients_reads_no_market(market: History) -> None:
    shipped = PolicyBook.shipped()
    part = explain.part_of(market, [market.freelancers[0]], shipped)
    assert part.market is None
    assert (
        explain.part_of(market, [market.freelancers[0]], load_policy("jobsuccess-2026")).market
        is not None
    )


def test_a_frozen_history_knows_the_market_as_of_its_day(market: History) -> None:
    day = dt.date(2025, 6, 1)
    part = market.only([market.freelancers[0]]).with_market(client_activity(market))
    frozen = freeze(part, day)
    assert frozen.market is not None
    assert frozen.market.get_column("date").max() <= day  # type: ignore[operator]
    assert frozen.market.height == client_activity(market).filter(pl.col("date") <= day).height


def _active_stranger(market: History, f: str) -> str:
    """A client ``f`` never worked with, paid by someone in the 30 days before `DAY`."""
    mine = set(market.only([f]).contracts.get_column("client").to_list())
    recent = market.payments.filter(
        (pl.col("date") > DAY - dt.timedelta(days=30)) & (pl.col("amount") > 0)
    ).join(
        market.contracts.select("freelancer", pl.col("id").alias("contract"), "client"),
        on=["freelancer", "contract"],
    )
    return next(str(c) for c in recent.get_column("client").unique().sort() if c not in mine)


def _without_client(market: History, client: str) -> History:
    """``market`` without the contracts (and their records) of one client."""
    gone = market.contracts.filter(pl.col("client") == client).select(
        "freelancer", pl.col("id").alias("contract")
    )
    return History.from_frames(
        contracts=market.contracts.filter(pl.col("client") != client),
        **{
            t: getattr(market, t).join(gone, on=["freelancer", "contract"], how="anti")
            for t in ("payments", "feedback", "disputes")
        },
        actions=market.actions,
    )


@pytest.mark.parametrize("audience", ["freelancer", "operator"])
def test_a_freelancers_whatif_does_not_tell_a_strangers_activity(
    market: History, book: PolicyBook, audience: explain.Audience
) -> None:
    """A hypothetical contract with a client one never worked with, left idle: for the
    freelancer, its outcome must not tell whether that client is active elsewhere (vanished
    or not); an operator's what-if reads the market (the same check finds the difference)."""
    scored = batch_rows(market, book, DAY).filter(pl.col("score").is_between(50, 99))
    f = scored.get_column("freelancer").sort().item(0)
    stranger = _active_stranger(market, f)
    event = {"type": "add_contract", "id": "hyp", "client": stranger, "start": "2026-03-01",
             "payments": [{"date": "2026-03-05", "amount": 500}]}  # fmt: skip
    scenario = explain.parse_scenario({"events": [event]})

    def after(history: History) -> object:
        result = explain.whatif(
            history, book, as_of=DAY, scenario=scenario, audience=audience, freelancer=f
        )
        return result.to_json()["after"]

    same = after(market) == after(_without_client(market, stranger))
    assert same == (audience == "freelancer")
