"""Harsh raters found from the population (issue 13 item 2): an operator's tool.

A client who rates everyone harshly drags down every freelancer they hire. Whether a client is
harsh is a question about the client, answered by the freelancers they rated: each of those
freelancers has other clients, whose ratings say what that freelancer's work usually earns.

Method (docs/rules.md, "Harsh raters"): **leave-one-out residuals with shrinkage.** For each
client c, freelancer f and measure (public stars; the private 0-10 answer), the residual is
c's mean rating of f minus the mean rating f received from every *other* client (pairs where
f has no other rated contract carry no information and are left out). Residuals are scaled by
their marketplace-wide standard deviation ``sigma``. Per client and measure, over its m rated
freelancers:

- ``gap`` = sum of residuals / (m + PRIOR) / sigma: the mean residual shrunk toward 0 (a
  normal prior worth PRIOR freelancers at no harshness), so that two unlucky ratings do not
  make a harsh rater;
- ``z`` = sum of residuals / (sigma * sqrt(m)): the evidence against "this client rates like
  everyone else".

A client is evaluated when it rated at least ``min_freelancers`` freelancers with a baseline;
its ``index`` is the mean of its measures' ``gap`` and its ``z`` the mean of theirs (the mean
of two positively correlated z scores has variance at most 1, so the threshold stays
conservative). It is **proposed** when ``z <= -Z_MIN`` and ``index <= -GAP_MIN``; proposals are
ranked by ``index``, most harsh first. The freelancers' own stars for the client
(``client_feedback``) are shown beside it when the data has them, against the marketplace's
mean. The false-positive rate is measured on synthetic markets whose harsh clients are known
(`jobsuccess.synth.planted_marketplace`): the share of evaluated clients that are not harsh and
were proposed.

This reads private answers: its output is for operators. A confirmed proposal becomes a
marketplace-wide ``client_flagged`` action (`jobsuccess.store.actions.confirm_rater`:
``jobsuccess raters --db URL --confirm CLIENT`` or ``POST /v1/raters/{client}/confirm``), with
the proposal's ``note``, which holds no private number (notes may reach freelancers); a
flagged client's contracts stop counting under every policy (rule 2), ``jobsuccess-2026``
included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from jobsuccess.model import History

METHOD: Final = "leave-one-out residuals against each freelancer's other clients, shrunk"
PRIOR: Final = 3.0  # pseudo-freelancers at no harshness
Z_MIN: Final = 3.0
GAP_MIN: Final = 0.5  # in residual standard deviations
MEASURES: Final = ("stars", "recommend")


@dataclass(frozen=True)
class Raters:
    """The ranked comparison: one row per evaluated client (``clients``), the proposals among
    them, and the false-positive rate measured on synthetic markets (when measured)."""

    as_of: dt.date
    min_freelancers: int
    clients: pl.DataFrame
    false_positives: dict[str, Any] | None = None

    @property
    def proposals(self) -> pl.DataFrame:
        return self.clients.filter("proposed")

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "method": {
                "name": METHOD,
                "prior_freelancers": PRIOR,
                "z_min": Z_MIN,
                "gap_min": GAP_MIN,
            },
            "min_freelancers": self.min_freelancers,
            "clients_evaluated": self.clients.height,
            "false_positive_rate": self.false_positives,
            "proposals": [
                _proposal(i + 1, r) for i, r in enumerate(self.proposals.iter_rows(named=True))
            ],
        }


def _num(value: Any, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def _proposal(rank: int, row: dict[str, Any]) -> dict[str, Any]:
    def measure(m: str) -> dict[str, Any]:
        return {
            "mean": _num(row[f"{m}_mean"]),
            "others_mean": _num(row[f"{m}_others"]),
            "freelancers": int(row[f"{m}_m"] or 0),
            "gap": _num(row[f"{m}_gap"]),
            "z": _num(row[f"{m}_z"]),
        }

    feedback = None
    if row["client_feedback_count"]:
        feedback = {
            "mean": _num(row["client_feedback_mean"]),
            "count": int(row["client_feedback_count"]),
            "market_mean": _num(row["client_feedback_market"]),
        }
    return {
        "rank": rank,
        "client": row["client"],
        "freelancers": int(row["freelancers"]),
        "ratings": int(row["ratings"]),
        "index": _num(row["index"]),
        "z": _num(row["z"]),
        "stars": measure("stars"),
        "recommend": measure("recommend"),
        "client_feedback": feedback,
        "flagged": bool(row["flagged"]),
        "note": note(row),
    }


def note(row: dict[str, Any]) -> str:
    """The ``client_flagged`` note a confirmed proposal records: public figures only (the
    count, and the public stars beside those the same freelancers got from other clients)."""
    stars = ""
    if row.get("stars_mean") is not None and row.get("stars_others") is not None:
        stars = (
            f"; their stars average {float(row['stars_mean']):.2f} against "
            f"{float(row['stars_others']):.2f} from those freelancers' other clients"
        )
    return (
        f"client rates freelancers harshly: proposed by jobsuccess raters on evidence from "
        f"{int(row['freelancers'])} freelancers, each compared with their other clients{stars}"
    )


def rated(history: History, as_of: dt.date) -> pl.DataFrame:
    """End-of-contract feedback known on ``as_of``: (client, freelancer, stars, recommend)."""
    contracts = history.contracts.select(
        "freelancer", pl.col("id").alias("contract"), "client", "end"
    )
    return (
        history.feedback.filter(pl.col("date") <= as_of)
        .join(contracts, on=["freelancer", "contract"])
        .filter(pl.col("end").is_not_null() & (pl.col("end") <= pl.col("date")))
        .select("client", "freelancer", "stars", pl.col("recommend").cast(pl.Float64))
    )


def _measure(fb: pl.DataFrame, m: str) -> pl.DataFrame:
    """Per client: rated freelancers with a baseline, the mean rating, the others' mean, the
    shrunk gap and z of measure ``m``."""
    pair = fb.group_by("client", "freelancer").agg(s=pl.col(m).sum(), n=pl.col(m).count())
    pair = pair.filter(pl.col("n") > 0)
    per = pair.group_by("freelancer").agg(tot=pl.col("s").sum(), cnt=pl.col("n").sum())
    pair = (
        pair.join(per, on="freelancer")
        .with_columns(others=pl.col("cnt") - pl.col("n"))
        .filter(pl.col("others") > 0)
        .with_columns(
            mine=pl.col("s") / pl.col("n"),
            base=(pl.col("tot") - pl.col("s")) / pl.col("others"),
        )
        .with_columns(d=pl.col("mine") - pl.col("base"))
    )
    spread = pair.select(pl.col("d").std()).item() if pair.height > 1 else None
    sigma = float(spread) if spread else 1.0
    return pair.group_by("client").agg(
        pl.col("mine").mean().alias(f"{m}_mean"),
        pl.col("base").mean().alias(f"{m}_others"),
        pl.len().alias(f"{m}_m"),
        (pl.col("d").sum() / (pl.len() + PRIOR) / sigma).alias(f"{m}_gap"),
        (pl.col("d").sum() / (sigma * pl.len().cast(pl.Float64).sqrt())).alias(f"{m}_z"),
    )


def raters(history: History, as_of: dt.date, *, min_freelancers: int = 5) -> Raters:
    """Every client who rated at least ``min_freelancers`` freelancers (with a baseline),
    ranked by harshness, the proposals flagged (see the module's method)."""
    fb = rated(history, as_of)
    counts = fb.group_by("client").agg(
        freelancers=pl.col("freelancer").n_unique(), ratings=pl.len()
    )
    frame = counts
    for m in MEASURES:
        frame = frame.join(_measure(fb, m), on="client", how="left")
    evaluated = pl.max_horizontal(*(pl.col(f"{m}_m").fill_null(0) for m in MEASURES))
    gaps = [pl.col(f"{m}_gap") for m in MEASURES]
    zs = [pl.col(f"{m}_z") for m in MEASURES]
    frame = (
        frame.filter(evaluated >= min_freelancers)
        .with_columns(index=pl.mean_horizontal(*gaps), z=pl.mean_horizontal(*zs))
        .with_columns(proposed=(pl.col("z") <= -Z_MIN) & (pl.col("index") <= -GAP_MIN))
    )
    frame = frame.join(_client_feedback(history), on="client", how="left").with_columns(
        pl.col("client_feedback_count").fill_null(0)
    )
    flagged = history.actions.filter(
        (pl.col("type") == "client_flagged") & (pl.col("date") <= as_of)
    ).select("client", flagged=pl.lit(True))
    frame = (
        frame.join(flagged.unique("client"), on="client", how="left")
        .with_columns(pl.col("flagged").fill_null(False))
        .sort("index", "client", nulls_last=True)
    )
    return Raters(as_of, min_freelancers, frame)


def _client_feedback(history: History) -> pl.DataFrame:
    """The freelancers' stars for each client (``client_feedback``), and the market's mean."""
    given = history.contracts.filter(pl.col("client_feedback").is_not_null())
    market = given.get_column("client_feedback").mean()
    return given.group_by("client").agg(
        client_feedback_mean=pl.col("client_feedback").mean(),
        client_feedback_count=pl.len(),
        client_feedback_market=pl.lit(market, dtype=pl.Float64),
    )


def false_positive_rate(
    *, seeds: tuple[int, ...] = (1, 2), freelancers: int = 4000, min_freelancers: int = 5
) -> dict[str, Any]:
    """The method's false-positive rate and recall on synthetic markets with known harsh
    clients: proposed non-harsh clients / evaluated non-harsh clients, over ``seeds``."""
    from jobsuccess.synth import DEFAULT_AS_OF, planted_marketplace

    fp = negatives = tp = positives = 0
    for seed in seeds:
        market, planted = planted_marketplace(freelancers, seed=seed, client_feedback=True)
        found = raters(market, DEFAULT_AS_OF, min_freelancers=min_freelancers).clients
        harsh = pl.col("client").is_in(list(planted.harsh_clients))
        fp += found.filter(~harsh & pl.col("proposed")).height
        negatives += found.filter(~harsh).height
        tp += found.filter(harsh & pl.col("proposed")).height
        positives += found.filter(harsh).height
    return {
        "rate": round(fp / negatives, 4) if negatives else None,
        "false_positives": fp,
        "clients_not_harsh": negatives,
        "recall": round(tp / positives, 4) if positives else None,
        "harsh_found": tp,
        "harsh_evaluated": positives,
        "measured_on": f"jobsuccess synth markets of {freelancers} freelancers, seeds "
        + ", ".join(str(s) for s in seeds),
    }
