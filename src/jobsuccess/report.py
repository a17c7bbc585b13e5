"""The public JSON view of one score (a public contract: field names and shapes are fixed).

Reads the engine's frames; the words for each contract come from the rule that decided it
(`Rule.describe`), so there is one place that knows why a contract counts the way it does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from jobsuccess.engine import BY_NAME, Scores
from jobsuccess.engine.windows import FIGURES, WINDOW_ORDER
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.subjects import SubjectKind

WINDOW_FIELDS = FIGURES
DIGITS = 4


def _num(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def _window_value(field: str, value: Any) -> Any:
    if field == "eligible":
        return bool(value)
    if field in ("outcomes", "clients"):
        return int(value)
    return _num(value)


def window_figures(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each window's figures as the score JSON has them: in the engine's window order
    (3m, 6m, 12m, 24m, trending; not string order) and rounded to `DIGITS`. The CLI's JSON and
    the API's stored scores both come through here, so they agree to the digit."""
    ordered = sorted(rows, key=lambda w: _WINDOW_RANK.get(str(w["window"]), len(_WINDOW_RANK)))
    return {
        str(w["window"]): {field: _window_value(field, w[field]) for field in WINDOW_FIELDS}
        for w in ordered
    }


_WINDOW_RANK: Final = {name: i for i, name in enumerate(WINDOW_ORDER)}


#: The evidence block's interval (docs/rules.md, "Evidence"): a Wilson score interval at 95%.
EVIDENCE_METHOD: Final = "wilson"
EVIDENCE_LEVEL: Final = 0.95
_Z: Final = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson(rate: float, n: int, z: float = _Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``rate`` observed over ``n`` trials."""
    p = min(max(rate, 0.0), 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def evidence(best: str | None, windows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The evidence behind a displayed score, from its window's own published aggregates.

    ``windows`` is `window_figures`'s output. The window is the displayed one (``best``), or
    without a score the longest; ``outcomes`` and ``clients`` are that window's (trending: those
    of its longest window, as everywhere). The interval is a Wilson score interval on the
    window's score read as a proportion of its ``outcomes`` (``low``, ``high``, in percent),
    null without a score. It reads nothing but figures the score JSON already shows, so it
    reveals nothing private. The CLI's score JSON and the API both build it here.
    """
    plain = [w for w in WINDOW_ORDER if w in windows and w != "trending"]
    window = best if best in windows else (plain[-1] if plain else None)
    figures = windows.get(window, {}) if window is not None else {}
    n = int(figures.get("outcomes") or 0)
    shown = figures.get("score") if best is not None else None
    low = high = None
    if shown is not None and n > 0:
        lo, hi = wilson(float(shown) / 100, n)
        low, high = round(100 * lo, DIGITS), round(100 * hi, DIGITS)
    return {
        "window": window,
        "outcomes": n,
        "clients": int(figures.get("clients") or 0),
        "method": EVIDENCE_METHOD,
        "level": EVIDENCE_LEVEL,
        "low": low,
        "high": high,
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def window_names(ledger: pl.DataFrame) -> list[str]:
    return [c.removeprefix("in_") for c in ledger.columns if c.startswith("in_")]


def contract_rows(scores: Scores, book: PolicyBook) -> list[dict[str, Any]]:
    """One entry per contract of a single (freelancer, as_of): the per-contract ledger."""
    ledger = scores.ledger
    if ledger.is_empty():
        return []
    policy = book.get(ledger.get_column("policy")[0])
    windows = window_names(ledger)
    rows = []
    for row in ledger.sort("start", "id").iter_rows(named=True):
        if row.get("policy") is None:
            continue
        rule = BY_NAME[row["rule"]]
        facts = {k: _iso(v) for k, v in row.items()}
        facts["dispute_result"] = (
            f"decided for the {row['dispute_outcome']}" if row.get("dispute_outcome") else "pending"
        )
        rows.append(
            {
                "id": row["id"],
                "client": row["client"],
                "outcome": row["outcome"],
                "reason": rule.describe(facts, policy),
                "weight": _num(row["weight"]),
                "dated": _iso(row["dated"]),
                "windows": [w for w in windows if row.get(f"in_{w}")],
            }
        )
    return rows


def score_json(
    scores: Scores,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    *,
    subject: SubjectKind = "freelancer",
) -> dict[str, Any]:
    """The issue-2 JSON object for one freelancer as of one date.

    ``subject="agency"``: the same object for an agency scored as a subject
    (`jobsuccess.subjects.for_agencies`), its id under the key ``agency``.
    """
    one = scores.of(freelancer, as_of)
    if one.scores.is_empty():
        raise KeyError(f"no score for {subject} {freelancer!r} as of {as_of}")
    head = one.scores.row(0, named=True)
    windows = window_figures(one.windows.iter_rows(named=True))
    return {
        subject: freelancer,
        "as_of": as_of.isoformat(),
        "computed_on": head["computed_on"].isoformat(),
        "policy": head["policy"],
        "score": head["score"],
        "best": head["best"],
        "reason": head["reason"],
        "windows": windows,
        "evidence": evidence(head["best"], windows),
        "contracts": contract_rows(one, book),
        "status": {
            "top_rated": bool(head["top_rated"]),
            "top_rated_plus": bool(head["top_rated_plus"]),
            "rising_talent": bool(head["rising_talent"]),
        },
    }


def all_json(
    scores: Scores, book: PolicyBook, *, subject: SubjectKind = "freelancer"
) -> list[dict[str, Any]]:
    """Every (freelancer, as_of) of a result, in the engine's order."""
    keys = scores.scores.select("freelancer", "as_of").iter_rows()
    return [score_json(scores, book, f, d, subject=subject) for f, d in keys]


def flat_scores(scores: Scores) -> pl.DataFrame:
    """One row per (freelancer, as_of): the score, statuses and each window's figures (the
    rows of ``jobsuccess batch``)."""
    wide = scores.windows.with_columns(pl.col("window").cast(pl.String)).pivot(
        on="window", index=["freelancer", "as_of"], values=["score", "outcomes", "clients"]
    )
    return scores.scores.join(wide, on=["freelancer", "as_of"], how="left").sort(
        "freelancer", "as_of"
    )


def batch_rows(
    history: History,
    book: PolicyBook,
    day: dt.date,
    partition_size: int = 50_000,
    advance: Callable[[int], None] | None = None,
) -> pl.DataFrame:
    """The rows ``jobsuccess batch`` writes: `flat_scores` of every partition of `score_batch`,
    sorted by freelancer (an empty frame without columns for a history without freelancers).
    The unit of work of every runner: the whole marketplace here, one bucket on Spark."""
    from jobsuccess.engine import score_batch

    parts: list[pl.DataFrame] = []
    for scores in score_batch(history, book, day, partition_size=partition_size, ledger=False):
        parts.append(flat_scores(scores))
        if advance is not None:
            advance(scores.scores.height)
    return combine(parts)


def combine(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Partitions' (or buckets') `batch_rows` as one frame: the same rows in the same order,
    however the freelancers were split (parts without rows carry nothing)."""
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed").sort("freelancer", "as_of")
