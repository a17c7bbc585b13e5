"""Agencies in the synthetic marketplace: a few, deterministic, scored like freelancers."""

from __future__ import annotations

import polars as pl

from aggregates import as_float
from jobsuccess.engine import score
from jobsuccess.policy import PolicyBook
from jobsuccess.subjects import agencies, for_agencies
from jobsuccess.synth import DEFAULT_AS_OF, contracts_for, marketplace


def test_a_share_of_freelancers_work_for_a_few_agencies() -> None:
    c = marketplace(2000, seed=5).contracts
    members = c.filter(pl.col("agency").is_not_null())
    assert members["agency"].str.contains(r"^a\d{4,}$").all()
    share = members["freelancer"].n_unique() / c["freelancer"].n_unique()
    assert 0.06 < share < 0.14
    per_agency = members.group_by("agency").agg(pl.col("freelancer").n_unique())["freelancer"]
    assert 15 <= per_agency.len() <= 40
    assert as_float(per_agency.median()) >= 4
    # a member does some contracts on its own, and belongs to one agency only
    own = c.filter(pl.col("freelancer").is_in(members["freelancer"].implode()))
    assert own["agency"].null_count() > 0
    assert members.group_by("freelancer").agg(pl.col("agency").n_unique())["agency"].max() == 1


def test_agencies_are_deterministic_per_seed() -> None:
    a, b = marketplace(300, seed=9).contracts, marketplace(300, seed=9).contracts
    assert a.equals(b)
    assert not a["agency"].equals(marketplace(300, seed=10).contracts["agency"])
    assert contracts_for(5000, seed=2).contracts["agency"].null_count() < 5000


def test_every_synthetic_agency_gets_scored() -> None:
    h = marketplace(400, seed=7)
    result = score(for_agencies(h), PolicyBook.shipped(), DEFAULT_AS_OF, statuses=False)
    assert result.scores["freelancer"].to_list() == agencies(h)
    assert result.scores["score"].drop_nulls().len() > 0
