"""Synth plants the cases the jobsuccess-2026 rules are for (issue 13 item 6)."""

from __future__ import annotations

import polars as pl

from jobsuccess.engine import score
from jobsuccess.policy import load_policy
from jobsuccess.synth import DEFAULT_AS_OF, marketplace, planted_marketplace


def test_planted_cases_are_new_rows_and_marketplace_is_the_same_frames() -> None:
    h, planted = planted_marketplace(1500, seed=3)
    assert all(
        a.equals(b)
        for (_, a), (_, b) in zip(h.frames(), marketplace(1500, seed=3).frames(), strict=True)
    )
    assert planted.scope_changes and planted.vanished and planted.retainers
    assert planted.harsh_clients
    ids = set(h.contracts.get_column("id").to_list())
    assert planted.scope_changes | planted.vanished | planted.retainers <= ids


def test_jobsuccess_2026_decides_every_planted_case_and_2024_09_none() -> None:
    h, planted = planted_marketplace(1500, seed=3)
    expected = {
        "scope_change": (planted.scope_changes, "negative_end_reason"),
        "client_vanished": (planted.vanished, "idle_with_earnings"),
        "in_progress": (planted.retainers, "idle_with_earnings"),
    }
    for policy in ("auto", "jobsuccess-2026"):
        ledger = score(h, load_policy(policy), DEFAULT_AS_OF, statuses=False).ledger
        for ours, (ids, faithful) in expected.items():
            rules = set(ledger.filter(pl.col("id").is_in(list(ids))).get_column("rule").cast(str))
            assert rules == {ours if policy != "auto" else faithful}, (policy, ours)
