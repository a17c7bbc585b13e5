"""bench/revisions.py compares two revisions only when they give the same results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import revisions

BENCH = Path(revisions.__file__).parent


def test_a_run_against_head_checks_the_results_and_prints_every_case() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "revisions.py"), "--base", "HEAD", "--rounds", "1",
         "--freelancers", "200"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "same results in both" in done.stdout
    for case in (*revisions.CASES, "score_ba"):
        assert case.split(",")[0] in done.stdout


class _Differs:
    """A worker whose forecast is not the other's: the run must print no figure."""

    made = 0

    def __init__(self, src: Path, freelancers: int) -> None:
        _Differs.made += 1
        cases = (*revisions.CASES, revisions.BATCH)
        self.results = {c: f"{c}{_Differs.made if c == 'forecast' else ''}" for c in cases}

    def time(self, case: str) -> tuple[float, float]:
        raise AssertionError("timed although the results differ")

    def close(self) -> None:
        pass


def test_different_results_stop_the_run_before_any_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(revisions, "Worker", _Differs)
    assert revisions.main(["--base", "HEAD", "--rounds", "1"]) == 1
    out = capsys.readouterr().out
    assert "different results: forecast; no figures" in out
