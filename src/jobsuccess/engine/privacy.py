"""Private feedback moves a score only in batches of at least k clients (docs/domain.md section 10).

A client's private answers (the 0-10 recommendation and the end reason) are candid because the
freelancer never sees them. A score that moved by one contract at a time would reveal them by
differencing two computations, or a window sliding past one contract, or a what-if. So:

- contracts with end-of-contract feedback carrying a private answer are batch *members*,
  whatever happens to them later; a member whose outcome read the feedback is *private*
  (one decided in public first, by an operator, a dispute or $0 earnings, is not);
- members form batches in feedback order (ties by contract id): a member joins batch
  ``c // k + 1``, where c is the number of distinct clients who answered before it; a batch is
  closed while its standing members (all but those an operator ruled out) come from k distinct
  clients (a repeat client's answer never lands in a batch that is already closed);
- until its batch closes, a private contract counts as if its client had given public
  feedback only (``held``), so nothing private enters the score yet; one without a public
  rating waits uncounted (``held_without_rating``);
- once closed, every private member contributes its own weight split over the batch's
  standing *verdicts* (what each private answer alone decides: negative, neutral, success or none),
  each combined with the member's own public facts by the policy's rules (the ``*_share``
  columns): pooled outputs depend on the answers only through how many of each verdict the
  batch holds, never on which member gave which, under every policy; batches never shift.
  A member decided in public by a dispute or $0 keeps its place in its batch's proportions and
  count, whenever that happens: a dispute opened after the feedback (or a late payment) that
  moved it out would let two views difference its answer out. Only an operator's ruling voids
  an answer: the ruled member leaves its batch's proportions and count (so an upheld appeal
  removes all of the answer's weight, not 1/k of it), and a ruling that leaves a batch with
  fewer than k clients holds its members again. The ruled contract's own verdict is the one
  thing the freelancer can then infer (docs/privacy.md, "What pooling costs");
- whether a contract counts never depends on a private answer: with k > 1 every ended $0
  contract is excluded, and feedback without a rating counts as neutral whatever its end
  reason.

The cost: a private outcome is smeared across its batch (a window holding part of a batch gets
the batch's average), and the last k-1 private answers wait. ``privacy.k = 1`` turns pooling
off, reproducing the marketplace's raw behaviour.
"""

from __future__ import annotations

import polars as pl

from jobsuccess.engine.facts import dates_in, per
from jobsuccess.engine.rules import RULES, classify
from jobsuccess.policy import Policy

PRIVATE_FIELDS = ("recommend", "end_reason")
#: Rules that decide before feedback is read, on public facts: never pooled.
DECIDED_IN_PUBLIC = tuple(r.name for r in RULES if r.public)
#: Operator decisions: a human ruled the contract's answer out (an upheld appeal or report,
#: a removal, a flagged client, a pause because of the client).
OVERRULED = tuple(r.name for r in RULES if r.group == "operator")
#: What a verdict leaves out: the public decisions, and waiting (a verdict is what the
#: answer decides once its batch has closed).
VERDICT_SKIPS = (*DECIDED_IN_PUBLIC, "held_without_rating")
#: A member's answer stands (it counts toward k and feeds its batch's proportions) unless an
#: operator ruled it out; judged on the engine's own record of the deciding rule.
STANDS = ~pl.col("rule").cast(pl.String).is_in(list(OVERRULED))
SHARES = ("success_share", "neutral_share", "negative_share")
OUTCOMES3 = ("success", "neutral", "negative")


def _one_hot(outcome: pl.Expr) -> list[pl.Expr]:
    return [
        (outcome == name).cast(pl.Float64).alias(share)
        for name, share in zip(OUTCOMES3, SHARES, strict=True)
    ]


def is_member() -> pl.Expr:
    """A contract with end-of-contract feedback carrying a private answer.

    Membership depends on nothing that changes later (no operator action, refund or
    dispute), so batches never shift: re-batching would let a freelancer difference an
    answer out.
    """
    return pl.col("has_feedback") & (
        pl.col("recommend").is_not_null() | pl.col("end_reason").is_not_null()
    )


#: What a private answer alone can decide: ``none`` when it gives no verdict (no 0-10 answer
#: and a positive or no end reason: the public feedback decides).
VERDICTS = ("negative", "neutral", "success", "none")


def _verdicts(members: pl.DataFrame, p: Policy) -> pl.Series:
    """Each member's verdict: its feedback classified with the stars left out."""
    alone = classify(
        members.with_columns(stars=pl.lit(None, dtype=members.schema["stars"])),
        p,
        skip=VERDICT_SKIPS,
    )
    verdict = pl.when(pl.col("rule") == "unrated_feedback").then(pl.lit("none"))
    return alone.select(verdict.otherwise(pl.col("outcome").cast(pl.String))).to_series()


def _outcome_if(members: pl.DataFrame, p: Policy, verdict: str) -> pl.Series:
    """Each member's outcome if its private answer had given ``verdict``: the rules read the
    member's own public facts beside a representative answer of that verdict."""
    o = p.outcomes
    recommend = {
        "negative": 0,
        "neutral": o.neutral_recommend_min,
        "success": o.success_recommend_min,
        "none": None,
    }[verdict]
    trial = members.with_columns(
        recommend=pl.lit(recommend, dtype=members.schema["recommend"]),
        end_reason=pl.lit(None, dtype=members.schema["end_reason"]),
    )
    return classify(trial, p, skip=VERDICT_SKIPS).get_column("outcome").cast(pl.String)


def pool(ledger: pl.DataFrame, p: Policy) -> pl.DataFrame:
    """Add ``private``, ``batch``, ``held`` and the outcome shares; re-decide held contracts.

    ``private`` marks members whose own outcome read the feedback (so it is pooled);
    members decided in public (an appeal, a flag, a dispute, $0) count as decided.
    """
    k = p.privacy.k
    pooled_rule = ~pl.col("rule").cast(pl.String).is_in(list(DECIDED_IN_PUBLIC))
    ledger = ledger.with_columns(private=is_member() & pooled_rule)
    if k == 1:
        return ledger.with_columns(
            *_one_hot(pl.col("outcome")), batch=pl.lit(None, dtype=pl.Int32), held=pl.lit(False)
        )
    group = per("fkey", dates=dates_in(ledger))
    others = ledger.filter(~is_member()).with_columns(
        *_one_hot(pl.col("outcome")), batch=pl.lit(None, dtype=pl.Int32), held=pl.lit(False)
    )
    members = (
        ledger.filter(is_member())
        .sort(*group, "fb_date", "id")
        .with_columns(_new=pl.col("ckey").is_first_distinct().over(group).cast(pl.Int32))
        .with_columns(_before=(pl.col("_new").cum_sum() - pl.col("_new")).over(group))
        # A contract joins the batch open when it arrives (a repeat client's answer never
        # lands in a batch that is already closed).
        .with_columns(batch=(pl.col("_before") // k + 1).cast(pl.Int32))
        # A batch is closed while the members whose answer stands come from k distinct
        # clients: every member but those an operator ruled out (two removals and one real
        # answer never make a "batch" of that answer). A dispute or $0 decides the member's
        # own outcome in public but leaves its answer standing, so the batch never changes
        # when one comes later.
        .with_columns(_live=pl.col("ckey").filter(STANDS).n_unique().over(*group, "batch"))
        .with_columns(held=pl.col("private") & (pl.col("_live") < k))
        .drop("_new", "_before", "_live")
    )
    # The batch's proportions are of its standing members' *verdicts* (what each answer alone
    # decides, stars aside); every private member then combines its own public facts with
    # each verdict, in the batch's proportions. So pooled outputs depend on the answers only
    # through how many of each verdict the batch holds, never on which member gave which,
    # under any policy (one that reads public and private feedback together included).
    members = members.with_columns(_verdict=_verdicts(members, p))
    proportion = {
        v: (pl.col("_verdict") == v).filter(STANDS).mean().over(*group, "batch") for v in VERDICTS
    }
    outcome_if = {v: _outcome_if(members, p, v) for v in VERDICTS}
    members = members.with_columns(
        pl.sum_horizontal(
            proportion[v].fill_null(0.0) * (outcome_if[v] == name).cast(pl.Float64)
            for v in VERDICTS
        ).alias(f"_{share}")
        for name, share in zip(OUTCOMES3, SHARES, strict=True)
    ).drop("_verdict")
    held = members.filter(pl.col("held") & pl.col("private"))
    if held.height:
        redo = classify(
            held.drop("rule", "outcome", "dated").with_columns(
                pl.lit(None, dtype=held.schema[f]).alias(f) for f in PRIVATE_FIELDS
            ),
            p,
        ).select(held.columns)
        held = redo
    held = held.with_columns(*_one_hot(pl.col("outcome")))
    public = members.filter(~pl.col("private")).with_columns(*_one_hot(pl.col("outcome")))
    closed = members.filter(~pl.col("held") & pl.col("private")).with_columns(
        pl.col(f"_{share}").alias(share) for share in SHARES
    )
    columns = others.columns
    return pl.concat([others, *(f.select(columns) for f in (held, public, closed))], how="vertical")
