"""Shapley values: the textbook ones for few players, exact sums for sampled ones."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from jobsuccess.explain.shapley import Plan, plan

# A set function: the value of a coalition, given as the set of its members.
Game = Callable[[frozenset[int]], float]


def _values(p: Plan, f: Game) -> list[float]:
    """Value every coalition of a plan with a set function of member tuples."""
    applied = p.applied()
    assert applied.shape == (p.size, p.n)
    return [f(frozenset(int(j) for j in row.nonzero()[0])) for row in applied]


def _brute(n: int, f: Game) -> list[float]:
    """Shapley values by averaging marginals over every order."""
    effects = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        seen: set[int] = set()
        for i in order:
            before = f(frozenset(seen))
            seen.add(i)
            effects[i] += f(frozenset(seen)) - before
    return [e / len(orders) for e in effects]


games = st.integers(1, 5).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.floats(-50, 50), min_size=1 << n, max_size=1 << n))
)


@settings(max_examples=40)
@given(games)
def test_exact_plan_matches_the_definition(game: tuple[int, list[float]]) -> None:
    n, table = game

    def f(s: frozenset[int]) -> float:
        return table[sum(1 << i for i in s)]

    p = plan(n)
    assert p.exact
    effects = p.combine(_values(p, f))
    for got, want in zip(effects, _brute(n, f), strict=True):
        assert math.isclose(got, want, abs_tol=1e-9)
    assert math.isclose(math.fsum(effects), f(frozenset(range(n))) - f(frozenset()), abs_tol=1e-9)


def test_sampled_plan_sums_exactly_and_is_deterministic() -> None:
    n = 14

    def f(s: frozenset[int]) -> float:  # interactions: a threshold game plus a linear part
        return 3.0 * len(s) + (40.0 if len(s & {0, 1, 2}) >= 2 else 0.0) - sum(s) * 0.5

    first, second = plan(n, seed=7), plan(n, seed=7)
    assert not first.exact and first.permutations == second.permutations
    effects = first.combine(_values(first, f))
    assert math.isclose(math.fsum(effects), f(frozenset(range(n))) - f(frozenset()), abs_tol=1e-9)
    # An estimate: each player lands near its exact value (players 0..2 split the 40), and
    # the players outside the threshold get exactly their linear part.
    assert all(abs(e - (3.0 - 0.5 * i + 40 / 3)) < 8 for i, e in enumerate(effects[:3]))
    assert all(math.isclose(e, 3.0 - 0.5 * i) for i, e in enumerate(effects) if i >= 3)


def test_no_players() -> None:
    p = plan(0)
    assert p.combine([5.0]) == []
