"""The evidence block beside every score (issue 13 item 5; docs/rules.md, "Evidence")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from histories import history, job, run
from jobsuccess.figures import evidence, wilson
from jobsuccess.policy import PolicyBook
from jobsuccess.report import score_json


def test_wilson_interval_matches_the_textbook_values() -> None:
    # 8 of 10: the Wilson 95% interval is 0.4902-0.9433 (Agresti and Coull's table).
    low, high = wilson(0.8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson(1.0, 4)[1] == 1.0 and wilson(0.0, 4)[0] == 0.0


def test_evidence_four_at_100_is_not_sixty_at_91() -> None:
    """The README's promise: 4 contracts at 100% is weaker evidence than 60 at 91%."""
    few = evidence("12m", {"12m": {"score": 100.0, "outcomes": 4, "clients": 4}})
    many = evidence("12m", {"12m": {"score": 91.0, "outcomes": 60, "clients": 40}})
    assert few["low"] < many["low"] < 91.0 < many["high"]
    assert few["high"] == 100.0
    assert few == {
        "window": "12m", "outcomes": 4, "clients": 4, "method": "wilson", "level": 0.95,
        "low": few["low"], "high": 100.0,
    }  # fmt: skip


def test_evidence_without_a_score_names_the_longest_window_and_no_interval() -> None:
    block = evidence(None, {"6m": {"score": None, "outcomes": 1, "clients": 1}, "24m": {
        "score": None, "outcomes": 1, "clients": 1}})  # fmt: skip
    assert block["window"] == "24m" and block["low"] is None and block["high"] is None


def test_score_json_evidence_is_the_displayed_windows() -> None:
    h = history(*(job(f"c{i}", f"k{i}", end=f"2025-0{i}-10") for i in range(1, 6)))
    on = dt.date(2025, 6, 1)
    book = PolicyBook.shipped()
    view = score_json(run(h, on), book, "f1", on)
    best = view["windows"][view["best"]]
    block = view["evidence"]
    assert block["window"] == view["best"]
    assert (block["outcomes"], block["clients"]) == (best["outcomes"], best["clients"])
    assert block["low"] <= best["score"] <= block["high"]


def test_the_html_report_states_the_evidence(tmp_path: Path) -> None:
    from pathlib import Path

    from typer.testing import CliRunner

    from jobsuccess.cli import app

    story = Path(__file__).parents[1] / "examples" / "idle-drop.json"
    out = tmp_path / "r.html"
    args = ["report", str(story), "--as-of", "2024-11-20", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Evidence: 16 outcomes from 15 clients; 95% interval 53-91% (Wilson)." in out.read_text()
