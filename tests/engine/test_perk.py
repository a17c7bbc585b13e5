"""The feedback-removal perk, as its policies state it (help centre 219801228): only a Top
Rated freelancer, one removal per 10 jobs, at most one per 90 days, skipped when removing would
lower the score, none from 2024-09-03. A refused request changes nothing and says why."""

from __future__ import annotations

from typing import Any

from histories import action, days, head, history, job, rows, run

REQUEST = "2021-08-20"  # policy 2021; computed on 2021-08-15
AFTER = "2021-08-29"  # the next computation, when a request of 2021-08-20 is known


def _top_rated(n: int = 30, amount: float = 100, every: int = 7) -> list[dict[str, Any]]:
    """``n`` good jobs from 2021-01 (one per ``every`` days), and a 2/10 on ``neg``
    (feedback 2021-08-03)."""
    good = [
        job(f"c{i:02d}", f"k{i:02d}", end=days("2021-01-04", every * i), amount=amount)
        for i in range(n)
    ]
    return [*good, job("neg", "k-neg", end="2021-08-02", amount=100, recommend=2)]


def _with(jobs: list[dict[str, Any]], *requests: tuple[str, str]) -> Any:
    acts = [action("feedback_removed", day, contract=c, note="perk") for c, day in requests]
    return history(*jobs, actions=acts)


def test_a_top_rated_freelancer_may_remove_one_feedback() -> None:
    before = head(run(_with(_top_rated()), REQUEST))
    assert before["top_rated"] is True and before["score"] == 94
    after = run(_with(_top_rated(), ("neg", REQUEST)), AFTER)
    assert rows(after)["neg"]["rule"] == "feedback_removed"
    assert head(after)["score"] == 100


def test_a_freelancer_who_is_not_top_rated_gets_no_removal() -> None:
    few = _top_rated(amount=20)  # $620 in 12 months: not Top Rated (needs $1,000)
    scores = run(_with(few, ("neg", REQUEST)), AFTER)
    row = rows(scores)["neg"]
    assert row["rule"] == "private_negative"
    assert (
        row["removal_refused"]
        == "feedback removal refused: not Top Rated on the day of the request"
    )


def test_one_removal_per_ninety_days() -> None:
    jobs = [
        *_top_rated(60, every=3),
        job("neg2", "k-neg2", end="2021-08-04", amount=100, recommend=1),
    ]
    scores = run(_with(jobs, ("neg", REQUEST), ("neg2", "2021-08-21")), AFTER)
    ledger = rows(scores)
    assert ledger["neg"]["rule"] == "feedback_removed"
    assert ledger["neg2"]["rule"] == "private_negative"
    assert "one removal per 90 days" in ledger["neg2"]["removal_refused"]


def test_one_removal_per_ten_jobs() -> None:
    jobs = _top_rated(8)  # 9 jobs: not one removal yet, whatever the score
    ledger = rows(run(_with(jobs, ("c00", REQUEST)), AFTER))
    assert "one removal per 10 jobs" in ledger["c00"]["removal_refused"]


def test_a_removal_that_would_lower_the_score_is_skipped() -> None:
    ledger = rows(run(_with(_top_rated(), ("c29", REQUEST)), AFTER))  # a success, not neg
    assert ledger["c29"]["rule"] == "good_feedback"
    assert (
        ledger["c29"]["removal_refused"]
        == "feedback removal refused: removing it would lower the score"
    )


def test_no_perk_from_2024_09_03_but_reports_apply() -> None:
    jobs = [
        job(f"c{i:02d}", f"k{i:02d}", end=days("2024-10-01", 7 * i), amount=100) for i in range(30)
    ]
    jobs.append(job("neg", "k-neg", end="2025-05-01", amount=100, recommend=2))
    asked = rows(run(_with(jobs, ("neg", "2025-05-20")), "2025-05-21"))["neg"]
    assert asked["rule"] == "private_negative"
    assert "no feedback-removal perk under policy 2024-09" in asked["removal_refused"]
    reported = history(*jobs, actions=[action("report_upheld", "2025-05-20", contract="neg")])
    assert rows(run(reported, "2025-05-21"))["neg"]["rule"] == "report_upheld"
