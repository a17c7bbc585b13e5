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

Bounded (issue 8: one request must never take the service down):

- at most `MAX_PLAYERS` players (``Problem.max_players``): beyond, the changes are grouped by
  kind (every idle contract one player, every new contract another...), each group a player
  whose effect is its members' joint effect. The effects still add up exactly to the delta
  (Shapley values of any partition do); what is lost is the split inside a group, and the
  method says so (``grouped by kind``);
- coalitions are valued from their parts (`jobsuccess.explain.valuation.score_coalitions`:
  the rows no player changes are read once, never copied into each coalition), of the rows
  that are in some window only (the others cannot move the score), and a plan has no more
  coalitions than their ledgers would hold `MAX_VALUED_ROWS` rows: the work is linear in the
  ledger and in the scenario, whatever the number of coalitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from jobsuccess.engine.privacy import SHARES
from jobsuccess.explain import kinds
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.ledger import (
    Row,
    pooled,
    shares_of,
    unpooled,
    weight_of,
    windows_of,
)
from jobsuccess.explain.shapley import BUDGET, EXACT_UP_TO, MIN_PERMUTATIONS, Plan, plan
from jobsuccess.explain.valuation import (
    GAME,
    client_key,
    counted,
    keyed_columns,
    score_coalitions,
    value_columns,
    window_columns,
)
from jobsuccess.explain.words import contracts_phrase, shares_phrase, window_word
from jobsuccess.policy import Policy

EFFECT_DIGITS = 6
MAX_PLAYERS: Final = 24
"""Players at most in one attribution; more changes are grouped by kind (module doc)."""
MAX_VALUED_ROWS: Final = 2_000_000
"""Ledger rows of one problem's coalitions at most (coalitions times the rows of one): past
it, a plan samples fewer coalitions (an exact plan becomes a sampled one; never fewer than one
antithetic pair of permutations)."""
TOTAL_VALUED_ROWS: Final = 6_000_000
"""Ledger rows of the coalitions of all problems of one `attribute` call (a forecast has
many), shared evenly."""
SHOWN_IDS: Final = 5
"""Contracts a grouped change names (it says how many more)."""


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
    max_players: int = MAX_PLAYERS
    """Players at most; more changes are grouped by kind (see the module doc)."""


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

    def to_json(self) -> dict[str, Any]:
        """The delta, every change and the method, as every explanation's JSON has them."""
        return {
            "delta": round(self.delta, EFFECT_DIGITS),
            "changes": [c.to_json() for c in self.changes],
            "method": self.method,
        }

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
    """Attribute every problem; the problems of one policy together (their frames read once,
    their coalitions valued in one call)."""
    rows_budget = min(MAX_VALUED_ROWS, TOTAL_VALUED_ROWS // max(1, len(problems)))
    by_policy: dict[str, list[int]] = {}
    for i, p in enumerate(problems):
        by_policy.setdefault(p.policy.name, []).append(i)
    out: dict[int, Attribution] = {}
    for indices in by_policy.values():
        group = [problems[i] for i in indices]
        out.update(zip(indices, _attributed(group, rows_budget), strict=True))
    return [out[i] for i in range(len(problems))]


def _attributed(problems: Sequence[Problem], rows_budget: int) -> list[Attribution]:
    """Attribute problems of one policy."""
    policy = problems[0].policy
    frames = _Frames(problems)
    ids = _candidates(problems, frames)
    rows = _rows(problems, ids)
    staged = [_players(p, ids[i], *rows[i]) for i, p in enumerate(problems)]
    const, sides = _games(problems, frames, [_movers(players) for players, _ in staged])
    const_rows = np.bincount(const.get_column(GAME).to_numpy(), minlength=len(problems))
    side_rows = np.bincount(sides.get_column(GAME).to_numpy(), minlength=len(problems))
    prepared = [
        _planned(p, rows_budget, *staged[i], int(const_rows[i]), int(side_rows[i]))
        for i, p in enumerate(problems)
    ]
    valued = score_coalitions(const, sides, [pr.plan.applied() for pr in prepared], policy)
    out = []
    for pr, (own, best) in zip(prepared, valued, strict=True):
        pl_ = pr.plan
        effects = pl_.combine(own)
        changes = [
            Change(p.contract, p.kind, e if p.moves else 0.0, p.text, p.contracts)
            for p, e in zip(_movers(pr.players), effects, strict=True)
        ] + [
            Change(p.contract, p.kind, 0.0, p.text, p.contracts) for p in pr.players if not p.moves
        ]
        first, last = best[pl_.none], best[pl_.all]
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
        method = pl_.method if pl_.n else "none"
        if pr.grouped:
            method += f", {pr.grouped} changes grouped by kind into {pl_.n} players"
        out.append(Attribution(own[pl_.none], own[pl_.all], first, last, ordered(changes), method))
    return out


@dataclass(frozen=True)
class _Prepared:
    players: list[_Player]
    plan: Plan
    grouped: int
    """How many changes were grouped into fewer players (0: none were)."""


class _Frames:
    """The distinct frames of problems of one policy (a forecast's problems share them: one
    step's after is the next one's before), numbered in order of first use."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.number: dict[int, int] = {}
        self.distinct: list[pl.DataFrame] = []
        for p in problems:
            for frame in (p.before, p.after):
                if id(frame) not in self.number:
                    self.number[id(frame)] = len(self.distinct)
                    self.distinct.append(frame)

    def of(self, frame: pl.DataFrame) -> int:
        return self.number[id(frame)]

    def rows(self, *columns: pl.Expr | str) -> pl.DataFrame:
        """``columns`` of every distinct frame, one after the other, with its ``frame``."""
        # One lazy plan: a select per frame costs a round trip each (a forecast has dozens).
        heights = [f.height for f in self.distinct]
        frame = np.repeat(np.arange(len(heights), dtype=np.uint32), heights)
        rows = pl.concat([f.lazy().select(*columns) for f in self.distinct], how="vertical")
        return rows.with_columns(pl.Series("frame", frame, dtype=pl.UInt32())).collect()

    def pairs(self, problems: Sequence[Problem]) -> pl.DataFrame:
        """Each problem's (``game``: its index, ``before``, ``after``) frame numbers."""
        return pl.DataFrame(
            [(i, self.of(p.before), self.of(p.after)) for i, p in enumerate(problems)],
            schema={GAME: pl.UInt32(), "before": pl.UInt32(), "after": pl.UInt32()},
            orient="row",
        )


def ordered(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Largest effect first (by size), then zero-effect facts, then by contract."""
    return tuple(
        sorted(changes, key=lambda c: (-round(abs(c.effect), 9), c.contract or "", c.kind))
    )


def _movers(players: list[_Player]) -> list[_Player]:
    return [p for p in players if p.moves]


def _games(
    problems: Sequence[Problem], frames: _Frames, movers: Sequence[list[_Player]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every problem's coalitions (`score_coalitions`' ``const`` and ``sides``, labelled
    ``game`` by problem), of only the rows in some window: each distinct frame is keyed once
    and every problem's rows come from one join."""
    policy = problems[0].policy
    keyed = keyed_columns(policy)
    # rows in no window add nothing to any coalition (score_groups would drop them anyway)
    rows = (
        frames.rows(*value_columns(policy), "id")
        .filter(counted(policy))
        .with_columns(client_key())
        .select(*keyed, "id", "frame")
    )
    pairs = frames.pairs(problems)
    owner = pl.DataFrame(
        [
            (i, c, j)
            for i, players in enumerate(movers)
            for j, p in enumerate(players)
            for c in p.contracts
        ],
        schema={GAME: pl.UInt32(), "id": pl.String(), "player": pl.UInt32()},
        orient="row",
    ).join(pairs, on=GAME, maintain_order="left")
    parts = [
        rows.join(
            owner.select(GAME, pl.col(which).alias("frame"), "id", "player"),
            on=["frame", "id"],
            maintain_order="left",
        ).select(GAME, *keyed, "player", pl.lit(side, dtype=pl.UInt8()).alias("side"))
        for side, which in ((0, "before"), (1, "after"))
    ]
    const = (
        rows.join(
            pairs.select(GAME, pl.col("after").alias("frame")), on="frame", maintain_order="left"
        )
        .join(owner.select(GAME, "id"), on=[GAME, "id"], how="anti", maintain_order="left")
        .select(GAME, *keyed)
        .sort(GAME, maintain_order=True)
    )
    sides = pl.concat(parts, how="vertical").sort(GAME, "side", maintain_order=True)
    return const, sides


def _rows(
    problems: Sequence[Problem], ids: Sequence[list[str]]
) -> list[tuple[dict[str, Row], dict[str, Row]]]:
    """Each problem's candidate rows before and after, by id (maybe more: the rows of a frame
    that any problem reading it wants), read from all frames in one join."""
    wanted: dict[int, set[str]] = {}
    frames: dict[int, pl.DataFrame] = {}
    for i, p in enumerate(problems):
        for frame in (p.before, p.after):
            wanted.setdefault(id(frame), set()).update(ids[i])
            frames[id(frame)] = frame
    read: dict[int, dict[str, Row]] = {key: {} for key in frames}
    by_columns: dict[tuple[tuple[str, ...], tuple[pl.DataType, ...]], list[int]] = {}
    for key, frame in frames.items():  # names and dtypes: a polars Schema costs 7x as much
        by_columns.setdefault((tuple(frame.columns), tuple(frame.dtypes)), []).append(key)
    for keys in by_columns.values():  # frames of one shape in one concat and one join
        asked = pl.DataFrame(
            [(k, c) for k, key in enumerate(keys) for c in sorted(wanted[key])],
            schema={_FRAME: pl.UInt32(), "id": pl.String()},
            orient="row",
        )
        every = pl.concat(
            [
                frames[key].with_columns(pl.lit(k, pl.UInt32).alias(_FRAME))
                for k, key in enumerate(keys)
            ],
            how="vertical",
        )
        found = every.join(asked, on=[_FRAME, "id"], how="semi", maintain_order="left")
        rows = found.drop(_FRAME).iter_rows(named=True)
        for k, row in zip(found.get_column(_FRAME), rows, strict=True):
            read[keys[k]][str(row["id"])] = row
    return [(read[id(p.before)], read[id(p.after)]) for p in problems]


_FRAME = "_frame"


def _players(
    problem: Problem, ids: list[str], before: dict[str, Row], after: dict[str, Row]
) -> tuple[list[_Player], int]:
    """The players of one problem among its candidates ``ids`` (``before`` and ``after``: at
    least their rows, by id), and how many changes were grouped into fewer players (0: none
    were)."""
    policy, audience = problem.policy, problem.audience
    columns = value_columns(policy)
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
    grouped = 0
    if len(_movers(players)) > problem.max_players:
        grouped = len(_movers(players))
        players = _grouped(players, problem.max_players)
    return players, grouped


def _planned(
    problem: Problem,
    rows_budget: int,
    players: list[_Player],
    grouped: int,
    const_rows: int,
    side_rows: int,
) -> _Prepared:
    """One problem's coalition plan, as many coalitions as its rows budget allows (a
    coalition's ledger: the ``const_rows`` no player changes and one side of the
    ``side_rows``)."""
    movers = _movers(players)
    per = max(1, const_rows + side_rows // 2)
    n = len(movers)
    budget = max(1, min(problem.budget, rows_budget // per))
    chosen = plan(
        n,
        seed=problem.seed,
        exact_up_to=min(problem.exact_up_to, budget.bit_length() - 1),
        budget=budget,
        min_permutations=MIN_PERMUTATIONS if budget >= MIN_PERMUTATIONS * (n + 1) else 2,
    )
    return _Prepared(players, chosen, grouped)


def _grouped(players: list[_Player], most: int) -> list[_Player]:
    """The movers in at most ``most`` players: one per kind (the kinds with the fewest
    contracts share a last player when there are more kinds than that)."""
    movers = _movers(players)
    by_kind: dict[str, list[_Player]] = {}
    for p in movers:
        by_kind.setdefault(p.kind, []).append(p)
    kinds_ = sorted(by_kind, key=lambda k: (-sum(len(p.contracts) for p in by_kind[k]), k))
    if len(kinds_) > most:
        rest = [p for k in kinds_[most - 1 :] for p in by_kind.pop(k)]
        by_kind[_OTHER] = rest
        kinds_ = [*kinds_[: most - 1], _OTHER]
    out = [p for p in players if not p.moves]
    for kind in kinds_:
        members = by_kind[kind]
        if len(members) == 1:
            out.append(members[0])
            continue
        contracts = tuple(sorted({c for p in members for c in p.contracts}))
        label = "other changes" if kind == _OTHER else kind
        text = (
            f"{len(members)} changes counted together ({label}): "
            f"{_few(contracts)}; more changes than one explanation values one by one"
        )
        out.append(_Player(contracts, kind, text, None, True))
    return out


_OTHER = kinds.GROUPED


def _few(ids: Sequence[str]) -> str:
    """A few contract ids and how many more."""
    shown = sorted(ids)[:SHOWN_IDS]
    more = len(ids) - len(shown)
    return contracts_phrase(shown) + (f" and {more} more contracts" if more > 0 else "")


def _candidates(problems: Sequence[Problem], frames: _Frames) -> list[list[str]]:
    """Each problem's contracts whose rows differ in anything an explanation reads (a superset
    of changes), sorted: one join for all problems, each frame read once."""
    compared = [
        "weight",
        *SHARES,
        *window_columns(problems[0].policy),
        "earnings",
        "batch",
        "held",
        "rule",
        "outcome",
    ]
    # compared as strings (each frame cast once, whatever its dtypes), labelled by problem
    texts = frames.rows("id", *(pl.col(c).cast(pl.String) for c in compared))
    pairs = frames.pairs(problems)

    def side(which: str) -> pl.DataFrame:
        return pairs.select(GAME, pl.col(which).alias("frame")).join(texts, on="frame")

    joined = side("before").join(
        side("after"), on=[GAME, "id"], how="full", suffix="_after", coalesce=True
    )
    differs = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_after")) for c in compared)
    out: list[list[str]] = [[] for _ in problems]
    for i, cid in joined.filter(differs).select(GAME, "id").iter_rows():
        out[i].append(cid)
    return [sorted(ids) for ids in out]


def _value_key(row: Row | None, columns: Sequence[str]) -> tuple[object, ...] | None:
    """What of a row reaches the score; None when it is in no window (it adds nothing)."""
    if row is None:
        return None
    windows = tuple(bool(row.get(c)) for c in columns if c.startswith("in_"))
    if not any(windows):
        return None
    return (round(weight_of(row), 12), tuple(round(s, 12) for s in shares_of(row)), windows)


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
