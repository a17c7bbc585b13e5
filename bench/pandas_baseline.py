"""A naive pandas implementation of docs/rules.md: the benchmark's baseline.

Written from the rules document (not from the engine) the way a competent analyst would write
it in pandas without special tuning: merges, groupby-aggregations, boolean masks and
``np.select`` for the ordered outcome rules. No per-row Python and no ``groupby.apply`` with
Python functions, so it scales to millions of contracts, but nothing is tuned either (every
step materialises full intermediate frames, strings stay strings, dates stay timestamps).

One computation date ``on`` (no cadence: ``on`` is taken to be a computation date), one
policy, no statuses. Input: the five history tables as pandas frames with the columns of
`jobsuccess.model.SCHEMAS` (dates as ``datetime64``), e.g.
``{name: frame.to_pandas() for name, frame in history.frames()}``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobsuccess.model import History
from jobsuccess.policy import Policy

__all__ = ["WINDOWS", "ledger_pandas", "score_pandas", "tables_of"]

#: Per-window score columns of the result (a window the policy lacks is all-NaN).
WINDOWS = ("3m", "6m", "12m", "24m", "trending")

SUCCESS, NEUTRAL, NEGATIVE, EXCLUDED = "success", "neutral", "negative", "excluded"
#: Rules 1-4 are decided before feedback is read: their contracts are never private.
_BEFORE_FEEDBACK = 8  # rules 1-8 decide in public (operators, pauses, disputes, $0)
#: Earnings are compared (<= 0, tier bounds) after rounding the float sum to this many decimals.
_EARNINGS_DECIMALS = 2  # money is summed to the cent, as in docs/rules.md


def tables_of(history: History) -> dict[str, pd.DataFrame]:
    """The five tables of a `History` as pandas frames."""
    return {name: frame.to_pandas() for name, frame in history.frames()}


def score_pandas(tables: dict[str, pd.DataFrame], on: dt.date, policy: Policy) -> pd.DataFrame:
    """Score every freelancer of ``tables`` as of the computation date ``on``.

    Returns one row per freelancer (sorted): ``freelancer``, ``score`` (nullable int),
    ``best`` (window name or None), ``best_score`` (float, NaN without a score),
    ``score_<window>`` for 3m, 6m, 12m, 24m and trending (NaN when not eligible or not in the
    policy), and ``outcomes_24m`` / ``clients_24m`` (the longest window's evidence).
    """
    now = pd.Timestamp(on)
    windows = _windows(ledger_pandas(tables, on, policy), now, policy)
    return _best_of(windows, tables["contracts"], policy)


def ledger_pandas(tables: dict[str, pd.DataFrame], on: dt.date, policy: Policy) -> pd.DataFrame:
    """One row per contract started by ``on``: its facts, rule, outcome, shares and weight."""
    now = pd.Timestamp(on)
    facts = _facts(tables, now, policy)
    facts = _classify(facts, now, policy)
    facts = _pool(facts, now, policy)
    return _weigh(facts, policy)


# -- facts as of `on` ----------------------------------------------------------------------


def _facts(tables: dict[str, pd.DataFrame], now: pd.Timestamp, p: Policy) -> pd.DataFrame:
    o = p.outcomes
    contracts = tables["contracts"][["freelancer", "id", "client", "start", "end", "end_reason"]]
    c = contracts.loc[contracts["start"] <= now].copy()
    c["ended"] = c["end"].notna() & (c["end"] <= now)

    # Payments dated <= on: earnings (refunds included), first/last positive payment.
    pay = tables["payments"]
    pay = pay.loc[pay["date"] <= now]
    earnings = (
        pay.groupby(["freelancer", "contract"], as_index=False)["amount"]
        .sum()
        .rename(columns={"contract": "id", "amount": "earnings"})
    )
    positive = pay.loc[pay["amount"] > 0]
    paid = (
        positive.groupby(["freelancer", "contract"], as_index=False)
        .agg(first_paid=("date", "min"), last_paid=("date", "max"))
        .rename(columns={"contract": "id"})
    )
    c = c.merge(earnings, on=["freelancer", "id"], how="left")
    c = c.merge(paid, on=["freelancer", "id"], how="left")
    # Amounts are money with a few decimals; the float sum carries noise (a full refund sums
    # to 1e-13, not 0), so it is rounded well below a cent.
    c["earnings"] = c["earnings"].fillna(0.0).round(_EARNINGS_DECIMALS)

    # Full weights periods holding a positive payment.
    period = p.weights.period_days
    c["span_days"] = (c["end"].where(c["ended"], now) - c["start"]).dt.days
    pp = positive.merge(
        c[["freelancer", "id", "start", "span_days"]].rename(columns={"id": "contract"}),
        on=["freelancer", "contract"],
    )
    pp["k"] = (pp["date"] - pp["start"]).dt.days // period
    pp = pp.loc[(pp["k"] >= 0) & ((pp["k"] + 1) * period <= pp["span_days"])]
    periods = (
        pp.drop_duplicates(["freelancer", "contract", "k"])
        .groupby(["freelancer", "contract"])
        .size()
        .rename("periods_paid")
        .reset_index()
        .rename(columns={"contract": "id"})
    )
    c = c.merge(periods, on=["freelancer", "id"], how="left")
    c["periods_paid"] = c["periods_paid"].fillna(0).astype("int64")

    c["last_activity"] = c["last_paid"].where(c["last_paid"] > c["start"], c["start"])
    c["idle_days"] = (now - c["last_activity"]).dt.days

    # Feedback: only after the end, and only if dated <= on.
    fb = tables["feedback"].rename(columns={"contract": "id", "date": "feedback_date"})[
        ["freelancer", "id", "feedback_date", "stars", "recommend"]
    ]
    c = c.merge(fb, on=["freelancer", "id"], how="left")
    c["stars"] = c["stars"].astype("float64")
    c["recommend"] = c["recommend"].astype("float64")
    c["has_feedback"] = (
        c["feedback_date"].notna()
        & c["ended"]
        & (c["feedback_date"] >= c["end"])
        & (c["feedback_date"] <= now)
        & (c["feedback_date"] <= c["end"] + pd.Timedelta(days=p.outcomes.feedback_days))
    )

    # Disputes opened <= on; no outcome = pending.
    disputes = tables["disputes"].rename(columns={"contract": "id", "outcome": "dispute_outcome"})
    c = c.merge(
        disputes[["freelancer", "id", "opened", "dispute_outcome"]],
        on=["freelancer", "id"],
        how="left",
    )
    result = c["dispute_outcome"].astype(object).where(c["dispute_outcome"].notna(), "pending")
    c["dispute_negative"] = (
        c["opened"].notna() & (c["opened"] <= now) & result.isin(list(o.negative_dispute_outcomes))
    )

    # Operator actions dated <= on.
    act = tables["actions"]
    act = act.loc[act["date"] <= now]
    for kind in ("appeal_upheld", "feedback_removed", "report_upheld"):
        on_contract = (
            act.loc[act["type"] == kind, ["freelancer", "contract"]]
            .drop_duplicates()
            .rename(columns={"contract": "id"})
            .assign(**{kind: True})
        )
        c = c.merge(on_contract, on=["freelancer", "id"], how="left")
        c[kind] = c[kind].fillna(False).astype(bool)
    flags = act.loc[act["type"] == "client_flagged"]
    own = (
        flags.loc[flags["freelancer"].notna(), ["freelancer", "client"]]
        .drop_duplicates()
        .assign(flagged_own=True)
    )
    c = c.merge(own, on=["freelancer", "client"], how="left")
    wide = flags.loc[flags["freelancer"].isna(), "client"].unique()
    c["client_flagged"] = c["flagged_own"].fillna(False).astype(bool) | c["client"].isin(wide)

    # Share without feedback among contracts ended within the longest window whose
    # feedback time ran out.
    longest = p.windows.months[p.windows.longest]
    feedback_days = pd.Timedelta(days=o.feedback_days)
    ran_out = (
        c["ended"]
        & (c["end"] >= now - pd.DateOffset(months=longest))
        & (now >= c["end"] + feedback_days)
    )
    share = (
        (~c.loc[ran_out, "has_feedback"])
        .groupby(c.loc[ran_out, "freelancer"])
        .mean()
        .rename("no_feedback_share")
        .reset_index()
    )
    c = c.merge(share, on="freelancer", how="left")
    return c


# -- the ordered outcome rules -------------------------------------------------------------


def _rules(
    c: pd.DataFrame,
    now: pd.Timestamp,
    p: Policy,
    *,
    recommend: pd.Series,
    end_reason: pd.Series,
    skip_public: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first rule that holds, as (rule number, outcome, dated) arrays.

    ``skip_public`` leaves out rules 1-6 (what the feedback alone decides, for pooling).
    """
    o = p.outcomes
    hf = c["has_feedback"]
    ended = c["ended"]
    is_open = ~ended
    stars = c["stars"]
    public = pd.Series(o.public_feedback == "both", index=c.index) | recommend.isna()
    idle = c["idle_days"] >= p.idle.days
    idle_since = c["last_activity"] + pd.Timedelta(days=p.idle.days)
    fb, end, opened = c["feedback_date"], c["end"], c["opened"]
    on = pd.Series(now, index=c.index, dtype="datetime64[ns]")
    nat = pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    rules = [
        # (condition, outcome, dated)
        (c["appeal_upheld"], EXCLUDED, nat),
        (c["client_flagged"], EXCLUDED, nat),
        (c["feedback_removed"], EXCLUDED, nat),
        (c["report_upheld"], EXCLUDED, nat),
        (nat.notna(), EXCLUDED, nat),  # paused because of the client: synth has no pauses
        (c["dispute_negative"], NEGATIVE, opened),
        (
            (o.zero_earnings == "exclude_unless_negative")
            & hf
            & (c["earnings"] <= 0)
            & (
                ((stars < o.neutral_stars_min) & public)
                | (
                    (p.privacy.k == 1)
                    & (
                        (recommend < o.neutral_recommend_min)
                        | (end_reason.notna() & ~end_reason.isin(list(o.positive_end_reasons)))
                    )
                )
            ),
            NEGATIVE,
            fb,
        ),
        (
            (o.zero_earnings == "exclude_unless_negative") & ended & (c["earnings"] <= 0),
            EXCLUDED,
            nat,
        ),
        (hf & end_reason.notna() & ~end_reason.isin(list(o.positive_end_reasons)), NEGATIVE, fb),
        (hf & (recommend < o.neutral_recommend_min), NEGATIVE, fb),
        (hf & (stars < o.neutral_stars_min) & public, NEGATIVE, fb),
        (hf & (recommend < o.success_recommend_min), NEUTRAL, fb),
        (hf & (stars < o.success_stars_min) & public, NEUTRAL, fb),
        (hf & (stars.notna() | recommend.notna()), SUCCESS, fb),
        (hf, NEUTRAL, fb),
        (ended & (now < end + pd.Timedelta(days=o.feedback_days)), EXCLUDED, nat),
        (
            (o.no_feedback == "negative_when_excessive")
            & ended
            & (c["no_feedback_share"] > o.no_feedback_excessive_share),
            NEGATIVE,
            end,
        ),
        (ended, EXCLUDED, nat),
        (
            p.long_term.enabled
            & is_open
            & ((c["last_paid"] - c["first_paid"]).dt.days >= p.long_term.min_span_days)
            & ((now - c["last_paid"]).dt.days < p.long_term.recent_payment_days),
            SUCCESS,
            on,
        ),
        (p.idle.enabled & is_open & idle & (c["earnings"] > 0), NEUTRAL, idle_since),
        (p.idle.enabled & is_open & idle, NEGATIVE, idle_since),
    ]
    conditions = [np.asarray(cond, dtype=bool) for cond, _, _ in rules]
    if skip_public:
        conditions[:_BEFORE_FEEDBACK] = [np.zeros(len(c), dtype=bool)] * _BEFORE_FEEDBACK
    rule = np.select(conditions, np.arange(1, len(rules) + 1), default=len(rules) + 1)
    outcome = np.select(conditions, [out for _, out, _ in rules], default=EXCLUDED)
    dated = np.select(
        conditions,
        [d.to_numpy().astype("datetime64[ns]") for _, _, d in rules],
        default=nat.to_numpy(),
    )
    return rule, outcome, dated


def _classify(c: pd.DataFrame, now: pd.Timestamp, p: Policy) -> pd.DataFrame:
    rule, outcome, dated = _rules(c, now, p, recommend=c["recommend"], end_reason=c["end_reason"])
    return c.assign(rule=rule, outcome=outcome, dated=dated)


# -- privacy pooling -----------------------------------------------------------------------


def _pool(c: pd.DataFrame, now: pd.Timestamp, p: Policy) -> pd.DataFrame:
    """Hold private answers in open batches; average outcomes over closed batches."""
    k = p.privacy.k
    c = c.copy()
    for out in (SUCCESS, NEUTRAL, NEGATIVE):
        c[f"{out}_share"] = (c["outcome"] == out).astype("float64")
    if k == 1:
        return c
    member = c["has_feedback"] & (c["recommend"].notna() | c["end_reason"].notna())
    c["private"] = member & (c["rule"] > _BEFORE_FEEDBACK)
    mem = c.loc[member].sort_values(["freelancer", "feedback_date", "id"])
    first_of_client = (~mem.duplicated(["freelancer", "client"])).astype("int64")
    before = first_of_client.groupby(mem["freelancer"]).cumsum() - first_of_client
    mem["batch"] = before // k + 1
    total_clients = first_of_client.groupby(mem["freelancer"]).transform("sum")
    mem["closed"] = total_clients >= mem["batch"] * k
    # What each member's feedback alone decides: the batch's proportions.
    _, alone, _ = _rules(
        mem, now, p, recommend=mem["recommend"], end_reason=mem["end_reason"], skip_public=True
    )
    shares = [f"{out}_share" for out in (SUCCESS, NEUTRAL, NEGATIVE)]
    overruled = (mem["rule"] <= 3).to_numpy()  # appeal, flag, removal: out of the batch
    for out in (SUCCESS, NEUTRAL, NEGATIVE):
        mem[f"_{out}"] = np.where(overruled, np.nan, (alone == out).astype("float64"))
    proportions = mem.groupby(["freelancer", "batch"])[
        [f"_{o}" for o in (SUCCESS, NEUTRAL, NEGATIVE)]
    ]
    mem[[f"p_{s}" for s in shares]] = proportions.transform("mean").fillna(0.0).to_numpy()
    private = mem["private"]

    # Open batch: held, classified again on public feedback only.
    held_index = mem.index[(private & ~mem["closed"]).to_numpy()]
    if len(held_index):
        held = c.loc[held_index]
        none = pd.Series(np.nan, index=held.index, dtype="float64")
        rule, outcome, dated = _rules(held, now, p, recommend=none, end_reason=none.astype(object))
        c.loc[held_index, "rule"] = rule
        c.loc[held_index, "outcome"] = outcome
        c.loc[held_index, "dated"] = dated
        for out in (SUCCESS, NEUTRAL, NEGATIVE):
            c.loc[held_index, f"{out}_share"] = (outcome == out).astype("float64")

    # Closed batch: each private member gets the batch's proportions.
    closed = mem.loc[private & mem["closed"]]
    c.loc[closed.index, shares] = closed[[f"p_{s}" for s in shares]].to_numpy()
    return c


# -- weights and windows -------------------------------------------------------------------


def _weigh(c: pd.DataFrame, p: Policy) -> pd.DataFrame:
    w = p.weights
    earnings = c["earnings"]
    # The first tier whose bound holds the earnings (the last one has no bound).
    tier = np.full(len(c), w.tiers[-1].weight)
    for t in reversed(w.tiers[:-1]):
        tier = np.where(earnings <= t.up_to, t.weight, tier)
    weight = np.minimum(w.max, tier + w.per_period * c["periods_paid"])
    c["weight"] = np.where(c["outcome"] != EXCLUDED, weight, 0.0)
    return c


def _windows(c: pd.DataFrame, now: pd.Timestamp, p: Policy) -> pd.DataFrame:
    """One row per freelancer with each window's figures, eligibility and score."""
    e = p.eligibility
    out = pd.DataFrame(index=pd.Index(sorted(c["freelancer"].unique()), name="freelancer"))
    counted = c["outcome"] != EXCLUDED
    for name, months in p.windows.months.items():
        inside = (
            counted
            & c["dated"].notna()
            & (c["dated"] <= now)
            & (c["dated"] >= now - pd.DateOffset(months=months))
        )
        rows = c.loc[inside]
        sums = (
            pd.DataFrame(
                {
                    out_: rows["weight"] * rows[f"{out_}_share"]
                    for out_ in (SUCCESS, NEUTRAL, NEGATIVE)
                }
            )
            .groupby(rows["freelancer"])
            .sum()
        )
        figures = sums.assign(
            outcomes=rows.groupby("freelancer").size(),
            clients=rows.groupby("freelancer")["client"].nunique(),
        ).reindex(out.index)
        figures = figures.fillna(
            {SUCCESS: 0.0, NEUTRAL: 0.0, NEGATIVE: 0.0, "outcomes": 0, "clients": 0}
        )
        total = figures[SUCCESS] + figures[NEUTRAL] + figures[NEGATIVE]
        eligible = (
            (figures["outcomes"] >= e.min_outcomes)
            & (figures["clients"] >= e.min_clients)
            & (total > 0)
        )
        value = (100.0 * (figures[SUCCESS] - figures[NEGATIVE]) / total).clip(0.0, 100.0)
        out[f"success_{name}"] = figures[SUCCESS]
        out[f"neutral_{name}"] = figures[NEUTRAL]
        out[f"negative_{name}"] = figures[NEGATIVE]
        out[f"total_{name}"] = total
        out[f"outcomes_{name}"] = figures["outcomes"].astype("int64")
        out[f"clients_{name}"] = figures["clients"].astype("int64")
        out[f"eligible_{name}"] = eligible
        out[f"score_{name}"] = value.where(eligible)
    if p.windows.trending:
        parts = list(p.windows.trending)
        widest = max(parts, key=lambda w: p.windows.months[w])
        eligible = out[[f"eligible_{w}" for w in parts]].all(axis=1)
        for fig in (SUCCESS, NEUTRAL, NEGATIVE, "total"):
            out[f"{fig}_trending"] = out[[f"{fig}_{w}" for w in parts]].mean(axis=1)
        out["outcomes_trending"] = out[f"outcomes_{widest}"]
        out["clients_trending"] = out[f"clients_{widest}"]
        out["eligible_trending"] = eligible
        out["score_trending"] = out[[f"score_{w}" for w in parts]].mean(axis=1).where(eligible)
    return out


def _best_of(windows: pd.DataFrame, contracts: pd.DataFrame, p: Policy) -> pd.DataFrame:
    """The displayed score: the best eligible candidate at 9 decimals, rounded."""
    everyone = pd.Index(sorted(contracts["freelancer"].unique()), name="freelancer")
    w = windows.reindex(everyone)
    candidates = [f"score_{name}" for name in p.windows.candidates]
    values = w[candidates].round(9)
    has_score = values.notna().any(axis=1)
    best_col = values.fillna(-np.inf).idxmax(axis=1).where(has_score)
    best_value = values.max(axis=1)
    if p.windows.rounding == "half_up":
        rounded = np.floor(best_value + 0.5)
    else:
        rounded = np.floor(best_value)
    raw = w.reindex(columns=candidates).to_numpy()
    position = best_col.map({col: i for i, col in enumerate(candidates)})
    best_score = pd.Series(np.nan, index=everyone)
    picked = position.notna().to_numpy()
    best_score[picked] = raw[picked.nonzero()[0], position[picked].astype(int).to_numpy()]
    longest = p.windows.longest
    result = pd.DataFrame(
        {
            "score": rounded.astype("Int64"),
            "best": best_col.map({col: col.removeprefix("score_") for col in candidates})
            .astype(object)
            .where(has_score, None),
            "best_score": best_score,
            **{f"score_{name}": w.get(f"score_{name}", np.nan) for name in WINDOWS},
            "outcomes_24m": w[f"outcomes_{longest}"].fillna(0).astype("int64"),
            "clients_24m": w[f"clients_{longest}"].fillna(0).astype("int64"),
        },
        index=everyone,
    )
    return result.reset_index()
