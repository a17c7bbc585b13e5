"""docs/domain.md section 5: windows, trending, the displayed best-of, eligibility and cadence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from histories import (
    contract,
    d,
    days,
    displayed,
    head,
    history,
    job,
    rows,
    run,
    windows,
)
from jobsuccess.engine.place import LOOKUP_FROM, months_before
from jobsuccess.model import History

# --- Upwork's worked example. ---


def _band(first: str, last: str, *, success: int, neutral: int, tag: str) -> list[dict[str, Any]]:
    """Contracts with feedback spread over [first, last]: ``success`` at 5 stars, then
    ``neutral`` at 4.2 stars. Each is $100 for two weeks (weight 1) from its own client, and
    public feedback only, so no private answer waits for privacy pooling."""
    n = success + neutral
    span = (d(last) - d(first)).days
    out = []
    for i in range(n):
        feedback = days(first, span * i // max(n - 1, 1))
        out.append(
            job(
                f"{tag}{i:02d}", f"{tag}-client-{i:02d}", end=days(feedback, -1), amount=100,
                stars=5.0 if i < success else 4.2, recommend=None, end_reason=None,
            )
        )  # fmt: skip
    return out


WORKED_ON = "2025-06-30"


def worked_example() -> History:
    """As of 2025-06-30 (policy 2024-09): 24m 92, 12m 88, 6m 94, 3m 98, trending 96.

    Weight-1 outcomes by age: the last 3 months 49 successes + 1 neutral (98 of 50); 3 to 6
    months 45 + 5 (6m: 94 of 100); 6 to 12 months 16 + 9 (12m: 110 of 125 = 88); 12 to 24
    months 74 + 1 (24m: 184 of 200 = 92).
    """
    return history(
        *_band("2025-04-01", "2025-06-29", success=49, neutral=1, tag="a"),
        *_band("2025-01-01", "2025-03-29", success=45, neutral=5, tag="b"),
        *_band("2024-07-01", "2024-12-29", success=16, neutral=9, tag="c"),
        *_band("2023-07-01", "2024-06-29", success=74, neutral=1, tag="d"),
    )


@pytest.mark.parametrize("pooled", [False, True], ids=["raw", "shipped"])
def test_rule_5_upwork_worked_example(pooled: bool) -> None:
    scores = run(worked_example(), WORKED_ON, pooled=pooled, statuses=False)
    w = windows(scores)
    assert {name: w[name]["score"] for name in w} == {
        "3m": 98.0,
        "6m": 94.0,
        "12m": 88.0,
        "24m": 92.0,
        "trending": 96.0,
    }
    assert [w[name]["total"] for name in ("3m", "6m", "12m", "24m")] == [50, 100, 125, 200]
    top = head(scores)
    assert (top["policy"], top["score"], top["best"]) == ("2024-09", 96, "trending")


# --- Windows. ---


def _one(feedback: str) -> History:
    return history(job("c1", "k1", end=days(feedback, -1)))


def _in(h: History, as_of: dt.date | str, window: str) -> bool:
    return bool(rows(run(h, as_of, statuses=False))["c1"][f"in_{window}"])


def test_rule_5_contract_leaves_6m_window_after_six_months_and_a_day() -> None:
    h = _one("2024-09-15")
    assert _in(h, "2025-03-15", "6m")
    assert not _in(h, "2025-03-16", "6m")
    assert _in(h, "2025-03-16", "12m")


@pytest.mark.parametrize(
    ("window", "last_day_in"),
    [("3m", "2024-12-15"), ("6m", "2025-03-15"), ("12m", "2025-09-15"), ("24m", "2026-09-15")],
)
def test_rule_5_windows_of_3_6_12_and_24_months(window: str, last_day_in: str) -> None:
    h = _one("2024-09-15")
    assert _in(h, "2024-09-15", window)
    assert _in(h, last_day_in, window)
    assert not _in(h, days(last_day_in, 1), window)


def test_rule_5_windows_count_calendar_months_at_month_ends() -> None:
    """31 August + 6 months is 28 February (2025 has no 29th): gone on 1 March."""
    h = _one("2024-08-31")
    assert _in(h, "2025-02-28", "6m")
    assert not _in(h, "2025-03-01", "6m")


def test_rule_5_outcome_dated_by_its_feedback_not_its_end() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2024-08-01", end="2024-09-01",
            paid=[("2024-09-01", 200)], feedback=("2024-09-12", 5.0, 10),
        )
    )  # fmt: skip
    ledger = rows(run(h, "2025-03-12", statuses=False))
    assert ledger["c1"]["dated"] == d("2024-09-12")
    assert ledger["c1"]["in_6m"]


def test_rule_5_long_term_contracts_are_dated_today() -> None:
    """A long-term contract is an ongoing success: fixed on the computation date."""
    h = history(
        contract(
            "c2", client="k2", start="2024-06-01", type="hourly",
            paid=[(days("2024-06-01", 30 * m), 400) for m in range(12)],
        ),
    )  # fmt: skip
    ledger = rows(run(h, "2025-05-01", statuses=False))
    assert ledger["c2"]["rule"] == "long_term"
    assert ledger["c2"]["dated"] == d("2025-05-01")
    assert all(ledger["c2"][f"in_{w}"] for w in ("3m", "6m", "12m", "24m"))


def test_rule_5_idle_contracts_are_dated_the_day_they_became_idle() -> None:
    """Reconstruction (docs/domain.md): an idle outcome is dated last activity + idle.days and
    leaves the windows like any other outcome."""
    h = history(contract("c1", client="k1", start="2024-01-01", paid=[("2024-01-10", 300)]))
    ledger = rows(run(h, "2025-05-01", statuses=False))
    assert ledger["c1"]["rule"] == "idle_with_earnings"
    assert ledger["c1"]["dated"] == d("2024-04-09")  # 2024-01-10 + 90 days
    assert [w for w in ("3m", "6m", "12m", "24m") if ledger["c1"][f"in_{w}"]] == ["24m"]
    later = rows(run(h, "2026-04-10", statuses=False))
    assert not any(later["c1"][f"in_{w}"] for w in ("3m", "6m", "12m", "24m"))


def test_rule_5_a_dormant_freelancer_does_not_decay_to_zero() -> None:
    """Three good jobs and two contracts left open without payment: two years later the idle
    contracts have left every window with the jobs; the score is gone, not 0%."""
    h = history(
        job("c1", "k1", end="2023-01-10"),
        job("c2", "k2", end="2023-01-20"),
        job("c3", "k3", end="2023-02-01"),
        contract("o1", client="k4", start="2023-01-01"),
        contract("o2", client="k5", start="2023-01-05"),
    )
    assert run(h, "2023-06-01", statuses=False).scores["score"][0] == 20  # (3 - 2) / 5
    late = run(h, "2025-06-01", statuses=False).scores
    assert late["score"][0] is None
    assert "no counted outcomes" in late["reason"][0]


def test_rule_5_dispute_dated_when_opened() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2024-06-01", end="2024-09-20", paid=[("2024-07-01", 300)],
            dispute=("2024-08-10", "client"),
        )
    )  # fmt: skip
    ledger = rows(run(h, "2025-02-10", statuses=False))
    assert ledger["c1"]["dated"] == d("2024-08-10")
    assert ledger["c1"]["in_6m"]
    assert not rows(run(h, "2025-02-11", statuses=False))["c1"]["in_6m"]


# --- Per-window scores, trending, best-of. ---


def test_rule_5_each_window_has_its_own_score() -> None:
    """A negative 8 months ago weighs in 12m and 24m only."""
    h = history(
        job("c1", "k1", end="2024-09-01", recommend=2),
        job("c2", "k2", end="2024-10-01"),
        job("c3", "k3", end="2025-02-01"),
        job("c4", "k4", end="2025-04-01"),
    )
    w = windows(run(h, "2025-05-01", statuses=False))
    assert (w["3m"]["score"], w["6m"]["score"]) == (100.0, 100.0)
    assert (w["12m"]["score"], w["24m"]["score"]) == (50.0, 50.0)
    assert (w["6m"]["outcomes"], w["12m"]["outcomes"]) == (2, 4)
    assert (w["12m"]["success"], w["12m"]["negative"], w["12m"]["total"]) == (3.0, 1.0, 4.0)


def test_rule_5_trending_is_the_mean_of_6m_and_3m() -> None:
    """3m: 2 successes (100); 6m adds a neutral and a negative 4-5 months ago: (2 - 1) / 4 = 25."""
    h = history(
        job("c1", "k1", end="2024-12-01", recommend=8),
        job("c2", "k2", end="2024-12-15", recommend=3),
        job("c3", "k3", end="2025-03-01"),
        job("c4", "k4", end="2025-04-01"),
    )
    w = windows(run(h, "2025-05-01", statuses=False))
    assert (w["6m"]["score"], w["3m"]["score"]) == (25.0, 100.0)
    assert w["trending"]["score"] == 62.5
    assert (w["trending"]["outcomes"], w["trending"]["clients"]) == (4, 4)  # those of 6m
    assert displayed(h, "2025-05-01") == 63  # 62.5, rounded half up


def test_rule_5_trending_needs_both_windows_eligible() -> None:
    h = history(job("c1", "k1", end="2024-12-01"), job("c2", "k2", end="2024-12-15"))
    scores = run(h, "2025-05-01", statuses=False)
    w = windows(scores)
    assert (w["6m"]["eligible"], w["3m"]["eligible"], w["trending"]["eligible"]) == (
        True, False, False,
    )  # fmt: skip
    assert w["trending"]["score"] is None
    assert head(scores)["best"] == "6m"


def test_rule_5_trending_joins_the_best_of_in_2021() -> None:
    h = history(job("c1", "k1", end="2020-12-01"), job("c2", "k2", end="2020-12-02"),
                job("c3", "k3", end="2020-12-03"), job("c4", "k4", end="2020-12-04"))  # fmt: skip
    before = run(h, "2020-12-27", statuses=False)  # policy 2020-11
    after = run(h, "2021-01-10", statuses=False)  # policy 2021
    assert set(windows(before)) == {"6m", "12m", "24m"}
    assert set(windows(after)) == {"3m", "6m", "12m", "24m", "trending"}
    assert (head(before)["best"], head(after)["best"]) == ("6m", "trending")


def test_rule_5_display_is_the_best_eligible_window() -> None:
    """An old negative pulls 12m and 24m down; the recent windows show 100."""
    h = history(
        job("c1", "k1", end="2024-07-01", recommend=0),
        job("c2", "k2", end="2024-08-01"),
        job("c3", "k3", end="2025-03-01"),
        job("c4", "k4", end="2025-04-01"),
    )
    top = head(run(h, "2025-05-01", statuses=False))
    assert (top["score"], top["best"], top["best_score"]) == (100, "trending", 100.0)


def test_rule_5_display_rounds_half_up_to_a_whole_percent() -> None:
    """7 successes and 1 neutral: 87.5 shows as 88; 2 and 1: 66.67 shows as 67."""
    eighths = history(
        *(job(f"c{i}", f"k{i}", end="2025-03-01") for i in range(7)),
        job("c7", "k7", end="2025-03-01", recommend=7),
    )
    top = head(run(eighths, "2025-04-01", statuses=False))
    assert (top["best_score"], top["score"]) == (87.5, 88)
    thirds = history(
        job("c1", "k1", end="2025-03-01"),
        job("c2", "k2", end="2025-03-01"),
        job("c3", "k3", end="2025-03-01", recommend=8),
    )
    assert displayed(thirds, "2025-04-01") == 67


def test_rule_5_display_ties_go_to_the_earlier_candidate() -> None:
    h = history(job("c1", "k1", end="2025-03-01"), job("c2", "k2", end="2025-03-02"))
    assert head(run(h, "2025-04-01", statuses=False))["best"] == "trending"
    old = history(*(job(f"c{i}", f"k{i}", end="2020-06-01") for i in range(4)))
    assert head(run(old, "2020-07-05", statuses=False))["best"] == "6m"  # 2020-03: no trending


def test_rule_5_score_never_below_zero() -> None:
    h = history(
        job("c1", "k1", end="2025-03-01"),
        job("c2", "k2", end="2025-03-01", recommend=1),
        job("c3", "k3", end="2025-03-01", recommend=1),
    )
    w = windows(run(h, "2025-04-01", statuses=False))
    assert w["24m"]["score"] == 0.0
    assert displayed(h, "2025-04-01") == 0


# --- Eligibility, per policy era. ---


def test_rule_5_eligibility_2015_three_distinct_clients() -> None:
    two_clients = history(
        job("c1", "k1", end="2017-03-01"),
        job("c2", "k2", end="2017-03-01"),
        job("c3", "k2", end="2017-03-02"),
    )
    three_clients = history(*(job(f"c{i}", f"k{i}", end="2017-03-01") for i in range(3)))
    assert displayed(two_clients, "2017-04-02") is None
    assert displayed(three_clients, "2017-04-02") == 100
    assert displayed(two_clients, "2017-04-02", policy="2015-03") is None


def test_rule_5_eligibility_2020_11_two_clients_four_outcomes() -> None:
    three = history(*(job(f"c{i}", f"k{i}", end="2021-03-01") for i in range(3)))
    four_from_two = history(
        job("c1", "k1", end="2021-03-01"),
        job("c2", "k1", end="2021-03-02"),
        job("c3", "k2", end="2021-03-03"),
        job("c4", "k2", end="2021-03-04"),
    )
    four_from_one = history(*(job(f"c{i}", "k1", end="2021-03-01") for i in range(4)))
    assert displayed(three, "2021-04-04") is None
    assert displayed(four_from_two, "2021-04-04") == 100
    assert displayed(four_from_one, "2021-04-04") is None


def test_rule_5_eligibility_2023_12_two_projects_two_clients() -> None:
    two = history(job("c1", "k1", end="2024-03-01"), job("c2", "k2", end="2024-03-01"))
    one_client = history(job("c1", "k1", end="2024-03-01"), job("c2", "k1", end="2024-03-02"))
    assert displayed(two, "2024-04-07") == 100
    assert run(two, "2024-04-07", statuses=False).scores["policy"][0] == "2023-12"
    assert displayed(one_client, "2024-04-07") is None
    assert displayed(two, "2024-04-07", policy="2021") is None  # 2021 needed 4 outcomes


def test_rule_5_no_score_below_eligibility_says_why() -> None:
    h = history(job("c1", "k1", end="2025-03-01"))
    top = head(run(h, "2025-04-01", statuses=False))
    assert (top["score"], top["best"]) == (None, None)
    assert top["reason"] == (
        "not enough evidence: 1 outcomes from 1 clients in the last 24 months; "
        "a score needs 2 outcomes from 2 different clients"
    )
    nothing = head(run(history(contract("c1", client="k1", start="2025-03-01")), "2025-04-01"))
    assert nothing["reason"].startswith("no counted outcomes in the last 24 months")


def test_rule_5_eligibility_is_per_window() -> None:
    """Two outcomes 8 months ago: 12m and 24m have a score, 6m, 3m and trending none."""
    h = history(job("c1", "k1", end="2024-09-01"), job("c2", "k2", end="2024-09-02", recommend=8))
    scores = run(h, "2025-05-01", statuses=False)
    w = windows(scores)
    assert [w[n]["eligible"] for n in ("3m", "6m", "trending", "12m", "24m")] == [
        False, False, False, True, True,
    ]  # fmt: skip
    assert (head(scores)["score"], head(scores)["best"]) == (50, "12m")


# --- Cadence. ---


def test_rule_5_cadence_biweekly_sundays_until_2024_09() -> None:
    h = history(job("c1", "k1", end="2023-01-01"))
    anchor = d("2015-03-08")  # 2023-12 moves it to 2023-12-10, a week later
    for n in range(0, 312, 13):  # 2023-02-01 .. 2023-11-27
        as_of = days("2023-02-01", n)
        computed = run(h, as_of, statuses=False).scores["computed_on"][0]
        assert computed.weekday() == 6  # Sunday
        assert (computed - anchor).days % 14 == 0
        assert 0 <= (as_of - computed).days < 14
    anchor = d("2023-12-10")
    for n in range(312, 575, 13):  # 2023-12-10 .. 2024-08-27
        as_of = days("2023-02-01", n)
        computed = run(h, as_of, statuses=False).scores["computed_on"][0]
        assert computed.weekday() == 6  # Sunday
        assert (computed - anchor).days % 14 == 0
        assert 0 <= (as_of - computed).days < 14
    assert run(h, "2024-09-02", statuses=False).scores["computed_on"][0] == d("2024-09-01")


def test_rule_5_cadence_daily_since_2024_09_03() -> None:
    h = history(job("c1", "k1", end="2023-01-01"))
    for as_of in ("2024-09-03", "2024-09-04", "2025-01-01", "2025-06-14"):
        top = head(run(h, as_of, statuses=False))
        assert (top["computed_on"], top["policy"]) == (d(as_of), "2024-09")


def test_rule_5_score_moves_only_on_computation_dates() -> None:
    """Feedback on Wednesday 2024-05-15 shows from the computation of Sunday 2024-05-26."""
    h = history(
        job("c1", "k1", end="2024-04-01"),
        job("c2", "k2", end="2024-04-02"),
        job("c3", "k3", end="2024-05-14", recommend=0),
    )
    assert [displayed(h, day) for day in ("2024-05-15", "2024-05-25", "2024-05-26")] == [
        100, 100, 33,
    ]  # fmt: skip


def test_months_before_moves_every_day_as_polars_calendar_months_do() -> None:
    """`place.months_before` (a lookup over the distinct dates on a large frame, arithmetic
    per row on a small one) equals polars' own ``offset_by`` on every day the engine accepts,
    month ends and leap days included, and leaves a row without a date without one."""
    every = pl.date_range(dt.date(1970, 1, 1), dt.date(2199, 12, 31), "1d", eager=True)
    days = every.append(pl.Series([None], dtype=pl.Date()))
    small = days.gather_every(LOOKUP_FROM // 2 + 1)  # a frame below the lookup's size
    assert days.len() >= LOOKUP_FROM > small.len() > 1
    for frame_days in (days, small):
        frame = pl.DataFrame({"on": frame_days})
        for months in (1, 3, 6, 12, 24):
            moved = frame.select(months_before(frame_days, months)).to_series()
            assert moved.equals(frame_days.dt.offset_by(f"-{months}mo")), months
