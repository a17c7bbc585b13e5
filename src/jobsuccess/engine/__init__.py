"""The scoring engine: pure functions from history frames and a policy to score frames."""

from jobsuccess.engine.core import (
    LEDGER,
    PIPELINE,
    Scores,
    evaluate,
    market_clients,
    reads_clients,
    score,
    score_batch,
    screen,
)
from jobsuccess.engine.pipeline import Run, Step
from jobsuccess.engine.rules import BY_NAME, RULES, Rule

__all__ = [
    "BY_NAME",
    "LEDGER",
    "PIPELINE",
    "RULES",
    "Rule",
    "Run",
    "Scores",
    "Step",
    "evaluate",
    "market_clients",
    "reads_clients",
    "score",
    "score_batch",
    "screen",
]
