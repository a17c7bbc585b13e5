"""Change attribution: the effects add up to the change of the displayed unrounded score."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from explain.stories import engine_fails, idle_drop
from histories import contract, history
from jobsuccess.engine import score
from jobsuccess.explain import Audience, explain
from jobsuccess.explain.valuation import NO_SCORE
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from strategies import Case, cases

BOOK = PolicyBook.shipped()
FAST = (Phase.explicit, Phase.reuse, Phase.generate)
"""Engine runs are slow to shrink: report the first failing example as found."""


def _value(history_: History, day: dt.date, freelancer: str = "f1") -> float:
    head = score(history_, BOOK, day, statuses=False).of(freelancer).scores.row(0, named=True)
    return NO_SCORE if head["best_score"] is None else head["best_score"]


def _check_sum(result: dict[str, Any]) -> None:
    total = math.fsum(c["effect"] for c in result["changes"])
    assert abs(total - result["delta"]) < 0.01, (total, result["delta"])
    assert [abs(c["effect"]) for c in result["changes"]] == sorted(
        (abs(c["effect"]) for c in result["changes"]), reverse=True
    )


@pytest.mark.parametrize("audience", ["freelancer", "operator"])
def test_idle_drop_is_two_idle_contracts(audience: Audience) -> None:
    h = idle_drop()
    start, end = dt.date(2024, 11, 10), dt.date(2024, 11, 30)
    result = explain(h, BOOK, start=start, end=end, audience=audience).to_json()
    _check_sum(result)
    who = h.freelancers[0]
    assert result["delta"] == pytest.approx(_value(h, end, who) - _value(h, start, who), abs=1e-6)
    movers = [c for c in result["changes"] if abs(c["effect"]) > 0.01]
    assert {c["contract"] for c in movers} == {"c7", "c8"}
    assert all(c["kind"] == "became idle" and c["effect"] < 0 for c in movers)
    assert set(result) >= {"from", "to", "delta", "changes"}
    assert all(set(c) == {"contract", "kind", "effect", "text"} for c in result["changes"])


def test_effects_sum_when_changes_interact() -> None:
    # Two idle contracts push the 3-month window below eligibility together: Shapley splits it.
    h = history(
        contract(
            "c1",
            client="k1",
            start="2024-01-01",
            end="2024-02-01",
            paid=[("2024-01-20", 500)],
            feedback=("2024-02-02", 5.0, None),
        ),
        contract("c2", client="k2", start="2024-06-01", paid=[("2024-06-02", 100)]),
        contract("c3", client="k3", start="2024-06-01", paid=[("2024-06-02", 100)]),
    )
    result = explain(
        h, BOOK, start=dt.date(2024, 8, 1), end=dt.date(2024, 9, 15), audience="operator"
    ).to_json()
    _check_sum(result)
    effects = {c["contract"]: c["effect"] for c in result["changes"] if c["effect"]}
    assert effects["c2"] == pytest.approx(effects["c3"])  # symmetric players share equally


def test_no_score_counts_as_zero() -> None:
    h = history(
        contract(
            "c1",
            client="k1",
            start="2024-01-01",
            end="2024-02-01",
            paid=[("2024-01-20", 500)],
            feedback=("2024-02-02", 5.0, None),
        ),
        contract(
            "c2",
            client="k2",
            start="2024-01-01",
            end="2024-03-01",
            paid=[("2024-01-20", 500)],
            feedback=("2024-03-02", 5.0, None),
        ),
    )
    result = explain(
        h, BOOK, start=dt.date(2024, 2, 15), end=dt.date(2024, 3, 10), audience="freelancer"
    ).to_json()
    assert result["from"]["score"] is None and result["to"]["score"] == 100
    assert result["delta"] == pytest.approx(100.0)
    _check_sum(result)


def test_policy_change_is_split_after_the_contracts() -> None:
    h = idle_drop()
    # 2024-09-03: the 2024-09 policy replaces 2023-12 (same rules for these contracts).
    result = explain(
        h, BOOK, start=dt.date(2024, 8, 25), end=dt.date(2024, 9, 10), audience="freelancer"
    ).to_json()
    _check_sum(result)
    kinds = [c["kind"] for c in result["changes"]]
    assert "policy changed" in kinds
    assert result["from"]["policy"] == "2023-12" and result["to"]["policy"] == "2024-09"


@settings(max_examples=12, phases=FAST)
@given(
    case=cases(max_freelancers=1, max_contracts=7),
    back=st.integers(1, 400),
    audience=st.sampled_from(["freelancer", "operator"]),
)
def test_effects_add_up_on_random_histories(case: Case, back: int, audience: Audience) -> None:
    h = case.history()
    assume(not engine_fails(h, case.on))
    start, end = case.on - dt.timedelta(days=back), case.on
    result = explain(h, BOOK, start=start, end=end, audience=audience).to_json()
    _check_sum(result)
    who = h.freelancers[0]
    assert result["delta"] == pytest.approx(_value(h, end, who) - _value(h, start, who), abs=1e-6)
