"""Agencies as subjects: an agency's score is the score of one freelancer who had all the
agency's contracts (help centre: "an aggregated score of all the agency's jobs")."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from jobsuccess.engine import Scores, score
from jobsuccess.errors import InputError
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook
from jobsuccess.subjects import agencies, for_agencies, for_agency
from reference import Freelancer
from strategies import REPLAYED, Case, Market, cases, named, policies

FEW = settings(max_examples=max(10, settings().max_examples // 2), deadline=None)


def with_agencies(history: History, owner: dict[tuple[str, str], str | None]) -> History:
    """``history`` with each contract's agency set from ``owner[(freelancer, id)]``."""
    c = history.contracts
    agency = [owner[(f, i)] for f, i in zip(c["freelancer"], c["id"], strict=True)]
    return history.with_frame(
        "contracts", c.with_columns(pl.Series("agency", agency, dtype=pl.String()))
    )


def solo(market: Market, owner: dict[tuple[str, str], str | None], agency: str) -> Market:
    """The reference: one freelancer named ``agency`` who had every contract done for it,
    written by hand (ids qualified, actions carried as the docstring of for_agencies says)."""
    contracts, actions = [], []
    for fr in market.freelancers:
        mine = {c.id: c for c in fr.contracts if owner[(fr.id, c.id)] == agency}
        contracts += [replace(c, id=f"{fr.id}/{c.id}") for c in mine.values()]
        clients = {c.client for c in mine.values()}
        for a in fr.actions:
            if a.contract is not None and a.contract in mine:
                actions.append(replace(a, contract=f"{fr.id}/{a.contract}"))
            elif a.contract is None and a.client in clients:
                actions.append(a)
    return Market(
        (Freelancer(agency, tuple(contracts), tuple(dict.fromkeys(actions))),), market.everywhere
    )


def comparable(s: Scores) -> dict[str, pl.DataFrame]:
    """The frames, without the contract column that only the agency version fills in."""
    return {
        "scores": s.scores,
        "windows": s.windows,
        "ledger": s.ledger.drop("agency", strict=False),
    }


@FEW
@given(
    case=cases(max_freelancers=3, max_contracts=6),
    policy=st.one_of(st.sampled_from(REPLAYED).map(named), policies()),
    data=st.data(),
)
def test_an_agency_scores_like_one_freelancer_with_all_its_contracts(
    case: Case, policy: Policy, data: st.DataObject
) -> None:
    owner = {
        (fr.id, c.id): data.draw(st.sampled_from(("A", "A", "B", None)))
        for fr in case.market.freelancers
        for c in fr.contracts
    }
    history = with_agencies(case.history(), owner)
    book = PolicyBook.single(policy)
    both = for_agencies(history)
    assert sorted(both.freelancers) == agencies(history)
    for agency in agencies(history):
        got = score(for_agency(history, agency), book, case.on)
        want = score(solo(case.market, owner, agency).history(), book, case.on)
        for name, frame in comparable(got).items():
            try:
                assert_frame_equal(frame, comparable(want)[name])
            except AssertionError as e:
                raise AssertionError(f"agency {agency}, {name}: {e}") from None
        # scoring every agency at once gives each the same as scoring it alone
        together = score(both, book, case.on).of(agency)
        assert_frame_equal(together.scores, got.scores)


def _history() -> History:
    rows = [
        ("f1", "c1", "k1", "A"),
        ("f2", "c1", "k1", "A"),  # the same id for another freelancer: two contracts
        ("f2", "c2", "k2", None),
        ("f3", "c9", "k3", "B"),
    ]
    contracts = pl.DataFrame(
        [
            {"freelancer": f, "id": i, "client": k, "type": "fixed", "agency": a,
             "start": dt.date(2024, 1, 1), "end": dt.date(2024, 2, 1)}
            for f, i, k, a in rows
        ]
    )  # fmt: skip
    payments = pl.DataFrame(
        [{"freelancer": f, "contract": i, "date": dt.date(2024, 2, 1), "amount": 100.0}
         for f, i, _, _ in rows]
    )  # fmt: skip
    actions = pl.DataFrame(
        [
            {"freelancer": "f1", "type": "appeal_upheld", "date": dt.date(2024, 3, 1),
             "contract": "c1", "client": None},
            {"freelancer": "f2", "type": "client_flagged", "date": dt.date(2024, 3, 1),
             "contract": None, "client": "k1"},
            {"freelancer": "f2", "type": "client_flagged", "date": dt.date(2024, 3, 2),
             "contract": None, "client": "k2"},  # f2 never worked with k2 for an agency
            {"freelancer": None, "type": "client_flagged", "date": dt.date(2024, 3, 3),
             "contract": None, "client": "k3"},
        ]
    )  # fmt: skip
    return History.from_frames(contracts=contracts, payments=payments, actions=actions)


def test_for_agencies_rekeys_every_table() -> None:
    h = for_agencies(_history())
    assert h.contracts.select("freelancer", "id", "client").rows() == [
        ("A", "f1/c1", "k1"),
        ("A", "f2/c1", "k1"),
        ("B", "f3/c9", "k3"),
    ]
    assert h.payments.select("freelancer", "contract").rows() == [
        ("A", "f1/c1"),
        ("A", "f2/c1"),
        ("B", "f3/c9"),
    ]
    assert h.actions.select("freelancer", "type", "contract", "client").rows() == [
        ("A", "appeal_upheld", "f1/c1", None),
        ("A", "client_flagged", None, "k1"),
        (None, "client_flagged", None, "k3"),
    ]


def test_for_agency_keeps_one_and_names_unknown_ones() -> None:
    assert for_agency(_history(), "B").freelancers == ["B"]
    with pytest.raises(InputError, match=r"field --agency: no contract done for agency 'Z' "
                       r"\(agencies here: A, B\)"):  # fmt: skip
        for_agency(_history(), "Z")


def test_colliding_qualified_ids_are_refused() -> None:
    h = _history()
    c = pl.DataFrame(
        [
            {"freelancer": "f1/x", "id": "y", "client": "k", "type": "fixed", "agency": "A",
             "start": dt.date(2024, 1, 1)},
            {"freelancer": "f1", "id": "x/y", "client": "k", "type": "fixed", "agency": "A",
             "start": dt.date(2024, 1, 1)},
        ]
    )  # fmt: skip
    with pytest.raises(InputError, match="would both be 'f1/x/y'"):
        for_agencies(h.with_frame("contracts", c))
