"""Coalitions valued from their parts: the values of the coalitions' ledgers valued whole.

Exactly the same floats where polars sums a group's rows by Kahan summation in row order (many
groups: an explanation's coalitions; the explanation benchmark's answers are byte-identical);
polars sums some frames otherwise (a few groups, as here), so the values here agree to the last
bits only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobsuccess.engine.privacy import SHARES
from jobsuccess.explain.valuation import (
    GAME,
    GROUP,
    NO_SCORE,
    client_key,
    keyed_columns,
    score_coalitions,
    score_groups,
    window_columns,
)
from jobsuccess.policy import Policy, shipped_policies

POLICIES = shipped_policies()
Game = tuple[pl.DataFrame, pl.DataFrame, np.ndarray]
"""One game's const rows, its players' side rows and its coalitions' applied players."""


def _rows(rng: np.random.Generator, n: int, p: Policy) -> pl.DataFrame:
    """``n`` keyed ledger rows: few clients (they repeat across rows), weights of very
    different sizes (the sums' rounding shows), some windows null, some rows in no window."""
    shares = rng.dirichlet([1.0, 1.0, 1.0], n)
    frame = pl.DataFrame(
        {
            "client": [f"c{k}" for k in rng.integers(0, 6, n)],
            "weight": rng.random(n) * rng.choice([1e-3, 1.0, 1e4], n),
            **{name: shares[:, k] for k, name in enumerate(SHARES)},
            **{
                c: pl.Series(rng.random(n) < 0.6).set(pl.Series(rng.random(n) < 0.1), None)
                for c in window_columns(p)
            },
        }
    )
    return frame.with_columns(client_key()).select(keyed_columns(p))


def _whole(
    const: pl.DataFrame, sides: pl.DataFrame, applied: np.ndarray, p: Policy
) -> pl.DataFrame:
    """Every coalition's ledger (const's rows, then each player's applied side), scored."""
    size, n = applied.shape
    groups = pl.DataFrame({GROUP: range(size)}, schema={GROUP: pl.UInt32()})
    chosen = pl.DataFrame(
        {
            GROUP: np.repeat(np.arange(size), n),
            "player": np.tile(np.arange(n), size),
            "side": applied.reshape(-1),
        },
        schema={GROUP: pl.UInt32(), "player": pl.UInt32(), "side": pl.UInt8()},
    )
    rows = pl.concat(
        [
            const.join(groups, how="cross"),
            chosen.join(sides, on=["player", "side"], maintain_order="left").select(
                *const.columns, GROUP
            ),
        ],
        how="vertical",
    )
    return score_groups(rows, p, dt.date(2000, 1, 1), size)


def _game(rng: np.random.Generator, p: Policy, const: int, players: int, size: int) -> Game:
    """``const`` rows, up to 2 rows on each side of each player, ``size`` random coalitions."""
    sides = [
        _rows(rng, int(rng.integers(0, 3)), p).with_columns(
            pl.lit(j, dtype=pl.UInt32()).alias("player"),
            pl.lit(side, dtype=pl.UInt8()).alias("side"),
        )
        for j in range(players)
        for side in (0, 1)
    ]
    empty = _rows(rng, 0, p).with_columns(player=pl.lit(0, pl.UInt32), side=pl.lit(0, pl.UInt8))
    return (
        _rows(rng, const, p),
        pl.concat(sides or [empty], how="vertical"),
        rng.random((size, players)) < 0.5,
    )


def _valued(games: list[Game], p: Policy) -> list[tuple[list[float], list[str | None]]]:
    """`score_coalitions` of the games, their frames labelled by game and put together."""

    def labelled(frames: list[pl.DataFrame]) -> pl.DataFrame:
        return pl.concat(
            [
                f.with_columns(pl.lit(i, dtype=pl.UInt32()).alias(GAME))
                for i, f in enumerate(frames)
            ],
            how="vertical",
        )

    const, sides = labelled([g[0] for g in games]), labelled([g[1] for g in games])
    return score_coalitions(const, sides, [g[2] for g in games], p)


def _expected(game: Game, p: Policy) -> tuple[list[float], list[str | None]]:
    whole = _whole(*game, p)
    value = [NO_SCORE if v is None else v for v in whole.get_column("best_score")]
    return value, whole.get_column("best").to_list()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    policy=st.sampled_from(POLICIES),
    players=st.integers(0, 5),
    games=st.integers(1, 3),
)
def test_coalitions_valued_from_parts_are_the_whole_ledgers_values(
    seed: int, policy: Policy, players: int, games: int
) -> None:
    rng = np.random.default_rng(seed)
    asked = [
        _game(rng, policy, int(rng.integers(0, 40)), players, int(rng.integers(1, 12)))
        for _ in range(games)
    ]
    for game, (value, best) in zip(asked, _valued(asked, policy), strict=True):
        expected, expected_best = _expected(game, policy)
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-9)
        assert best == expected_best


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), policy=st.sampled_from(POLICIES), players=st.integers(1, 8))
def test_an_explanations_coalitions_are_valued_to_the_same_floats(
    seed: int, policy: Policy, players: int
) -> None:
    """2,048 coalitions of a few hundred rows each: polars' sums are Kahan's, in row order."""
    rng = np.random.default_rng(seed)
    game = _game(rng, policy, int(rng.integers(100, 300)), players, 2048)
    assert _valued([game], policy) == [_expected(game, policy)]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_a_game_without_rows_has_no_score(policy: Policy) -> None:
    const = _rows(np.random.default_rng(0), 0, policy)
    sides = const.with_columns(player=pl.lit(0, pl.UInt32), side=pl.lit(0, pl.UInt8))
    ((value, best),) = _valued([(const, sides, np.zeros((2, 1), np.bool_))], policy)
    assert value == [NO_SCORE, NO_SCORE] and best == [None, None]
