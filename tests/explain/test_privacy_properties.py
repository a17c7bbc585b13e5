"""The pooling guarantee as properties over generated histories (docs/rules.md "Pooling").

A reusable differ collects what the freelancer audience can get (the score JSON on a date and
the days after it, and the explanation between consecutive ones) for two histories that
differ only in private answers. With pooling in threes, under every shipped policy:

- (a) changing one client's answer inside a closed batch moves the outputs only through the
  batch's count of each verdict: to an answer of the same verdict it changes nothing, and to
  any other answer it changes them exactly as the same change to a batch-mate of the same
  verdict would;
- (b) swapping two clients' answers inside a closed batch changes nothing;
- (c) changing an answer that is still held changes nothing.

Three members from new clients are added to each generated history so that a batch forms;
the rest is random. The same differ finds the difference without pooling
(`test_the_differ_has_teeth`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import replace
from typing import Any

import polars as pl
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from jobsuccess.engine import score
from jobsuccess.engine.privacy import OVERRULED
from jobsuccess.explain.change import between
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain.view import score_view
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook
from reference import Contract, Dispute, Feedback, Freelancer, Payment, verdict
from strategies import REPLAYED, Market, computation_dates, freelancers, named

ANSWER = st.tuples(
    st.one_of(st.none(), st.integers(0, 10)),
    st.sampled_from((None, "completed", "not_completed", "other")),
)


def view(history: History, policy: Policy | PolicyBook, dates: list[dt.date]) -> str:
    """Everything the freelancer audience gets on ``dates``, as one canonical string."""
    book = policy if isinstance(policy, PolicyBook) else PolicyBook.single(policy)
    snaps = snapshots(history, book, "f0", dates)
    out: list[Any] = [score_view(s, book, "freelancer").to_json() for s in snaps]
    for first, second in itertools.pairwise(snaps):
        result = between(history, first, second, "freelancer")
        out.append([round(result.delta, 9), [c.to_json() for c in result.changes]])
    return json.dumps(out, sort_keys=True, default=str)


def _with_members(
    fr: Freelancer, on: dt.date, answers: list[tuple[int | None, str | None]], stars: list[float]
) -> Freelancer:
    made = tuple(
        Contract(
            f"m{i}", f"new-{i}", "fixed", on - dt.timedelta(days=60 - 7 * i),
            on - dt.timedelta(days=40 - 7 * i), "client", reason,
            (Payment(on - dt.timedelta(days=50 - 7 * i), 300.0),),
            Feedback(on - dt.timedelta(days=39 - 7 * i), star, recommend),
        )
        for i, ((recommend, reason), star) in enumerate(zip(answers, stars, strict=True))
    )  # fmt: skip
    return replace(fr, contracts=(*fr.contracts, *made))


def _answers(fr: Freelancer) -> dict[str, tuple[int | None, str | None]]:
    return {
        c.id: (c.feedback.recommend, c.end_reason) for c in fr.contracts if c.feedback is not None
    }


def _set_answers(fr: Freelancer, answers: dict[str, tuple[int | None, str | None]]) -> Freelancer:
    def one(c: Contract) -> Contract:
        if c.id not in answers or c.feedback is None:
            return c
        recommend, reason = answers[c.id]
        return replace(c, end_reason=reason, feedback=replace(c.feedback, recommend=recommend))

    return replace(fr, contracts=tuple(one(c) for c in fr.contracts))


def _history(fr: Freelancer) -> History:
    return Market((fr,)).history()


@st.composite
def pooled_cases(draw: st.DrawFn) -> tuple[Freelancer, dt.date, Policy]:
    on = draw(computation_dates())
    fr = draw(freelancers(on, "f0", max_contracts=5))
    answers = draw(st.lists(ANSWER, min_size=3, max_size=3))
    stars = draw(st.lists(st.sampled_from((1.0, 3.5, 4.2, 4.8, 5.0)), min_size=3, max_size=3))
    policy = named(draw(st.sampled_from(REPLAYED)), k=3)
    return _with_members(fr, on, answers, stars), on, policy


def _dates(on: dt.date) -> list[dt.date]:
    """The date, and one after the first added member has left the 3-month window."""
    return [on, on + dt.timedelta(days=55)]


def _ledger(fr: Freelancer, policy: Policy | PolicyBook, on: dt.date) -> pl.DataFrame:
    return score(_history(fr), policy, on, statuses=False).ledger


def _closed_members(
    fr: Freelancer, policy: Policy | PolicyBook, dates: list[dt.date]
) -> list[tuple[str, int]]:
    """(contract id, batch) of the members whose answers stand in a batch closed on every one
    of ``dates``: the private ones, and those a dispute or $0 decides in public, on any of the
    dates (their answers stay in their batches' proportions)."""

    def closed(on: dt.date) -> set[tuple[str, int]]:
        ledger = _ledger(fr, policy, on)
        batches = ledger.filter(pl.col("private") & ~pl.col("held")).get_column("batch")
        standing = ~pl.col("rule").cast(pl.String).is_in(list(OVERRULED))
        rows = ledger.filter(pl.col("batch").is_in(batches.implode()) & standing)
        return set(rows.select("id", "batch").iter_rows())

    return sorted(set.intersection(*(closed(on) for on in dates)))


def _swapped_in_a_closed_batch(
    fr: Freelancer, policy: Policy | PolicyBook, dates: list[dt.date], pick: Any
) -> Freelancer:
    """``fr`` with the answers of two members of one closed batch swapped (two whose answers
    differ, picked at random), both standing on every one of ``dates``; the example is
    discarded where there are none."""
    answers = _answers(fr)
    pairs = [
        (a, b)
        for (a, batch_a), (b, batch_b) in itertools.combinations(
            _closed_members(fr, policy, dates), 2
        )
        if batch_a == batch_b and answers[a] != answers[b]
    ]
    assume(pairs)
    a, b = pick.choice(pairs)
    return _set_answers(fr, {a: answers[b], b: answers[a]})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case=pooled_cases(), pick=st.randoms(use_true_random=False))
def test_swapping_two_answers_in_a_closed_batch_changes_nothing(
    case: tuple[Freelancer, dt.date, Policy], pick: Any
) -> None:
    fr, on, policy = case
    dates = _dates(on)
    swapped = _swapped_in_a_closed_batch(fr, policy, dates, pick)
    assert view(_history(fr), policy, dates) == view(_history(swapped), policy, dates)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case=pooled_cases(), other=ANSWER.filter(lambda a: a != (None, None)))
def test_changing_a_held_answer_changes_nothing(
    case: tuple[Freelancer, dt.date, Policy], other: tuple[int | None, str | None]
) -> None:
    # An answer, not its absence: whether a client answered privately at all is what makes
    # a contract a batch member (docs/rules.md), a public fact of the feedback form.
    fr, on, policy = case
    held = _ledger(fr, policy, on).filter(pl.col("private") & pl.col("held"))
    assume(held.height)
    target = held.get_column("id")[0]
    assume(_answers(fr)[target] != other)
    # Only the date itself: a later date may close the batch, when the answer may count.
    changed = _set_answers(fr, {target: other})
    assert view(_history(fr), policy, [on]) == view(_history(changed), policy, [on])


def _verdicts(fr: Freelancer, policy: Policy) -> dict[str, str]:
    return {c.id: verdict(c, policy) for c in fr.contracts if c.feedback is not None}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    case=pooled_cases(),
    other=ANSWER.filter(lambda a: a != (None, None)),
    pick=st.randoms(use_true_random=False),
)
def test_an_answer_in_a_closed_batch_counts_only_through_its_verdict(
    case: tuple[Freelancer, dt.date, Policy], other: tuple[int | None, str | None], pick: Any
) -> None:
    # An answer, not its absence (which makes a contract no batch member: a public fact).
    fr, on, policy = case
    dates = _dates(on)
    members = _closed_members(fr, policy, dates)
    assume(members)
    target, batch = pick.choice(members)
    answers = _answers(fr)
    assume(answers[target] != other)
    changed = _set_answers(fr, {target: other})
    before = _verdicts(fr, policy)
    if verdict(_contract(changed, target), policy) == before[target]:
        event("same verdict")
        assert view(_history(fr), policy, dates) == view(_history(changed), policy, dates)
        return
    mates = [c for c, b in members if b == batch and c != target and before[c] == before[target]]
    assume(mates)
    mate = pick.choice(mates)
    event("another verdict, against a batch-mate's")
    instead = _set_answers(fr, {mate: other})
    assert view(_history(changed), policy, dates) == view(_history(instead), policy, dates)


def _contract(fr: Freelancer, contract: str) -> Contract:
    return next(c for c in fr.contracts if c.id == contract)


def test_changing_an_answer_in_a_closed_batch_can_change_the_view() -> None:
    """The teeth of (a): a change of verdict inside a closed batch does move the pooled view
    (pooled outputs are not constant), and without pooling a change to one member is told
    apart from the same change to its batch-mate."""
    on = dt.date(2025, 6, 1)
    fr = _with_members(
        Freelancer("f0", ()), on, [(10, "completed"), (10, "completed"), (9, None)], [5.0] * 3
    )
    first, second = (
        _set_answers(fr, {"m0": (0, "completed")}),
        _set_answers(fr, {"m1": (0, "completed")}),
    )
    pooled, faithful = named("2024-09", k=3), named("2024-09")
    dates = _dates(on)
    assert view(_history(fr), pooled, dates) != view(_history(first), pooled, dates)
    assert view(_history(first), pooled, dates) == view(_history(second), pooled, dates)
    assert view(_history(first), faithful, dates) != view(_history(second), faithful, dates)


def test_the_differ_has_teeth() -> None:
    """Without pooling the same differ tells a swap apart: on the later date m0 has left the
    3-month window and m1 has not."""
    on = dt.date(2025, 6, 1)
    fr = _with_members(
        Freelancer("f0", ()), on, [(2, "completed"), (10, "completed"), (9, None)], [5.0] * 3
    )
    swapped = _set_answers(fr, {"m0": (10, "completed"), "m1": (2, "completed")})
    pooled, faithful = named("2024-09", k=3), named("2024-09")
    assert view(_history(fr), pooled, _dates(on)) == view(_history(swapped), pooled, _dates(on))
    assert view(_history(fr), faithful, _dates(on)) != view(_history(swapped), faithful, _dates(on))


#: The whole timeline pooled in threes: "as of" follows each policy's cadence, and a view
#: whose dates straddle a rule change explains across it.
POOLED_TIMELINE = PolicyBook.shipped().with_privacy(3)
CHANGES = [p.effective for p in POOLED_TIMELINE][1:]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case=pooled_cases(), change=st.sampled_from(CHANGES), before=st.integers(1, 40),
       pick=st.randoms(use_true_random=False))  # fmt: skip
def test_a_swap_stays_hidden_across_a_policy_change(
    case: tuple[Freelancer, dt.date, Policy], change: dt.date, before: int, pick: Any
) -> None:
    """The same swap, under the pooled timeline, seen from a date before a rule change to one
    after it (explain across the change included)."""
    generated, on, _ = case
    shift = change - dt.timedelta(days=before) - on
    fr = replace(
        generated,
        contracts=tuple(_shifted(c, shift) for c in generated.contracts),
        actions=tuple(replace(a, date=a.date + shift) for a in generated.actions),
    )
    day = on + shift
    dates = [day, change + dt.timedelta(days=20)]
    swapped = _swapped_in_a_closed_batch(fr, POOLED_TIMELINE, dates, pick)
    assert view(_history(fr), POOLED_TIMELINE, dates) == view(
        _history(swapped), POOLED_TIMELINE, dates
    )


def _shifted(c: Contract, by: dt.timedelta) -> Contract:
    """The contract moved in time by ``by`` (every date)."""
    return replace(
        c,
        start=c.start + by,
        end=None if c.end is None else c.end + by,
        payments=tuple(replace(p, date=p.date + by) for p in c.payments),
        feedback=None if c.feedback is None else replace(c.feedback, date=c.feedback.date + by),
        dispute=None if c.dispute is None else replace(c.dispute, opened=c.dispute.opened + by),
    )


def test_a_member_whose_dispute_opens_later_keeps_its_answer_hidden() -> None:
    """(b) across time. ``b`` is ``a``'s repeat client's contract, so the batch {a, b, m0, m1}
    has three distinct clients. Once ``b``'s dispute opens, the dispute decides ``b``'s own
    outcome, but its answer stands in the batch: had it left the proportions (as before this
    was fixed: the property below found it), the views before and after would tell the swap
    of ``a``'s and ``b``'s answers apart. Without pooling they do."""
    on = dt.date(2025, 6, 1)

    def contract(cid: str, days: int, recommend: int, dispute: Dispute | None) -> Contract:
        start, end = on - dt.timedelta(days=days + 20), on - dt.timedelta(days=days)
        return Contract(
            cid, "x", "fixed", start, end, "client", "completed",
            (Payment(start + dt.timedelta(days=5), 300.0),),
            Feedback(end + dt.timedelta(days=1), 5.0, recommend), dispute,
        )  # fmt: skip

    later = Dispute(on + dt.timedelta(days=10), None)
    own = (contract("a", 100, 0, None), contract("b", 90, 10, later))
    fr = _with_members(Freelancer("f0", own), on, [(10, "completed")] * 3, [5.0] * 3)
    swapped = _set_answers(fr, {"a": (10, "completed"), "b": (0, "completed")})
    pooled = named("2024-09", k=3)
    batches = _ledger(fr, pooled, on).filter(pl.col("private") & ~pl.col("held"))
    assert set(batches.filter(pl.col("batch") == 1).get_column("id")) == {"a", "b", "m0", "m1"}
    dates = [on, on + dt.timedelta(days=20)]
    assert view(_history(fr), pooled, dates[:1]) == view(_history(swapped), pooled, dates[:1])
    assert view(_history(fr), pooled, dates) == view(_history(swapped), pooled, dates)
    faithful = named("2024-09")
    assert view(_history(fr), faithful, dates) != view(_history(swapped), faithful, dates)
