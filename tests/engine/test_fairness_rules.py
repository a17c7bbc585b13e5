"""The jobsuccess-2026 fairness rules (issue 13, items 3 and 4; docs/rules.md, *ours*).

Each rule has a named test under ``--policy jobsuccess-2026`` and one showing that the shipped
timeline (``auto``, 2024-09 on these dates) is unchanged by it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from histories import action, contract, d, history, job, outcome, rows, run
from jobsuccess.engine import BY_NAME, score_batch
from jobsuccess.engine.facts import client_activity
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook, load_policy, read_policy

OURS = "jobsuccess-2026"
AS_OF = "2025-06-01"


def test_jobsuccess_2026_is_shipped_but_not_in_the_timeline() -> None:
    book = PolicyBook.shipped()
    assert OURS not in [p.name for p in book]
    assert book.in_force(d("2026-06-01")).name == "2024-09"
    ours = read_policy(OURS)
    assert ours.timeline is False
    assert ours.scope_change.enabled and ours.vanished_client.enabled
    assert ours.idle.rhythm_factor > 0
    # Everything else is 2024-09's.
    base = read_policy("2024-09")
    for section in ("outcomes", "weights", "windows", "eligibility", "cadence", "top_rated"):
        assert getattr(ours, section) == getattr(base, section)
    assert [p.name for p in load_policy(OURS).policies] == [OURS]


# --- Item 3: a scope change, closed and reopened. ---


def _scope_change(gap: int, end_reason: str = "not_completed", ended_by: str = "client") -> History:
    return history(
        job("c0", "k0", end="2025-01-10"),
        job("c9", "k9", end="2025-02-10"),
        contract(
            "c1", client="k1", start="2025-02-01", end="2025-03-01", ended_by=ended_by,
            end_reason=end_reason, paid=[("2025-02-20", 400)], feedback=("2025-03-02", 5.0, 9),
        ),
        contract(
            "c2", client="k1", start=dt.date(2025, 3, 1) + dt.timedelta(days=gap),
            paid=[("2025-03-20", 300)],
        ),
    )  # fmt: skip


def test_scope_change_closed_and_reopened_counts_as_continued() -> None:
    h = _scope_change(gap=5)
    rule, result, weight, _ = outcome(h, AS_OF, "c1", OURS)
    assert (rule, result, weight) == ("scope_change", "excluded", 0.0)
    text = BY_NAME["scope_change"].describe(rows(run(h, AS_OF, OURS))["c1"], read_policy(OURS))
    assert "continued as c2" in text and "not as a failure" in text
    # The faithful timeline holds it against the freelancer, as Upwork does.
    assert outcome(h, AS_OF, "c1")[:2] == ("negative_end_reason", "negative")


def test_scope_change_needs_the_replacement_within_the_days_a_negative_reason_and_the_client() -> (
    None
):
    assert outcome(_scope_change(gap=30), AS_OF, "c1", OURS)[0] == "negative_end_reason"
    assert outcome(_scope_change(gap=5, ended_by="freelancer"), AS_OF, "c1", OURS)[0] == (
        "negative_end_reason"
    )
    assert outcome(_scope_change(gap=5, end_reason="completed"), AS_OF, "c1", OURS)[0] == (
        "good_feedback"
    )
    # Before the replacement starts it is not known yet.
    assert outcome(_scope_change(gap=10), "2025-03-05", "c1", OURS)[0] == "negative_end_reason"
    assert outcome(_scope_change(gap=10), "2025-03-11", "c1", OURS)[0] == "scope_change"


def test_scope_change_is_off_with_pooling() -> None:
    pooled = read_policy(OURS).with_privacy(3)
    assert BY_NAME["scope_change"].condition(pooled) is None


# --- Item 4: vanished clients. ---


def _vanished(client_paid_elsewhere: str | None) -> History:
    others = []
    if client_paid_elsewhere is not None:
        others.append(
            contract(
                "x1", client="k1", start="2024-12-01", freelancer="f2",
                paid=[(client_paid_elsewhere, 100)],
            )
        )  # fmt: skip
    return history(
        job("c0", "k0", end="2025-01-10"),
        job("c9", "k9", end="2025-02-10"),
        contract("c1", client="k1", start="2024-11-01", paid=[("2024-12-01", 500)]),
        *others,
    )


def test_client_vanished_idle_contract_is_not_held_against_the_freelancer() -> None:
    h = _vanished(None)
    assert outcome(h, AS_OF, "c1", OURS)[:2] == ("client_vanished", "excluded")
    assert outcome(h, AS_OF, "c1")[:2] == ("idle_with_earnings", "neutral")  # auto: unchanged


def test_client_vanished_reads_the_clients_activity_with_everyone() -> None:
    """The client still pays another freelancer: it has not vanished, the contract is idle."""
    h = _vanished("2025-05-01")
    assert outcome(h, AS_OF, "c1", OURS)[:2] == ("idle_with_earnings", "neutral")


def test_client_vanished_in_batch_reads_the_whole_market_across_partitions() -> None:
    h = _vanished("2025-05-01")
    book = load_policy(OURS)
    for size in (1, 10):
        ledger = pl.concat(
            s.ledger for s in score_batch(h, book, d(AS_OF), partition_size=size, statuses=False)
        )
        (rule,) = ledger.filter(pl.col("id") == "c1").get_column("rule").cast(str).to_list()
        assert rule == "idle_with_earnings", size
    activity = client_activity(h)
    assert activity.filter(pl.col("client") == "k1").get_column("date").max() == d("2025-05-01")


def test_client_vanished_after_an_operator_pause_the_pause_decides() -> None:
    h = history(
        job("c0", "k0", end="2025-01-10"),
        job("c9", "k9", end="2025-02-10"),
        contract("c1", client="k1", start="2024-11-01", paid=[("2024-12-01", 500)]),
        actions=[action("contract_paused", "2025-03-01", contract="c1", cause="client")],
    )
    assert outcome(h, AS_OF, "c1", OURS)[0] == "paused_by_client"


# --- Item 4: retainers, idle only well beyond their own rhythm. ---


def _retainer(last: str) -> History:
    paid = [("2024-01-15", 900), ("2024-04-15", 900), ("2024-07-15", 900), (last, 900)]
    return history(
        job("c0", "k0", end="2025-01-10"),
        job("c9", "k9", end="2025-02-10"),
        contract("c1", client="k1", start="2024-01-01", type="hourly", paid=paid),
        # The client is active on the marketplace (a new contract), so it has not vanished.
        contract("c3", client="k1", start="2025-05-20", freelancer="f2"),
    )


def test_retainer_paid_quarterly_is_idle_only_after_three_of_its_gaps() -> None:
    h = _retainer(
        "2024-10-15"
    )  # paid every 92 days or so: median gap 91 days: idle after 3 x 91 = 273 days
    as_of = "2025-04-01"  # 168 days since the last payment
    assert outcome(h, as_of, "c1")[:2] == ("idle_with_earnings", "neutral")  # auto: 90 days
    assert outcome(h, as_of, "c1", OURS)[:2] == ("in_progress", "excluded")
    rule, result, _, dated = outcome(h, "2025-08-01", "c1", OURS)
    assert (rule, result) == ("idle_with_earnings", "neutral")
    assert dated == d("2024-10-15") + dt.timedelta(days=273)  # idle since its own threshold
    assert "273+" in BY_NAME[rule].describe(
        rows(run(h, "2025-08-01", OURS))["c1"], read_policy(OURS)
    )


def test_retainer_needs_a_rhythm_of_several_payments() -> None:
    h = history(
        job("c0", "k0", end="2025-01-10"),
        contract(
            "c1", client="k1", start="2024-06-01", paid=[("2024-06-15", 500), ("2024-12-01", 500)]
        ),
        contract("c3", client="k1", start="2025-03-20", freelancer="f2"),
    )  # two paid days: no rhythm, idle after 90 days as in 2024-09
    assert outcome(h, "2025-04-01", "c1", OURS)[:2] == ("idle_with_earnings", "neutral")
