"""The adversary: try to learn one client's private answer from the freelancer's outputs.

Each test builds two histories that differ only in private answers (the 0-10 recommend of a
contract with five public stars), collects everything the freelancer audience can get from
them (the score JSON on every date, the explanation between every two consecutive dates,
forecasts, advice, what-if probes, the HTML report) and requires the two to be identical:

- while a private answer waits for its batch (fewer than k clients have answered), no output
  may depend on it at all;
- once the batch is closed, swapping two clients' answers within it must change nothing.

The operator audience, which may see everything, does tell the variants apart: the tests would
notice a difference. Three cases where the engine's pooling itself leaks (found while writing
these tests) are kept below as strict expected failures.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable
from typing import Any

import polars as pl
import pytest

from histories import action, contract, history
from jobsuccess.errors import InputError
from jobsuccess.explain import advise, forecast, parse_scenario, whatif
from jobsuccess.explain.change import between
from jobsuccess.explain.ledger import snapshots
from jobsuccess.explain.view import score_view
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook
from jobsuccess.render import report

#: Pooling on: the shipped timeline (2025: the 2024-09 policy, daily) with ``--privacy-k 3``.
BOOK = PolicyBook.shipped().with_privacy(3)
#: The faithful replay: the shipped timeline as it is, pooling off (k = 1).
FAITHFUL = PolicyBook.shipped()


def d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def span(first: str, last: str, step: int = 1) -> list[dt.date]:
    start, end = d(first), d(last)
    return [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


def market(
    r1: int, r2: int, r3: int, *extra: dict[str, Any], actions: Iterable[Any] = ()
) -> History:
    """Public work, an open contract, and three private answers from k1, k2, k3.

    c1..c3 all have five (or nearly five) public stars: only the private answers differ. p1
    and p2 have public feedback only (no 0-10 answer, no end reason): they are not pooled.
    """
    return history(
        contract(
            "p1",
            client="k7",
            start="2025-01-01",
            end="2025-01-20",
            end_reason=None,
            paid=[("2025-01-15", 500)],
            feedback=("2025-01-21", 5.0, None),
        ),
        contract(
            "p2",
            client="k8",
            start="2025-01-05",
            end="2025-01-25",
            end_reason=None,
            paid=[("2025-01-20", 300)],
            feedback=("2025-01-26", 4.8, None),
        ),
        contract("o1", client="k9", start="2025-02-01", paid=[("2025-02-02", 200)]),
        contract(
            "c1",
            client="k1",
            start="2025-02-01",
            end="2025-03-01",
            paid=[("2025-02-20", 800)],
            feedback=("2025-03-02", 5.0, r1),
        ),
        contract(
            "c2",
            client="k2",
            start="2025-02-10",
            end="2025-03-10",
            paid=[("2025-03-01", 300)],
            feedback=("2025-03-11", 5.0, r2),
        ),
        contract(
            "c3",
            client="k3",
            start="2025-03-01",
            end="2025-04-01",
            paid=[("2025-03-20", 150)],
            feedback=("2025-04-02", 4.9, r3),
        ),
        *extra,
        actions=list(actions),
    )


PROBES = [
    {
        "events": [
            {"type": "end_contract", "contract": "o1", "feedback": {"stars": 5.0, "recommend": 10}}
        ]
    },
    {
        "events": [
            {
                "type": "add_contract",
                "id": "n1",
                "client": "k1",
                "start": "2025-02-01",
                "end": "2025-02-15",
                "payments": [{"date": "2025-02-10", "amount": 400}],
                "feedback": {"date": "2025-02-16", "stars": 3.0, "recommend": 0},
            }
        ]
    },
    {
        "events": [
            {
                "type": "add_contract",
                "id": "n2",
                "client": "k5",
                "start": "2025-02-01",
                "end": "2025-02-15",
                "feedback": {"date": "2025-02-16", "stars": 5.0},
            }
        ]
    },
    {"events": [{"type": "payment", "contract": "o1", "amount": 5000}]},
]


def freelancer_view(
    h: History, dates: list[dt.date], deep: list[dt.date], book: PolicyBook = BOOK
) -> str:
    """Everything the freelancer audience can get, as one canonical string."""
    out: list[Any] = []
    snaps = snapshots(h, book, "f1", dates)
    for snap in snaps:
        out.append(score_view(snap, book, "freelancer").to_json())
    for first, second in itertools.pairwise(snaps):
        result = between(h, first, second, "freelancer")
        out.append([result.delta, [c.to_json() for c in result.changes]])
    for i, day in enumerate(deep):
        out.append(forecast(h, book, as_of=day, months=2, audience="freelancer").to_json())
        out.append(advise(h, book, as_of=day, months=2, audience="freelancer").to_json())
        for probe in PROBES[i % 2 :: 2]:
            out.append(
                whatif(
                    h, book, as_of=day, scenario=parse_scenario(probe), audience="freelancer"
                ).to_json()
            )
    return json.dumps(out, sort_keys=True, default=str)


def operator_view(h: History, dates: list[dt.date]) -> str:
    snaps = snapshots(h, BOOK, "f1", dates)
    return json.dumps(
        [score_view(s, BOOK, "operator").to_json() for s in snaps], sort_keys=True, default=str
    )


def test_a_held_answer_changes_nothing_until_its_batch_closes() -> None:
    # c2's client answered 10 or 2 (five public stars either way); only two clients have
    # answered privately until c3's feedback on 2025-04-02.
    dates = span("2025-03-09", "2025-04-01")
    deep = [d("2025-03-12"), d("2025-04-01")]
    kind, harsh = market(9, 10, 9), market(9, 2, 9)
    assert freelancer_view(kind, dates, deep) == freelancer_view(harsh, dates, deep)
    assert operator_view(kind, dates) != operator_view(harsh, dates)  # the test has teeth


def test_without_pooling_the_same_check_finds_the_answer() -> None:
    """The faithful replay (k = 1) keeps Upwork's weakness: the very check that passes with
    pooling tells the two answers apart from the freelancer's own view."""
    dates = span("2025-03-09", "2025-04-01")
    deep = [d("2025-03-12")]
    kind, harsh = market(9, 10, 9), market(9, 2, 9)
    assert freelancer_view(kind, dates, deep, FAITHFUL) != freelancer_view(
        harsh, dates, deep, FAITHFUL
    )


def test_swapping_two_answers_in_a_closed_batch_changes_nothing() -> None:
    # k1 answered 10 and k2 answered 2, or the other way round; c1 and c2 differ in weight
    # and in the dates their outcomes leave the windows.
    dates = span("2025-03-30", "2025-04-06") + span("2025-06-28", "2025-09-20", 7)
    deep = [d("2025-04-02"), d("2025-06-01")]
    one, other = market(10, 2, 9), market(2, 10, 9)
    assert freelancer_view(one, dates, deep) == freelancer_view(other, dates, deep)
    assert operator_view(one, dates) != operator_view(other, dates)


def test_the_report_shows_no_private_answer() -> None:
    day = d("2025-05-01")
    one, other = market(10, 2, 9), market(2, 10, 9)
    page = report(one, BOOK, as_of=day, audience="freelancer")
    assert page == report(other, BOOK, as_of=day, audience="freelancer")
    # What the page says, without the inlined chart library (its code holds "/10" and such)
    text = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert "private answer" not in text and "/10" not in text
    assert report(one, BOOK, as_of=day, audience="operator") != report(
        other, BOOK, as_of=day, audience="operator"
    )


def test_closing_a_batch_is_one_change_for_the_freelancer() -> None:
    h = market(10, 2, 9)
    snaps = snapshots(h, BOOK, "f1", [d("2025-04-01"), d("2025-04-02")])
    result = between(h, snaps[0], snaps[1], "freelancer")
    pooled = [c for c in result.changes if c.kind == "private feedback pooled"]
    assert len(pooled) == 1 and pooled[0].contract is None
    assert set(pooled[0].contracts) == {"c1", "c2", "c3"}
    assert "3 clients" in pooled[0].text
    per_contract = between(h, snaps[0], snaps[1], "operator")
    assert {c.contract for c in per_contract.changes if c.effect} >= {"c1", "c2"}


@pytest.mark.parametrize(
    "event",
    [
        {"type": "remove_feedback", "contract": "c2"},
        {"type": "flag_client", "client": "k2"},
        {"type": "appeal", "contract": "c2"},
        {"type": "policy", "policy": "2021"},
        {"type": "payment", "contract": "c2", "amount": 100},  # c2's feedback is private
        {"type": "feedback", "contract": "c2", "stars": 1.0},  # replaces a private answer
    ],
)
def test_what_if_refuses_a_freelancer_probes_that_touch_private_answers(
    event: dict[str, Any],
) -> None:
    h = market(10, 2, 9)
    scenario = parse_scenario({"events": [event]})
    with pytest.raises(InputError, match="operator"):
        whatif(h, BOOK, as_of=d("2025-05-01"), scenario=scenario, audience="freelancer").to_json()
    whatif(h, BOOK, as_of=d("2025-05-01"), scenario=scenario, audience="operator").to_json()


def test_what_if_keeps_hypothetical_answers_out_of_batches() -> None:
    h = market(10, 2, 9)
    probe = parse_scenario(
        {
            "events": [
                {
                    "type": "add_contract",
                    "id": "n1",
                    "client": "k5",
                    "start": "2025-04-01",
                    "end": "2025-04-10",
                    "payments": [{"date": "2025-04-05", "amount": 100}],
                    "end_reason": "not_completed",
                    "feedback": {"date": "2025-04-11", "stars": 5.0, "recommend": 0},
                }
            ]
        }
    )
    result = whatif(h, BOOK, as_of=d("2025-05-01"), scenario=probe, audience="freelancer").to_json()
    assert len(result["notes"]) == 2  # both private fields were left out, and said so
    added = next(c for c in result["after"]["contracts"] if c["id"] == "n1")
    assert added["outcome"] == "success" and added["batch"] is None  # unpooled, on its stars
    rest = [c for c in result["after"]["contracts"] if c["id"] != "n1"]
    assert rest == [c for c in result["before"]["contracts"]]


# -- where the engine's pooling leaks (reported; each must fail until the engine is fixed) ----


def _batch_member(h: History, dates: list[dt.date]) -> list[str]:
    snaps = snapshots(h, BOOK, "f1", dates)
    return [json.dumps(score_view(s, BOOK, "freelancer").to_json(), sort_keys=True) for s in snaps]


def test_leak_zero_earnings_inclusion_reveals_the_answer() -> None:
    # Batch 2 = {k4 ($0 contract z1), k21 (m1), k22 (m2)}, closed on 2025-04-11. The answers
    # of k4 and k22 are swapped (2 <-> 10): a swap within one closed batch.
    def batch2(r_zero: int, r_m2: int) -> History:
        return market(
            10,
            2,
            9,
            contract(
                "z1",
                client="k4",
                start="2025-04-01",
                end="2025-04-10",
                feedback=("2025-04-11", 5.0, r_zero),
            ),
            contract(
                "m1",
                client="k21",
                start="2025-04-01",
                end="2025-04-10",
                paid=[("2025-04-05", 300)],
                feedback=("2025-04-11", 5.0, 10),
            ),
            contract(
                "m2",
                client="k22",
                start="2025-04-01",
                end="2025-04-10",
                paid=[("2025-04-05", 300)],
                feedback=("2025-04-11", 5.0, r_m2),
            ),
        )

    dates = span("2025-04-11", "2025-04-12")
    assert _batch_member(batch2(2, 10), dates) == _batch_member(batch2(10, 2), dates)


def test_leak_repeat_client_answer_counts_alone() -> None:
    # After batch 1 {k1, k2, k3} closed, k1 answers again (c4, five public stars). No new
    # client answered, so c4's answer should wait; the engine puts it in batch 1 at once.
    def again(r: int) -> History:
        return market(
            10,
            2,
            9,
            contract(
                "c4",
                client="k1",
                start="2025-05-01",
                end="2025-05-20",
                paid=[("2025-05-10", 800)],
                feedback=("2025-05-21", 5.0, r),
            ),
        )

    dates = span("2025-05-20", "2025-05-22")
    assert freelancer_view(again(10), dates, []) == freelancer_view(again(2), dates, [])


def test_no_rebatching_after_a_removal() -> None:
    # c4 (k4, five public stars) is held in batch 2 when c1's feedback is removed on
    # 2025-04-20. Batches never shift (membership is fixed once feedback exists), so c4 stays
    # held: whatever c4 answered, the freelancer sees the same thing on both days, and the
    # removal changes batch 1's shares by c1's answer alone (which the ruling disclosed).
    views = []
    for answer in (2, 10):
        c4 = contract(
            "c4",
            client="k4",
            start="2025-04-01",
            end="2025-04-10",
            paid=[("2025-04-05", 300)],
            feedback=("2025-04-11", 5.0, answer),
        )
        h = market(10, 2, 10, c4, actions=[action("report_upheld", "2025-04-20", contract="c1")])
        days = [d("2025-04-19"), d("2025-04-20")]
        views.append(
            [score_view(s, BOOK, "freelancer").to_json() for s in snapshots(h, BOOK, "f1", days)]
        )
    assert views[0] == views[1]


def test_overruled_members_never_close_a_batch() -> None:
    """Issue 8, attack 2: two members ruled out by an operator plus one real answer are no
    batch of three. c3's answer stays held whatever it was; without pooling it shows."""
    rulings = [
        action("report_upheld", "2025-03-20", contract="c1"),
        action("appeal_upheld", "2025-03-21", contract="c2"),
    ]
    dates = span("2025-04-01", "2025-04-05")
    deep = [d("2025-04-03")]
    kind, harsh = market(9, 9, 10, actions=rulings), market(9, 9, 2, actions=rulings)
    assert freelancer_view(kind, dates, deep) == freelancer_view(harsh, dates, deep)
    assert freelancer_view(kind, dates, deep, FAITHFUL) != freelancer_view(
        harsh, dates, deep, FAITHFUL
    )


def test_what_if_feedback_never_reads_a_recorded_end_reason() -> None:
    """Issue 8, attack 5: hypothetical five stars on an ended contract without feedback must
    not let its private end reason count (nor make it a batch member), and say so the same
    way whatever the end reason was."""

    def with_ended(reason: str | None) -> History:
        ended = contract(
            "e1",
            client="k9",
            start="2025-03-01",
            end="2025-03-20",
            end_reason=reason,
            paid=[("2025-03-10", 400)],
        )
        return market(10, 2, 9, ended)

    # As of 2025-03-25 only k1 and k2 have answered privately: batch 1 is open in reality.
    probe = parse_scenario({"events": [{"type": "feedback", "contract": "e1", "stars": 5.0}]})
    day = d("2025-03-25")
    views = [
        whatif(with_ended(r), BOOK, as_of=day, scenario=probe, audience="freelancer").to_json()
        for r in ("completed", "not_completed", None)
    ]
    assert views[0] == views[1] == views[2]
    operator = [
        whatif(with_ended(r), BOOK, as_of=day, scenario=probe, audience="operator").to_json()
        for r in ("completed", "not_completed")
    ]
    assert operator[0] != operator[1]  # an operator's what-if does read it


def test_what_if_cannot_probe_whether_a_stranger_is_flagged() -> None:
    """Issue 8, side channel: a freelancer's add_contract with any client id must not answer
    whether that client is flagged marketplace-wide; an operator's does apply the flag."""
    flag = action("client_flagged", "2025-01-01", client="stranger", freelancer=None)
    probe = parse_scenario(
        {
            "events": [
                {
                    "type": "add_contract",
                    "id": "n1",
                    "client": "stranger",
                    "start": "2025-04-01",
                    "end": "2025-04-10",
                    "payments": [{"date": "2025-04-05", "amount": 100}],
                    "feedback": {"date": "2025-04-11", "stars": 1.0},
                }
            ]
        }
    )
    day = d("2025-05-01")
    flagged, clean = market(10, 2, 9, actions=[flag]), market(10, 2, 9)
    mine = [
        whatif(h, BOOK, as_of=day, scenario=probe, audience="freelancer").to_json()
        for h in (flagged, clean)
    ]
    assert mine[0] == mine[1]
    ops = [
        whatif(h, BOOK, as_of=day, scenario=probe, audience="operator").to_json()
        for h in (flagged, clean)
    ]
    assert ops[0]["after"]["score"] != ops[1]["after"]["score"]


def _mixed_stars(first: int, second: int, start: str = "2025-02-01") -> History:
    """Three private clients in one batch: b1 left one public star, b2 and b3 five; ``first``
    and ``second`` are b1's and b2's 0-10 answers (b3 answered 9)."""
    day = d(start)

    def member(cid: str, client: str, offset: int, stars: float, answer: int) -> dict[str, Any]:
        begin = day + dt.timedelta(days=offset)
        return contract(
            cid,
            client=client,
            start=begin.isoformat(),
            end=(begin + dt.timedelta(days=20)).isoformat(),
            paid=[((begin + dt.timedelta(days=10)).isoformat(), 400)],
            feedback=((begin + dt.timedelta(days=21)).isoformat(), stars, answer),
        )

    return history(
        member("b1", "k1", 0, 1.0, first),
        member("b2", "k2", 5, 5.0, second),
        member("b3", "k3", 10, 5.0, 9),
        contract("o1", client="k9", start=start, paid=[(start, 200)]),
    )


def test_swapping_answers_between_a_one_star_and_a_five_star_member_changes_nothing() -> None:
    """Issue 8, attack 3: under "both" a 1-star member is negative whatever its client
    answered; its answer still pools with the others', and a swap shows nothing."""
    dates = span("2025-03-05", "2025-03-12") + span("2025-05-01", "2025-09-01", 14)
    deep = [d("2025-03-10")]
    one, other = _mixed_stars(2, 10), _mixed_stars(10, 2)
    assert freelancer_view(one, dates, deep) == freelancer_view(other, dates, deep)
    assert freelancer_view(one, dates, deep, FAITHFUL) != freelancer_view(
        other, dates, deep, FAITHFUL
    )


def test_no_policy_of_the_book_separates_a_swap() -> None:
    """Issue 8, attack 4: a batch closed under 2021 ("fallback") must look the same for both
    swap variants under 2023-12 ("both") too, and when explained across the change."""
    dates = span("2023-11-19", "2023-12-31", 7)
    one, other = _mixed_stars(2, 10, "2023-09-01"), _mixed_stars(10, 2, "2023-09-01")
    assert freelancer_view(one, dates, []) == freelancer_view(other, dates, [])
    assert operator_view(one, dates) != operator_view(other, dates)


def _unrated_market(c2_feedback: bool) -> History:
    """Public work, then three private answers; c2's client gave no stars (10/10 only)."""
    fb = {
        "c1": ("2025-03-02", 5.0, 10),
        "c2": ("2025-03-11", None, 10),
        "c3": ("2025-05-02", 5.0, 10),
    }
    if not c2_feedback:
        del fb["c2"]
    made = [
        contract(
            cid,
            client=f"k{i}",
            start=start,
            end=end,
            paid=[(start, 400)],
            feedback=fb.get(cid),
        )
        for i, (cid, start, end) in enumerate(
            [("c1", "2025-02-01", "2025-03-01"), ("c2", "2025-02-10", "2025-03-10"),
             ("c3", "2025-04-01", "2025-05-01")], start=1
        )
    ]  # fmt: skip
    public = [
        contract(f"p{i}", client=f"k{6 + i}", start="2025-01-01", end="2025-01-20",
                 end_reason=None, paid=[("2025-01-15", 500)], feedback=("2025-01-21", 5.0, None))
        for i in range(1, 4)
    ]  # fmt: skip
    return history(*public, *made)


def test_a_held_answer_without_stars_waits_uncounted() -> None:
    """Issue 8, "a held answer without stars counts as neutral": c2's client answered
    privately only. While its batch waits, c2 has no public feedback, so it counts for
    nothing (as if it had no feedback), not as neutral; once c3 closes the batch, it counts."""
    waiting, closed = d("2025-04-01"), d("2025-05-20")
    rated, bare = _unrated_market(True), _unrated_market(False)
    (snap,) = snapshots(rated, BOOK, "f1", [waiting])
    row = snap.rows.filter(pl.col("id") == "c2").row(0, named=True)
    assert (row["rule"], row["outcome"], row["weight"], row["held"]) == (
        "held_without_rating", "excluded", 0.0, True,
    )  # fmt: skip

    def shown(h: History, on: dt.date) -> Any:
        (s,) = snapshots(h, BOOK, "f1", [on])
        return score_view(s, BOOK, "freelancer").to_json()["windows"]

    assert shown(rated, waiting) == shown(bare, waiting)
    assert shown(rated, closed) != shown(bare, closed)
