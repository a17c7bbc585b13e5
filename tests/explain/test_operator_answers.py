"""The operator view shows the private answers the engine counted, and only those."""

from __future__ import annotations

import datetime as dt

from histories import contract, history
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain.view import score_view
from jobsuccess.policy import PolicyBook

BOOK = PolicyBook.shipped()


def _answers(feedback_day: str) -> dict[str, object]:
    h = history(
        contract(
            "c1",
            client="k1",
            start="2025-01-01",
            end="2025-02-01",
            paid=[("2025-01-15", 500)],
            feedback=(feedback_day, 5.0, 3),
        )
    )
    (snap,) = snapshots(h, BOOK, "f1", [dt.date(2025, 4, 1)])
    view = score_view(snap, BOOK, "operator").to_json()
    return {str(c["id"]): c.get("private_answer") for c in view["contracts"]}


def test_feedback_after_its_time_ran_out_shows_no_private_answer() -> None:
    """Feedback 28 days after the end does not exist for the engine (14-day limit), so the
    operator view must not show its answer as if it counted (issue 11)."""
    assert _answers("2025-03-01") == {"c1": None}


def test_feedback_in_time_shows_its_private_answer() -> None:
    assert _answers("2025-02-05") == {"c1": {"recommend": 3, "end_reason": "completed"}}
