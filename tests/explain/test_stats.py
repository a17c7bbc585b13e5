"""My Stats (`jobsuccess.explain.stats`): the figures, and the privacy of "would recommend"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from jobsuccess import explain
from jobsuccess.cli_common import load_history
from jobsuccess.explain.stats import STATS_K
from jobsuccess.model import History
from jobsuccess.policy import load_policy

STORY = Path(__file__).resolve().parents[2] / "examples" / "idle-drop.json"
DAY = dt.date(2024, 11, 20)
BOOK = load_policy("auto")


@pytest.fixture(scope="module")
def story() -> History:
    return load_history(STORY)


def _answer(history: History, rank: int, value: int) -> History:
    """The history with the ``rank``-th private answer (in feedback order) set to ``value``."""
    order = history.feedback.sort("date", "contract").get_column("contract").to_list()
    contract = order[rank]
    feedback = history.feedback.with_columns(
        recommend=pl.when(pl.col("contract") == contract)
        .then(pl.lit(value, dtype=history.feedback.schema["recommend"]))
        .otherwise(pl.col("recommend"))
    )
    return History.from_frames(**{**dict(history.frames()), "feedback": feedback})


def _share(history: History, audience: str) -> dict[str, object]:
    found = explain.stats(history, BOOK, as_of=DAY, audience=audience).to_json()  # type: ignore[arg-type]
    return dict(found["would_recommend"])


def test_an_answer_outside_a_closed_group_never_shows_to_the_freelancer(story: History) -> None:
    answers = story.feedback.height
    assert answers % STATS_K, "the story's last group is open"
    last = answers - 1
    changed = _answer(story, last, 0)
    assert _share(changed, "freelancer") == _share(story, "freelancer")
    # the teeth: the operator's plain share (no groups) does see that one answer
    assert _share(changed, "operator") != _share(story, "operator")


def test_inside_a_closed_group_only_the_groups_count_shows(story: History) -> None:
    first, second = _answer(story, 0, 0), _answer(story, 1, 0)  # same group, another member
    assert _share(first, "freelancer") == _share(second, "freelancer")
    assert _share(first, "freelancer") != _share(story, "freelancer")


def test_the_figures(story: History) -> None:
    found = explain.stats(story, BOOK, as_of=DAY).to_json()
    r = found["would_recommend"]
    closed = story.feedback.height // STATS_K * STATS_K
    assert r["answers"] == closed and r["group"] == STATS_K
    order = story.feedback.sort("date", "contract").get_column("recommend").to_list()
    assert r["share"] == round(sum(a >= 9 for a in order[:closed]) / closed, 4)
    weeks = found["top_rated_weeks"]
    assert (weeks["of"], weeks["required"], weeks["bar"]) == (16, 13, 90)
    assert 0 <= weeks["eligible"] <= 16
    paid = story.payments.filter(
        (pl.col("date") <= DAY) & (pl.col("date") > dt.date(2023, 11, 20))
    ).get_column("amount")
    assert found["earnings_12m"] == pytest.approx(float(paid.sum()), abs=0.01)
    assert found["holds"] == {"holds": [], "blocks_top_rated": False, "hold_free_days": 90}
    lt = found["long_term_clients"]
    assert lt["clients"] == story.contracts.get_column("client").n_unique()
