"""Policies as data (docs/domain.md section 7): the shipped timeline, ``auto``, replays, ``extends``
files, and errors that name the file and the field."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from histories import contract, d, displayed, head, history, job, outcome, run
from jobsuccess.errors import InputError
from jobsuccess.policy import Policy, PolicyBook, load_policy, read_policy

SHIPPED = resources.files("jobsuccess") / "policies"
TIMELINE = {
    "2015-03": dt.date(2015, 3, 1),
    "2016": dt.date(2016, 1, 1),
    "2020-03": dt.date(2020, 3, 1),
    "2020-11": dt.date(2020, 11, 8),
    "2021": dt.date(2021, 1, 1),
    "2023-12": dt.date(2023, 12, 10),
    "2024-09": dt.date(2024, 9, 3),
}
META = ("name", "effective", "title", "basis", "timeline")


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key not in ("months", "large_contract_min_by_category"):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- The shipped policies. ---


def test_rule_7_timeline_has_one_policy_per_row() -> None:
    book = PolicyBook.shipped()
    assert {p.name: p.effective for p in book} == TIMELINE
    assert [p.name for p in book] == list(TIMELINE)  # oldest first


@pytest.mark.parametrize("name", list(TIMELINE))
def test_every_shipped_policy_loads_and_lists_every_parameter(name: str) -> None:
    """The file states every parameter (no hidden default), and ``parameters()`` lists each."""
    policy = read_policy(name)
    listed = dict(policy.parameters())
    assert listed == _flat(policy.model_dump(mode="json"))
    written = tomllib.loads((SHIPPED / f"{name}.toml").read_text(encoding="utf-8"))
    written_keys = set(_flat(written))
    assert written_keys == set(listed)
    sections = [f for f in Policy.model_fields if f not in META]
    assert {k.split(".")[0] for k in listed} - set(META) == set(sections)
    assert policy.basis  # says what is official and what is reconstruction


@pytest.mark.parametrize(
    ("older", "newer", "changed"),
    [
        ("2015-03", "2016", {"feedback_removal.perk"}),
        (
            "2016", "2020-03",
            {"outcomes.zero_earnings", "weights.tiers", "weights.per_period", "weights.max"},
        ),
        (
            "2020-03", "2020-11",
            {"outcomes.no_feedback", "eligibility.min_clients", "eligibility.min_outcomes"},
        ),
        ("2020-11", "2021", {"windows.months", "windows.trending", "windows.candidates"}),
        (
            "2021", "2023-12",
            {"outcomes.public_feedback", "eligibility.min_outcomes", "cadence.anchor"},
        ),
        ("2023-12", "2024-09", {"feedback_removal.perk", "cadence.every_days", "cadence.anchor"}),
    ],
)  # fmt: skip
def test_rule_7_each_policy_changes_only_its_row_of_the_timeline(
    older: str, newer: str, changed: set[str]
) -> None:
    a, b = dict(read_policy(older).parameters()), dict(read_policy(newer).parameters())
    assert {k for k in a if a[k] != b[k] and k not in META} == changed


def test_rule_7_parameters_of_each_era() -> None:
    p = {name: read_policy(name) for name in TIMELINE}
    assert p["2015-03"].eligibility.min_clients == 3
    assert p["2015-03"].outcomes.no_feedback == "negative_when_excessive"
    assert p["2015-03"].outcomes.public_feedback == "fallback"  # private feedback dominant
    assert [n for n in TIMELINE if p[n].feedback_removal.perk] == [
        "2016", "2020-03", "2020-11", "2021", "2023-12",
    ]  # fmt: skip
    assert [(t.up_to, t.weight) for t in p["2020-03"].weights.tiers] == [
        (250.0, 1.0), (1000.0, 1.25), (None, 1.5),
    ]  # fmt: skip
    assert (p["2020-03"].weights.per_period, p["2020-03"].weights.max) == (1.0, 8.0)
    assert p["2020-11"].outcomes.no_feedback == "exclude"
    assert (p["2020-11"].eligibility.min_clients, p["2020-11"].eligibility.min_outcomes) == (2, 4)
    assert p["2021"].windows.trending == ("6m", "3m")
    assert p["2023-12"].outcomes.public_feedback == "both"
    assert (p["2023-12"].eligibility.min_clients, p["2023-12"].eligibility.min_outcomes) == (2, 2)
    assert [n for n in TIMELINE if p[n].cadence.every_days == 1] == ["2024-09"]
    assert all(p[n].cadence.every_days == 14 for n in list(TIMELINE)[:-1])
    assert {p[n].cadence.anchor for n in list(TIMELINE)[:-2]} == {dt.date(2015, 3, 8)}
    assert p["2023-12"].cadence.anchor == dt.date(2023, 12, 10)


# --- auto picks the policy in force; a name replays one policy over any history. ---


@pytest.mark.parametrize(
    ("as_of", "computed_on", "policy"),
    [
        ("2015-06-10", "2015-05-31", "2015-03"),
        ("2015-06-28", "2015-06-28", "2015-03"),  # an update users reported
        ("2015-07-12", "2015-07-12", "2015-03"),  # another one
        ("2016-01-01", "2015-12-27", "2015-03"),  # 2016-01-01 is not a computation date
        ("2016-06-10", "2016-05-29", "2016"),
        ("2020-02-29", "2020-02-16", "2016"),
        ("2020-03-01", "2020-03-01", "2020-03"),  # on the cadence: its first computation
        ("2020-11-07", "2020-10-25", "2020-03"),
        ("2020-11-08", "2020-11-08", "2020-11"),  # the release note's date
        ("2020-11-15", "2020-11-08", "2020-11"),
        ("2021-01-10", "2021-01-03", "2021"),
        ("2023-12-09", "2023-12-03", "2021"),
        ("2023-12-10", "2023-12-10", "2023-12"),  # the day the 2023-12 change showed
        ("2024-09-02", "2024-09-01", "2023-12"),
        ("2024-09-03", "2024-09-03", "2024-09"),
        ("2026-02-17", "2026-02-17", "2024-09"),
    ],
)
def test_rule_7_auto_picks_the_policy_in_force(as_of: str, computed_on: str, policy: str) -> None:
    h = history(job("c1", "k1", end="2015-03-02"))
    top = head(run(h, as_of, statuses=False))
    assert (top["computed_on"], top["policy"]) == (d(computed_on), policy)


def test_rule_7_policy_name_replays_one_policy_over_any_history() -> None:
    """2019 scored under today's rules, and 2025 under the first ones."""
    old = history(
        job("c1", "k1", end="2019-05-01", amount=5000),
        job("c2", "k2", end="2019-05-01", feedback=False),
        job("c3", "k3", end="2019-05-01"),
    )
    top = head(run(old, "2019-06-05", policy="2024-09", statuses=False))  # a Wednesday
    assert (top["policy"], top["computed_on"], top["score"]) == ("2024-09", d("2019-06-05"), 100)
    assert outcome(old, "2019-06-05", "c1", policy="2024-09")[2] == 1.5  # weighted
    assert outcome(old, "2019-06-05", "c2", policy="2024-09")[1] == "excluded"
    assert outcome(old, "2019-06-05", "c1")[2] == 1.0  # 2016: equal weights
    assert outcome(old, "2019-06-05", "c2")[1] == "excluded"  # 2016: 1 of 3 is not excessive

    new = history(
        job("c1", "k1", end="2025-03-01"),
        job("c2", "k2", end="2025-03-01"),
        job("c3", "k3", end="2025-03-01", feedback=False),
        job("c4", "k4", end="2025-03-01", feedback=False),
        job("c5", "k5", end="2025-03-01", feedback=False),
    )
    assert displayed(new, "2025-04-02") == 100  # no-feedback contracts excluded
    replay = head(run(new, "2025-04-02", policy="2015-03", statuses=False))
    assert (replay["policy"], replay["computed_on"]) == ("2015-03", d("2025-03-23"))
    assert replay["score"] == 0  # (2 - 3) / 5: 3 of 5 without feedback is excessive


def test_rule_7_load_policy_auto_is_the_timeline() -> None:
    book = load_policy("auto")
    assert [p.name for p in book] == list(TIMELINE)
    single = load_policy("2021")
    assert [p.name for p in single] == ["2021"]
    assert single.in_force(dt.date(2001, 1, 1)).name == "2021"


def test_rule_7_unknown_policy_name() -> None:
    with pytest.raises(InputError, match=r"no policy named 'nope'; known: 2015-03, 2016"):
        load_policy("nope")


# --- Policy files: complete, or extends. ---


def _write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_changes_only_what_it_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'extends = "2024-09"\nname = "patient"\ntitle = "idle after 180 days"\n'
        "[idle]\ndays = 180\n",
    )
    mine = read_policy(str(path))
    base = read_policy("2024-09")
    changed = {k for k, v in mine.parameters() if dict(base.parameters())[k] != v}
    assert changed == {"name", "title", "idle.days"}
    assert mine.idle.enabled is True  # the rest of the section is inherited


def test_extends_policy_file_drives_the_engine(tmp_path: Path) -> None:
    """An idle contract counts after 90 days under 2024-09, after 180 under the file."""
    path = _write(tmp_path, 'extends = "2024-09"\nname = "patient"\n[idle]\ndays = 180\n')
    h = history(
        job("c1", "k1", end="2025-03-01"),
        job("c2", "k2", end="2025-03-01"),
        contract("c3", client="k3", start="2024-12-01", paid=[("2024-12-10", 500)]),
    )
    assert outcome(h, "2025-04-01", "c3", policy="2024-09")[1] == "neutral"
    book = load_policy(str(path))
    assert [p.name for p in book] == ["patient"]
    top = head(run(h, "2025-04-01", policy=book.policies[0], statuses=False))
    assert (top["policy"], top["score"]) == ("patient", 100)


def test_extends_rounding_floor(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'extends = "2024-09"\nname = "floor"\n[windows]\nrounding = "floor"\n[privacy]\nk = 1\n',
    )
    h = history(
        *(job(f"c{i}", f"k{i}", end="2025-03-01") for i in range(7)),
        job("c7", "k7", end="2025-03-01", recommend=7),
    )
    assert displayed(h, "2025-04-01", policy="2024-09") == 88
    assert displayed(h, "2025-04-01", policy=read_policy(str(path))) == 87


def test_complete_policy_file(tmp_path: Path) -> None:
    text = (
        (SHIPPED / "2021.toml")
        .read_text(encoding="utf-8")
        .replace('name = "2021"', 'name = "copy"')
    )
    path = _write(tmp_path, text)
    copy = read_policy(str(path))
    assert copy.name == "copy"
    assert copy.model_dump(exclude={"name"}) == read_policy("2021").model_dump(exclude={"name"})


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('extends = "2024-09"\n[idle]\nday = 30\n', "idle.day"),
        ('extends = "2024-09"\n[idle]\ndays = "thirty"\n', "idle.days"),
        ('extends = "2024-09"\n[outcomes]\nsuccess_recommend_min = 11\n',
         "outcomes.success_recommend_min"),
        ('extends = "2024-09"\n[outcomes]\npublic_feedback = "sometimes"\n',
         "outcomes.public_feedback"),
        ('extends = "2024-09"\n[cadence]\nevery_days = 0\n', "cadence.every_days"),
        ('extends = "2024-09"\n[weights]\ntiers = [{ up_to = 500.0, weight = 1.0 }, '
         '{ up_to = 100.0, weight = 2.0 }, { weight = 3.0 }]\n', "weights"),
        ('extends = "2021"\n[windows]\ncandidates = ["1m"]\n', "windows.candidates"),
        ('extends = "2020-11"\n[windows]\ncandidates = ["trending"]\n', "windows"),
        ('name = "bare"\n', "effective"),
    ],
)  # fmt: skip
def test_bad_policy_file_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = _write(tmp_path, text, "bad.toml")
    with pytest.raises(InputError) as info:
        read_policy(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: field {field}")
    assert "\n" not in message


def test_policy_file_not_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, "name = \n", "broken.toml")
    with pytest.raises(InputError, match=r"broken\.toml: not valid TOML"):
        read_policy(str(path))


def test_policy_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.toml: no such policy file"):
        load_policy(str(tmp_path / "missing.toml"))


def test_policy_file_extends_an_unknown_policy(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "1999"\n')
    with pytest.raises(InputError, match=r"no policy named '1999'"):
        read_policy(str(path))
