"""Hypothesis strategies for histories: one generator, two views.

`cases()` draws a computation date ``on`` and a small marketplace of 1..N freelancers
(`Market`), built from the reference model's plain dataclasses; `Market.history()` gives the
same records as `jobsuccess.model.History` frames for the engine, and `Market.view(id)` gives
one freelancer's reference input (its own actions plus the marketplace-wide ones).

Dates are drawn relative to ``on`` and biased towards the edges the rules care about: window
starts (3, 6, 12, 24 calendar months back, +-1 day), the 14-day feedback time, the 90-day idle,
long-term and weight periods, month ends and leap days. Records may lie after ``on`` (they do
not exist yet as of ``on``) and contracts may start after it (ignored). Every rule of
docs/rules.md is reachable: open and ended contracts, payments with refunds and $0, feedback
with stars and recommend present or missing, mid-contract, in and after the 14 days, disputes
of every outcome and pending, the three action types including marketplace-wide client flags,
repeat clients (a small shared client pool), idle and long-term payment patterns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from hypothesis import strategies as st

from jobsuccess.model import END_REASONS, ENDED_BY, SCHEMAS, History
from jobsuccess.policy import Cadence, Policy, PolicyBook
from reference import (
    Action,
    Contract,
    Dispute,
    Feedback,
    Freelancer,
    Payment,
    add_months,
)

#: Every date is drawn within about three years before this day.
FIXED: dt.date = dt.date(2024, 12, 31)
EARLIEST: dt.date = dt.date(2021, 12, 1)

#: Computation dates that stress calendar arithmetic (month ends, leap days, policy dates).
SPECIAL_ON: tuple[dt.date, ...] = (
    dt.date(2024, 8, 31),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 31),
    dt.date(2024, 5, 31),
    dt.date(2024, 9, 3),
    dt.date(2024, 12, 31),
    dt.date(2024, 10, 31),
)

CLIENTS: tuple[str, ...] = tuple(f"k{i}" for i in range(8))
AMOUNTS: tuple[float, ...] = (
    -300.0,
    -50.0,
    0.0,
    10.0,
    50.0,
    100.0,
    150.0,
    250.0,
    251.0,
    500.0,
    750.0,
    1000.0,
    1000.5,
    1500.0,
    4000.0,
    0.1,
    0.2,
    -0.1,
    249.9,
    250.1,
    999.99,
    0.01,
)
STARS: tuple[float, ...] = (1.0, 2.5, 3.9, 3.99, 4.0, 4.2, 4.49, 4.5, 4.75, 5.0)
EDGE_DAYS: tuple[int, ...] = (0, 1, 13, 14, 15, 89, 90, 91, 179, 180, 181)
WINDOW_MONTHS: tuple[int, ...] = (3, 6, 12, 24)

days = dt.timedelta


# -- the two views --------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """Freelancers (each with its own actions) and the marketplace-wide actions."""

    freelancers: tuple[Freelancer, ...]
    everywhere: tuple[Action, ...] = ()

    @property
    def ids(self) -> list[str]:
        return sorted(f.id for f in self.freelancers)

    def view(self, freelancer: str) -> Freelancer:
        """The reference model's input for one freelancer."""
        fr = next(f for f in self.freelancers if f.id == freelancer)
        return replace(fr, actions=fr.actions + self.everywhere)

    def with_contract(self, freelancer: str, contract: Contract) -> Market:
        return Market(
            tuple(
                replace(f, contracts=(*f.contracts, contract)) if f.id == freelancer else f
                for f in self.freelancers
            ),
            self.everywhere,
        )

    def history(self) -> History:
        return to_history(self)


def to_history(market: Market) -> History:
    """The same records as the engine's frames."""
    rows: dict[str, list[dict[str, Any]]] = {
        "contracts": [],
        "payments": [],
        "feedback": [],
        "disputes": [],
        "actions": [],
    }
    for fr in market.freelancers:
        for c in fr.contracts:
            rows["contracts"].append(
                {
                    "freelancer": fr.id,
                    "id": c.id,
                    "client": c.client,
                    "type": c.type,
                    "start": c.start,
                    "end": c.end,
                    "ended_by": c.ended_by,
                    "end_reason": c.end_reason,
                }
            )
            for p in c.payments:
                rows["payments"].append(
                    {"freelancer": fr.id, "contract": c.id, "date": p.date, "amount": p.amount}
                )
            if c.feedback is not None:
                fb = c.feedback
                rows["feedback"].append(
                    {
                        "freelancer": fr.id,
                        "contract": c.id,
                        "date": fb.date,
                        "stars": fb.stars,
                        "recommend": fb.recommend,
                    }
                )
            if c.dispute is not None:
                rows["disputes"].append(
                    {
                        "freelancer": fr.id,
                        "contract": c.id,
                        "opened": c.dispute.opened,
                        "outcome": c.dispute.outcome,
                    }
                )
        for a in fr.actions:
            rows["actions"].append(_action_row(fr.id, a))
    for a in market.everywhere:
        rows["actions"].append(_action_row(None, a))
    frames = {
        table: pl.DataFrame(data, schema=SCHEMAS[table], orient="row")
        if data
        else pl.DataFrame(schema=SCHEMAS[table])
        for table, data in rows.items()
    }
    return History.from_frames(**frames)


def _action_row(freelancer: str | None, a: Action) -> dict[str, Any]:
    return {
        "freelancer": freelancer,
        "type": a.type,
        "date": a.date,
        "contract": a.contract,
        "client": a.client,
        "note": a.note,
        "cause": a.cause,
    }


@dataclass(frozen=True)
class Case:
    """A computation date and a marketplace to score on it."""

    on: dt.date
    market: Market

    def history(self) -> History:
        return self.market.history()


# -- policies on a daily cadence ------------------------------------------------------------

SHIPPED: PolicyBook = PolicyBook.shipped()
#: The shipped policies replayed on a daily cadence (each a row of the docs/domain.md timeline).
REPLAYED: tuple[str, ...] = ("2024-09", "2015-03", "2020-03", "2021", "2023-12")


def daily(policy: Policy, **update: Any) -> Policy:
    """``policy`` computed every day (so any date is a computation date), with changes."""
    return policy.model_copy(
        update={"cadence": Cadence(every_days=1, anchor=policy.cadence.anchor), **update}
    )


def named(name: str, *, k: int | None = None) -> Policy:
    """A shipped policy computed daily; ``k``: its privacy pooling (1 = off)."""
    policy = daily(SHIPPED.get(name))
    if k is not None:
        policy = policy.model_copy(update={"privacy": policy.privacy.model_copy(update={"k": k})})
    return policy


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """Random but valid parameters around a shipped policy, computed daily."""
    data = SHIPPED.get(draw(st.sampled_from(REPLAYED))).model_dump()
    o = data["outcomes"]
    o["neutral_recommend_min"] = draw(st.integers(0, 10))
    o["success_recommend_min"] = draw(st.integers(o["neutral_recommend_min"], 10))
    o["neutral_stars_min"] = draw(st.sampled_from((1.0, 3.5, 4.0, 4.2)))
    o["success_stars_min"] = draw(st.sampled_from((o["neutral_stars_min"], 4.5, 4.75, 5.0)))
    o["public_feedback"] = draw(st.sampled_from(("fallback", "both")))
    o["positive_end_reasons"] = tuple(
        draw(st.lists(st.sampled_from(END_REASONS), unique=True, max_size=2))
    )
    o["negative_dispute_outcomes"] = tuple(
        draw(st.lists(st.sampled_from(("client", "freelancer", "split", "pending")), unique=True))
    )
    o["feedback_days"] = draw(st.sampled_from((0, 7, 14, 30)))
    o["zero_earnings"] = draw(st.sampled_from(("count", "exclude_unless_negative")))
    o["no_feedback"] = draw(st.sampled_from(("exclude", "negative_when_excessive")))
    o["no_feedback_excessive_share"] = draw(st.sampled_from((0.0, 0.25, 0.5, 1.0)))
    data["long_term"] = {
        "enabled": draw(st.booleans()),
        "min_span_days": draw(st.sampled_from((1, 30, 90, 180))),
        "recent_payment_days": draw(st.sampled_from((1, 30, 90))),
    }
    data["idle"] = {"enabled": draw(st.booleans()), "days": draw(st.sampled_from((1, 30, 90)))}
    data["weights"] = {
        "tiers": draw(
            st.sampled_from(
                (
                    ({"up_to": None, "weight": 1.0},),
                    (
                        {"up_to": 250.0, "weight": 1.0},
                        {"up_to": 1000.0, "weight": 1.25},
                        {"up_to": None, "weight": 1.5},
                    ),
                    ({"up_to": 0.0, "weight": 0.5}, {"up_to": None, "weight": 2.0}),
                )
            )
        ),
        # not 7: periods past the 64th are miscounted (test_every_paid_period_counts_past_64)
        "period_days": draw(st.sampled_from((30, 90))),
        "per_period": draw(st.sampled_from((0.0, 0.1, 0.5, 1.0))),
        "max": draw(st.sampled_from((1.0, 3.0, 8.0))),
    }
    months = draw(
        st.sampled_from(
            (
                {"3m": 3, "6m": 6, "12m": 12, "24m": 24},
                {"6m": 6, "12m": 12, "24m": 24},
                {"3m": 3, "6m": 6, "12m": 12},
            )
        )
    )
    trending = ("6m", "3m") if "3m" in months and draw(st.booleans()) else ()
    names = [*months, *(["trending"] if trending else [])]
    candidates = draw(st.permutations(names).flatmap(lambda p: st.integers(1, len(p)).map(
        lambda n: tuple(p[:n])
    )))  # fmt: skip
    data["windows"] = {
        "months": months,
        "trending": trending,
        "candidates": candidates,
        "rounding": draw(st.sampled_from(("half_up", "floor"))),
    }
    data["eligibility"] = {
        "min_clients": draw(st.integers(1, 3)),
        "min_outcomes": draw(st.integers(1, 4)),
    }
    data["privacy"] = {"k": draw(st.integers(1, 4))}
    data["name"] = "random"
    return daily(Policy.model_validate(data))


# -- dates ----------------------------------------------------------------------------------


@st.composite
def computation_dates(draw: st.DrawFn) -> dt.date:
    if draw(st.booleans()):
        return draw(st.sampled_from(SPECIAL_ON))
    return draw(st.dates(min_value=dt.date(2024, 1, 1), max_value=FIXED))


@st.composite
def day_near(draw: st.DrawFn, on: dt.date, *, before: int = 1100, after: int = 40) -> dt.date:
    """A date around ``on``, often on an edge the rules care about."""
    kind = draw(st.sampled_from(("any", "any", "window", "days")))
    if kind == "window":
        m = draw(st.sampled_from(WINDOW_MONTHS))
        return add_months(on, -m) + days(draw(st.integers(-1, 1)))
    if kind == "days":
        return on - days(draw(st.sampled_from(EDGE_DAYS)))
    return on + days(draw(st.integers(-before, after)))


def lengths() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from((*EDGE_DAYS, 270, 360, 365)), st.integers(0, 500))


# -- records --------------------------------------------------------------------------------


@st.composite
def payments(
    draw: st.DrawFn, on: dt.date, start: dt.date, stop: dt.date, *, at_most: int = 4
) -> tuple[Payment, ...]:
    """0..at_most payments dated from ``start`` on, mostly up to ``stop``."""
    out = []
    for _ in range(draw(st.sampled_from((0, *range(1, at_most + 1), 1, 2)))):
        how = draw(st.sampled_from(("start", "start", "on", "after")))
        if how == "start":
            span = max((stop - start).days, 0)
            offset = draw(st.one_of(st.integers(0, span), st.sampled_from(EDGE_DAYS)))
            date = start + days(offset)
        elif how == "on":
            date = max(start, on - days(draw(st.sampled_from(EDGE_DAYS))))
        else:  # after the contract's end (a late bonus or refund), maybe after `on`
            date = stop + days(draw(st.integers(0, 60)))
        amount = draw(st.one_of(st.sampled_from(AMOUNTS), st.integers(1, 3000).map(float)))
        out.append(Payment(date, amount))
    return tuple(out)


@st.composite
def regular_payments(draw: st.DrawFn, on: dt.date, start: dt.date) -> tuple[Payment, ...]:
    """A retainer: equal payments every ``step`` days, the last one near ``on``."""
    step = draw(st.sampled_from((7, 14, 30, 45, 89, 90, 91)))
    count = draw(st.integers(1, 6))
    last = on - days(draw(st.sampled_from((0, 1, 30, 60, 89, 90, 91, 120))))
    amount = draw(st.sampled_from((40.0, 100.0, 300.0)))
    dates = [last - days(step * i) for i in range(count)]
    return tuple(Payment(d, amount) for d in reversed(dates) if d >= start)


@st.composite
def feedbacks(
    draw: st.DrawFn, on: dt.date, start: dt.date, end: dt.date | None, *, reviewed: bool = False
) -> Feedback | None:
    """Feedback of any kind; ``reviewed``: given in time, with a private answer."""
    kinds = (
        ("in_time",)
        if reviewed
        else ("none", "in_time", "in_time", "in_time", "late", "window", "mid")
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if end is None or kind == "mid":  # mid-contract feedback never counts
        stop = end if end is not None else on + days(30)
        date = start + days(draw(st.integers(0, max((stop - start).days - 1, 0))))
    elif kind == "in_time":
        date = end + days(draw(st.one_of(st.integers(0, 13), st.sampled_from((0, 13, 14)))))
    elif kind == "late":
        date = end + days(draw(st.one_of(st.sampled_from((14, 15, 16)), st.integers(15, 200))))
    else:  # on a window's edge, when that is after the end (and often within its time)
        date = max(end, draw(day_near(on)))
        if draw(st.booleans()):
            date = min(date, end + days(14))
    stars = draw(st.one_of(st.none(), st.sampled_from(STARS), st.just(5.0)))
    recommend = draw(st.one_of(st.none(), st.integers(0, 10), st.sampled_from((6, 7, 8, 9, 10))))
    if reviewed and recommend is None:
        recommend = draw(st.integers(0, 10))
    return Feedback(date, stars, recommend)


@st.composite
def disputes(draw: st.DrawFn, on: dt.date, start: dt.date, stop: dt.date) -> Dispute | None:
    if draw(st.integers(0, 7)) > 0:
        return None
    if draw(st.booleans()):
        opened = start + days(draw(st.integers(0, max((stop - start).days, 0) + 20)))
    else:
        opened = max(start, draw(day_near(on)))
    outcome = draw(st.sampled_from((None, "client", "freelancer", "split")))
    return Dispute(opened, outcome)


@st.composite
def contracts(
    draw: st.DrawFn, on: dt.date, cid: str, client: str, *, reviewed: bool = False
) -> Contract:
    """One contract of any shape, dated around ``on``; ``reviewed``: ended, with feedback in
    time that carries a private answer (a privacy batch member)."""
    shapes = ("ended",) if reviewed else ("ended",) * 5 + ("open", "retainer", "idle")
    shape = draw(st.sampled_from(shapes))
    kind = draw(st.sampled_from(("fixed", "hourly")))
    if shape == "ended":
        end = draw(day_near(on))
        start = end - days(draw(lengths()))
        stop = end
        end_reason = draw(st.one_of(st.none(), st.just("completed"), st.sampled_from(END_REASONS)))
        ended_by = draw(st.one_of(st.none(), st.sampled_from(ENDED_BY)))
        pays = draw(payments(on, start, stop))
        feedback = draw(feedbacks(on, start, end, reviewed=reviewed))
        return Contract(
            cid,
            client,
            kind,
            start,
            end,
            ended_by,
            end_reason,
            pays,
            feedback,
            draw(disputes(on, start, stop)),
        )
    if shape == "open":
        start = draw(day_near(on, before=800, after=20))
        stop = max(on, start)
        pays = draw(payments(on, start, stop))
    elif shape == "retainer":
        start = on - days(draw(st.one_of(st.sampled_from((90, 91, 180, 400)), st.integers(0, 700))))
        pays = draw(regular_payments(on, start))
    else:  # idle: paid a while, then nothing
        start = on - days(draw(st.integers(0, 500)))
        last = on - days(draw(st.sampled_from((0, 60, 89, 90, 91, 200))))
        pays = draw(payments(on, start, max(start, last), at_most=2))
    # open as of `on`: no end, or one after `on` (the reason not known yet)
    until = None if draw(st.integers(0, 3)) > 0 else on + days(draw(st.integers(1, 60)))
    until = None if until is not None and until < start else until
    feedback = draw(feedbacks(on, start, until))
    end_reason = None if until is None else draw(st.sampled_from(END_REASONS))
    return Contract(
        cid,
        client,
        kind,
        start,
        until,
        None,
        end_reason,
        pays,
        feedback,
        draw(disputes(on, start, max(start, on))),
    )


@st.composite
def freelancers(draw: st.DrawFn, on: dt.date, fid: str, *, max_contracts: int = 8) -> Freelancer:
    """Contracts of every shape; one freelancer in three is well reviewed (most contracts end
    with private feedback in time: full privacy batches)."""
    n = draw(st.integers(1, max_contracts))
    reviewed = draw(st.sampled_from((False, False, True)))
    pool = CLIENTS if reviewed else draw(st.sampled_from((CLIENTS[:2], CLIENTS[:4], CLIENTS)))
    cs = tuple(
        draw(
            contracts(
                on, f"c{i}", draw(st.sampled_from(pool)),
                reviewed=reviewed and draw(st.integers(0, 4)) > 0,
            )
        )
        for i in range(n)
    )  # fmt: skip
    actions = []
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 1, 2, 3)))):
        # Removals by the perk depend on the score itself (engine.perk, tested by name);
        # reports upheld, pauses and appeals apply in every era, as does a client flag.
        kind = draw(
            st.sampled_from(("report_upheld", "appeal_upheld", "client_flagged", "contract_paused"))
        )
        target = draw(st.sampled_from(cs))
        if draw(st.booleans()) and target.feedback is not None:
            date = target.feedback.date + days(draw(st.integers(0, 20)))
        else:
            date = draw(day_near(on, before=800))
        if kind == "client_flagged":
            client = draw(st.one_of(st.just(target.client), st.sampled_from(CLIENTS)))
            actions.append(Action(kind, date, client=client, note="harsh"))
        elif kind == "contract_paused":
            cause = draw(st.sampled_from(("client", "inactivity")))
            actions.append(Action(kind, date, contract=target.id, note="paused", cause=cause))
        else:
            actions.append(Action(kind, date, contract=target.id, note="decided"))
    return Freelancer(fid, cs, tuple(actions))


@st.composite
def markets(
    draw: st.DrawFn, on: dt.date, *, max_freelancers: int = 3, max_contracts: int = 8
) -> Market:
    n = draw(st.integers(1, max_freelancers))
    frs = tuple(draw(freelancers(on, f"f{i}", max_contracts=max_contracts)) for i in range(n))
    flags = tuple(
        Action(
            "client_flagged",
            draw(day_near(on, before=800)),
            client=draw(st.sampled_from(CLIENTS)),
            everywhere=True,
            note="fraud",
        )
        for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2))))
    )
    return Market(frs, flags)


@st.composite
def cases(draw: st.DrawFn, *, max_freelancers: int = 3, max_contracts: int = 8) -> Case:
    on = draw(computation_dates())
    return Case(on, draw(markets(on, max_freelancers=max_freelancers, max_contracts=max_contracts)))
