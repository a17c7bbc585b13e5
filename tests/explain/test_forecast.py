"""Forecasts match the engine's own later computations, date by date."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from explain.stories import engine_fails, idle_drop
from jobsuccess.engine import score
from jobsuccess.explain import forecast
from jobsuccess.explain.forecast import STATUSES, computation_plan
from jobsuccess.explain.frozen import freeze
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from strategies import Case, cases

BOOK = PolicyBook.shipped()
FAST = (Phase.explicit, Phase.reuse, Phase.generate)

Change = tuple[str, int | None, dict[str, object]]
"""A forecast point: its date, the score then and every status."""


def _engine_changes(h: History, who: str, as_of: dt.date, months: int) -> list[Change]:
    """(date, score, statuses) wherever the engine's score or a status changes."""
    dates = [on for on, _ in computation_plan(BOOK, as_of, months)]
    frame = score(h, BOOK, dates).of(who).scores.sort("as_of")
    rows = [
        (r["as_of"].isoformat(), r["score"], {s: r[s] for s in STATUSES})
        for r in frame.iter_rows(named=True)
    ]
    return [b for a, b in itertools.pairwise(rows) if (a[1], a[2]) != (b[1], b[2])]


def _check(result: dict[str, Any], expected: list[Change]) -> None:
    got = [(p["date"], p["score"], p["status"]) for p in result["changes"]]
    assert got == expected
    for p in result["changes"]:
        total = math.fsum(c["effect"] for c in p["causes"])
        assert abs(total - p["delta"]) < 0.01


def test_idle_drop_forecast_matches_the_real_later_scores() -> None:
    h = idle_drop()
    as_of = dt.date(2024, 10, 28)  # after the last record: the future is the real one
    result = forecast(h, BOOK, as_of=as_of, months=2, audience="freelancer").to_json()
    expected = _engine_changes(h, "f1", as_of, 2)
    _check(result, expected)
    assert [p["date"] for p in result["changes"]][:2] == ["2024-11-18", "2024-11-24"]
    first, second = result["changes"][:2]
    assert [c["contract"] for c in first["causes"] if c["effect"]] == ["c7"]
    assert first["causes"][0]["kind"] == "became idle"
    assert [c["contract"] for c in second["causes"] if c["effect"]] == ["c8"]


def test_forecast_ignores_what_happens_after_the_day() -> None:
    h = idle_drop()
    early = forecast(h, BOOK, as_of=dt.date(2024, 9, 15), months=3, audience="operator").to_json()
    expected = _engine_changes(freeze(h, dt.date(2024, 9, 15)), "f1", dt.date(2024, 9, 15), 3)
    _check(early, expected)
    assert early["assumption"].startswith("nothing new happens")


def test_forecast_across_a_policy_change_and_a_cadence_change() -> None:
    h = idle_drop()
    as_of = dt.date(2024, 8, 1)  # 2023-12 (every two weeks) until 2024-09-03, then daily
    result = forecast(h, BOOK, as_of=as_of, months=4, audience="freelancer").to_json()
    _check(result, _engine_changes(freeze(h, as_of), "f1", as_of, 4))


@settings(max_examples=10, phases=FAST)
@given(case=cases(max_freelancers=1, max_contracts=7), months=st.integers(1, 4))
def test_forecast_matches_the_engine_on_random_histories(case: Case, months: int) -> None:
    h = case.history()
    assume(not engine_fails(h, case.on))
    who = h.freelancers[0]
    result = forecast(h, BOOK, as_of=case.on, months=months, audience="operator").to_json()
    _check(result, _engine_changes(freeze(h.only([who]), case.on), who, case.on, months))
