"""What-if scenarios (format, edits, attribution) and advice ranked by the engine's effect."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from explain.stories import idle_drop
from jobsuccess.engine import score
from jobsuccess.errors import InputError
from jobsuccess.explain import advise, parse_scenario, whatif
from jobsuccess.explain.frozen import freeze
from jobsuccess.explain.whatif import apply
from jobsuccess.explain_cli import load_scenario
from jobsuccess.model import History
from jobsuccess.policy import PolicyBook, shipped_policies

BOOK = PolicyBook.shipped()
AS_OF = dt.date(2024, 10, 30)


def _best(h: History, day: dt.date) -> float:
    head = score(h, BOOK, day, statuses=False).of("f1").scores.row(0, named=True)
    return 0.0 if head["best_score"] is None else head["best_score"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"events": []}, "field events"),
        ({"events": [{"type": "end_contract"}]}, "record event #1: field contract"),
        ({"events": [{"type": "explode", "contract": "c1"}]}, "record event #1: field type"),
        (
            {"events": [{"type": "payment", "contract": "c1", "amount": "lots"}]},
            "record event #1: field amount",
        ),
        (
            {"events": [{"type": "feedback", "contract": "c1", "stars": 9}]},
            "record event #1: field stars",
        ),
        (
            {"events": [{"type": "payment", "contract": "c1", "amount": 1, "tip": 2}]},
            "record event #1: field tip",
        ),
    ],
)
def test_scenario_errors_name_file_event_and_field(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as err:
        load_scenario(path)
    assert str(err.value).startswith(str(path))


def test_scenario_file_must_be_json(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{nope")
    with pytest.raises(InputError, match="not valid JSON"):
        load_scenario(path)
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "missing.json")


def test_events_are_checked_against_the_history() -> None:
    h = idle_drop()
    for event, message in [
        ({"type": "end_contract", "contract": "c1"}, "already ended"),
        ({"type": "end_contract", "contract": "zz"}, "no contract 'zz'"),
        ({"type": "add_contract", "id": "c1", "client": "k1"}, "exists already"),
        ({"type": "feedback", "contract": "c7", "stars": 5.0}, "ended contract"),
    ]:
        with pytest.raises(InputError, match=message):
            whatif(
                h,
                BOOK,
                as_of=AS_OF,
                scenario=parse_scenario({"events": [event]}),
                audience="operator",
            ).to_json()


def test_what_if_ending_the_idle_contracts_matches_the_engine() -> None:
    h = idle_drop()
    day = dt.date(2024, 11, 30)
    scenario = parse_scenario(
        {
            "events": [
                {"type": "end_contract", "contract": "c7", "date": "2024-11-01"},
                {
                    "type": "end_contract",
                    "contract": "c8",
                    "date": "2024-11-01",
                    "feedback": {"stars": 5.0},
                },
            ]
        }
    )
    result = whatif(h, BOOK, as_of=day, scenario=scenario, audience="freelancer").to_json()
    edited, _, _ = apply(h, "f1", scenario, day, BOOK, "freelancer")
    assert result["delta"] == pytest.approx(_best(edited, day) - _best(h, day), abs=1e-6)
    assert abs(math.fsum(c["effect"] for c in result["changes"]) - result["delta"]) < 0.01
    assert result["after"]["score"] > result["before"]["score"]
    assert {c["contract"] for c in result["changes"] if c["effect"]} == {"c7", "c8"}


def test_operator_may_change_the_policy_and_sees_it_attributed() -> None:
    h = idle_drop()
    scenario = parse_scenario({"events": [{"type": "policy", "policy": "2015-03"}]})
    result = whatif(h, BOOK, as_of=AS_OF, scenario=scenario, audience="operator").to_json()
    assert result["after"]["policy"] == "2015-03"
    assert abs(math.fsum(c["effect"] for c in result["changes"]) - result["delta"]) < 0.01
    assert any(c["kind"] == "policy changed" for c in result["changes"])


def test_operator_may_try_the_opt_in_policy_jobsuccess_2026() -> None:
    """Issue 13: what jobsuccess-2026 would change for one freelancer, by name."""
    h = idle_drop()
    scenario = parse_scenario({"events": [{"type": "policy", "policy": "jobsuccess-2026"}]})
    offered = shipped_policies()
    result = whatif(
        h, BOOK, as_of=AS_OF, scenario=scenario, audience="operator", policies=offered
    ).to_json()
    assert result["after"]["policy"] == "jobsuccess-2026"


def test_a_scenario_names_only_the_policies_its_caller_offers() -> None:
    """Issue 11: the what-if reads no policy file; it takes the caller's book (and the
    policies the caller offers besides), so an opt-in policy the caller left out is unknown."""
    scenario = parse_scenario({"events": [{"type": "policy", "policy": "jobsuccess-2026"}]})
    with pytest.raises(InputError, match="no policy named 'jobsuccess-2026'"):
        whatif(idle_drop(), BOOK, as_of=AS_OF, scenario=scenario, audience="operator")


def test_advice_ranks_by_the_engines_effect_and_names_the_idle_contracts() -> None:
    h = idle_drop()
    result = advise(h, BOOK, as_of=AS_OF, audience="freelancer").to_json()
    items = result["advice"]
    assert [a["contracts"] for a in items] and {c for a in items for c in a["contracts"]} == {
        "c7",
        "c8",
    }
    assert [a["effect"] for a in items] == sorted((a["effect"] for a in items), reverse=True)
    frozen = freeze(h, AS_OF)
    for a in items:
        # The same action as a what-if on the frozen history, scored by the engine.
        day = dt.date.fromisoformat(a["date"])
        scenario = parse_scenario(
            {
                "events": [
                    {"type": "end_contract", "contract": c, "date": AS_OF.isoformat()}
                    for c in a["contracts"]
                ]
            }
        )
        edited, _, _ = apply(frozen, "f1", scenario, AS_OF, BOOK, "freelancer")
        assert a["effect"] == pytest.approx(_best(edited, day) - _best(frozen, day), abs=1e-6)
        assert "against you" in a["text"]
        assert a["score_if_done"] > a["score_otherwise"]


def test_no_advice_when_nothing_is_at_risk() -> None:
    h = idle_drop()
    result = advise(h, BOOK, as_of=dt.date(2024, 8, 30), months=1, audience="freelancer").to_json()
    assert result["advice"] == [] and result["together"] is None


def test_grouped_advice_gives_each_contract_its_own_days_without_payment() -> None:
    """Issue 10 item 2: c08 went 92 days without a payment, c16 107; not 92 for both."""
    from jobsuccess.io import load

    h = load(Path(__file__).resolve().parents[2] / "examples" / "idle-drop.json")
    day = dt.date(2024, 11, 20)
    result = advise(h, BOOK, as_of=day, audience="freelancer").to_json()
    (item,) = [a for a in result["advice"] if len(a["contracts"]) == 2]
    assert "c08-site-maintenance for 92 days" in item["text"]
    assert "c16-blog-articles for 107 days" in item["text"]


@pytest.mark.parametrize("chunk_rows", [1, 3000])
def test_advice_is_the_same_however_its_risks_are_chunked(
    monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    """Risks are valued a chunk of rows at a time (`advise.CHUNK_ROWS`): one risk a chunk
    (1) or a few (3000 rows) give the advice of one chunk for all, byte for byte."""
    import sys

    import polars as pl

    from jobsuccess.explain.advise import CHUNK_ROWS
    from jobsuccess.synth import contracts_for

    day = dt.date(2026, 11, 1)
    market = contracts_for(300, seed=3, as_of=day)  # relabelled as one freelancer's
    h = History.from_frames(
        **{
            name: frame.with_columns(pl.lit("f1").alias("freelancer"))
            if name != "actions"
            else frame.with_columns(pl.when(pl.col("freelancer").is_not_null()).then(pl.lit("f1")))
            for name, frame in market.frames()
        }
    )
    whole = json.dumps(advise(h, BOOK, as_of=day).to_json(), sort_keys=True)
    assert len(json.loads(whole)["advice"]) >= 5  # several risks, so chunks can differ
    assert CHUNK_ROWS > 100_000
    monkeypatch.setattr(sys.modules["jobsuccess.explain.advise"], "CHUNK_ROWS", chunk_rows)
    assert json.dumps(advise(h, BOOK, as_of=day).to_json(), sort_keys=True) == whole


def _operator_whatif(events: list[dict[str, Any]], day: dt.date = AS_OF) -> dict[str, Any]:
    return whatif(
        idle_drop(), BOOK, as_of=day, scenario=parse_scenario(events), audience="operator"
    ).to_json()


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (float("-inf"), "finite"),
        (1e308, "less than or equal to 1000000000"),
        (-1e10, "greater than or equal to -1000000000"),
    ],
)
def test_what_if_amounts_are_bounded_like_payment_records(amount: float, says: str) -> None:
    """Issue 10 item 7: NaN made a contract long-term; records refuse it, and so do scenarios."""
    event = {"type": "payment", "contract": "c7", "amount": amount}
    with pytest.raises(InputError, match=f"record event #1: field amount: .*{says}"):
        parse_scenario({"events": [event]})
    added = {"type": "add_contract", "id": "n1", "client": "z", "payments": [{"amount": amount}]}
    with pytest.raises(InputError, match=r"field payments\.0\.amount"):
        parse_scenario([added])


def test_what_if_dates_and_text_are_bounded() -> None:
    with pytest.raises(InputError, match="field date"):
        parse_scenario([{"type": "payment", "contract": "c7", "amount": 1, "date": "0001-01-01"}])
    with pytest.raises(InputError, match="field date"):
        parse_scenario([{"type": "payment", "contract": "c7", "amount": 1, "date": 1700000000}])
    with pytest.raises(InputError, match="field description"):
        parse_scenario(
            {"description": "x" * 10_000_000, "events": [{"type": "appeal", "contract": "c2"}]}
        )


def test_a_plain_list_of_events_is_a_scenario(tmp_path: Path) -> None:
    """docs/explain.md: a scenario is a JSON list of events (or an object holding them)."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"type": "end_contract", "contract": "c7"}]))
    assert [e.type for e in load_scenario(path).events] == ["end_contract"]


def test_a_scenario_policy_is_a_name_from_the_book_never_a_file(tmp_path: Path) -> None:
    """Issue 10 item 7: no file is read, and the error does not say whether one exists."""
    secret = tmp_path / "secret.toml"
    secret.write_text('extends = "2024-09"\nname = "secret"\n')
    for spec in (str(secret), str(tmp_path / "missing.toml"), "../../etc/passwd"):
        with pytest.raises(InputError, match="field policy") as err:
            _operator_whatif([{"type": "policy", "policy": spec}])
        assert "exist" not in str(err.value) and "no such file" not in str(err.value)
    with pytest.raises(InputError, match="no policy named 'secret'"):
        _operator_whatif([{"type": "policy", "policy": "secret"}])


def test_an_event_after_the_as_of_date_is_refused_not_a_silent_zero() -> None:
    later = (AS_OF + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InputError, match="after the as-of date"):
        _operator_whatif([{"type": "payment", "contract": "c7", "amount": 100, "date": later}])
    with pytest.raises(InputError, match=r"field feedback\.date: dated"):
        _operator_whatif(
            [
                {
                    "type": "end_contract",
                    "contract": "c7",
                    "feedback": {"stars": 5.0, "date": later},
                }
            ]
        )


def test_errors_while_applying_a_scenario_name_its_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"type": "end_contract", "contract": "zz"}]))
    with pytest.raises(InputError, match="no contract 'zz'") as err:
        whatif(
            idle_drop(), BOOK, as_of=AS_OF, scenario=load_scenario(path), audience="operator"
        ).to_json()
    assert str(err.value).startswith(f"{path}: record event #1: field contract")


def test_an_empty_or_folder_scenario_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("")
    with pytest.raises(InputError, match="the file is empty"):
        load_scenario(path)
    with pytest.raises(InputError, match="is a folder"):
        load_scenario(tmp_path)
