"""Shapley values of a set function: exact for few players, sampled (exact in sum) for many.

A `Plan` lists the coalitions whose values are needed, as a matrix of which players' changes
each applies (`Plan.applied`). The caller values every coalition at once and `Plan.combine`
turns the values into one effect per player:

- up to `EXACT_UP_TO` players, every coalition and the textbook weights;
- beyond, deterministic permutation sampling: a seeded generator draws permutations, each
  followed by its reverse (antithetic pairs). Each permutation's marginal contributions
  telescope to ``v(all) - v(none)``, so the averaged effects still add up exactly to it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EXACT_UP_TO = 10
BUDGET = 2048
"""Coalitions valued at most for a sampled plan: permutations = budget // (players + 1)."""
MIN_PERMUTATIONS = 8


@dataclass(frozen=True)
class Plan:
    n: int
    permutations: tuple[tuple[int, ...], ...]
    """Empty for an exact plan (coalition c is then the bitmask c)."""

    @property
    def exact(self) -> bool:
        return not self.permutations

    @property
    def size(self) -> int:
        """How many coalitions the plan values."""
        return 1 << self.n if self.exact else len(self.permutations) * (self.n + 1)

    @property
    def method(self) -> str:
        if self.exact:
            return "shapley-exact"
        return f"shapley-sampled ({len(self.permutations)} permutations, seeded)"

    @property
    def none(self) -> int:
        """The coalition without any change applied."""
        return 0

    @property
    def all(self) -> int:
        """The coalition with every change applied."""
        return (1 << self.n) - 1 if self.exact else self.n

    def applied(self) -> npt.NDArray[np.bool_]:
        """One row per coalition, one column per player: True where the player's change is
        applied (an exact plan's coalition c is the bitmask c; a sampled one's
        ``k * (n + 1) + t`` applies the first t players of permutation k)."""
        if self.exact:
            masks = np.arange(self.size, dtype=np.int64)[:, None]
            return ((masks >> np.arange(self.n, dtype=np.int64)) & 1).astype(np.bool_)
        width = self.n + 1
        position = np.argsort(np.array(self.permutations, dtype=np.int64), axis=1)
        coalition = np.arange(self.size, dtype=np.int64)
        steps = (coalition % width)[:, None]
        return np.asarray(position[coalition // width] < steps)

    def combine(self, value: Sequence[float]) -> list[float]:
        """One effect per player; they add up to ``value[all] - value[none]``."""
        if self.n == 0:
            return []
        total = value[self.all] - value[self.none]
        if self.exact:
            return _settle(_exact(self.n, value), total)
        effects = [0.0] * self.n
        for k, order in enumerate(self.permutations):
            base = k * (self.n + 1)
            for t, player in enumerate(order):
                effects[player] += value[base + t + 1] - value[base + t]
        return _settle([e / len(self.permutations) for e in effects], total)


def plan(
    n: int,
    *,
    seed: int = 0,
    exact_up_to: int = EXACT_UP_TO,
    budget: int = BUDGET,
    min_permutations: int = MIN_PERMUTATIONS,
) -> Plan:
    """The coalitions to value: exact up to ``exact_up_to`` players, else about ``budget``
    coalitions of sampled permutations (at least ``min_permutations``, an even number)."""
    if n <= exact_up_to:
        return Plan(n, ())
    count = max(min_permutations, budget // (n + 1))
    count += count % 2
    rng = random.Random(seed)
    perms: list[tuple[int, ...]] = []
    while len(perms) < count:
        order = list(range(n))
        rng.shuffle(order)
        perms += [tuple(order), tuple(reversed(order))]
    return Plan(n, tuple(perms))


def _exact(n: int, value: Sequence[float]) -> list[float]:
    weights = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    effects = [0.0] * n
    for mask in range(1 << n):
        w = weights[mask.bit_count()] if mask.bit_count() < n else 0.0
        for i in range(n):
            bit = 1 << i
            if not mask & bit:
                effects[i] += w * (value[mask | bit] - value[mask])
    return effects


def _settle(effects: list[float], total: float) -> list[float]:
    """Absorb floating-point residue (about 1e-13) so the effects add up to ``total``."""
    residue = total - math.fsum(effects)
    if effects and residue:
        largest = max(range(len(effects)), key=lambda i: abs(effects[i]))
        effects[largest] += residue
    return effects
