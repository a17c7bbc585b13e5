"""Public statements the engine follows, one test each, named after its source (docs/
statements.md lists them: statement, source, rule, test). Under ``--policy auto``: the
faithful replay, no pooling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from histories import action, d, days, head, history, job, outcome, run
from jobsuccess.cli import app

runner = CliRunner()


def _worked(end_reason: str | None, private: bool) -> Any:
    """Upwork's worked example (community post 904715) as of 2025-06-30: 24m 92, 12m 88,
    6m 94, 3m 98, so trending (98 + 94) / 2 = 96 is shown. Successes have 5 stars (and a 10
    when ``private``), neutrals 4.2 stars (and an 8)."""

    def band(first: str, last: str, success: int, neutral: int, tag: str) -> list[Any]:
        n, span = success + neutral, (d(last) - d(first)).days
        return [
            job(
                f"{tag}{i:02d}", f"{tag}-{i:02d}", end=days(first, span * i // (n - 1) - 1),
                amount=100, stars=5.0 if i < success else 4.2,
                recommend=(10 if i < success else 8) if private else None, end_reason=end_reason,
            )
            for i in range(n)
        ]  # fmt: skip

    return history(
        *band("2025-04-01", "2025-06-29", 49, 1, "a"),
        *band("2025-01-01", "2025-03-29", 45, 5, "b"),
        *band("2024-07-01", "2024-12-29", 16, 9, "c"),
        *band("2023-07-01", "2024-06-29", 74, 1, "d"),
    )


@pytest.mark.parametrize(
    ("end_reason", "private"),
    [(None, False), ("completed", False), ("completed", True)],
    ids=["no end reason", "completed", "private answers"],
)
def test_community_904715_worked_example_shows_96(end_reason: str | None, private: bool) -> None:
    top = head(run(_worked(end_reason, private), "2025-06-30", statuses=False))
    assert (top["score"], top["best"]) == (96, "trending")


def test_help_centre_38439816969875_zero_dollar_contracts() -> None:
    """No payment and no feedback: no impact; no payment with negative feedback can lower the
    score, public or private."""
    base = [job("g1", "k1", end="2025-03-01"), job("g2", "k2", end="2025-03-02")]
    silent = history(*base, job("z", "kz", end="2025-03-03", amount=0, feedback=False))
    public = history(*base, job("z", "kz", end="2025-03-03", amount=0, stars=1.0, recommend=None))
    private = history(*base, job("z", "kz", end="2025-03-03", amount=0, stars=5.0, recommend=1))
    happy = history(*base, job("z", "kz", end="2025-03-03", amount=0, stars=5.0, recommend=10))
    scores = [
        head(run(h, "2025-04-01", statuses=False))["score"]
        for h in (silent, public, private, happy)
    ]
    assert scores == [100, 33, 33, 100]


def test_release_note_2020_11_08_no_feedback_excluded_and_two_clients() -> None:
    """ "On November 8th, 2020, we updated the JSS calculation process": contracts without
    feedback no longer count, and 2 distinct clients are enough."""
    h = history(
        job("c1", "k1", end="2020-09-01"),
        job("c2", "k2", end="2020-09-15"),
        job("c3", "k1", end="2020-09-20"),
        job("c4", "k2", end="2020-10-01"),
        *(job(f"s{i}", f"q{i}", end="2020-10-05", feedback=False) for i in range(5)),
    )
    before, after = (
        head(run(h, "2020-11-07", statuses=False)),
        head(run(h, "2020-11-08", statuses=False)),
    )
    assert (before["policy"], before["score"]) == ("2020-03", 0)  # 5 of 9 silent: excessive
    assert (after["policy"], after["computed_on"], after["score"]) == (
        "2020-11",
        d("2020-11-08"),
        100,
    )


@pytest.mark.parametrize("day", ["2015-06-28", "2015-07-12", "2023-12-10"])
def test_reported_update_dates_are_computation_dates(day: str) -> None:
    """Users reported updates on Sundays 2015-06-28 and 2015-07-12; the 2023-12 change showed
    on 2023-12-10."""
    top = head(run(history(job("c1", "k1", end="2015-03-02")), day, statuses=False))
    assert top["computed_on"] == d(day)


def test_announcement_87248_contracts_paused_for_client_behaviour_do_not_count() -> None:
    h = history(
        job("g1", "k1", end="2025-03-01"),
        job("g2", "k2", end="2025-03-02"),
        job("bad", "kb", end="2025-03-03", recommend=0),
        actions=[action("contract_paused", "2025-03-10", contract="bad", cause="client")],
    )
    assert head(run(h, "2025-03-09", statuses=False))["score"] == 33
    assert head(run(h, "2025-03-10", statuses=False))["score"] == 100


def test_help_centre_219801228_no_removal_perk_after_2024_09_03() -> None:
    h = history(
        *(job(f"g{i}", f"k{i}", end=days("2024-10-01", 7 * i)) for i in range(12)),
        job("bad", "kb", end="2025-03-03", recommend=0),
        actions=[action("feedback_removed", "2025-03-10", contract="bad")],
    )
    assert outcome(h, "2025-03-11", "bad")[0] == "private_negative"


def test_my_stats_top_rated_eligible_week_is_rising_talent_or_90() -> None:
    from engine.test_status import _scored_from

    assert head(run(history(*_scored_from("2025-03-10")), "2025-06-01"))["top_rated"] is True
    low = _scored_from("2025-03-10", first_stars=4.5)  # no Rising Talent before the score
    assert head(run(history(*low), "2025-06-01"))["top_rated"] is False


def test_help_centre_agency_score_aggregates_all_its_jobs(tmp_path: Path) -> None:
    """ "An agency's score is an aggregated score of all the agency's jobs"."""
    market = [
        {
            "freelancer": f,
            "contracts": [
                {
                    "id": "c1", "client": f"k-{f}", "type": "fixed", "start": "2025-01-01",
                    "end": "2025-02-01", "end_reason": "completed", "agency": "a1",
                    "payments": [{"date": "2025-01-20", "amount": 300}],
                    "feedback": {"date": "2025-02-02", "stars": 5.0, "recommend": r},
                }
            ],
        }
        for f, r in (("f1", 10), ("f2", 10), ("f3", 2))
    ]  # fmt: skip
    path = tmp_path / "market.json"
    path.write_text(json.dumps(market), encoding="utf-8")
    args = ["score", str(path), "--agency", "a1", "--as-of", "2025-03-01", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["score"] == 33  # (2 - 1) / 3 over the three freelancers' jobs


def test_faithful_default_equals_privacy_k_1_and_k_3_pools(tmp_path: Path) -> None:
    """The shipped timeline is the faithful replay: ``batch`` under the defaults is byte for
    byte ``--privacy-k 1``; ``--privacy-k 3`` (or JOBSUCCESS_PRIVACY_K) pools."""
    market = tmp_path / "market"
    assert (
        runner.invoke(
            app, ["synth", "--freelancers", "300", "--seed", "7", "--out", str(market)]
        ).exit_code
        == 0
    )
    outs = {}
    for name, extra, env in (
        ("default", [], {}),
        ("k1", ["--privacy-k", "1"], {}),
        ("k3", ["--privacy-k", "3"], {}),
        ("env3", [], {"JOBSUCCESS_PRIVACY_K": "3"}),
    ):
        target = tmp_path / f"{name}.parquet"
        args = ["batch", str(market), "--as-of", "2026-06-01", "--out", str(target), *extra]
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        outs[name] = target.read_bytes()
    assert outs["default"] == outs["k1"]
    assert outs["k3"] == outs["env3"]
    assert outs["k3"] != outs["default"]
