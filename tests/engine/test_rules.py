"""docs/domain.md sections 2-4, rule by rule: how one contract becomes an outcome and a weight.

Each test builds a tiny history, runs `jobsuccess.engine.score` and asserts the deciding rule,
the outcome, the weight and the date that places the outcome in windows (docs/rules.md).
Unless a test names a policy, dates are in 2025 (policy auto = 2024-09, computed daily).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from histories import action, contract, d, days, displayed, history, job, outcome, rows, run
from jobsuccess.engine import BY_NAME, RULES
from jobsuccess.engine.privacy import DECIDED_IN_PUBLIC, OVERRULED
from jobsuccess.engine.rules import Group, active
from jobsuccess.errors import InputError
from jobsuccess.policy import read_policy

AS_OF = "2025-04-01"

#: An unrelated contract, ended without pay or feedback: excluded under every policy. A history
#: whose only contract is ended and has several payments crashes the engine today
#: (`test_rule_4_a_lone_ended_contract_with_several_payments_is_scored`); the tests of other
#: rules that need such a contract add this one, so that they keep testing their own rule.
ASIDE = contract("c0", client="k0", start="2015-03-01", end="2015-03-02")

# --- The rule list itself. ---


def test_rules_run_in_the_documented_order() -> None:
    """docs/rules.md numbers the rules; the engine's tuple is that list, in that order."""
    text = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| \d+ \| `(\w+)` \|", text, flags=re.MULTILINE)
    assert documented == [r.name for r in RULES]
    assert len(RULES) == 25


def test_the_chain_ends_with_its_one_explicit_default_rule() -> None:
    """The last rule is marked the default (unconditional), and no other rule is."""
    assert [r.name for r in RULES if r.default] == ["in_progress"]
    policy = read_policy("2024-09")
    assert active(policy)[-1][0] is BY_NAME["in_progress"]


def test_a_chain_whose_last_active_rule_has_a_condition_is_refused() -> None:
    """Without the default last, a contract no rule takes would get no outcome: refused with
    an error naming the policy and the rule, not a silent assumption."""
    policy = read_policy("2024-09")
    with pytest.raises(InputError, match=r"policy 2024-09: .*idle_without_earnings.*default"):
        active(policy, skip=("in_progress",))
    with pytest.raises(InputError, match="the last active outcome rule"):
        active(policy, rules=[r for r in RULES if r.name != "in_progress"])


def test_a_chain_with_rules_after_the_default_is_refused() -> None:
    policy = read_policy("2024-09")
    moved = [BY_NAME["in_progress"], *RULES]
    with pytest.raises(InputError, match="more than one default rule"):
        active(policy, rules=moved)


# --- Section 2: inputs. ---


def test_rule_2_mid_contract_feedback_never_counts() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-03-03",
            paid=[("2025-02-01", 200)], feedback=("2025-02-10", 1.0, 0),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF) == ("no_feedback", "excluded", 0.0, None)


def test_rule_2_feedback_dated_after_as_of_does_not_exist_yet() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-03-03",
            paid=[("2025-02-01", 200)], feedback=("2025-03-10", 5.0, 10),
        )
    )  # fmt: skip
    assert outcome(h, "2025-03-09")[:2] == ("awaiting_feedback", "excluded")
    assert outcome(h, "2025-03-10") == ("good_feedback", "success", 1.0, d("2025-03-10"))


def test_rule_2_client_has_14_days_to_leave_feedback() -> None:
    h = history(job("c1", "k1", end="2025-03-03", feedback=False))
    assert outcome(h, "2025-03-16")[:2] == ("awaiting_feedback", "excluded")
    assert outcome(h, "2025-03-17")[:2] == ("no_feedback", "excluded")


def test_rule_2_feedback_after_the_14_days_never_counts() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-02-01",
            paid=[("2025-02-01", 200)], feedback=("2025-03-03", 1.0, 0),
        )
    )  # fmt: skip
    assert outcome(h, "2025-02-20")[:2] == ("no_feedback", "excluded")
    assert outcome(h, AS_OF)[:2] == ("no_feedback", "excluded")


def test_rule_2_end_reason_unknown_while_the_contract_is_open() -> None:
    """A contract whose end lies after the computation date is still open then."""
    h = history(
        contract(
            "c1", client="k1", start="2025-03-01", end="2025-04-20", end_reason="not_completed",
            paid=[("2025-03-15", 200)], feedback=("2025-04-21", 5.0, 10),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF)[:2] == ("in_progress", "excluded")
    assert outcome(h, "2025-04-21")[:2] == ("negative_end_reason", "negative")


def test_rule_2_refunds_are_negative_payments() -> None:
    """$900 paid, $700 refunded: $200 earned, the lowest tier."""
    h = history(
        ASIDE,
        contract(
            "c1", client="k1", start="2025-02-01", end="2025-03-03",
            paid=[("2025-02-10", 900), ("2025-03-01", -700)], feedback=("2025-03-04", 5.0, 10),
        )
    )  # fmt: skip
    assert outcome(h, "2025-02-28")[:2] == ("in_progress", "excluded")
    assert rows(run(h, AS_OF))["c1"]["earnings"] == 200.0
    assert outcome(h, AS_OF) == ("good_feedback", "success", 1.0, d("2025-03-04"))


def test_rule_2_who_ended_a_contract_is_recorded_but_not_read() -> None:
    by = {
        who: outcome(
            history(
                contract(
                    "c1", client="k1", start="2025-02-01", end="2025-03-03", ended_by=who,
                    paid=[("2025-03-01", 200)], feedback=("2025-03-04", 5.0, 10),
                )
            ),
            AS_OF,
        )
        for who in ("client", "freelancer", "platform")
    }  # fmt: skip
    assert set(by.values()) == {("good_feedback", "success", 1.0, d("2025-03-04"))}


# --- Section 3: Success. ---


@pytest.mark.parametrize("recommend", [9, 10])
def test_rule_3_success_private_recommend_9_or_10(recommend: int) -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=4.5, recommend=recommend))
    assert outcome(h, AS_OF) == ("good_feedback", "success", 1.0, d("2025-03-04"))


@pytest.mark.parametrize("stars", [4.5, 5.0])
def test_rule_3_success_stars_4_5_without_private_answer(stars: float) -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=stars, recommend=None))
    assert outcome(h, AS_OF) == ("good_feedback", "success", 1.0, d("2025-03-04"))


def test_rule_3_success_needs_a_positive_end_reason() -> None:
    h = history(job("c1", "k1", end="2025-03-03", end_reason="not_completed"))
    assert outcome(h, AS_OF)[:2] == ("negative_end_reason", "negative")


def test_rule_3_success_without_an_end_reason_given() -> None:
    h = history(job("c1", "k1", end="2025-03-03", end_reason=None))
    assert outcome(h, AS_OF)[:2] == ("good_feedback", "success")


def test_rule_3_long_term_success_without_feedback() -> None:
    """Open, paid across 90+ days, paid within the last 90 days: a success dated today."""
    h = history(
        contract(
            "c1", client="k1", start="2024-10-01", type="hourly",
            paid=[("2024-10-15", 400), ("2024-12-15", 400), ("2025-01-13", 400)],
        )
    )  # fmt: skip
    # 2024-10-15 -> 2025-01-13 is 90 days; two full 90-day periods hold payments.
    assert outcome(h, AS_OF) == ("long_term", "success", 1.5 + 2, d(AS_OF))


def test_rule_3_long_term_needs_payments_across_90_days() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2024-10-01", type="hourly",
            paid=[("2024-10-15", 400), ("2025-01-12", 400)],
        )
    )  # fmt: skip
    assert outcome(h, AS_OF)[:2] == ("in_progress", "excluded")  # 89 days apart


def test_rule_3_long_term_needs_a_payment_in_the_last_90_days() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2024-06-01", type="hourly",
            paid=[("2024-06-15", 400), ("2024-10-01", 400)],
        )
    )  # fmt: skip
    assert outcome(h, "2024-12-29")[:2] == ("long_term", "success")  # 89 days after
    assert outcome(h, "2024-12-30")[:2] == ("idle_with_earnings", "neutral")  # 90 days after


def test_rule_3_long_term_absence_of_feedback_is_no_penalty() -> None:
    """A long-term contract that ends without feedback drops out instead of counting against."""
    h = history(
        ASIDE,
        contract(
            "c1", client="k1", start="2024-10-01", end="2025-03-01", type="hourly",
            paid=[("2024-10-15", 400), ("2025-01-13", 400), ("2025-02-28", 400)],
        )
    )  # fmt: skip
    assert outcome(h, "2025-02-28")[:2] == ("long_term", "success")
    assert outcome(h, AS_OF) == ("no_feedback", "excluded", 0.0, None)


# --- Section 3: Neutral. ---


@pytest.mark.parametrize("recommend", [7, 8])
def test_rule_3_neutral_lukewarm_private_recommend_7_or_8(recommend: int) -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=5.0, recommend=recommend))
    assert outcome(h, AS_OF) == ("private_lukewarm", "neutral", 1.0, d("2025-03-04"))


@pytest.mark.parametrize("stars", [4.0, 4.4])
def test_rule_3_neutral_lukewarm_stars_without_private_answer(stars: float) -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=stars, recommend=None))
    assert outcome(h, AS_OF) == ("public_lukewarm", "neutral", 1.0, d("2025-03-04"))


def test_rule_3_neutral_idle_open_contract_with_earnings() -> None:
    """No payment for 90 days: neutral, dated today; its paid period adds to its weight."""
    h = history(contract("c1", client="k1", start="2024-12-01", paid=[("2024-12-20", 300)]))
    assert outcome(h, "2025-03-19")[:2] == ("in_progress", "excluded")  # 89 days
    assert outcome(h, "2025-03-20") == ("idle_with_earnings", "neutral", 1.25 + 1, d("2025-03-20"))


def test_rule_3_neutral_counts_in_the_total_and_adds_nothing() -> None:
    h = history(
        job("c1", "k1", end="2025-03-03"),
        job("c2", "k2", end="2025-03-03", recommend=8),
    )
    assert displayed(h, AS_OF) == 50


# --- Section 3: Negative. ---


def test_rule_3_negative_private_feedback_even_with_good_public() -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=5.0, recommend=3))
    assert outcome(h, AS_OF) == ("private_negative", "negative", 1.0, d("2025-03-04"))


@pytest.mark.parametrize("recommend", [0, 6])
def test_rule_3_negative_recommend_0_to_6(recommend: int) -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=5.0, recommend=recommend))
    assert outcome(h, AS_OF)[:2] == ("private_negative", "negative")


@pytest.mark.parametrize("reason", ["not_completed", "no_longer_needed", "other"])
def test_rule_3_negative_end_reason(reason: str) -> None:
    h = history(job("c1", "k1", end="2025-03-03", end_reason=reason))
    assert outcome(h, AS_OF) == ("negative_end_reason", "negative", 1.0, d("2025-03-04"))


@pytest.mark.parametrize("result", ["client", "split", None])
def test_rule_3_negative_dispute(result: str | None) -> None:
    """Decided for the client, split, or still pending: negative, dated when opened."""
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-03-03",
            paid=[("2025-02-01", 200)], feedback=("2025-03-04", 5.0, 10),
            dispute=("2025-02-20", result),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF) == ("dispute", "negative", 1.0, d("2025-02-20"))


def test_rule_3_dispute_decided_for_the_freelancer_does_not_count_against() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-03-03",
            paid=[("2025-02-01", 200)], feedback=("2025-03-04", 5.0, 10),
            dispute=("2025-02-20", "freelancer"),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF)[:2] == ("good_feedback", "success")


def test_rule_3_dispute_counts_from_the_day_it_is_opened() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", paid=[("2025-02-01", 200)],
            dispute=("2025-02-20", "client"),
        )
    )  # fmt: skip
    assert outcome(h, "2025-02-19")[:2] == ("in_progress", "excluded")
    assert outcome(h, "2025-02-20")[:2] == ("dispute", "negative")


def test_rule_3_negative_zero_earnings_with_negative_private_feedback() -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=0, stars=5.0, recommend=2))
    assert outcome(h, AS_OF) == (
        "zero_earnings_negative", "negative", 1.0, d("2025-03-04"),
    )  # fmt: skip


def test_rule_3_negative_zero_earnings_with_negative_public_feedback() -> None:
    """Help centre 38439816969875: no payment and negative feedback, public or private."""
    h = history(job("c1", "k1", end="2025-03-03", amount=0, stars=1.0, recommend=None))
    assert outcome(h, AS_OF) == ("zero_earnings_negative", "negative", 1.0, d("2025-03-04"))
    pooled = history(job("c1", "k1", end="2025-03-03", amount=0, stars=1.0, recommend=9))
    assert outcome(pooled, AS_OF, policy=read_policy("2024-09").with_privacy(3))[:2] == (
        "zero_earnings_negative", "negative",
    )  # fmt: skip


def test_rule_3_pooled_zero_earnings_reads_public_stars_whether_or_not_there_is_an_answer() -> None:
    """Under a policy whose public feedback counts only without a private answer (2021:
    ``public_feedback = "fallback"``), the faithful $0 outcome says whether the client
    answered privately; pooled, a $0 contract is decided in public, so it must not (found by
    `test_an_answer_in_a_closed_batch_counts_only_through_its_verdict`)."""
    policy = read_policy("2021")
    answered = history(job("c1", "k1", end="2023-03-01", amount=0, stars=1.0, recommend=9))
    silent = history(job("c1", "k1", end="2023-03-01", amount=0, stars=1.0, recommend=None))
    faithful = [outcome(h, "2023-04-01", policy=policy)[:2] for h in (answered, silent)]
    assert faithful == [("zero_earnings", "excluded"), ("zero_earnings_negative", "negative")]
    pooled = policy.with_privacy(3)
    seen = [outcome(h, "2023-04-01", policy=pooled)[:2] for h in (answered, silent)]
    assert seen == [("zero_earnings_negative", "negative")] * 2


def test_rule_3_negative_idle_open_contract_without_earnings() -> None:
    h = history(contract("c1", client="k1", start="2024-12-01"))
    assert outcome(h, "2025-02-28")[:2] == ("in_progress", "excluded")  # 89 days
    assert outcome(h, "2025-03-01") == ("idle_without_earnings", "negative", 1.0, d("2025-03-01"))


def test_rule_3_negative_poor_public_feedback_without_private_answer() -> None:
    h = history(job("c1", "k1", end="2025-03-03", stars=3.9, recommend=None))
    assert outcome(h, AS_OF) == ("public_negative", "negative", 1.0, d("2025-03-04"))


def test_rule_3_public_feedback_counts_beside_private_since_2023_12() -> None:
    """Before 2023-12 a private answer alone decided; since, the worse of the two decides."""
    h = history(job("c1", "k1", end="2023-03-01", stars=3.5, recommend=10))
    assert outcome(h, "2023-04-01", policy="2021")[:2] == ("good_feedback", "success")
    assert outcome(h, "2023-04-01", policy="2023-12")[:2] == ("public_negative", "negative")
    lukewarm = history(job("c1", "k1", end="2023-03-01", stars=4.2, recommend=10))
    assert outcome(lukewarm, "2023-04-01", policy="2021")[:2] == ("good_feedback", "success")
    assert outcome(lukewarm, "2023-04-01", policy="2023-12")[:2] == ("public_lukewarm", "neutral")


def test_rule_3_negative_counts_against_the_successes() -> None:
    """(3 successes - 1 negative) / 4 outcomes."""
    h = history(
        job("c1", "k1", end="2025-03-03"),
        job("c2", "k2", end="2025-03-03"),
        job("c3", "k3", end="2025-03-03"),
        job("c4", "k4", end="2025-03-03", recommend=4),
    )
    assert displayed(h, AS_OF) == 50


# --- Section 3: Excluded. ---


def test_rule_3_excluded_no_feedback_since_2020_11() -> None:
    h = history(job("c1", "k1", end="2025-03-03", feedback=False))
    assert outcome(h, AS_OF) == ("no_feedback", "excluded", 0.0, None)


def _mostly_silent(end: str) -> list[dict[str, object]]:
    """Three ended contracts, two of them without feedback: more than half are silent."""
    return [
        job("c1", "k1", end=end),
        job("c2", "k2", end=end, feedback=False),
        job("c3", "k3", end=end, feedback=False),
    ]


def test_rule_3_no_feedback_negative_when_excessive_before_2020_11() -> None:
    h = history(*_mostly_silent("2020-05-04"))
    ledger = rows(run(h, "2020-07-05", policy="2020-03"))
    assert ledger["c2"]["rule"] == ledger["c3"]["rule"] == "no_feedback_excessive"
    assert ledger["c2"]["outcome"] == "negative"
    assert ledger["c2"]["dated"] == d("2020-05-04")  # dated by the end
    assert ledger["c1"]["outcome"] == "success"
    assert displayed(h, "2020-07-05", policy="2020-03") == 0  # (1 - 2) / 3, clamped


def test_rule_3_no_feedback_not_counted_when_not_excessive_before_2020_11() -> None:
    """Exactly half without feedback is not 'an excessive number'."""
    h = history(
        job("c1", "k1", end="2020-05-04"),
        job("c2", "k2", end="2020-05-04", feedback=False),
    )
    ledger = rows(run(h, "2020-07-05", policy="2020-03"))
    assert (ledger["c2"]["rule"], ledger["c2"]["outcome"]) == ("no_feedback", "excluded")


def test_rule_3_no_feedback_excluded_retroactively_from_2020_11_08() -> None:
    """4 jobs with feedback and 5 without (excessive): 0% before 2020-11-08, 100% after."""
    h = history(
        *(job(f"c{i}", f"k{i}", end="2020-05-04") for i in range(4)),
        *(job(f"s{i}", f"q{i}", end="2020-05-04", feedback=False) for i in range(5)),
    )
    before = run(h, "2020-11-07")  # computed 2020-11-01 under 2020-03
    after = run(h, "2020-11-15")  # computed 2020-11-15 under 2020-11
    assert rows(before)["s0"]["outcome"] == "negative"
    assert rows(after)["s0"]["outcome"] == "excluded"
    assert (before.scores["policy"][0], before.scores["score"][0]) == ("2020-03", 0)
    assert (after.scores["policy"][0], after.scores["score"][0]) == ("2020-11", 100)


def test_rule_3_excluded_zero_earnings_with_positive_private_since_2020_03() -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=0, recommend=10))
    assert outcome(h, AS_OF) == ("zero_earnings", "excluded", 0.0, None)


@pytest.mark.parametrize("stars", [5.0, None])
def test_rule_3_excluded_zero_earnings_without_negative_feedback_since_2020_03(
    stars: float | None,
) -> None:
    """$0 with positive or no feedback has no impact (help centre 38439816969875)."""
    h = history(
        job(
            "c1",
            "k1",
            end="2025-03-03",
            amount=0,
            stars=stars,
            recommend=None,
            feedback=bool(stars),
        )
    )
    assert outcome(h, AS_OF)[:2] == ("zero_earnings", "excluded")


def test_rule_3_zero_earnings_counted_before_2020_03() -> None:
    h = history(job("c1", "k1", end="2019-03-04", amount=0, recommend=10))
    assert outcome(h, "2019-04-07")[:2] == ("good_feedback", "success")  # policy 2016
    assert outcome(h, "2020-03-08")[:2] == ("zero_earnings", "excluded")  # policy 2020-03


def test_rule_3_fully_refunded_contract_has_zero_earnings() -> None:
    h = history(
        ASIDE,
        contract(
            "c1", client="k1", start="2025-02-01", end="2025-03-03",
            paid=[("2025-02-10", 500), ("2025-03-01", -500)], feedback=("2025-03-04", 5.0, 9),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF)[:2] == ("zero_earnings", "excluded")


def test_rule_3_negative_zero_earnings_with_negative_private_end_reason() -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=0, end_reason="not_completed"))
    assert outcome(h, AS_OF)[1] == "negative"


def test_rule_3_excluded_flagged_client() -> None:
    """Every contract of a flagged client drops out, the harsh ones included."""
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=0),
        job("c2", "k1", end="2025-03-03", end_reason="other"),
        job("c3", "k2", end="2025-03-03"),
        actions=[action("client_flagged", "2025-03-20", client="k1", note="rates everyone 0")],
    )
    ledger = rows(run(h, AS_OF))
    assert [(ledger[c]["rule"], ledger[c]["outcome"]) for c in ("c1", "c2")] == [
        ("client_flagged", "excluded"),
        ("client_flagged", "excluded"),
    ]
    assert ledger["c3"]["outcome"] == "success"


def test_rule_3_client_flagged_marketplace_wide() -> None:
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=0),
        job("c1", "k1", end="2025-03-03", recommend=0, freelancer="f2"),
        actions=[action("client_flagged", "2025-03-20", client="k1", freelancer=None)],
    )
    scores = run(h, AS_OF, statuses=False)
    assert scores.ledger.select("freelancer", "rule").rows() == [
        ("f1", "client_flagged"),
        ("f2", "client_flagged"),
    ]


def test_rule_3_client_flagged_for_one_freelancer_only() -> None:
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=0),
        job("c1", "k1", end="2025-03-03", recommend=0, freelancer="f2"),
        actions=[action("client_flagged", "2025-03-20", client="k1", freelancer="f2")],
    )
    scores = run(h, AS_OF, statuses=False)
    assert scores.ledger.select("freelancer", "rule").rows() == [
        ("f1", "private_negative"),
        ("f2", "client_flagged"),
    ]


def test_rule_3_excluded_feedback_removed_after_an_upheld_report() -> None:
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=1),
        actions=[action("report_upheld", "2025-03-20", contract="c1", note="terms violation")],
    )
    assert outcome(h, AS_OF) == ("report_upheld", "excluded", 0.0, None)


@pytest.mark.parametrize(
    ("cause", "rule"), [("client", "paused_by_client"), ("inactivity", "private_negative")]
)
def test_rule_3_paused_because_of_the_client_does_not_count(cause: str, rule: str) -> None:
    """Announcement 87248: contracts paused due to poor client behaviour are not considered;
    a pause for inactivity changes nothing by itself."""
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=1),
        actions=[action("contract_paused", "2025-03-20", contract="c1", cause=cause)],
    )
    assert outcome(h, "2025-03-19")[0] == "private_negative"
    assert outcome(h, AS_OF)[0] == rule


def test_rule_3_excluded_upheld_appeal_even_for_a_dispute() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-06", end="2025-03-03", paid=[("2025-02-01", 200)],
            dispute=("2025-02-20", "client"),
        ),
        actions=[action("appeal_upheld", "2025-03-25", contract="c1", note="scope changed")],
    )  # fmt: skip
    assert outcome(h, "2025-03-24")[:2] == ("dispute", "negative")
    assert outcome(h, "2025-03-25") == ("appeal_upheld", "excluded", 0.0, None)


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("appeal_upheld", {"contract": "c1"}),
        ("client_flagged", {"client": "k1"}),
        ("report_upheld", {"contract": "c1"}),
    ],
)
def test_rule_3_operator_actions_apply_only_from_their_date(
    kind: str, target: dict[str, str]
) -> None:
    h = history(
        job("c1", "k1", end="2025-03-03", recommend=0),
        actions=[action(kind, "2025-03-20", **target)],
    )
    assert outcome(h, "2025-03-19")[:2] == ("private_negative", "negative")
    assert outcome(h, "2025-03-20") == (kind, "excluded", 0.0, None)


def test_rule_3_excluded_outside_every_window() -> None:
    """Feedback more than 24 months old: classified, but in no window and in no score."""
    h = history(
        job("c0", "k0", end="2023-02-01", recommend=0),
        job("c1", "k1", end="2025-03-03"),
        job("c2", "k2", end="2025-03-03"),
    )
    scores = run(h, AS_OF)
    old = rows(scores)["c0"]
    assert old["outcome"] == "negative"
    assert not any(old[f"in_{w}"] for w in ("3m", "6m", "12m", "24m"))
    assert scores.scores["score"][0] == 100
    assert rows(run(h, "2025-02-02"))["c0"]["in_24m"]  # its last day in the 24m window


def test_rule_3_excluded_while_in_progress() -> None:
    h = history(contract("c1", client="k1", start="2025-03-01", paid=[("2025-03-10", 500)]))
    assert outcome(h, AS_OF) == ("in_progress", "excluded", 0.0, None)


def test_rule_3_neutral_feedback_without_a_rating() -> None:
    # Counted whatever its end reason, so that whether it counts reveals no private answer.
    h = history(job("c1", "k1", end="2025-03-03", stars=None, recommend=None))
    name, result, weight, _ = outcome(h, AS_OF)
    assert (name, result, weight) == ("unrated_feedback", "neutral", 1.0)


def test_rule_3_contracts_starting_after_as_of_are_ignored() -> None:
    h = history(job("c1", "k1", end="2025-03-03"), job("c2", "k2", end="2025-05-03"))
    assert set(rows(run(h, AS_OF))) == {"c1"}


# --- Section 4: weights. ---


@pytest.mark.parametrize(
    ("amount", "weight"),
    [(1, 1.0), (250, 1.0), (251, 1.25), (1000, 1.25)],
)
def test_rule_4_weight_tier_up_to_1000(amount: float, weight: float) -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=amount))
    assert outcome(h, AS_OF)[2] == weight


@pytest.mark.parametrize("amount", [1000.01, 1001, 25_000])
def test_rule_4_weight_tier_over_1000(amount: float) -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=amount))
    assert outcome(h, AS_OF)[2] == 1.5


def _periodic(paid_days: list[int], *, length: int, amount: float = 100) -> dict[str, object]:
    start = "2024-01-01"
    return contract(
        "c1", client="k1", start=start, end=days(start, length), type="hourly",
        paid=[(days(start, n), amount) for n in paid_days],
        feedback=(days(start, length + 1), 5.0, 10),
    )  # fmt: skip


def test_rule_4_weight_one_per_full_90_day_period_with_a_payment() -> None:
    """180 days: periods [0, 90) and [90, 180) are full and both hold a payment."""
    h = history(ASIDE, _periodic([10, 100], length=180))
    assert outcome(h, "2024-08-01")[2] == 1.0 + 2


def test_rule_4_period_without_a_payment_adds_nothing() -> None:
    h = history(ASIDE, _periodic([10, 50], length=180))
    assert outcome(h, "2024-08-01")[2] == 1.0 + 1


def test_rule_4_period_that_is_not_full_adds_nothing() -> None:
    """179 days: the second period is not full, though it holds a payment."""
    h = history(ASIDE, _periodic([10, 100], length=179))
    assert outcome(h, "2024-08-01")[2] == 1.0 + 1


def test_rule_4_weight_capped_at_8() -> None:
    """Over $1,000 (1.5) plus eight paid periods would be 9.5: capped at 8."""
    h = history(ASIDE, _periodic([10 + 90 * k for k in range(8)], length=720, amount=500))
    assert outcome(h, "2026-01-10")[2] == 8.0
    seven = history(ASIDE, _periodic([10 + 90 * k for k in range(6)], length=540, amount=500))
    assert outcome(seven, "2025-07-10")[2] == 7.5


def test_rule_4_equal_weights_before_2020_03() -> None:
    """A $4,000 contract over 8 paid periods weighs as much as a $10 one before 2020-03."""
    start = "2017-01-01"
    h = history(
        ASIDE,
        contract(
            "c1", client="k1", start=start, end=days(start, 720), type="hourly",
            paid=[(days(start, 10 + 90 * k), 500) for k in range(8)],
            feedback=(days(start, 721), 5.0, 10),
        )
    )  # fmt: skip
    assert outcome(h, "2019-01-06")[2] == 1.0  # policy 2016
    assert outcome(h, "2019-01-06", policy="2020-03")[2] == 8.0  # replayed under 2020-03


def test_rule_4_a_lone_ended_contract_with_several_payments_is_scored() -> None:
    h = history(
        contract(
            "c1", client="k1", start="2025-01-01", end="2025-03-01",
            paid=[("2025-01-10", 100), ("2025-02-10", 100)], feedback=("2025-03-02", 5.0, 10),
        )
    )  # fmt: skip
    assert outcome(h, AS_OF) == ("good_feedback", "success", 1.0, d("2025-03-02"))


def test_rule_4_excluded_contracts_weigh_nothing() -> None:
    h = history(job("c1", "k1", end="2025-03-03", amount=5000, feedback=False))
    assert outcome(h, AS_OF)[2] == 0.0


def test_rule_4_weights_decide_the_score() -> None:
    """A $2,000 success (1.5) against a $100 negative (1): (1.5 - 1) / 2.5 = 20%."""
    h = history(
        job("c1", "k1", end="2025-03-03", amount=2000),
        job("c2", "k2", end="2025-03-03", amount=100, recommend=3),
    )
    assert displayed(h, AS_OF) == 20


def test_rule_4_open_contract_periods_count_up_to_as_of() -> None:
    """An idle open contract gains no weight once its periods hold no payment."""
    h = history(contract("c1", client="k1", start="2024-06-01", paid=[("2024-06-10", 2000)]))
    assert outcome(h, "2024-09-08")[2] == 1.5 + 1  # idle from 2024-09-08
    assert outcome(h, "2025-06-01")[2] == 1.5 + 1


def test_every_group_names_some_rule_and_operator_decisions_come_first() -> None:
    """The groups explanations read (`Rule.group`): none is empty, and the operator rulings
    privacy derives from them are the rules that override everything, first in the chain."""
    assert {r.group for r in RULES} == set(get_args(Group))
    operator = [r.name for r in RULES if r.group == "operator"]
    assert [r.name for r in RULES[: len(operator)]] == operator == list(OVERRULED)
    assert {r.name for r in RULES if r.group == "idle"} == {
        "idle_with_earnings",
        "idle_without_earnings",
    }


def test_rules_decided_in_public_are_the_chain_s_head_up_to_zero_earnings() -> None:
    """`Rule.public`: the operator rulings, disputes and $0 contracts decide before any pooled
    answer is read (never pooled), and no rule after them is flagged."""
    head = [r.name for r in RULES[: [r.name for r in RULES].index("zero_earnings") + 1]]
    assert list(DECIDED_IN_PUBLIC) == head
    assert set(OVERRULED) < set(DECIDED_IN_PUBLIC)
    assert "dispute" in DECIDED_IN_PUBLIC and "scope_change" not in DECIDED_IN_PUBLIC
