"""Explanations are bounded (issue 8, item 4): a budget of players, grouped by kind past it,
whose effects still add up exactly to the change; scenarios bounded in events, on the command
line too."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from explain.stories import idle_drop_json
from jobsuccess import cli
from jobsuccess.engine import screen
from jobsuccess.explain import Audience, explain, parse_scenario, whatif
from jobsuccess.explain.attribution import MAX_PLAYERS, Problem, attribute
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain_cli import register
from jobsuccess.limits import MAX_SCENARIO_EVENTS
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.synth import contracts_for

BOOK = PolicyBook.shipped()
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def busy() -> History:
    """A synthetic marketplace of 400 contracts relabelled as one freelancer's (the bench's)."""
    market = contracts_for(400, seed=3, as_of=AS_OF)
    one = History.from_frames(
        **{
            name: frame.with_columns(pl.lit("f1").alias("freelancer"))
            if name != "actions"
            else frame.with_columns(pl.when(pl.col("freelancer").is_not_null()).then(pl.lit("f1")))
            for name, frame in market.frames()
        }
    )
    return screen(one, BOOK)


def _movers(changes: list[dict[str, object]]) -> int:
    return sum(1 for c in changes if c["effect"] != 0)


@pytest.mark.parametrize("audience", ["freelancer", "operator"])
def test_many_changed_contracts_stay_within_the_player_budget_and_sum_exactly(
    busy: History, audience: Audience
) -> None:
    start = AS_OF - dt.timedelta(days=90)
    first, second = snapshots(busy, BOOK, "f1", [start, AS_OF])
    assert first.policy.name == second.policy.name
    problem = Problem(first.rows, second.rows, first.policy, audience)
    free = Problem(first.rows, second.rows, first.policy, audience, max_players=10_000)
    tight = Problem(first.rows, second.rows, first.policy, audience, max_players=3)
    full, default, grouped = attribute([free, problem, tight])
    unbounded = _movers([c.to_json() for c in full.changes])
    assert unbounded > 3 and "grouped" not in full.method
    assert ("grouped by kind" in default.method) == (unbounded > MAX_PLAYERS)
    assert "grouped by kind" in grouped.method
    for result, most in ((default, MAX_PLAYERS), (grouped, 3)):
        moving = [c for c in result.changes if c.effect != 0]
        assert 0 < len(moving) <= most
        assert math.fsum(c.effect for c in result.changes) == pytest.approx(result.delta, abs=1e-9)
        # the same change, only split among fewer players
        assert (result.before, result.after) == pytest.approx((full.before, full.after))
        # every changed contract is still named by some change
        named = {x for c in result.changes for x in c.contracts}
        assert named == {x for c in full.changes for x in c.contracts}
    answer = explain(busy, BOOK, start=start, end=AS_OF, audience=audience).to_json()
    assert _movers(answer["changes"]) <= MAX_PLAYERS
    total = math.fsum(c["effect"] for c in answer["changes"])
    assert total == pytest.approx(answer["delta"], abs=1e-4)


def test_a_whatif_with_many_hypothetical_contracts_is_grouped_and_sums(busy: History) -> None:
    events = [
        {"type": "add_contract", "id": f"h{i}", "client": f"hk{i}", "start": "2026-06-01",
         "end": "2026-07-01", "ended_by": "client", "payments": [{"amount": 300.0}],
         "feedback": {"stars": 5}}
        for i in range(MAX_SCENARIO_EVENTS)
    ]  # fmt: skip
    result = whatif(busy, BOOK, as_of=AS_OF, scenario=parse_scenario(events)).to_json()
    assert "grouped by kind" in result["method"]
    assert _movers(result["changes"]) <= MAX_PLAYERS
    total = math.fsum(c["effect"] for c in result["changes"])
    assert total == pytest.approx(result["delta"], abs=1e-4)


def test_a_scenario_over_the_limit_is_a_one_line_error_on_the_command_line(
    tmp_path: Path,
) -> None:
    import typer

    app = typer.Typer()
    app.command("score")(cli.score_command)
    register(app)
    story = tmp_path / "story.json"
    story.write_text(json.dumps(idle_drop_json()))
    scenario = tmp_path / "big.json"
    event = {"type": "payment", "contract": "c1", "amount": 1.0}
    scenario.write_text(json.dumps({"events": [event] * (MAX_SCENARIO_EVENTS + 1)}))
    runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})
    result = runner.invoke(app, ["whatif", str(story), "--scenario", str(scenario)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"at most {MAX_SCENARIO_EVENTS} events" in lines[0], lines
