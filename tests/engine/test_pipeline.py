"""The pipeline as data (issue 11): `evaluate` folds over `PIPELINE`, one module per step."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from histories import contract, d, history
from jobsuccess.engine import LEDGER, PIPELINE, Run, core, evaluate, privacy, score
from jobsuccess.engine.pipeline import LedgerStep
from jobsuccess.policy import Policy, read_policy

AS_OF = d("2025-04-01")
H = history(
    contract("c1", client="k1", start="2025-01-01", end="2025-02-01",
             paid=[("2025-01-15", 500)], feedback=("2025-02-02", 5.0, 10)),
    contract("c2", client="k2", start="2025-01-10", end="2025-02-10",
             paid=[("2025-01-20", 300)], feedback=("2025-02-11", 5.0, 9)),
)  # fmt: skip


def _module(step: object) -> str:
    function = step.function if isinstance(step, LedgerStep) else step
    return str(getattr(function, "__module__", ""))


def test_each_step_lives_in_its_own_module() -> None:
    modules = [_module(s) for s in PIPELINE]
    assert all(m.startswith("jobsuccess.engine.") for m in modules)
    assert len(set(modules)) == len(modules), modules
    assert LedgerStep(privacy.pool) in PIPELINE


def test_evaluate_folds_over_the_pipeline_as_it_is_when_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A step added to (or swapped in) the tuple runs: the composition is the tuple."""
    seen: list[int] = []

    def count(run: Run, policy: Policy) -> Run:
        seen.append(run.ledger.height)
        return replace(run, ledger=run.ledger.with_columns(marked=pl.lit(True)))

    policy = read_policy("2024-09")
    plain = evaluate(H, policy, [AS_OF])
    assert isinstance(plain, Run) and "marked" not in plain.ledger.columns
    steps = list(PIPELINE)
    steps.insert(steps.index(LedgerStep(privacy.pool)) + 1, count)
    monkeypatch.setattr(core, "PIPELINE", tuple(steps))
    marked = evaluate(H, policy, [AS_OF])
    assert seen == [2]
    assert marked.ledger.get_column("marked").all()
    # The rest of the fold is untouched: the same summary.
    assert marked.summary.equals(plain.summary)


def test_score_reads_the_pipeline_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping the summary's step breaks `score`: it does fold over the tuple."""
    before = score(H, read_policy("2024-09"), AS_OF).scores
    assert before.get_column("score").to_list() == [100]
    monkeypatch.setattr(core, "PIPELINE", PIPELINE[:-1])
    with pytest.raises(pl.exceptions.PolarsError):
        score(H, read_policy("2024-09"), AS_OF)


def test_evaluate_through_the_ledger_stops_before_the_figures() -> None:
    """``through=LEDGER``: the same ledger as the whole fold, and no window figures made."""
    policy = read_policy("2024-09")
    whole = evaluate(H, policy, [AS_OF, d("2025-06-01")])
    ledger = evaluate(H, policy, [AS_OF, d("2025-06-01")], through=LEDGER)
    assert ledger.ledger.equals(whole.ledger) and ledger.ledger.height == 4
    assert whole.summary.height == 2
    assert ledger.summary.is_empty() and ledger.windows.is_empty()
    # any step can end the fold: through the first, not even a rule is decided yet
    facts_only = evaluate(H, policy, [AS_OF], through=PIPELINE[0])
    assert "rule" in whole.ledger.columns and "rule" not in facts_only.ledger.columns
