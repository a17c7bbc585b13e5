"""Plain words for ledger facts: window names, pooled shares, why a contract counts.

The reason for a contract comes from the engine's rule (`Rule.describe`), except where that
would show a freelancer a private answer: a pooled contract is described by its batch's
shares, a held one by its public feedback.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from string import Formatter
from typing import Any

from jobsuccess.engine import BY_NAME
from jobsuccess.engine.privacy import SHARES
from jobsuccess.explain.ledger import Row, shares_of
from jobsuccess.policy import Policy

WINDOW_WORDS = {
    "3m": "3-month window",
    "6m": "6-month window",
    "12m": "12-month window",
    "24m": "24-month window",
    "trending": "trending score (6 and 3 months)",
}


def window_word(name: str | None) -> str:
    return "no window" if name is None else WINDOW_WORDS.get(name, f"{name} window")


def windows_phrase(names: Sequence[str]) -> str:
    words = [WINDOW_WORDS.get(n, n).removesuffix(" window") for n in names]
    if not words:
        return "no window"
    if len(words) == 1:
        return f"the {words[0]} window"
    return f"the {', '.join(words[:-1])} and {words[-1]} windows"


def shown(score: float | None) -> str:
    """A displayed score in words: ``77%``, or ``no score``; the one formatter of a shown
    score (the CLI and the web pages' ``shown`` filter), so ``77.0`` reads ``77%`` too."""
    return "no score" if score is None else f"{score:g}%"


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def shares_phrase(row: Row) -> str:
    """``67% success / 33% negative``: the batch's proportions (zeros left out)."""
    parts = [
        f"{percent(v)} {name}"
        for name, v in zip(("success", "neutral", "negative"), shares_of(row), strict=True)
        if v > 1e-9
    ]
    return " / ".join(parts) or "nothing counted"


def contracts_phrase(ids: Sequence[str]) -> str:
    ids = sorted(ids)
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


def money(value: float) -> str:
    return f"${value:,.2f}".replace(".00", "")


def _facts(row: Row) -> dict[str, Any]:
    facts = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
    outcome = row.get("dispute_outcome")
    facts["dispute_result"] = f"decided for the {outcome}" if outcome else "pending"
    return facts


def rule_reason(row: Row, policy: Policy) -> str:
    """The engine's own sentence for the rule that decided this row (given only the row's
    fields its text names: a ledger row has dozens, and a history thousands of rows)."""
    rule = BY_NAME[str(row["rule"])]
    return rule.describe(_facts({k: row[k] for k in _named(rule.text) if k in row}), policy)


@functools.cache
def reason_fields() -> frozenset[str]:
    """Every field a reason may read of a ledger row, whatever its rule (`rule_reason`,
    `held_reason`, `pooled_reason`)."""
    texts = frozenset[str]().union(*(_named(r.text) for r in BY_NAME.values()))
    return texts | {"rule", "outcome", "stars", "batch", *SHARES}


@functools.cache
def _named(text: str) -> frozenset[str]:
    """The fields a rule's text names, and those `Rule.describe` and `_facts` read."""
    fields = {name.split(".")[0].split("[")[0] for _, name, _, _ in Formatter().parse(text) if name}
    return frozenset(fields | {"removal_refused", "removal_refused_on", "dispute_outcome"})


def held_reason(row: Row, policy: Policy) -> str:
    """A held contract counts on its public feedback only: say so, and how."""
    rule = BY_NAME[str(row["rule"])]
    k = policy.privacy.k
    wait = f"private feedback held until {k} clients have answered privately"
    if not rule.private:
        return f"{wait}; counts meanwhile on its public feedback: {rule_reason(row, policy)}"
    if row["outcome"] == "excluded":
        return f"{wait}; not counted meanwhile ($0 earned)"
    stars = row.get("stars")
    public = "no public rating" if stars is None else f"public rating {_num(stars)} stars"
    return f"{wait}; counts meanwhile as {row['outcome']} on its public feedback ({public})"


#: What a freelancer reads of a contract decided by private feedback when pooling is off.
UNPOOLED_REASON = (
    "decided by the client's private feedback, which is not shown; without pooling, a score "
    "change caused by this contract alone can still reveal it"
)


def pooled_reason(row: Row, k: int) -> str:
    """A pooled contract, in words a freelancer may read: the batch, never the client's answer."""
    return (
        f"private feedback pooled with at least {k - 1} other clients' "
        f"(batch {row['batch']}): {shares_phrase(row)}"
    )


def _num(value: Any) -> str:
    return f"{float(value):g}"
