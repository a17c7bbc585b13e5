"""The displayed score of any set of ledger rows, computed by the engine's own last steps.

Every explanation here is a question about the displayed score of a *modified ledger*: the
rows of some contracts as of one date, the rest as of another (attribution), every contract
re-placed on a later date (forecast). The engine's `aggregate` and `best_of` answer it, so the
windows, eligibility, trending, best-of and rounding are never re-implemented here.

Many ledgers are valued in one call: each row carries a ``group`` label (UInt32), and every
group is scored as if it were its own freelancer. Shapley coalitions, thousands of ledgers that
share most of their rows, are valued from their parts instead (`score_coalitions`). This module
is the only one that knows which ledger columns the engine's aggregation reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from jobsuccess.engine.aggregate import SUMS, column, weighted
from jobsuccess.engine.privacy import SHARES
from jobsuccess.engine.windows import aggregate, best_of, displayed
from jobsuccess.policy import Policy

GROUP = "group"
GAME = "game"
CLIENT_SEED = 0xC1
NO_SCORE = 0.0
"""The value of a ledger without a displayed score (documented in docs/explain.md)."""


def window_columns(p: Policy) -> list[str]:
    return [f"in_{w}" for w in p.windows.months]


def value_columns(p: Policy) -> list[str]:
    """The columns of a ledger row that its contribution to the displayed score depends on."""
    return ["client", "weight", *SHARES, *window_columns(p)]


def client_key() -> pl.Expr:
    """The client key `score_groups` groups clients by (a hash of the client id)."""
    return pl.col("client").hash(CLIENT_SEED).alias("ckey")


def keyed_columns(p: Policy) -> list[str]:
    """`value_columns` with the client as its key: what a copied row needs, without strings."""
    return ["ckey", *(c for c in value_columns(p) if c != "client")]


def counted(p: Policy) -> pl.Expr:
    """Rows that contribute to some window (all others cannot move the score)."""
    return pl.any_horizontal(pl.col(c).fill_null(False) for c in window_columns(p))


def score_groups(
    rows: pl.DataFrame, p: Policy, on: dt.date | None = None, groups: int | None = None
) -> pl.DataFrame:
    """Value every group of ``rows``: one row per group with ``best``, ``best_score``, ``score``.

    ``rows`` holds ledger rows (at least `value_columns`, or `keyed_columns`) and a ``group``
    column; ``on`` (when
    given) is the date every group is computed on, else each row's own ``on`` is kept (rows of
    one group must then share it). Groups without an eligible window get ``best_score`` null.
    With ``groups``, the result has exactly the groups ``0 .. groups - 1`` (empty ones too).
    """
    labels = (
        pl.Series(GROUP, range(groups), dtype=pl.UInt32())
        if groups is not None
        else rows.get_column(GROUP).cast(pl.UInt32).unique().sort()
    )
    frame = rows.filter(counted(p)).with_columns(
        pl.col(GROUP).cast(pl.UInt64).alias("fkey"),
        # carried through the aggregation, never read: no per-row string
        pl.lit("", dtype=pl.String()).alias("freelancer"),
        # Rows may come from several engine runs: one client key for all of them (`client_key`
        # computes it once, before rows are copied into many coalitions).
        *([] if "ckey" in rows.columns else [client_key()]),
        *([pl.lit(on, dtype=pl.Date()).alias("on")] if on is not None else []),
    )
    best = (
        best_of(aggregate(frame, p), p)
        if frame.height
        else pl.DataFrame(
            schema={
                "fkey": pl.UInt64(),
                "best": pl.String(),
                "best_score": pl.Float64(),
                "score": pl.Int64(),
            }
        )
    )
    best = best.select(pl.col("fkey").cast(pl.UInt32).alias(GROUP), "best", "best_score", "score")
    return labels.to_frame().join(best, on=GROUP, how="left").sort(GROUP)


def score_coalitions(
    const: pl.DataFrame,
    sides: pl.DataFrame,
    applied: Sequence[npt.NDArray[np.bool_]],
    p: Policy,
) -> list[tuple[list[float], list[str | None]]]:
    """The value (`NO_SCORE` without a displayed score) and best window of every coalition of
    every game ``g``: its ``const`` rows (`keyed_columns`, ``game`` = g), each player's
    ``sides`` rows (with ``player`` and ``side``), both sorted by ``game``, and the players
    ``applied[g]`` in each of its coalitions (one row each).

    Coalition ``c`` is the ledger of ``const``'s rows, then each player ``j``'s rows of
    ``sides`` on side ``applied[g][c, j]``, in that order (rows in no window count for
    nothing, as in `score_groups`). Its figures are added up from the parts instead of
    copying ``const`` into every coalition (those copies, hundreds of thousands of rows, were
    most of an explanation's time): the weighted sums are folded as polars' group-by sum
    folds a group's rows (Kahan summation, in row order), from ``const``'s state computed
    once, so that a value is the float `score_groups` gives the same rows; the counts and
    distinct clients are integers. The steps after the sums are the engine's, in one call for
    every game (`jobsuccess.engine.windows.displayed`).
    """
    months = list(p.windows.months)
    fixed, moving = _Parts(p, const, len(applied)), _Parts(p, sides, len(applied))
    player = sides.get_column("player").to_numpy()
    side = sides.get_column("side").to_numpy().astype(np.bool_)
    # every game's const state: its rows folded side by side across games (padded)
    total = np.zeros((len(applied), fixed.terms.shape[1]))
    carry = np.zeros_like(total)
    starts, ends = fixed.starts, fixed.ends
    for r in range(int((ends - starts).max(initial=0))):
        at = np.minimum(starts + r, const.height - 1)
        _kahan(total, carry, fixed.terms[at], (starts + r < ends)[:, None] & fixed.valid[at])
    sums, outcomes, clients = [], [], []
    for g, chosen in enumerate(applied):
        (a, b), (lo, hi) = fixed.spans[g], moving.spans[g]
        s, c = np.tile(total[g], (chosen.shape[0], 1)), np.tile(carry[g], (chosen.shape[0], 1))
        for j in range(chosen.shape[1]):
            _fold(s, c, moving, chosen[:, j : j + 1], lo + np.flatnonzero(player[lo:hi] == j), side)
        sums.append(s)
        # mine[r, c]: side row lo + r is in coalition c
        mine = side[lo:hi, None] == chosen[:, player[lo:hi]].T
        inside = moving.inside[lo:hi].astype(np.int64)
        outcomes.append(fixed.inside[a:b].sum(axis=0) + mine.T.astype(np.int64) @ inside)
        clients.append(_clients(fixed, moving, g, mine))
    sum_of, outcomes_of, clients_of = (np.concatenate(x) for x in (sums, outcomes, clients))
    wide = pl.DataFrame(
        {
            **{
                column(w, o): sum_of[:, i * len(SUMS) + k]
                for i, w in enumerate(months)
                for k, o in enumerate(SUMS)
            },
            **{column(w, "outcomes"): outcomes_of[:, i] for i, w in enumerate(months)},
            **{column(w, "clients"): clients_of[:, i] for i, w in enumerate(months)},
        }
    )
    scored = displayed(wide, p)
    value = [NO_SCORE if v is None else float(v) for v in scored.get_column("best_score")]
    best = scored.get_column("best").to_list()
    bounds = np.cumsum([chosen.shape[0] for chosen in applied]).tolist()
    return [(value[a:b], best[a:b]) for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]


def _fold(
    total: npt.NDArray[np.float64],
    carry: npt.NDArray[np.float64],
    rows: _Parts,
    on: npt.NDArray[np.bool_],
    mine: npt.NDArray[np.int64],
    side: npt.NDArray[np.bool_],
) -> None:
    """Fold one player's rows (``mine``: their indices in ``rows``) into every coalition's
    sums: those of side 1 where ``on`` (its change applied), of side 0 elsewhere, in row
    order."""
    after, before = mine[side[mine]], mine[~side[mine]]
    for k in range(max(len(after), len(before))):
        if k < len(after) and k < len(before):
            x = np.where(on, rows.terms[after[k]], rows.terms[before[k]])
            ok = np.where(on, rows.valid[after[k]], rows.valid[before[k]])
        elif k < len(after):
            x, ok = np.broadcast_to(rows.terms[after[k]], total.shape), on & rows.valid[after[k]]
        else:
            x, ok = np.broadcast_to(rows.terms[before[k]], total.shape), ~on & rows.valid[before[k]]
        _kahan(total, carry, x, ok)


class _Parts:
    """Rows of every game, read once: each row's part of every weighted sum (0 where null),
    whether that part counts (not null, polars' sum skips a null; in some window), whether the
    row is in each window, its client key, and each game's span of rows."""

    def __init__(self, p: Policy, rows: pl.DataFrame, games: int) -> None:
        parts = [e for w in p.windows.months for e in weighted(w)]
        k, months = len(parts), len(p.windows.months)
        read = rows.select(
            *(e.fill_null(0.0).alias(f"t{i}") for i, e in enumerate(parts)),
            *((e.is_not_null() & counted(p)).alias(f"v{i}") for i, e in enumerate(parts)),
            *(pl.col(c).fill_null(False).alias(f"w{i}") for i, c in enumerate(window_columns(p))),
            "ckey",
        )
        self.terms = read.select(pl.col(r"^t\d+$")).to_numpy().astype(np.float64).reshape(-1, k)
        self.valid = read.select(pl.col(r"^v\d+$")).to_numpy().astype(np.bool_).reshape(-1, k)
        self.inside = read.select(pl.col(r"^w\d+$")).to_numpy().astype(np.bool_)
        self.inside = self.inside.reshape(-1, months)
        self.keys = read.get_column("ckey").to_numpy()
        longest = list(p.windows.months).index(p.windows.longest)
        # the rows the engine counts clients of: those in the longest window
        self.client_in = self.inside & self.inside[:, longest : longest + 1]
        counts = np.bincount(rows.get_column(GAME).to_numpy(), minlength=games).astype(np.int64)
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts
        self.spans = list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))


def _kahan(
    total: npt.NDArray[np.float64],
    carry: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
) -> None:
    """One Kahan summation step of ``x`` into ``total`` (with its ``carry``) where ``ok``."""
    y = x - carry
    t = total + y
    np.copyto(carry, (t - total) - y, where=ok)
    np.copyto(total, t, where=ok)


def _clients(
    const: _Parts, sides: _Parts, game: int, mine: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """A game's distinct clients per window and coalition (``mine[r, c]``: its side row r is
    in coalition c), of the rows in the longest window (as `jobsuccess.engine.aggregate`
    counts them: every window lies inside it)."""
    (a, b), (lo, hi) = const.spans[game], sides.spans[game]
    out = np.zeros((mine.shape[1], const.inside.shape[1]), dtype=np.int64)
    for i in range(out.shape[1]):
        fixed = set(const.keys[a:b][const.client_in[a:b, i]].tolist())
        extra: dict[int, list[int]] = {}
        for r in np.flatnonzero(sides.client_in[lo:hi, i]).tolist():
            key = int(sides.keys[lo + r])
            if key not in fixed:
                extra.setdefault(key, []).append(r)
        present = np.zeros((len(extra), mine.shape[1]), dtype=np.bool_)
        for e, rows in enumerate(extra.values()):
            present[e] = mine[rows].any(axis=0)
        out[:, i] = len(fixed) + present.sum(axis=0)
    return out
