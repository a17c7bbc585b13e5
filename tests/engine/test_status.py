"""docs/domain.md section 6: statuses that depend on the score.

Top Rated looks back on 16 weekly scores; with dates from 2024-12-17 on, every one of them is
computed daily under policy 2024-09 (2 outcomes from 2 clients make a score).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from histories import action, contract, d, days, head, history, job, run
from jobsuccess.engine import score, status
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook

ON = "2025-06-01"


def _scored_from(
    second_feedback: str,
    *,
    first_start: str = "2024-09-20",
    amount: float = 600,
    second_amount: float | None = None,
    active: bool = True,
    first_stars: float = 5.0,
) -> list[dict[str, Any]]:
    """One success in October 2024 (no score yet), a second one that makes the score 100 from
    ``second_feedback`` on; paid ``amount`` each (the second paid the day before). ``active``:
    a contract started on 2025-05-01 (nothing paid yet) keeps the account active in June."""
    first = contract(
        "c1", client="k1", start=first_start, end="2024-10-01",
        paid=[("2024-10-01", amount)], feedback=("2024-10-02", first_stars, 10),
    )  # fmt: skip
    second = contract(
        "c2", client="k2", start=days(second_feedback, -20), end=days(second_feedback, -1),
        paid=[(days(second_feedback, -1), second_amount or amount)],
        feedback=(second_feedback, 5.0, 10),
    )  # fmt: skip
    recent = [contract("c3", client="k3", start="2025-05-01")] if active else []
    return [first, second, *recent]


def _status(h: History | list[dict[str, Any]], as_of: str = ON, **kw: Any) -> dict[str, Any]:
    return head(run(h if isinstance(h, History) else history(*h), as_of, **kw))


def test_rule_6_top_rated() -> None:
    top = _status(_scored_from("2025-01-05"))
    assert (top["score"], top["top_rated"], top["top_rated_plus"]) == (100, True, False)


def test_rule_6_top_rated_13_of_16_weeks() -> None:
    """Scored from 2025-03-09 = ON - 12 weeks: 13 of the 16 weekly scores are at 90+."""
    assert _status(_scored_from("2025-03-09"))["top_rated"] is True


def test_rule_6_top_rated_not_with_12_of_16_weeks() -> None:
    """4.5 stars on the first job: a success, but no Rising Talent (4.8 stars) before the
    score, so only the 12 weeks with a score are eligible."""
    top = _status(_scored_from("2025-03-10", first_stars=4.5))
    assert (top["score"], top["top_rated"]) == (100, False)


def test_rule_6_top_rated_eligible_weeks_include_rising_talent() -> None:
    """My Stats: a Top Rated eligible week has Rising Talent status or a JSS >= 90%. With 5
    stars on the first job the weeks before the score are Rising Talent weeks."""
    top = _status(_scored_from("2025-03-10"))
    assert (top["score"], top["top_rated"]) == (100, True)


def test_rule_6_top_rated_needs_no_account_hold_in_90_days() -> None:
    held = [action("account_hold", "2025-02-01", until="2025-03-15", note="ToS notice")]
    recent = history(*_scored_from("2025-01-05"), actions=held)
    assert _status(recent, "2025-06-01")["top_rated"] is False  # lifted 2025-03-15: 78 days
    assert _status(recent, "2025-06-14")["top_rated"] is True  # 91 days after
    open_ended = history(
        *_scored_from("2025-01-05"), actions=[action("account_hold", "2024-01-01")]
    )
    assert _status(open_ended)["top_rated"] is False


def test_rule_6_top_rated_plus_large_contract_by_category() -> None:
    """The policy's table sets a category's large-contract bar; others use the default."""
    jobs = _scored_from("2025-01-05", amount=6_000)
    for c in jobs:
        c["category"] = "writing"
    book = PolicyBook.shipped()
    table = {"writing": 5_000.0}
    changed = PolicyBook(
        tuple(
            p.model_copy(
                update={
                    "top_rated_plus": p.top_rated_plus.model_copy(
                        update={"large_contract_min_by_category": table}
                    )
                }
            )
            for p in book
        )
    )
    assert _status(jobs)["top_rated_plus"] is False  # $6,000 < the default $10,000
    assert head(score(history(*jobs), changed, d(ON)))["top_rated_plus"] is True


def test_rule_6_top_rated_plus_large_contract_needs_recent_earnings() -> None:
    """A large contract counts only with earnings in the last 12 months."""
    old_large = contract(
        "c0", client="k0", start="2024-01-01", end="2024-05-20",
        paid=[("2024-05-20", 10_000)], feedback=("2024-05-21", 5.0, 10),
    )  # fmt: skip
    h = [old_large, *_scored_from("2025-01-05", amount=6_000)]
    top = _status(h)
    assert (top["top_rated"], top["top_rated_plus"]) == (True, False)


def test_rule_6_top_rated_needs_a_score_of_90_now() -> None:
    """Scored 100 for months; today 89 (8 successes and a lukewarm one): not Top Rated."""
    h = history(
        *(job(f"c{i}", f"k{i}", end="2024-12-01", amount=300) for i in range(8)),
        job("c9", "k9", end="2025-05-30", amount=300, recommend=8),
    )
    top = _status(h)
    assert (top["score"], top["top_rated"]) == (89, False)
    assert _status(h, "2025-05-29")["top_rated"] is True


def test_rule_6_top_rated_needs_1000_earned_in_12_months() -> None:
    assert _status(_scored_from("2025-01-05", amount=500))["top_rated"] is True
    top = _status(_scored_from("2025-01-05", amount=500, second_amount=499))
    assert (top["score"], top["top_rated"]) == (100, False)


def test_rule_6_top_rated_counts_only_the_last_12_months_of_earnings() -> None:
    """$600 paid 2025-01-04 and $500 in July: $1,100 in the 12 months to 2026-01-03, $500 in
    those to 2026-01-04. A contract started in December keeps the account active."""
    h = [
        *_scored_from("2025-01-05", active=False),
        job("c3", "k3", end="2025-07-31", amount=500),
        contract("c4", client="k4", start="2025-12-01"),
    ]
    assert _status(h, "2026-01-03")["top_rated"] is True
    top = _status(h, "2026-01-04")
    assert (top["score"], top["top_rated"]) == (100, False)


def test_rule_6_top_rated_needs_first_contract_over_90_days_ago() -> None:
    """Two jobs in March 2025 make a score from 2025-03-09; the account's first contract
    started exactly 90 days before ON: not yet; a day earlier: Top Rated."""

    def account(first_start: str) -> list[dict[str, Any]]:
        return [
            contract(
                "c1", client="k1", start=first_start, end="2025-03-06",
                paid=[("2025-03-06", 600)], feedback=("2025-03-07", 5.0, 10),
            ),
            contract(
                "c2", client="k2", start="2025-03-04", end="2025-03-08",
                paid=[("2025-03-08", 600)], feedback=("2025-03-09", 5.0, 10),
            ),
        ]  # fmt: skip

    young = _status(account("2025-03-03"))
    assert (young["score"], young["top_rated"]) == (100, False)
    assert _status(account("2025-03-02"))["top_rated"] is True


def test_rule_6_top_rated_needs_activity_in_the_last_90_days() -> None:
    """Last payment 2025-03-08: active on 2025-06-05 (89 days), not on 2025-06-06 (90)."""
    h = _scored_from("2025-03-09", active=False)
    assert _status(h, "2025-06-05")["top_rated"] is True
    top = _status(h, "2025-06-06")
    assert (top["score"], top["top_rated"]) == (100, False)


def test_rule_6_top_rated_plus() -> None:
    top = _status(_scored_from("2025-01-05", second_amount=10_000))
    assert (top["top_rated"], top["top_rated_plus"]) == (True, True)


def test_rule_6_top_rated_plus_needs_one_large_contract() -> None:
    """$12,000 in 12 months, but no single contract of $10,000."""
    top = _status(_scored_from("2025-01-05", amount=6_000))
    assert (top["top_rated"], top["top_rated_plus"]) == (True, False)


def test_rule_6_top_rated_plus_needs_10000_in_12_months() -> None:
    """A $10,000 contract, but paid more than 12 months ago."""
    h = [
        contract(
            "c0", client="k0", start="2023-01-01", end="2023-05-01",
            paid=[("2023-05-01", 10_000)], feedback=("2023-05-02", 5.0, 10),
        ),
        *_scored_from("2025-01-05"),
    ]  # fmt: skip
    top = _status(h)
    assert (top["top_rated"], top["top_rated_plus"]) == (True, False)


def test_rule_6_rising_talent_without_a_score_yet() -> None:
    top = _status(history(job("c1", "k1", end="2025-05-01", amount=300)))
    assert (top["score"], top["rising_talent"], top["top_rated"]) == (None, True, False)


@pytest.mark.parametrize(("amount", "stars"), [(200, 5.0), (300, 4.6)])
def test_rule_6_rising_talent_needs_250_earned_and_4_8_stars(amount: float, stars: float) -> None:
    """Reconstruction (third-party summaries): about $250 in 12 months and 4.8 stars."""
    top = _status(history(job("c1", "k1", end="2025-05-01", amount=amount, stars=stars)))
    assert (top["score"], top["rising_talent"]) == (None, False)


def test_rule_6_rising_talent_not_with_a_negative() -> None:
    h = history(job("c1", "k1", end="2025-04-01"), job("c2", "k1", end="2025-05-01", recommend=3))
    top = _status(h)
    assert (top["score"], top["rising_talent"]) == (None, False)


def test_rule_6_rising_talent_needs_a_success() -> None:
    top = _status(history(job("c1", "k1", end="2025-05-01", feedback=False)))
    assert (top["score"], top["rising_talent"]) == (None, False)


def test_rule_6_rising_talent_ends_with_the_first_score() -> None:
    h = history(job("c1", "k1", end="2025-04-01"), job("c2", "k2", end="2025-05-01"))
    top = _status(h)
    assert (top["score"], top["rising_talent"]) == (100, False)


def test_rule_6_removed_feedback_no_longer_counts() -> None:
    """A report for a terms violation upheld: the feedback is removed, in any era."""
    h = history(
        job("c1", "k1", end="2025-03-01"),
        job("c2", "k2", end="2025-03-01"),
        job("c3", "k3", end="2025-03-01", recommend=2),
        actions=[action("report_upheld", "2025-04-15", contract="c3", note="terms violation")],
    )
    assert [_status(h, day, statuses=False)["score"] for day in ("2025-04-14", "2025-04-15")] == [
        33,
        100,
    ]


@pytest.mark.parametrize("agency", ["f1", "agency-7"])
def test_rule_6_agencies_same_formula_over_all_their_contracts(agency: str) -> None:
    """An agency is scored like a freelancer, over every contract done for it."""
    h = history(
        job("c1", "k1", end="2025-03-01", freelancer=agency),
        job("c2", "k2", end="2025-03-01", recommend=8, freelancer=agency),
        job("c1", "k1", end="2025-03-01", recommend=0, freelancer="other"),
    )
    scores = run(h, "2025-04-01", statuses=False)
    by = dict(scores.scores.select("freelancer", "score").rows())
    assert by[agency] == 50
    assert by["other"] is None


def test_rule_6_past_weeks_in_stages_give_what_all_past_weeks_give(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The past weekly dates run in two stages, the second only for freelancers the first
    left undecided: Top Rated is what one run of every past date gives, on dates of both
    cadences and two policies at once (the second stage does run here)."""
    from jobsuccess.engine import core
    from jobsuccess.engine.pipeline import Run
    from jobsuccess.policy import Policy, load_policy
    from jobsuccess.synth import DEFAULT_AS_OF, marketplace

    market, book = marketplace(300, seed=4), load_policy("auto")
    dates = [DEFAULT_AS_OF, dt.date(2024, 9, 20), dt.date(2023, 6, 1)]
    stages = core._stages
    sizes: list[int] = []

    def run_all(
        h: History, runs: dict[dt.date, Policy], clients: pl.DataFrame | None = None
    ) -> Run:
        sizes.append(h.contracts.get_column("freelancer").n_unique())
        return real(h, runs, clients)

    real = core._run_all
    monkeypatch.setattr(core, "_run_all", run_all)
    staged = score(market, book, dates)
    assert len(sizes) == 3 and 0 < sizes[2] < sizes[1]  # main, stage 1, a smaller stage 2
    monkeypatch.setattr(
        core,
        "_stages",
        lambda runs, samples: [dict(kv for s in stages(runs, samples) for kv in s.items())],
    )
    whole = score(market, book, dates)
    assert staged.scores.get_column("top_rated").sum() > 0
    assert staged.scores.equals(whole.scores)


def _on_scores(expr: pl.Expr, scores: list[int | None]) -> list[object]:
    frame = pl.DataFrame({"score": scores}, schema={"score": pl.Int64})
    return frame.select(expr).to_series().to_list()


def test_may_hold_and_lapse_reason_read_the_bar_and_rising_talent_from_the_policy() -> None:
    """The predicates the forecast reads: the bar and whether Rising Talent exists."""
    book = PolicyBook.shipped()
    p = book.in_force(d(ON))
    bar = p.top_rated.min_score
    scores: list[int | None] = [bar - 1, bar, None]
    assert _on_scores(status.may_hold(p), scores) == [False, True, p.rising_talent.enabled]
    assert _on_scores(status.lapse_reason(p), scores) == [status.BELOW_BAR, None, status.BELOW_BAR]
    rising = p.rising_talent.model_copy(update={"enabled": False})
    off = p.model_copy(update={"rising_talent": rising})
    assert _on_scores(status.may_hold(off), [None]) == [False]
