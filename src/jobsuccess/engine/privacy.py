"""Private feedback moves a score only in batches from at least k clients (DOMAIN.md section 10).

A client's private answers (the 0-10 recommendation and the end reason) are candid because the
freelancer never sees them. A score that moved by one contract at a time would reveal them by
differencing two computations, or a window sliding past one contract, or a what-if. So:

- a contract whose outcome read private answers is *private* (operator decisions and disputes,
  decided before any feedback is read, are not);
- private contracts form batches in feedback order (ties by contract id): batch b holds the
  contracts during which the count of distinct clients so far rose past (b-1)*k, up to b*k
  (a repeat client's feedback joins the batch that is open when it comes);
- until its batch closes, a contract counts as if its client had given public feedback only
  (``held``), so nothing private enters the score yet;
- once closed, every counted member of the batch contributes its own weight split in the
  batch's proportions of success, neutral and negative (the ``*_share`` columns), so no
  window, slide or removal can isolate one client's answer.

The cost: a private outcome is smeared across its batch (a window holding part of a batch gets
the batch's average), and the last k-1 private answers wait. ``privacy.k = 1`` turns pooling
off, reproducing the marketplace's raw behaviour.
"""

from __future__ import annotations

import polars as pl

from jobsuccess.engine.facts import dates_in, per
from jobsuccess.engine.rules import classify
from jobsuccess.policy import Policy

PRIVATE_FIELDS = ("recommend", "end_reason")
DECIDED_BEFORE_FEEDBACK = ("appeal_upheld", "client_flagged", "feedback_removed", "dispute")
SHARES = ("success_share", "neutral_share", "negative_share")


def _one_hot(outcome: pl.Expr) -> list[pl.Expr]:
    return [
        (outcome == name).cast(pl.Float64).alias(share)
        for name, share in zip(("success", "neutral", "negative"), SHARES, strict=True)
    ]


def is_private() -> pl.Expr:
    """Whether this contract's outcome read a client's private answers."""
    answered = pl.col("recommend").is_not_null() | pl.col("end_reason").is_not_null()
    return (
        pl.col("has_feedback")
        & answered
        & ~pl.col("rule").cast(pl.String).is_in(list(DECIDED_BEFORE_FEEDBACK))
    )


def pool(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Add ``private``, ``batch``, ``held`` and the outcome shares; re-decide held contracts."""
    k = p.privacy.k
    ledger = ledger.with_columns(private=is_private())
    if k == 1:
        return ledger.with_columns(
            *_one_hot(pl.col("outcome")), batch=pl.lit(None, dtype=pl.Int32), held=pl.lit(False)
        )
    group = per("fkey", dates=dates_in(ledger))
    public = ledger.filter(~pl.col("private")).with_columns(
        *_one_hot(pl.col("outcome")), batch=pl.lit(None, dtype=pl.Int32), held=pl.lit(False)
    )
    private = (
        ledger.filter("private")
        .sort(*group, "fb_date", "id")
        .with_columns(_new=pl.col("ckey").is_first_distinct().over(group).cast(pl.Int32))
        .with_columns(_clients=pl.col("_new").cum_sum().over(group))
        .with_columns(batch=((pl.col("_clients") + (k - 1)) // k).cast(pl.Int32))
        .with_columns(held=pl.col("_clients").max().over(group) < pl.col("batch") * k)
        .drop("_new", "_clients")
    )
    held = private.filter("held")
    if held.height:
        redo = classify(
            held.drop("rule", "outcome", "dated").with_columns(
                pl.lit(None, dtype=held.schema[f]).alias(f) for f in PRIVATE_FIELDS
            ),
            p,
        ).select(held.columns)
        held = redo
    held = held.with_columns(*_one_hot(pl.col("outcome")))
    counted = pl.col("outcome") != "excluded"
    closed = private.filter(~pl.col("held")).with_columns(
        (
            pl.when(counted)
            .then((pl.col("outcome") == name).filter(counted).mean().over(*group, "batch"))
            .otherwise(0.0)
            .fill_null(0.0)
            .alias(share)
        )
        for name, share in zip(("success", "neutral", "negative"), SHARES, strict=True)
    )
    columns = public.columns
    return pl.concat([public, held.select(columns), closed.select(columns)], how="vertical")
