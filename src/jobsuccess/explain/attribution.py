"""Which changes moved the displayed score between two ledgers, and by how much (Shapley values).

The displayed unrounded score is a function of the ledger rows (weight, outcome shares,
window membership per contract), valued by the engine's own aggregation
(`jobsuccess.explain.valuation`). Between a ledger *before* and a ledger *after*, every
contract whose row changed is a player; the value of a coalition S is the displayed score of
the mixed ledger (rows of S from *after*, the others from *before*). A player's effect is its
Shapley value: its marginal effect averaged over every order in which the changes could have
happened. Effects add up exactly to ``after - before`` and split interactions fairly (two
contracts idling together that push a window under its eligibility bar share the drop).

For a freelancer, every contract whose pooled shares changed (a batch closing, its members
changing) joins one player per batch: "private feedback from 3 clients", never one client's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from jobsuccess.explain import kinds
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.ledger import (
    Row,
    pooled,
    rows_by_id,
    shares_of,
    unpooled,
    weight_of,
    windows_of,
)
from jobsuccess.explain.shapley import BUDGET, EXACT_UP_TO, Plan, plan
from jobsuccess.explain.valuation import (
    GROUP,
    NO_SCORE,
    SHARES,
    score_groups,
    value_columns,
    window_columns,
)
from jobsuccess.explain.words import contracts_phrase, shares_phrase, window_word
from jobsuccess.policy import Policy

EFFECT_DIGITS = 6
SAME_DAY = dt.date(2000, 1, 1)
"""Coalitions are valued on one nominal date: window membership is already in the rows."""


@dataclass(frozen=True)
class Change:
    """One change between two computations and its effect in score points."""

    contract: str | None
    kind: str
    effect: float
    text: str
    contracts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "kind": self.kind,
            "effect": round(self.effect, EFFECT_DIGITS),
            "text": self.text,
        }


@dataclass(frozen=True)
class Problem:
    """Attribute the change of the displayed score from ``before`` rows to ``after`` rows."""

    before: pl.DataFrame
    after: pl.DataFrame
    policy: Policy
    audience: Audience
    seed: int = 0
    exact_up_to: int = EXACT_UP_TO
    budget: int = BUDGET
    """Coalitions valued at most when sampling (see `jobsuccess.explain.shapley`)."""


@dataclass(frozen=True)
class Attribution:
    before: float
    after: float
    before_best: str | None
    after_best: str | None
    changes: tuple[Change, ...]
    method: str

    @property
    def delta(self) -> float:
        return self.after - self.before

    def with_changes(
        self, extra: Iterable[Change], after: float | None = None, after_best: str | None = None
    ) -> Attribution:
        """Add changes beyond the ledger's (a policy change), moving the end value with them."""
        return Attribution(
            self.before,
            self.after if after is None else after,
            self.before_best,
            self.after_best if after_best is None else after_best,
            ordered([*self.changes, *extra]),
            self.method,
        )


@dataclass
class _Player:
    contracts: tuple[str, ...]
    kind: str
    text: str
    contract: str | None
    moves: bool = False


def attribute(problems: Sequence[Problem]) -> list[Attribution]:
    """Attribute every problem; coalitions of one policy are valued in one engine call."""
    prepared = [_prepare(p) for p in problems]
    out: list[Attribution | None] = [None] * len(problems)
    by_policy: dict[str, list[int]] = {}
    for i, p in enumerate(problems):
        by_policy.setdefault(p.policy.name, []).append(i)
    for indices in by_policy.values():
        frames, offsets = [], []
        offset = 0
        for i in indices:
            _, pl_, const, sides = prepared[i]
            frames.append(_coalition_rows(pl_, const, sides, offset))
            offsets.append(offset)
            offset += pl_.size
        policy = problems[indices[0]].policy
        scored = score_groups(pl.concat(frames, how="vertical"), policy, SAME_DAY, offset)
        value = [NO_SCORE if v is None else float(v) for v in scored.get_column("best_score")]
        best = scored.get_column("best").to_list()
        for i, start in zip(indices, offsets, strict=True):
            players, pl_, _, _ = prepared[i]
            own = value[start : start + pl_.size]
            effects = pl_.combine(own)
            changes = [
                Change(p.contract, p.kind, e if p.moves else 0.0, p.text, p.contracts)
                for p, e in zip(_movers(players), effects, strict=True)
            ] + [
                Change(p.contract, p.kind, 0.0, p.text, p.contracts) for p in players if not p.moves
            ]
            first, last = best[start + pl_.none], best[start + pl_.all]
            if first != last and first is not None and last is not None:
                changes.append(
                    Change(
                        None,
                        kinds.BEST_WINDOW,
                        0.0,
                        f"your displayed score now comes from the {window_word(last)} "
                        f"instead of the {window_word(first)}",
                    )
                )
            out[i] = Attribution(
                own[pl_.none],
                own[pl_.all],
                first,
                last,
                ordered(changes),
                pl_.method if pl_.n else "none",
            )
    return [a for a in out if a is not None]


def ordered(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Largest effect first (by size), then zero-effect facts, then by contract."""
    return tuple(
        sorted(changes, key=lambda c: (-round(abs(c.effect), 9), c.contract or "", c.kind))
    )


def _movers(players: list[_Player]) -> list[_Player]:
    return [p for p in players if p.moves]


def _prepare(problem: Problem) -> tuple[list[_Player], Plan, pl.DataFrame, pl.DataFrame]:
    policy, audience = problem.policy, problem.audience
    columns = value_columns(policy)
    ids = _candidates(problem.before, problem.after, policy)
    before = rows_by_id(problem.before.filter(pl.col("id").is_in(ids)))
    after = rows_by_id(problem.after.filter(pl.col("id").is_in(ids)))
    players: list[_Player] = []
    groups: dict[int, list[str]] = {}
    unpooled_ids: list[str] = []
    for cid in ids:
        b, a = before.get(cid), after.get(cid)
        moved = _value_key(b, columns) != _value_key(a, columns)
        shown = kinds.visible(b, policy, audience) != kinds.visible(a, policy, audience)
        if not (moved or shown):
            continue
        if (
            audience == "freelancer"
            and kinds.pooled_change(b, a)
            and kinds.kind_of(b, a, policy) in (kinds.PRIVATE_POOLED, kinds.PRIVATE_HELD)
        ):
            batch = a if pooled(a) else b
            groups.setdefault(int(batch["batch"]) if batch is not None else 0, []).append(cid)
            continue
        if audience == "freelancer" and (unpooled(b) or unpooled(a)):
            # Without pooling, every change on contracts decided by private feedback is one
            # player: the freelancer learns their joint effect, which the score's own move
            # shows anyway, never one answer beside the others.
            unpooled_ids.append(cid)
            continue
        kind = kinds.kind_of(b, a, policy)
        text = kinds.sentence(kind, cid, b, a, policy, audience)
        players.append(_Player((cid,), kind, text, cid, moved))
    for batch_no, members in sorted(groups.items()):
        moved = any(
            _value_key(before.get(c), columns) != _value_key(after.get(c), columns) for c in members
        )
        text = _batch_text(batch_no, members, before, after, policy)
        players.append(_Player(tuple(members), kinds.PRIVATE_POOLED, text, None, moved))
    if unpooled_ids:
        moved = any(
            _value_key(before.get(c), columns) != _value_key(after.get(c), columns)
            for c in unpooled_ids
        )
        together = "; their changes count together" if len(unpooled_ids) > 1 else ""
        text = (
            f"{contracts_phrase(unpooled_ids)}: decided by private feedback (not shown){together}"
        )
        players.append(_Player(tuple(unpooled_ids), kinds.PRIVATE_UNPOOLED, text, None, moved))
    movers = _movers(players)
    owner = pl.DataFrame(
        [(c, j) for j, p in enumerate(movers) for c in p.contracts],
        schema={"id": pl.String(), "player": pl.UInt32()},
        orient="row",
    )
    sides = pl.concat(
        [
            frame.join(owner, on="id").select(
                *columns, "player", pl.lit(side, dtype=pl.UInt8()).alias("side")
            )
            for side, frame in ((0, problem.before), (1, problem.after))
        ],
        how="vertical",
    )
    const = problem.after.join(owner, on="id", how="anti").select(columns)
    chosen = plan(
        len(movers), seed=problem.seed, exact_up_to=problem.exact_up_to, budget=problem.budget
    )
    return players, chosen, const, sides


def _candidates(before: pl.DataFrame, after: pl.DataFrame, policy: Policy) -> list[str]:
    """Contracts whose rows differ in anything an explanation reads (a superset of changes)."""
    compared = [
        "weight",
        *SHARES,
        *window_columns(policy),
        "earnings",
        "batch",
        "held",
        "rule",
        "outcome",
    ]
    b, a = before.select("id", *compared), after.select("id", *compared)
    joined = b.join(a, on="id", how="full", suffix="_after", coalesce=True)
    differs = pl.any_horizontal(
        pl.col(c).cast(pl.String).ne_missing(pl.col(f"{c}_after").cast(pl.String)) for c in compared
    )
    return sorted(joined.filter(differs).get_column("id").to_list())


def _value_key(row: Row | None, columns: Sequence[str]) -> tuple[object, ...] | None:
    """What of a row reaches the score; None when it is in no window (it adds nothing)."""
    if row is None:
        return None
    windows = tuple(bool(row.get(c)) for c in columns if c.startswith("in_"))
    if not any(windows):
        return None
    return (round(weight_of(row), 12), tuple(round(s, 12) for s in shares_of(row)), windows)


def _coalition_rows(p: Plan, const: pl.DataFrame, sides: pl.DataFrame, offset: int) -> pl.DataFrame:
    """Every coalition's mixed ledger, labelled ``group`` = offset + coalition."""
    membership = p.membership().with_columns(
        (pl.col("coalition") + offset).cast(pl.UInt32).alias(GROUP)
    )
    coalitions = membership.select(GROUP).unique()
    parts = [const.join(coalitions, how="cross")]
    if p.n:
        parts.append(
            membership.join(sides, on=["player", "side"], how="inner").select(*const.columns, GROUP)
        )
    return pl.concat(parts, how="vertical")


def _batch_text(
    batch: int,
    members: Sequence[str],
    before: dict[str, Row],
    after: dict[str, Row],
    policy: Policy,
) -> str:
    rows = [after[c] for c in members if pooled(after.get(c))]
    clients = {str(r["client"]) for r in rows}
    if not rows:
        return (
            f"private feedback of {contracts_phrase(members)} is held again until "
            f"{policy.privacy.k} clients have answered privately; they count on public "
            "feedback meanwhile"
        )
    was_pooled = any(pooled(before.get(c)) for c in members)
    lead = "changed" if was_pooled else "now counts"
    names = list(policy.windows.months)
    counted = [r for r in rows if windows_of(r, names)]
    where = "" if counted else "; none of it is in a window any more"
    return (
        f"private feedback from {len(clients)} clients ({contracts_phrase(members)}) {lead}, "
        f"pooled in batch {batch}: {shares_phrase(rows[0])}{where}"
    )
