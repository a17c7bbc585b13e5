"""``jobsuccess advise``: what the freelancer can do now, ranked by the effect the engine computes.

The one lever wholly in a freelancer's hands is ending an open contract. An open contract with
no payment for a while turns idle (neutral with earnings, negative without) and counts against
the score; ended, it waits for feedback and then, without any, stops counting. So, assuming
nothing else new happens (`jobsuccess.explain.frozen`):

1. find every open contract that is idle now or turns idle within the horizon (the engine's
   own rows on future dates, `jobsuccess.explain.projection`); contracts that turn idle on the
   same date are one piece of advice;
2. end them today in a copy of the history (ended by the freelancer, no feedback, no end
   reason: nothing that needs a client's answer) and let the engine score that copy on the
   date they would start counting;
3. the effect is the difference of the displayed unrounded scores; advice that does not help
   is dropped, the rest ranked by effect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from jobsuccess.engine import LEDGER, evaluate
from jobsuccess.explain.attribution import EFFECT_DIGITS
from jobsuccess.explain.audience import Audience
from jobsuccess.explain.forecast import Projected, projected
from jobsuccess.explain.frozen import open_contracts
from jobsuccess.explain.kinds import IDLE_RULES
from jobsuccess.explain.ledger import normalize
from jobsuccess.explain.projection import Plan
from jobsuccess.explain.valuation import GROUP, counted, score_groups, value_columns
from jobsuccess.explain.view import Answer
from jobsuccess.explain.words import contracts_phrase, shown
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

CHUNK_ROWS: Final = 400_000
"""Ledger rows valued in one engine call (the variants of several risks share a call)."""
MIN_EFFECT = 0.005
"""Smaller effects (in score points) are not worth advising."""
NUMBERS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight", 9: "Nine"}


@dataclass(frozen=True)
class Risk:
    """Open contracts that turn idle (or are idle) on one date."""

    contracts: tuple[str, ...]
    on: dt.date
    policy: Policy
    idle_days: tuple[int, ...]
    """Days without a payment as of the advice's date, one per contract (in the same order):
    each contract's own count, since a group's members seldom went quiet on the same day."""
    paid: bool
    long_term: bool


@dataclass(frozen=True)
class Advice:
    risk: Risk
    effect: float
    score_if_done: int | None
    score_otherwise: int | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "action": "end_contracts",
            "contracts": list(self.risk.contracts),
            "date": self.risk.on.isoformat(),
            "effect": round(self.effect, EFFECT_DIGITS),
            "score_if_done": self.score_if_done,
            "score_otherwise": self.score_otherwise,
            "text": self.text,
        }


def risks(rows: pl.DataFrame, plan: Plan, live: Sequence[str], as_of: dt.date) -> list[Risk]:
    """Open contracts grouped by the first planned date on which the engine finds them idle."""
    policies = dict(plan)
    idle = rows.filter(
        pl.col("id").is_in(list(live)) & pl.col("rule").cast(pl.String).is_in(list(IDLE_RULES))
    )
    first = idle.group_by("id").agg(pl.col("on").min().alias("from"))
    now = (
        rows.select("id", "on", "last_activity", "earnings", "rule")
        .sort("on")
        .group_by("id", maintain_order=True)
        .first()
        .select("id", "last_activity", "earnings", "rule")
    )
    # On or after the as-of date: an end dated today is seen from the next computation on.
    later = [c.on for c in plan if c.on >= as_of] or [plan[-1].on]
    found: dict[dt.date, list[dict[str, Any]]] = {}
    for row in first.join(now, on="id").sort("from", "id").iter_rows(named=True):
        on = next((d for d in later if d >= row["from"]), None)
        if on is not None:
            found.setdefault(on, []).append(row)
    return [
        Risk(
            tuple(r["id"] for r in group),
            on,
            policies[on],
            tuple((as_of - r["last_activity"]).days for r in group),
            all(float(r["earnings"]) > 0 for r in group),
            any(str(r["rule"]) == "long_term" for r in group),
        )
        for on, group in sorted(found.items())
    ]


def _variants(
    frozen: History, found: Sequence[tuple[int, Risk]], as_of: dt.date, whole: bool
) -> History:
    """One "freelancer" ``v<i>`` per risk: its contracts ended today by the freelancer.

    The contracts of a risk are ended (no feedback, no end reason: nothing that needs a
    client's answer); with ``whole``, every other contract comes along
    (`Policy.compares_contracts`), else only the risk's own.
    """
    ids = frozen.contracts.get_column("id").to_list()
    mapping = pl.DataFrame(
        [
            (c, f"v{i}", c in risk.contracts)
            for i, risk in found
            for c in (ids if whole else risk.contracts)
        ],
        schema={"id": pl.String(), "variant": pl.String(), "ending": pl.Boolean()},
        orient="row",
    )
    by_contract = mapping.rename({"id": "contract"}).drop("ending")
    contracts = frozen.contracts.join(mapping, on="id").with_columns(
        end=pl.when("ending").then(pl.lit(as_of)).otherwise("end"),
        ended_by=pl.when("ending").then(pl.lit("freelancer")).otherwise("ended_by"),
        end_reason=pl.when("ending").then(None).otherwise("end_reason"),
    )
    variants = mapping.select("variant").unique()
    variants_history = History.from_frames(
        contracts=contracts.with_columns(pl.col("variant").alias("freelancer")),
        **{
            name: getattr(frozen, name)
            .join(by_contract, on="contract")
            .with_columns(pl.col("variant").alias("freelancer"))
            for name in ("payments", "feedback", "disputes")
        },
        actions=frozen.actions.join(variants, how="cross").with_columns(
            pl.when(pl.col("freelancer").is_not_null()).then("variant").alias("freelancer")
        ),
    )
    return variants_history.with_market(frozen.market)


@dataclass(frozen=True)
class Effect:
    """What ending a risk's contracts today does: the unrounded effect and both scores."""

    effect: float
    done: int | None
    otherwise: int | None


def effects(
    frozen: History, rows: pl.DataFrame, found: Sequence[Risk], as_of: dt.date
) -> list[Effect]:
    """The effect of ending each risk's contracts today.

    Every variant is one "freelancer" of one engine run per policy; with or without the
    action, each is valued on its date in one aggregation.
    """
    out: dict[int, Effect] = {}
    for name in dict.fromkeys(r.policy.name for r in found):
        mine = [(i, r) for i, r in enumerate(found) if r.policy.name == name]
        policy = mine[0][1].policy
        merged = _variants(frozen, mine, as_of, policy.compares_contracts)
        run = evaluate(merged, policy, sorted({r.on for _, r in mine}), through=LEDGER).ledger
        sides = _sides(rows, run, mine, policy)
        # valued a chunk of risks at a time: every column of every date would grow with
        # risks x contracts
        counts = dict(sides.group_by(_RISK).len().iter_rows())
        sizes = [counts.get(k, 0) for k in range(len(mine))]  # a risk may have no rows
        first, held = 0, 0
        for last, size in enumerate(sizes):
            held += size
            if last < len(sizes) - 1 and held < CHUNK_ROWS:
                continue
            chunk = sides.filter(pl.col(_RISK).is_between(first, last)).with_columns(
                ((pl.col(_RISK) - first) * 2 + pl.col(_DONE)).cast(pl.UInt32).alias(GROUP)
            )
            pending = [i for i, _ in mine[first : last + 1]]
            out.update(_paired(chunk.drop(_RISK, _DONE), pending, policy, as_of))
            first, held = last + 1, 0
    return [out[i] for i in range(len(found))]


_RISK, _DONE, _ORDER = "_risk", "_done", "_order"


def _sides(
    rows: pl.DataFrame, run: pl.DataFrame, mine: Sequence[tuple[int, Risk]], policy: Policy
) -> pl.DataFrame:
    """Each risk's two ledgers on its date, only what the valuation reads and only rows in
    some window: ``_risk`` (its place in ``mine``), ``_done`` 0 (as the ledger is) or 1 (with
    the action: the variant's rows, with the rest of the ledger unless they are all in it)."""
    inside, keep = counted(policy), ["id", *value_columns(policy)]
    risks = pl.DataFrame(
        {
            _RISK: range(len(mine)),
            "on": [r.on for _, r in mine],
            "freelancer": [f"v{i}" for i, _ in mine],
        },
        schema={_RISK: pl.UInt32(), "on": pl.Date(), "freelancer": pl.String()},
    )
    lean = (
        rows.filter(pl.col("on").is_in(risks.get_column("on").implode()) & inside)
        .select("on", *keep)
        .with_row_index(_ORDER)
    )
    base = risks.drop("freelancer").join(lean, on="on").drop("on")
    changed = (
        normalize(run.join(risks, on=["freelancer", "on"]))
        .filter(inside)
        .select(_RISK, pl.int_range(pl.len(), dtype=pl.UInt32).alias(_ORDER), *keep)
    )
    parts = [base.with_columns(pl.lit(0).alias(_DONE))]
    if not policy.compares_contracts:  # the rest of the ledger comes along unchanged
        ending = pl.DataFrame(
            [(k, c) for k, (_, r) in enumerate(mine) for c in r.contracts],
            schema={_RISK: pl.UInt32(), "id": pl.String()},
            orient="row",
        )
        rest = base.join(ending, on=[_RISK, "id"], how="anti")
        parts.append(rest.with_columns(pl.lit(1).alias(_DONE)))
    parts.append(changed.with_columns(pl.lit(2).alias(_DONE)))
    both = pl.concat(parts, how="vertical_relaxed").sort(_RISK, _DONE, _ORDER)
    return both.with_columns(pl.col(_DONE).clip(upper_bound=1)).drop(_ORDER)


def _paired(
    sides: pl.DataFrame, risks: list[int], policy: Policy, as_of: dt.date
) -> dict[int, Effect]:
    """Value groups 2j (without the action) and 2j + 1 (with it) of risk ``risks[j]``."""
    scored = score_groups(sides, policy, as_of, 2 * len(risks))
    values = scored.to_dicts()
    out = {}
    for j, i in enumerate(risks):
        without, done = values[2 * j], values[2 * j + 1]
        effect = (done["best_score"] or 0.0) - (without["best_score"] or 0.0)
        out[i] = Effect(effect, done["score"], without["score"])
    return out


def _text(risk: Risk, effect: Effect, as_of: dt.date) -> str:
    done, otherwise = effect.done, effect.otherwise
    n = len(risk.contracts)
    days_of = dict(zip(risk.contracts, risk.idle_days, strict=True))
    if n == 1:
        lead_in = f"Contract {risk.contracts[0]} has had no payment for {risk.idle_days[0]} days"
    elif len(set(risk.idle_days)) == 1:
        lead_in = (
            f"{NUMBERS.get(n, str(n))} contracts ({contracts_phrase(risk.contracts)}) have had "
            f"no payment for {risk.idle_days[0]} days"
        )
    else:  # each contract's own count: the group's members went quiet on different days
        each = [f"{c} for {days_of[c]} days" for c in sorted(risk.contracts)]
        lead_in = (
            f"{NUMBERS.get(n, str(n))} contracts have had no payment: "
            f"{', '.join(each[:-1])} and {each[-1]}"
        )
    they, them, s_ = ("they", "them", "") if n > 1 else ("it", "it", "s")
    days = (risk.on - as_of).days
    idle = risk.policy.idle.days
    how = "as neutral" if risk.paid else "as negative (nothing was earned)"
    if days <= 0:
        when = f"{they} already count{s_} against you {how}, idle {idle}+ days"
    else:
        when = f"in {days} days ({risk.on}) {they} start{s_} counting against you {how}"
    lead = f"{lead_in}; {when}."
    if done == otherwise:
        result = (
            f"Ending {them} now (as completed, without waiting for feedback) would lift "
            f"your unrounded score by {effect.effect:.2f} points (it shows {shown(done)} "
            "either way)."
        )
    elif days <= 0:
        result = (
            f"Ending {them} now would raise your score from {shown(otherwise)} to "
            f"{shown(done)} at the next computation ({risk.on})."
        )
    else:
        result = (
            f"Ending {them} as completed would keep your score at {shown(done)} instead "
            f"of {shown(otherwise)}."
        )
    extra = ""
    if risk.long_term:
        extra = " A payment before then would keep a long-term contract counting as a success."
    return f"{lead} {result}{extra}"


def _together(found: Sequence[Risk]) -> Risk:
    """One risk of every contract of ``found``, on the last of their dates."""
    last = max(found, key=lambda r: r.on)
    idle_pairs = [p for r in found for p in zip(r.contracts, r.idle_days, strict=True)]
    return Risk(
        tuple(sorted(c for r in found for c in r.contracts)),
        last.on,
        last.policy,
        tuple(d for _, d in sorted(idle_pairs)),
        all(r.paid for r in found),
        any(r.long_term for r in found),
    )


def _all(n: int) -> str:
    return "both" if n == 2 else f"all {n}"


@dataclass(frozen=True)
class Advisory(Answer):
    """Actions ranked by their effect on the displayed score, and all of them together."""

    score: int | None
    horizon: dt.date
    advice: tuple[Advice, ...]
    together: Advice | None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.head(),
            "score": self.score,
            "horizon": self.horizon.isoformat(),
            "advice": [a.to_json() for a in self.advice],
            "together": None if self.together is None else self.together.to_json(),
            "assumption": ASSUMPTION,
        }


ASSUMPTION = (
    "each piece of advice is scored as if nothing else new happens and the client leaves no "
    "feedback after the end"
)


def advise(
    history: History,
    book: PolicyBook,
    freelancer: str,
    as_of: dt.date,
    audience: Audience,
    months: int = 6,
    given: Projected | None = None,
) -> Advisory:
    """Actions ranked by their effect on the displayed score (``given``: the projection of
    the same history, freelancer, date and months, `forecast.projected`)."""
    base = given or projected(history, book, freelancer, as_of, months)
    frozen, plan, rows = base.frozen, base.plan, base.rows
    found = risks(rows, plan, open_contracts(frozen), as_of)
    # "Together" ends every contract that helps. Usually every risk helps: its variant is
    # scored in the same engine run as the risks' own (variants never read each other), and
    # a second run is needed only when some risk was dropped.
    guess = _together(found) if len(found) > 1 else None
    scored = effects(frozen, rows, [*found, *([guess] if guess else [])], as_of)
    advice = [
        Advice(risk, e.effect, e.done, e.otherwise, _text(risk, e, as_of))
        for risk, e in zip(found, scored[: len(found)], strict=True)
        if e.effect >= MIN_EFFECT
    ]
    advice.sort(key=lambda a: (-a.effect, a.risk.on, a.risk.contracts))
    together = None
    if len(advice) > 1:
        every = _together([a.risk for a in advice])
        if every == guess:
            effect = scored[-1]
        else:
            (effect,) = effects(frozen, rows, [every], as_of)
        together = Advice(
            every,
            effect.effect,
            effect.done,
            effect.otherwise,
            (
                f"Ending {_all(len(every.contracts))} ({contracts_phrase(every.contracts)}) today "
                f"would make your score {shown(effect.done)} on {every.on} instead of "
                f"{shown(effect.otherwise)}."
            ),
        )
    first = plan[0]
    today = rows.filter(pl.col("on") == first.on).with_columns(pl.lit(0, pl.UInt32).alias(GROUP))
    (now,) = score_groups(today, first.policy, first.on, 1).get_column("score").to_list()
    return Advisory(
        freelancer, as_of, first.on, audience, now, plan[-1].on, tuple(advice), together
    )
