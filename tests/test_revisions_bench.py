"""bench/revisions.py compares two revisions only when they give the same results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import engine_bench
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


class _Worker:
    """A stand-in worker: its forecast (``forecast``) and its batch's scored count
    (``scored``) as the test says; timing it is a failure (no figure may be printed)."""

    forecast = "same"
    scored: int | None = None

    def __init__(self, src: Path, market: Path) -> None:
        cases = (*revisions.CASES, revisions.BATCH)
        self.results = {c: self.forecast if c == "forecast" else c for c in cases}
        want = engine_bench.reference(market)["result"]
        self.batch = {**want, **({} if self.scored is None else {"scored": self.scored})}
        type(self).forecast = f"{self.forecast}+"  # the next worker's differs

    def time(self, case: str) -> tuple[float, float]:
        raise AssertionError("timed although a check failed")

    def close(self) -> None:
        pass


def test_different_results_stop_the_run_before_any_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(revisions, "Worker", type("Differs", (_Worker,), {}))
    assert revisions.main(["--base", "HEAD", "--rounds", "1", "--freelancers", "200"]) == 1
    assert "different results: forecast; no figures" in capsys.readouterr().out


def test_a_batch_unlike_jobsuccess_batch_stops_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Agreeing(_Worker):
        forecast = "same"

        def __init__(self, src: Path, market: Path) -> None:
            super().__init__(src, market)
            type(self).forecast = "same"  # both revisions agree with each other

    monkeypatch.setattr(revisions, "Worker", type("Off", (Agreeing,), {"scored": 1}))
    assert revisions.main(["--base", "HEAD", "--rounds", "1", "--freelancers", "200"]) == 1
    out = capsys.readouterr().out
    assert "self-check failed, no figures" in out and "disagrees with jobsuccess batch" in out
