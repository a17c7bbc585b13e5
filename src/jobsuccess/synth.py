"""Synthetic marketplaces: realistic, deterministic histories at any scale.

Tests, examples and the benchmark need histories that look like a real marketplace (skewed
activity, inflated public stars beside candid private answers, idle and long-term contracts,
refunds, disputes, harsh clients, operator actions) without anyone's private data. Everything
is drawn with vectorised numpy from named random streams, so a seed fixes every frame byte for
byte and ten million contracts take seconds, not hours.

The generative story. Per freelancer: a join date (skewed recent), maybe a quit date, an
activity level (how many contracts, lognormal) and a quality. Per contract: a start in the
freelancer's active span, a client (popular clients hire a lot, past clients hire again), a
type and a payment pattern (hourly: weekly, fortnightly or monthly; fixed: a few milestones;
retainer: sporadic), a length, whether it still runs, was closed (by whom) or was left open
by a vanished client, and a latent client satisfaction. Satisfaction drives the candid private
answer, the inflated public stars, the end reason and disputes; harsh clients lower it for
everyone they hire. Then, from a stream of their own (so every other value of a seed is as it
was), `marketplace` plants the cases of the jobsuccess-2026 rules as new rows: scope changes
(closed as not completed by the client and replaced within a week), vanished clients (a new
client who pays a few weeks and is never seen again) and retainers paid on a slow rhythm;
`planted_marketplace` also says which (and which clients are harsh). `contracts_for` (the
benchmark's exact sizes) plants nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from jobsuccess.model import DISPUTE_OUTCOMES, END_REASONS, ENDED_BY, History

__all__ = [
    "DEFAULT_AS_OF",
    "MEAN_CONTRACTS",
    "Planted",
    "contract_chunks",
    "contracts_for",
    "marketplace",
    "planted_marketplace",
]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

DEFAULT_AS_OF: Final = date(2026, 11, 1)
_EPOCH: Final = date(1970, 1, 1)
#: The day the feedback-removal perk gave way to reports (docs/domain.md section 7).
_REPORTS_FROM: Final = (date(2024, 9, 3) - _EPOCH).days

#: Contracts per freelancer on average (measured over seeds with ``years=4``).
MEAN_CONTRACTS: Final = 10.25

# Freelancer activity: contracts = 1 + floor(lognormal * (active span / years) ** 0.6), so
# most have a handful and a few percent have 50+; newcomers have fewer.
_ACTIVITY_MU: Final = 2.23
_ACTIVITY_SIGMA: Final = 1.15
_QUIT_SHARE: Final = 0.25  # freelancers who stopped taking work before as_of

# Clients: one per four contracts; client rank x in [0, 1) hires with density ~ x ** -0.44
# (power law: the top 1% of clients make ~8% of the hires, a few make a thousand).
_CONTRACTS_PER_CLIENT: Final = 4
_CLIENT_SKEW: Final = 1.8
_REPEAT_SHARE: Final = 0.28  # a later contract goes to one of the freelancer's past clients
_HARSH_SHARE: Final = 0.01  # of hires, made by clients who rate everyone harshly
# Agencies: a tenth of freelancers belong to one (about eight members each) and do most of
# their contracts through it. Drawn from a stream of their own, after everything else, so
# adding agencies changed no other value of any seed.
_AGENCY_SHARE: Final = 0.10
_AGENCY_MEMBERS: Final = 8
_THROUGH_AGENCY: Final = 0.8
_FRAUD_RATE: Final = 0.0005  # of clients, later suspended for fraud
# Planted for the jobsuccess-2026 rules (issue 13): per freelancer, a scope change (a contract
# the client closes as not completed and replaces at once), a vanished client's open contract,
# and a retainer paid on a slow regular rhythm. Drawn from a stream of their own, after
# everything else, as new rows only: every other value of a seed is as it was.
_SCOPE_CHANGE_SHARE: Final = 0.02
_VANISHED_SHARE: Final = 0.02
_RHYTHM_SHARE: Final = 0.02

# Contract lengths in days: lognormal (median, sigma) by payment pattern.
_FIXED_DAYS: Final = (12.0, 1.0)
_HOURLY_DAYS: Final = (35.0, 1.3)
_RETAINER_DAYS: Final = (240.0, 0.7)
_MAX_DAYS: Final = 4 * 365
_RETAINER_SHARE: Final = (0.015, 0.04)  # of fixed, of hourly contracts
_ENDED_BY_CUM: Final = (0.76, 0.93)  # client 76%, freelancer 17%, platform 7%
_LEFT_OPEN: Final = (0.05, 0.6)  # finished but never closed: others, retainers

#: Percent points of a standard normal: recommend r iff the latent satisfaction lies in
#: [_RECOMMEND_CUTS[r-1], _RECOMMEND_CUTS[r]). Shares: 0 1.5%, 0-6 6%, 7 4%, 8 6%, 9 15%,
#: 10 69%: candid, yet most clients are happy (marketplace scores cluster in the 90s).
_RECOMMEND_CUTS: Final = np.array(
    [-2.17, -2.054, -1.96, -1.881, -1.787, -1.675, -1.555, -1.2816, -0.994, -0.496]
)
#: End reason probabilities (completed, not_completed, no_longer_needed, other) by recommend
#: band 0-4, 5-6, 7-8, 9-10, cumulated.
_END_REASON_CUM: Final = np.cumsum(
    [
        [0.10, 0.55, 0.15, 0.20],
        [0.50, 0.25, 0.15, 0.10],
        [0.90, 0.02, 0.06, 0.02],
        [0.97, 0.00, 0.025, 0.005],
    ],
    axis=1,
)[:, :-1]
_NO_FEEDBACK: Final = (0.20, 0.30, 0.55)  # by ended_by: clients forget auto-closed contracts
_APPEAL_NOTES: Final = (
    "appeal upheld: the client stalled the work, then closed it as not completed",
    "appeal upheld: closed on a scope change and reopened as a new contract",
    "appeal upheld: the client was unresponsive for weeks before closing",
)


def marketplace(
    freelancers: int,
    *,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    years: float = 4.0,
    client_feedback: bool = False,
) -> History:
    """A synthetic marketplace of ``freelancers`` (about `MEAN_CONTRACTS` contracts each).

    The same arguments give the same frames, byte for byte. Every date is on or before
    ``as_of``; freelancers joined up to ``years`` before it.
    """
    return planted_marketplace(
        freelancers, seed=seed, as_of=as_of, years=years, client_feedback=client_feedback
    )[0]


@dataclass(frozen=True, slots=True)
class Planted:
    """What a synthetic marketplace was built to hold, for tests and measurements: the
    clients who rate everyone harshly, and the contracts planted for the jobsuccess-2026
    rules (scope changes: the contract closed and replaced; a vanished client's contract; a
    retainer paid on a rhythm)."""

    harsh_clients: frozenset[str]
    scope_changes: frozenset[str]
    vanished: frozenset[str]
    retainers: frozenset[str]


def planted_marketplace(
    freelancers: int,
    *,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    years: float = 4.0,
    client_feedback: bool = False,
) -> tuple[History, Planted]:
    """`marketplace` and what it planted (the same frames, byte for byte).

    ``client_feedback``: fill the contract field of that name (the freelancers' stars for
    their clients) on 40% of ended contracts; drawn either way, so nothing else changes.
    """
    _check(freelancers, years, as_of)
    rng = _Streams(seed)
    as_of_day = (as_of - _EPOCH).days
    pop = _population(rng.freelancers, freelancers, as_of_day, years)
    return _history(rng, pop, as_of_day, plant=True, client_feedback=client_feedback)


def contracts_for(
    contracts: int, *, seed: int, as_of: date = DEFAULT_AS_OF, years: float = 4.0
) -> History:
    """A synthetic marketplace with exactly ``contracts`` contracts (the benchmark's size).

    Draws enough freelancers, keeps the first ones that reach the count and trims the last
    one's activity, so the size is exact and every distribution stays that of `marketplace`.
    """
    return _contracts_for(contracts, seed, as_of, years)


def _contracts_for(contracts: int, seed: int | list[int], as_of: date, years: float) -> History:
    _check(contracts, years, as_of)
    rng = _Streams(seed)
    as_of_day = (as_of - _EPOCH).days
    n = math.ceil(contracts / MEAN_CONTRACTS * 1.1) + 16
    pop = _population(rng.freelancers, n, as_of_day, years)
    while int(pop.count.sum()) < contracts:  # an unlucky draw: extend, still deterministic
        pop = pop.extend(_population(rng.freelancers, n, as_of_day, years))
    total = np.cumsum(pop.count)
    keep = int(np.searchsorted(total, contracts)) + 1 if contracts else 0
    pop = pop.head(keep)
    if keep:
        pop.count[-1] -= int(total[keep - 1]) - contracts
    return _history(rng, pop, as_of_day)[0]


def contract_chunks(
    contracts: int,
    *,
    seed: int,
    chunk: int,
    as_of: date = DEFAULT_AS_OF,
    years: float = 4.0,
) -> Iterator[History]:
    """`contracts_for` in pieces of at most ``chunk`` contracts, for markets too big to
    draw at once (30M contracts: some 13 GB at once, 1.4 GB per 3M piece).

    Piece ``i`` is `contracts_for` of its size drawn from the seed ``(seed, i)`` (piece 0:
    from ``seed`` itself, numpy's seed sequence of ``(seed, 0)`` being ``seed``'s), its ids tagged
    with the piece (``f03-000001``, ``c03-0000001``, ``k03-000001``, ``a03-0001``) so that
    they stay unique and the pieces, in order, are in the tables' order. Its freelancers hire
    only its clients: a market of many regional markets, each distributed like
    `contracts_for`. One piece (``chunk >= contracts``) is `contracts_for` itself. The same
    arguments give the same pieces, byte for byte.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    pieces = max(1, math.ceil(contracts / chunk))
    if pieces == 1:
        yield contracts_for(contracts, seed=seed, as_of=as_of, years=years)
        return
    width = max(2, len(str(pieces - 1)))
    for i in range(pieces):
        size = min(chunk, contracts - i * chunk)
        piece = _contracts_for(size, [seed, i], as_of, years)
        yield _tagged(piece, f"{i:0{width}d}-")


def _tagged(history: History, tag: str) -> History:
    """Every id of ``history`` with ``tag`` after its letter (``f000001`` -> ``f03-000001``)."""
    ids = {
        "contracts": ("freelancer", "id", "client", "agency"),
        "payments": ("freelancer", "contract"),
        "feedback": ("freelancer", "contract"),
        "disputes": ("freelancer", "contract"),
        "actions": ("freelancer", "contract", "client"),
    }
    return History.from_frames(
        **{
            name: frame.with_columns(
                pl.concat_str(pl.col(c).str.head(1), pl.lit(tag), pl.col(c).str.slice(1))
                for c in ids[name]
            )
            for name, frame in history.frames()
        }
    )


def _check(size: int, years: float, as_of: date) -> None:
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    if not 0 < years < 100:
        raise ValueError(f"years must be in (0, 100), got {years}")
    if (as_of - _EPOCH).days <= years * 365.25:  # day numbers stay positive: -1 means none
        raise ValueError(f"the history must start after 1970-01-01, got as_of {as_of}")


class _Streams:
    """Independent random streams per concern, so tuning one part never reshuffles another."""

    def __init__(self, seed: int | list[int]) -> None:
        def gen(i: int) -> np.random.Generator:
            return np.random.Generator(np.random.PCG64(children[i]))

        # Spawned children depend only on their position: a seventh leaves the six as they were.
        children = np.random.SeedSequence(seed).spawn(8)
        self.freelancers = gen(0)
        self.contracts = gen(1)
        self.clients = gen(2)
        self.payments = gen(3)
        self.feedback = gen(4)
        self.events = gen(5)
        self.agencies = gen(6)
        self.fairness = gen(7)


@dataclass(frozen=True, slots=True)
class _Population:
    """Per freelancer: active span (day numbers), contract count, quality, hourly share."""

    first: I64
    last: I64
    count: I64
    quality: F64
    hourly: F64

    def head(self, n: int) -> _Population:
        return _Population(
            self.first[:n].copy(),
            self.last[:n].copy(),
            self.count[:n].copy(),
            self.quality[:n].copy(),
            self.hourly[:n].copy(),
        )

    def extend(self, other: _Population) -> _Population:
        return _Population(
            np.concatenate([self.first, other.first]),
            np.concatenate([self.last, other.last]),
            np.concatenate([self.count, other.count]),
            np.concatenate([self.quality, other.quality]),
            np.concatenate([self.hourly, other.hourly]),
        )


def _population(rng: np.random.Generator, n: int, as_of: int, years: float) -> _Population:
    span = years * 365.25
    # Joins skew recent (a growing marketplace); a quarter stopped working at some point.
    tenure = np.maximum(min(7.0, span), span * rng.random(n) ** 1.2)
    quit_ = np.where(rng.random(n) < _QUIT_SHARE, tenure * 0.8 * rng.random(n), 0.0)
    first = as_of - np.floor(tenure).astype(np.int64)
    last = as_of - np.floor(quit_).astype(np.int64)
    active = (last - first) / span
    level = np.exp(rng.normal(_ACTIVITY_MU, _ACTIVITY_SIGMA, n))
    count = 1 + np.floor(level * active**0.6).astype(np.int64)
    quality = rng.normal(0.0, 0.6, n)
    hourly = rng.beta(1.2, 1.5, n)
    return _Population(first, last, count, quality, hourly)


@dataclass(frozen=True, slots=True)
class _Contracts:
    """Per-contract columns, day numbers as int64 (``end`` and codes are -1 while open)."""

    freelancer: I64
    client: I64
    clients: int
    harsh: Bool  # per client
    fraud: Bool  # per client
    hourly: Bool
    kind: I8  # 0 regular hourly billing, 1 fixed milestones, 2 sporadic retainer
    start: I64
    work_end: I64  # when work and payments stopped; may lie after as_of
    end: I64
    ended_by: I8  # index into ENDED_BY
    zero: Bool  # never paid
    recommend: I64  # latent private answer, also for contracts without feedback
    end_reason: I8  # index into END_REASONS


def _history(
    rng: _Streams,
    pop: _Population,
    as_of: int,
    *,
    plant: bool = False,
    client_feedback: bool = False,
) -> tuple[History, Planted]:
    c = _contracts(rng, pop, as_of)
    fb = _feedback(rng.feedback, c, as_of)
    disputes = _disputes(rng.events, c)
    actions = _actions(rng.events, c, fb, as_of)
    ids = _Ids(len(pop.count), len(c.start), c.clients)
    # Payments are the bulk: make their frame at once, so that their arrays die early.
    pay = _payments(rng.payments, c, disputes, as_of)
    payments = ids.table(
        freelancer=("f", c.freelancer[pay.contract]),
        contract=("c", pay.contract),
        date=_dates(pay.date),
        amount=pay.amount,
    )
    del pay
    history = History.from_frames(
        contracts=ids.table(
            freelancer=("f", c.freelancer),
            id=ids.c,
            client=("k", c.client),
            type=pl.Series(["fixed", "hourly"]).gather(c.hourly.astype(np.int64)),
            start=_dates(c.start),
            end=_dates(c.end),
            ended_by=_labels(ENDED_BY, c.ended_by),
            end_reason=_labels(END_REASONS, c.end_reason),
            agency=_agencies(rng.agencies, c.freelancer, len(pop.count)),
        ),
        payments=payments,
        feedback=ids.table(
            freelancer=("f", c.freelancer[fb.contract]),
            contract=("c", fb.contract),
            date=_dates(fb.date),
            stars=pl.Series(fb.stars, dtype=pl.Float64, nan_to_null=True),
            recommend=_nullable(fb.recommend, pl.Int8()),
        ),
        disputes=ids.table(
            freelancer=("f", c.freelancer[disputes.contract]),
            contract=("c", disputes.contract),
            opened=_dates(disputes.opened),
            outcome=_labels(DISPUTE_OUTCOMES, disputes.outcome),
        ),
        actions=_action_frame(ids, c, fb, actions),
    )
    harsh = frozenset(ids.k.gather(np.flatnonzero(c.harsh)).to_list())
    if not plant:
        return history, Planted(harsh, frozenset(), frozenset(), frozenset())
    stars = _client_feedback(rng.fairness, c)  # drawn either way: the stream stays in step
    if client_feedback:
        history = history.with_frame(
            "contracts", history.contracts.with_columns(client_feedback=stars)
        )
    return _plant(rng.fairness, history, c, pop, ids, as_of, harsh)


def _client_feedback(r: np.random.Generator, c: _Contracts) -> pl.Series:
    """The stars freelancers give their clients (``client_feedback``) on 40% of ended
    contracts: mostly 4.5-5.0, about two stars fewer for a harsh client."""
    total = len(c.start)
    given = (c.end >= 0) & (r.random(total, dtype=np.float32) < 0.4)
    stars = 4.9 - 0.4 * r.exponential(size=total) - 2.0 * c.harsh[c.client]
    stars = np.round(np.clip(stars, 1.0, 5.0) * 2) / 2
    return pl.Series("client_feedback", np.where(given, stars, np.nan), nan_to_null=True)


def _plant(
    r: np.random.Generator,
    h: History,
    c: _Contracts,
    pop: _Population,
    ids: _Ids,
    as_of: int,
    harsh: frozenset[str],
) -> tuple[History, Planted]:
    """Add the jobsuccess-2026 cases as new rows (existing rows keep every value)."""
    freelancers = len(ids.f)
    contracts: list[tuple[int, str, int, int | None, str | None]] = []
    payments: list[tuple[int, int, float]] = []  # (contract number, day, amount)
    feedback: list[tuple[int, int, float, int]] = []
    owner: dict[int, tuple[int, int]] = {}  # contract number -> (freelancer, client)
    n = len(c.start)
    digits = max(7, len(str(n)))
    kinds: dict[str, list[int]] = {"scope": [], "vanished": [], "rhythm": []}

    def new(f: int, k: int, start: int, end: int | None, reason: str | None, typ: str) -> int:
        number = n + len(contracts) + 1
        owner[number] = (f, k)
        contracts.append((number, typ, start, end, reason))
        return number

    def cents(x: float) -> float:
        return round(x, 2)

    # Scope changes: after one of a freelancer's ended contracts, the same client hires again
    # for a month, closes it as not completed, and opens a new contract within a week.
    base = np.flatnonzero((c.end >= 0) & (c.end <= as_of - 150))
    chosen = base[r.random(len(base)) < _SCOPE_CHANGE_SHARE * freelancers / max(1, len(base))]
    for x in chosen.tolist():
        f, k = int(c.freelancer[x]), int(c.client[x])
        start = int(c.end[x]) + int(r.integers(3, 30))
        end = start + int(r.integers(20, 45))
        if end + 14 > as_of:
            continue
        old = new(f, k, start, end, "not_completed", "fixed")
        payments.append((old, end, cents(float(r.uniform(150, 900)))))
        feedback.append((old, end + int(r.integers(1, 10)), 4.5, int(r.integers(4, 8))))
        kinds["scope"].append(old)
        again = end + int(r.integers(0, 8))
        nxt = new(f, k, again, None, None, "hourly")
        for day in range(again + 14, min(as_of, again + 120), 14):
            payments.append((nxt, day, cents(float(r.uniform(150, 600)))))
    # Vanished clients: a new client hires once, pays for a few weeks and is never seen again.
    clients = c.clients
    for f in np.flatnonzero(r.random(freelancers) < _VANISHED_SHARE).tolist():
        low, high = max(int(pop.first[f]), as_of - 700), min(int(pop.last[f]), as_of - 120)
        if low > high:
            continue
        clients += 1
        start = int(r.integers(low, high + 1))
        one = new(int(f), clients - 1, start, None, None, "hourly")
        for j in range(int(r.integers(1, 4))):
            payments.append((one, start + 7 * (j + 1), cents(float(r.uniform(100, 500)))))
        kinds["vanished"].append(one)
    # Retainers on a rhythm: a client active lately (it started a contract in the last two
    # months) pays the freelancer every 40-80 days; the last payment is 95 days to three
    # gaps old, so it is idle under 2024-09 and not yet under jobsuccess-2026.
    recent = np.flatnonzero(c.start >= as_of - 60)
    chosen = recent[r.random(len(recent)) < _RHYTHM_SHARE * freelancers / max(1, len(recent))]
    for x in chosen.tolist():
        gap = int(r.integers(40, 81))
        last = as_of - int(r.integers(95, 3 * gap - 5))
        m = int(r.integers(3, 7))
        start = last - gap * (m - 1) - int(r.integers(3, 15))
        if start < int(pop.first[c.freelancer[x]]):
            continue
        ret = new(int(c.freelancer[x]), int(c.client[x]), start, None, None, "hourly")
        for j in range(m):
            day = last - gap * (m - 1 - j) + (int(r.integers(-2, 3)) if 0 < j < m - 1 else 0)
            payments.append((ret, day, cents(float(r.uniform(300, 900)))))
        kinds["rhythm"].append(ret)
    if not contracts:
        return h, Planted(harsh, frozenset(), frozenset(), frozenset())

    def cid(numbers: list[int]) -> list[str]:
        return [f"c{i:0{digits}d}" for i in numbers]

    def kid(k: int) -> str:
        return ids.k[k] if k < len(ids.k) else f"k{k + 1:0{max(5, len(str(clients)))}d}"

    def fid(number: int) -> str:
        return str(ids.f[owner[number][0]])

    def as_date(d: int | None) -> date | None:
        return None if d is None else date.fromordinal(_EPOCH.toordinal() + d)

    added = pl.DataFrame(
        {
            "freelancer": [fid(x[0]) for x in contracts],
            "id": cid([x[0] for x in contracts]),
            "client": [kid(owner[x[0]][1]) for x in contracts],
            "type": [x[1] for x in contracts],
            "start": [as_date(x[2]) for x in contracts],
            "end": [as_date(x[3]) for x in contracts],
            "ended_by": [None if x[3] is None else "client" for x in contracts],
            "end_reason": [x[4] for x in contracts],
        }
    )
    paid = pl.DataFrame(
        {
            "freelancer": [fid(x) for x, _, _ in payments],
            "contract": cid([x for x, _, _ in payments]),
            "date": [as_date(d) for _, d, _ in payments],
            "amount": [a for _, _, a in payments],
        }
    )
    rated = pl.DataFrame(
        {
            "freelancer": [fid(x) for x, _, _, _ in feedback],
            "contract": cid([x for x, _, _, _ in feedback]),
            "date": [as_date(d) for _, d, _, _ in feedback],
            "stars": [s for _, _, s, _ in feedback],
            "recommend": [rec for _, _, _, rec in feedback],
        }
    )
    orders = {
        "contracts": ["freelancer", "id"],
        "payments": ["freelancer", "contract", "date", "amount"],
        "feedback": ["freelancer", "contract", "date", "stars", "recommend"],
    }
    frames = {}
    for name, extra in (("contracts", added), ("payments", paid), ("feedback", rated)):
        old_frame = getattr(h, name)
        extra = extra.with_columns(
            pl.lit(None, dtype=old_frame.schema[col]).alias(col)
            for col in old_frame.columns
            if col not in extra.columns
        )
        both = pl.concat([old_frame, extra.select(old_frame.columns).cast(old_frame.schema)])
        frames[name] = both.sort(orders[name], nulls_last=True, maintain_order=True)
    out = History.from_frames(**frames, disputes=h.disputes, actions=h.actions)
    return out, Planted(
        harsh,
        frozenset(cid(kinds["scope"])),
        frozenset(cid(kinds["vanished"])),
        frozenset(cid(kinds["rhythm"])),
    )


def _agencies(r: np.random.Generator, freelancer: I64, freelancers: int) -> pl.Series:
    """Each contract's agency (null: done on the freelancer's own): members of an agency do
    a share of their contracts through it."""
    member = r.random(freelancers) < _AGENCY_SHARE
    count = max(1, -(-int(member.sum()) // _AGENCY_MEMBERS))
    which = r.integers(0, count, freelancers)
    through = member[freelancer] & (r.random(len(freelancer)) < _THROUGH_AGENCY)
    code = np.where(through, which[freelancer], -1)
    return _ids("a", count, 4).gather(_nullable(code, pl.Int64()))


class _Ids:
    """The id series; id columns are gathers of them (cheap: short strings are inline)."""

    def __init__(self, freelancers: int, contracts: int, clients: int) -> None:
        self.f = _ids("f", freelancers, 6)
        self.c = _ids("c", contracts, 7)
        self.k = _ids("k", clients, 5)

    def table(self, **cols: tuple[str, I64] | pl.Series | F64) -> pl.DataFrame:
        """A frame; a column given as (id series name, indices) is a gather of that series."""
        return pl.DataFrame(
            {
                name: getattr(self, col[0]).gather(pl.Series(col[1]))
                if isinstance(col, tuple)
                else col
                for name, col in cols.items()
            }
        )


def _contracts(rng: _Streams, pop: _Population, as_of: int) -> _Contracts:
    r = rng.contracts
    n, total = len(pop.count), int(pop.count.sum())
    fl = _owner(pop.count)
    offset = np.cumsum(pop.count) - pop.count
    rank = np.arange(total, dtype=np.int64) - offset[fl]

    # Starts: sorted uniforms within each freelancer's span without a sort, as normalised
    # cumulative exponential spacings (the order statistics of uniforms).
    gaps = r.exponential(size=total)
    cum = np.cumsum(gaps)
    has = pop.count > 0
    before = np.zeros(n)
    before[has] = cum[offset[has]] - gaps[offset[has]]
    whole = np.ones(n)
    whole[has] = cum[(offset + pop.count - 1)[has]] - before[has]
    whole += r.exponential(size=n)
    u = (cum - before[fl]) / whole[fl]
    del gaps, cum
    start = pop.first[fl] + np.floor(u * (pop.last - pop.first)[fl]).astype(np.int64)
    del u

    hourly = r.random(total, dtype=np.float32) < pop.hourly[fl]
    retainer = r.random(total, dtype=np.float32) < np.where(
        hourly, _RETAINER_SHARE[1], _RETAINER_SHARE[0]
    )
    kind = np.where(retainer, 2, np.where(hourly, 0, 1)).astype(np.int8)
    days = np.array([_HOURLY_DAYS, _FIXED_DAYS, _RETAINER_DAYS])[kind]
    noise = r.standard_normal(total, dtype=np.float32)
    length = np.minimum(np.floor(days[:, 0] * np.exp(days[:, 1] * noise)), _MAX_DAYS)
    del days, noise
    work_end = start + length.astype(np.int64)

    # Closing: the client mostly, the freelancer sometimes, the platform after 2 weeks to 3
    # months without activity. Some finished contracts stay open: a vanished client, a
    # retainer kept for later.
    closer = np.searchsorted(_ENDED_BY_CUM, r.random(total, dtype=np.float32), side="right")
    ended_by: I8 = closer.astype(np.int8)
    end = work_end + np.where(ended_by == 2, r.integers(14, 91, total, dtype=np.int32), 0)
    left_open = r.random(total, dtype=np.float32) < np.where(retainer, _LEFT_OPEN[1], _LEFT_OPEN[0])
    open_ = (end > as_of) | left_open
    end = np.where(open_, -1, end)
    ended_by = np.where(open_, -1, ended_by).astype(np.int8)
    # Never paid: cancelled before funding, or a client who vanished at once.
    p_zero = np.where(hourly, 0.02, 0.04)
    vanished = left_open & (work_end <= as_of)
    p_zero = np.where(vanished, np.where(retainer, 0.1, np.where(hourly, 0.2, 0.35)), p_zero)
    zero = r.random(total, dtype=np.float32) < p_zero

    client, clients, harsh, fraud = _clients(rng.clients, total, rank)
    recommend, end_reason = _satisfaction(rng.feedback, fl, pop.quality, harsh[client], end)
    return _Contracts(
        fl,
        client,
        clients,
        harsh,
        fraud,
        hourly,
        kind,
        start,
        work_end,
        end,
        ended_by,
        zero,
        recommend,
        end_reason,
    )


def _clients(r: np.random.Generator, total: int, rank: I64) -> tuple[I64, int, Bool, Bool]:
    """Client of each contract, shared across freelancers; repeat hires from past clients."""
    k = max(3, total // _CONTRACTS_PER_CLIENT)
    ids = r.permutation(k)  # popularity unrelated to the id
    draw = np.floor(k * r.random(total) ** _CLIENT_SKEW).astype(np.int64)
    client = ids[np.minimum(draw, k - 1)]
    del draw
    # A repeat copies the client of an earlier contract of the same freelancer (recent ones
    # likelier); pointer jumping resolves chains of repeats without a Python loop per row.
    idx = np.arange(total, dtype=np.int64)
    repeat = (rank > 0) & (r.random(total, dtype=np.float32) < _REPEAT_SHARE)
    back = 1 + np.floor(r.random(total, dtype=np.float32) ** 2 * rank).astype(np.int64)
    src = np.where(repeat, idx - np.minimum(back, rank), idx)
    del idx, repeat, back
    while True:
        nxt = src[src]
        if np.array_equal(nxt, src):
            break
        src = nxt
    client = client[src]
    del src, nxt
    # Harsh raters are picked by hires so that they rate many freelancers; a few others are
    # later caught committing fraud.
    hires = np.bincount(client, minlength=k)
    big = np.where(hires >= 5, hires, 0)
    pick = _HARSH_SHARE * total / max(1, int(np.dot(big, big)))  # P(harsh) ~ hires
    harsh = r.random(k) < np.minimum(1.0, pick * big)
    fraud = (r.random(k) < _FRAUD_RATE) & ~harsh & (hires > 0)
    return client, k, harsh, fraud


def _satisfaction(
    r: np.random.Generator, fl: I64, quality: F64, harsh: Bool, end: I64
) -> tuple[I64, I8]:
    """Latent private answer and end reason: freelancer quality, luck, harsh clients."""
    total = len(fl)
    latent = (quality[fl] + 0.8 * r.standard_normal(total, dtype=np.float32) - 2.0 * harsh).astype(
        np.float64
    )
    recommend = np.searchsorted(_RECOMMEND_CUTS, latent).astype(np.int64)
    band = (recommend > 4).astype(np.int64) + (recommend > 6) + (recommend > 8)
    u = r.random(total, dtype=np.float32)
    reason = np.where(end >= 0, 0, -1).astype(np.int8)
    for i in range(_END_REASON_CUM.shape[1]):
        reason += (end >= 0) & (u > _END_REASON_CUM[band, i])
    return recommend, reason


@dataclass(frozen=True, slots=True)
class _Feedback:
    contract: I64  # rows: contracts with feedback, in contract order
    date: I64
    stars: F64  # NaN when missing
    recommend: I64  # -1 when missing


def _feedback(r: np.random.Generator, c: _Contracts, as_of: int) -> _Feedback:
    """End-of-contract feedback: within 14 days of the end, from most clients."""
    total = len(c.start)
    skip = np.array(_NO_FEEDBACK, dtype=np.float32)[np.maximum(c.ended_by, 0)]
    day = c.end + r.integers(0, 15, total, dtype=np.int32)
    given = (c.end >= 0) & (r.random(total, dtype=np.float32) >= skip) & (day <= as_of)
    rows = np.flatnonzero(given).astype(np.int64)
    del skip, given
    m = len(rows)
    # Public stars: six category scores of 1-5, each cut by a deficit that grows as a latent
    # correlated with the private answer falls; averaged, rounded to 0.1 or 0.05. Inflated:
    # most are 5.0. Harsh clients keep some stars (five public stars, poor private answer).
    private = _RECOMMEND_MID[c.recommend[rows]]
    latent = (
        0.65 * private
        + 0.76 * r.standard_normal(m, dtype=np.float32)
        + 0.5 * c.harsh[c.client[rows]]
    )
    sums = np.zeros(m, dtype=np.float32)
    for _ in range(6):
        deficit = np.maximum(0.0, -1.45 - (latent + 0.5 * r.standard_normal(m, dtype=np.float32)))
        sums += np.clip(5.0 - np.ceil(deficit), 1.0, 5.0)
    grain = np.where(r.random(m, dtype=np.float32) < 0.5, 20.0, 10.0)
    stars = np.round(sums.astype(np.float64) / 6.0 * grain) / grain
    missing = r.random(m, dtype=np.float32)
    stars = np.where(missing < 0.04, np.nan, stars)
    answer = np.where((missing >= 0.04) & (missing < 0.10), -1, c.recommend[rows])
    return _Feedback(rows, day[rows], stars, answer)


#: A representative latent satisfaction per recommend answer (between its cuts), so the
#: public stars correlate with the private answer without keeping the latent around.
_RECOMMEND_MID: Final = np.concatenate(
    [[-2.3], (_RECOMMEND_CUTS[:-1] + _RECOMMEND_CUTS[1:]) / 2, [0.6]]
)


@dataclass(frozen=True, slots=True)
class _Disputes:
    contract: I64
    opened: I64
    outcome: I8  # index into DISPUTE_OUTCOMES


def _disputes(r: np.random.Generator, c: _Contracts) -> _Disputes:
    """A few disputes, mostly on unhappy fixed-price contracts, opened before the end."""
    total = len(c.start)
    unhappy = c.recommend <= 4
    p = np.where(unhappy, np.where(c.hourly, 0.03, 0.08), 0.0008)
    rows = np.flatnonzero((c.end >= 0) & (r.random(total, dtype=np.float32) < p))
    rows = rows.astype(np.int64)
    reach = np.minimum(30, c.end[rows] - c.start[rows])
    opened = c.end[rows] - np.floor(r.random(len(rows)) * (reach + 1)).astype(np.int64)
    outcome = np.searchsorted([0.45, 0.80], r.random(len(rows)), side="right").astype(np.int8)
    return _Disputes(rows, opened, outcome)


@dataclass(frozen=True, slots=True)
class _Payments:
    contract: I64
    date: I32
    amount: F64


def _payments(r: np.random.Generator, c: _Contracts, disputes: _Disputes, as_of: int) -> _Payments:
    """Hourly: one payment per billing period; fixed: milestones; retainer: sporadic."""
    total = len(c.start)
    finished = c.work_end <= as_of
    pay_end = np.minimum(c.work_end, as_of)
    span = pay_end - c.start
    length = np.maximum(c.work_end - c.start, 1)
    regular, milestones = c.kind == 0, c.kind == 1

    # Payment k (1-based) is due after min(k * num // den, span) days: regular billing has
    # num = cadence, den = 1 and a final partial period; milestones split the planned length.
    cadence = np.array([7, 14, 30], dtype=np.int64)[
        np.searchsorted([0.45, 0.65], r.random(total, dtype=np.float32), side="right")
    ]
    full = span // cadence
    n_regular = full + (finished & ((span % cadence > 0) | (full == 0)))
    planned = (
        np.searchsorted(
            [0.55, 0.80, 0.90, 0.96], r.random(total, dtype=np.float32), side="right"
        ).astype(np.int64)
        + 1
    )
    due = -((-(as_of - c.start + 1) * planned) // length) - 1  # milestones on or before as_of
    n_milestones = np.where(finished, planned, np.clip(due, 0, planned))
    n_sporadic = np.zeros(total, dtype=np.int64)
    retainer = np.flatnonzero(c.kind == 2)
    n_sporadic[retainer] = r.poisson(span[retainer] / 45.0 + 0.5)
    n_sporadic[retainer] = np.where(
        finished[retainer], np.maximum(n_sporadic[retainer], 1), n_sporadic[retainer]
    )
    count = np.where(regular, n_regular, np.where(milestones, n_milestones, n_sporadic))
    count = np.where(c.zero, 0, count).astype(np.int64)
    num = np.where(regular, cadence, length)
    den = np.where(regular, 1, planned)
    del full, due, n_regular, n_milestones, n_sporadic

    # Typical amounts: a weekly wage times the period, a price split over milestones, or a
    # retainer's per-piece fee; each payment varies around it.
    wage = np.clip(np.exp(np.log(280.0) + 0.8 * r.standard_normal(total)), 20.0, 2_500.0)
    price = np.clip(np.exp(np.log(300.0) + 1.25 * r.standard_normal(total)), 20.0, 50_000.0)
    base = np.where(regular, wage * cadence / 7.0, np.where(milestones, price / planned, 220.0))
    spread = np.where(regular, 0.35, np.where(milestones, 0.3, 0.8)).astype(np.float32)
    tail = np.where(
        regular & (count > span // cadence),
        np.maximum(0.15, (span - span // cadence * cadence) / cadence),
        1.0,
    )
    del wage, price, cadence, planned

    # Refunds (one trailing negative row): random ones, and disputes the client won (all of
    # the earnings) or split (half).
    share = np.where(r.random(total, dtype=np.float32) < 0.35, 1.0, r.uniform(0.1, 0.9, total))
    refund = r.random(total, dtype=np.float32) < 0.02
    won = disputes.outcome != 1
    refund[disputes.contract[won]] = True
    share[disputes.contract[won]] = np.where(disputes.outcome[won] == 0, 1.0, 0.5)
    refund &= count > 0
    rows = count + refund

    contract = _owner(rows)
    first = np.cumsum(rows) - rows
    k = np.arange(1, len(contract) + 1, dtype=np.int64) - first[contract]
    step = num / den + 1e-9  # floats: no integer division on every row
    after = np.floor(k * step[contract]).astype(np.int32)
    np.minimum(after, span.astype(np.int32)[contract], out=after)
    del num, den, step, k
    noise = spread[contract] * r.standard_normal(len(contract), dtype=np.float32)
    np.exp(noise, out=noise)
    amount = base[contract] * noise
    del noise
    last = first + count - 1
    amount[last[count > 0]] *= tail[count > 0]

    # Retainers: sporadic payments, uniform over the span, sorted per contract.
    at = _ranges(first[retainer], count[retainer])
    owner = retainer[_owner(count[retainer])]
    ordered = np.sort(owner + r.random(len(at))) - owner
    after[at] = np.floor(ordered * (span[owner] + 1)).astype(np.int32)
    del at, owner, ordered

    date_ = c.start.astype(np.int32)[contract]
    date_ += after
    del after
    np.clip(amount, 20.0, 50_000.0, out=amount)
    _cents(amount)

    # The refund row: after the last payment, by the end; a share of what was paid.
    who = np.flatnonzero(refund)
    at = first[who] + count[who]
    bounds = np.stack([first[who], at], axis=1).ravel()
    paid = np.add.reduceat(amount, bounds)[::2] if len(who) else np.zeros(0)
    limit = np.where(c.end[who] >= 0, c.end[who], as_of)
    date_[at] = np.minimum(date_[at - 1] + r.integers(0, 22, len(who)), limit)
    amount[at] = -_cents(share[who] * paid)
    _sort_ties(contract, date_, amount)
    return _Payments(contract, date_, amount)


def _sort_ties(contract: I64, day: I32, amount: F64) -> None:
    """Order same-day payments of a contract by amount, in place, so the rows come out in
    the canonical (freelancer, contract, date, amount) order without sorting 30M rows."""
    tie = (contract[1:] == contract[:-1]) & (day[1:] == day[:-1])
    tied = np.zeros(int(contract[-1]) + 1 if len(contract) else 0, dtype=np.bool_)
    tied[contract[1:][tie]] = True
    rows = np.flatnonzero(tied[contract])  # every row of a contract with a tie
    order = np.lexsort((amount[rows], day[rows], contract[rows]))
    day[rows] = day[rows][order]
    amount[rows] = amount[rows][order]


def _owner(count: I64) -> I64:
    """``repeat(arange(len(count)), count)``: the group of each row, via one cumsum (faster)."""
    total = int(count.sum())
    out = np.zeros(total, dtype=np.int64)
    groups = np.flatnonzero(count)
    if total:
        firsts = (np.cumsum(count) - count)[groups]
        out[firsts[1:]] = np.diff(groups)
        out[0] = groups[0]
    return np.cumsum(out, out=out)


def _ranges(first: I64, count: I64) -> I64:
    """Concatenated ``range(first[i], first[i] + count[i])``, vectorised."""
    group = _owner(count)
    start = np.cumsum(count) - count
    return (first - start)[group] + np.arange(len(group), dtype=np.int64)


def _cents(x: F64) -> F64:
    """Round to cents in place (``np.round`` would allocate twice)."""
    x *= 100.0
    np.rint(x, out=x)
    x /= 100.0
    return x


@dataclass(frozen=True, slots=True)
class _Actions:
    flagged: I64  # clients
    flagged_date: I64
    flagged_answers: I64
    fraud: Bool
    removed: I64  # feedback rows
    removed_date: I64
    appealed: I64  # feedback rows
    appeal_date: I64
    appeal_note: I8


def _actions(r: np.random.Generator, c: _Contracts, fb: _Feedback, as_of: int) -> _Actions:
    """Operator actions: flags on harsh or fraudulent clients, removals, upheld appeals."""
    # Harsh clients are flagged once their pattern shows: a review after the third answer.
    rated = fb.recommend >= 0
    by = c.client[fb.contract[rated]]
    answers = np.bincount(by, minlength=c.clients)
    harsh = np.flatnonzero(c.harsh & (answers >= 3) & (r.random(c.clients) < 0.6))
    mark = np.zeros(c.clients, dtype=np.bool_)
    mark[harsh] = True
    mine = mark[by]
    who, day = by[mine], fb.date[rated][mine]
    order = np.lexsort((day, who))
    third = day[order][np.searchsorted(who[order], harsh) + 2]
    harsh_date = np.minimum(third + r.integers(1, 61, len(harsh)), as_of)
    # Fraud is caught some time after the client's latest hire.
    fraud = np.flatnonzero(c.fraud)
    mark[:] = False
    mark[fraud] = True
    hire = np.flatnonzero(mark[c.client])
    latest = np.zeros(c.clients, dtype=np.int64)
    np.maximum.at(latest, c.client[hire], c.start[hire])
    wait = np.floor(r.random(len(fraud)) * (as_of - latest[fraud] + 1)).astype(np.int64)
    flagged = np.concatenate([harsh, fraud]).astype(np.int64)
    flagged_date = np.concatenate([harsh_date, latest[fraud] + wait]).astype(np.int64)
    is_fraud = np.arange(len(flagged)) >= len(harsh)

    # Removals of poor feedback (the perk before 2024-09-03, an upheld report after), and
    # upheld appeals of contracts closed as not completed.
    m = len(fb.contract)
    poor = ((fb.recommend >= 0) & (fb.recommend <= 6)) | (fb.stars < 4.0)
    removed = np.flatnonzero(poor & (r.random(m) < 0.04)).astype(np.int64)
    removed_date = np.minimum(fb.date[removed] + r.integers(1, 31, len(removed)), as_of)
    appeal = (c.end_reason[fb.contract] == 1) & (r.random(m) < 0.03)
    appeal[removed] = False
    appealed = np.flatnonzero(appeal).astype(np.int64)
    appeal_date = np.minimum(fb.date[appealed] + r.integers(7, 46, len(appealed)), as_of)
    note = r.integers(0, len(_APPEAL_NOTES), len(appealed)).astype(np.int8)
    return _Actions(
        flagged,
        flagged_date,
        answers[flagged].astype(np.int64),
        is_fraud,
        removed,
        removed_date,
        appealed,
        appeal_date,
        note,
    )


def _action_frame(ids: _Ids, c: _Contracts, fb: _Feedback, act: _Actions) -> pl.DataFrame:
    none = pl.lit(None, dtype=pl.String)
    flags = pl.DataFrame(
        {
            "date": _dates(act.flagged_date),
            "client": ids.k.gather(act.flagged),
            "answers": act.flagged_answers,
            "fraud": act.fraud,
        }
    ).select(
        freelancer=none,
        type=pl.lit("client_flagged"),
        date="date",
        contract=none,
        client="client",
        note=pl.when("fraud")
        .then(pl.lit("client suspended for fraud"))
        .otherwise(
            # No private numbers in a note: notes may be shown to the freelancer.
            pl.format("client rates freelancers harshly: a pattern over {} contracts", "answers")
        ),
    )

    def per_contract(kind: str, rows: I64, day: I64, notes: pl.Series) -> pl.DataFrame:
        contract = fb.contract[rows]
        return pl.DataFrame(
            {
                "freelancer": ids.f.gather(c.freelancer[contract]),
                "type": pl.Series([kind] * len(rows), dtype=pl.String),
                "date": _dates(day),
                "contract": ids.c.gather(contract),
                "client": pl.Series([None] * len(rows), dtype=pl.String),  # named by contract
                "note": notes,
            }
        )

    # Feedback removed after an upheld report (valid in every era). Perk requests
    # (`feedback_removed`) depend on the score itself and are left to named tests.
    removed = per_contract(
        "report_upheld",
        act.removed,
        act.removed_date,
        pl.Series(["report upheld: terms violation", "report upheld: abusive feedback"]).gather(
            (act.removed_date >= _REPORTS_FROM).astype(np.int64)
        ),
    )
    appeals = per_contract(
        "appeal_upheld",
        act.appealed,
        act.appeal_date,
        pl.Series(_APPEAL_NOTES).gather(act.appeal_note.astype(np.int64)),
    )
    # The canonical order of the table formats (nulls last), so writing needs no sort.
    return pl.concat([flags, removed, appeals], how="vertical").sort(
        "freelancer", "date", "type", "contract", "client", "note", nulls_last=True
    )


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    """``prefix`` + 1-based zero-padded numbers, widened when ``n`` needs more digits."""
    digits = max(width, len(str(n)))
    return pl.select(
        pl.concat_str(
            pl.lit(prefix),
            pl.int_range(1, n + 1, dtype=pl.Int64).cast(pl.String).str.zfill(digits),
        )
    ).to_series()


def _dates(days: I64 | I32) -> pl.Series:
    """Day numbers to a Date series; negative means missing."""
    return _nullable(days, pl.Int32()).cast(pl.Date)


def _nullable(values: I64 | I32 | I8, dtype: pl.DataType) -> pl.Series:
    """Values as ``dtype``; negative means missing."""
    s = pl.Series(values.astype(np.int32), dtype=pl.Int32)
    if (values < 0).any():
        s = pl.select(pl.when(s >= 0).then(s)).to_series()
    return s.cast(dtype)


def _labels(labels: tuple[str, ...], codes: I8) -> pl.Series:
    """Codes (-1 missing) to their labels."""
    return pl.Series(labels, dtype=pl.String).gather(_nullable(codes, pl.Int64()))
