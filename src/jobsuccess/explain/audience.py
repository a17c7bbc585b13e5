"""Who reads an explanation, and the score JSON each audience may see.

``operator`` sees everything the engine knows. ``freelancer`` (the default of every explain
command) never sees one client's private answer: a pooled contract shows its batch's shares
instead of its own outcome and rule, a held one what it counts as on public feedback only.
Everything else in this package builds freelancer output from these views or from values of
whole ledgers, in which a private answer only ever enters through its batch's shares.
"""

from __future__ import annotations

from typing import Any, Literal

from jobsuccess.engine import Scores
from jobsuccess.errors import InputError
from jobsuccess.explain.ledger import (
    Row,
    Snapshot,
    held,
    pooled,
    shares_of,
    unpooled,
    windows_of,
)
from jobsuccess.explain.words import UNPOOLED_REASON, held_reason, pooled_reason, rule_reason
from jobsuccess.policy import Policy, PolicyBook
from jobsuccess.report import score_json
from jobsuccess.subjects import SubjectKind

Audience = Literal["freelancer", "operator"]
AUDIENCES: tuple[Audience, ...] = ("freelancer", "operator")
DIGITS = 4


def check_audience(value: str) -> Audience:
    for known in AUDIENCES:
        if value == known:
            return known
    raise InputError(f"expected one of {', '.join(AUDIENCES)}, got {value!r}", field="--audience")


def reason(row: Row, policy: Policy, audience: Audience) -> str:
    """Why this contract counts as it does, in words this audience may read."""
    if held(row):
        return held_reason(row, policy)
    if pooled(row):
        shared = pooled_reason(row, policy.privacy.k)
        return f"{rule_reason(row, policy)}; {shared}" if audience == "operator" else shared
    if unpooled(row) and audience == "freelancer":
        return UNPOOLED_REASON
    return rule_reason(row, policy)


def outcome(row: Row, audience: Audience) -> str:
    """The outcome this audience may see: ``pooled`` hides a pooled contract's own one,
    ``private`` an unpooled one's."""
    if audience == "freelancer":
        if pooled(row):
            return "pooled"
        if unpooled(row):
            return "private"
    return str(row["outcome"])


def contract_entry(row: Row, policy: Policy, audience: Audience) -> dict[str, Any]:
    """One ledger line: the fields of the score JSON's contracts, plus pooling."""
    names = list(policy.windows.months)
    success, neutral, negative = shares_of(row)
    dated = row.get("dated")
    hidden = audience == "freelancer" and unpooled(row)  # one-hot shares would tell the outcome
    return {
        "id": row["id"],
        "client": row["client"],
        "outcome": outcome(row, audience),
        "reason": reason(row, policy, audience),
        "weight": round(float(row["weight"]), DIGITS),
        "dated": None if dated is None else dated.isoformat(),
        "windows": list(windows_of(row, names)),
        "batch": row["batch"],
        "held": bool(row["private"]) and bool(row["held"]),
        "shares": None
        if hidden
        else {
            "success": round(success, DIGITS),
            "neutral": round(neutral, DIGITS),
            "negative": round(negative, DIGITS),
        },
    }


def score_view(
    snapshot: Snapshot,
    book: PolicyBook,
    audience: Audience,
    *,
    subject: SubjectKind = "freelancer",
) -> dict[str, Any]:
    """The score JSON of one snapshot, its contracts shown as this audience may see them."""
    # The contracts are described here, per audience: the engine's JSON without its ledger.
    frames = snapshot.scores
    bare = Scores(frames.scores, frames.windows, frames.ledger.clear())
    view = score_json(bare, book, snapshot.freelancer, snapshot.as_of, subject=subject)
    rows = sorted(snapshot.rows.iter_rows(named=True), key=lambda r: (r["start"], r["id"]))
    view["contracts"] = [contract_entry(r, snapshot.policy, audience) for r in rows]
    if audience == "operator":
        for entry in view["contracts"]:
            entry["private_answer"] = snapshot.answers.get(str(entry["id"]))
    view["audience"] = audience
    return view
