"""The appeals store: the audit the database keeps, the review time in business days, the
rules every caller (API, CLI) goes through; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from jobsuccess.errors import InputError
from jobsuccess.store import Database, ledger
from jobsuccess.store.appeals import (
    Actor,
    AppealConflict,
    AppealForbidden,
    Filing,
    Ruling,
    aged,
    audit,
    decide,
    due_on,
    file,
    queue,
    review,
    review_days,
    withdraw,
)
from jobsuccess.store.db import downgrade, upgrade
from jobsuccess.store.keys import create_key
from jobsuccess.store.schema import appeal_events, appeals
from store.records import contract

FREELANCER = Actor("f1key", "freelancer", "f1")
OPERATOR = Actor("opkey", "operator")
REVIEWER = Actor("revkey", "operator", reviewer=True)
FILING = Filing(contract="k1", category="client_unresponsive", text="The client vanished.")
MONDAY = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def one(db: Database) -> str:
    """A stored contract k1 of f1 with an appeal on it, in review."""
    ledger.append(db, [contract("c1")])
    appeal = file(db, FREELANCER, "f1", FILING, now=MONDAY)
    review(db, OPERATOR, appeal.id, now=MONDAY + dt.timedelta(hours=1))
    return appeal.id


def test_the_database_refuses_to_edit_or_delete_the_audit(db: Database, one: str) -> None:
    decide(db, REVIEWER, one, Ruling(decision="denied", reason="no evidence"), now=MONDAY)
    before = [(e.from_state, e.to_state, e.why) for e in audit(db, OPERATOR, one)]
    assert before == [(None, "filed", None), ("filed", "in_review", None),
                      ("in_review", "denied", "no evidence")]  # fmt: skip
    attempts = [
        "UPDATE appeal_events SET why = 'rewritten'",
        "UPDATE appeal_events SET to_state = 'upheld' WHERE to_state = 'denied'",
        "DELETE FROM appeal_events",
        "DELETE FROM appeals",
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"), db.write() as conn:
            conn.execute(text(statement))
    after = [(e.from_state, e.to_state, e.why) for e in audit(db, OPERATOR, one)]
    assert after == before
    with db.read() as conn:
        assert conn.execute(select(appeals.c.state)).scalar_one() == "denied"
    # appending stays possible: it is how every transition is recorded
    with db.write() as conn:
        conn.execute(
            insert(appeal_events).values(appeal=one, at=MONDAY, who="x", role="operator",
                                         from_state="denied", to_state="denied", why="note")
        )  # fmt: skip
    assert len(audit(db, OPERATOR, one)) == 4


def test_the_guards_go_with_a_downgrade(db: Database, one: str) -> None:
    downgrade(db, "0004")
    with db.read() as conn:
        assert not conn.execute(
            text(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger'"
                if db.dialect == "sqlite"
                else "SELECT 1 FROM information_schema.triggers "
                "WHERE event_object_table = 'appeal_events' AND trigger_schema = current_schema()"
            )
        ).first()
    upgrade(db)
    file(db, FREELANCER, "f1", FILING)  # row triggers: a table with a row to refuse
    with pytest.raises(DBAPIError, match="append-only"), db.write() as conn:
        conn.execute(text("DELETE FROM appeal_events"))


def test_only_reviewers_decide(db: Database, one: str) -> None:
    ruling = Ruling(decision="upheld", reason="shown")
    for who in (OPERATOR, FREELANCER, Actor("c", "client"), Actor("f", "freelancer", "f1", True)):
        with pytest.raises(AppealForbidden):
            decide(db, who, one, ruling)
    with pytest.raises(AppealForbidden):
        review(db, FREELANCER, one)
    with pytest.raises(AppealForbidden):
        queue(db, FREELANCER, as_of=MONDAY.date(), days=7)
    assert decide(db, REVIEWER, one, ruling, now=MONDAY).state == "upheld"
    with pytest.raises(AppealConflict, match="was upheld"):
        file(db, FREELANCER, "f1", FILING)
    with pytest.raises(AppealConflict, match="upheld"):
        withdraw(db, FREELANCER, one)


def test_a_reviewer_key_is_an_operator_key(db: Database) -> None:
    _, key = create_key(db, "operator", reviewer=True)
    assert key.reviewer and key.role == "operator"
    with pytest.raises(InputError, match="only an operator key"):
        create_key(db, "freelancer", "f1", reviewer=True)
    _, plain = create_key(db, "operator")
    assert not plain.reviewer


def test_two_decisions_at_once_one_wins(db: Database, one: str) -> None:
    """Compare and set: a decision on a state that moved meanwhile is refused."""
    decide(db, REVIEWER, one, Ruling(decision="denied", reason="first"), now=MONDAY)
    with pytest.raises(AppealConflict, match="denied"):
        decide(db, REVIEWER, one, Ruling(decision="upheld", reason="second"), now=MONDAY)
    actions = ledger.history(db).actions.get_column("type").to_list()
    assert actions == []  # a denied appeal's appeal_rejected is for the record, not the engine
    assert [e.to_state for e in audit(db, OPERATOR, one)][-1] == "denied"


# --- the review time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filed, days, due",
    [
        ("2026-11-02", 7, "2026-11-11"),  # Monday + 7 business days: the Wednesday after next
        ("2026-11-06", 1, "2026-11-09"),  # Friday + 1: Monday
        ("2026-11-07", 1, "2026-11-10"),  # Saturday: counted from Monday
        ("2026-11-02", 5, "2026-11-09"),
    ],
)
def test_the_due_day_counts_business_days(filed: str, days: int, due: str) -> None:
    assert due_on(dt.date.fromisoformat(filed), days) == dt.date.fromisoformat(due)


def test_overdue_is_computed_against_the_review_time(db: Database) -> None:
    ledger.append(db, [contract("c1"), contract("c2", c="k2"), contract("c3", c="k3")])
    made = {
        name: file(db, FREELANCER, "f1", FILING.model_copy(update={"contract": c}), now=at)
        for name, c, at in [
            ("old", "k1", MONDAY),
            ("mid", "k2", MONDAY + dt.timedelta(days=2)),
            ("new", "k3", MONDAY + dt.timedelta(days=9)),
        ]
    }
    wednesday_after_next = dt.date(2026, 11, 11)  # "old" is due that day: not overdue yet
    on_time = queue(db, OPERATOR, as_of=wednesday_after_next, days=7)
    assert [(q.appeal.id, q.overdue) for q in on_time] == [
        (made["old"].id, False), (made["mid"].id, False), (made["new"].id, False)
    ]  # fmt: skip
    thursday = dt.date(2026, 11, 12)
    listed = {q.appeal.id: q for q in queue(db, OPERATOR, as_of=thursday, days=7)}
    assert listed[made["old"].id].overdue and not listed[made["mid"].id].overdue
    old = listed[made["old"].id]
    assert (old.age_days, old.business_days, old.due_on) == (10, 8, dt.date(2026, 11, 11))
    over = queue(db, OPERATOR, as_of=thursday, days=7, overdue=True)
    assert [q.appeal.id for q in over] == [made["old"].id]
    fine = queue(db, OPERATOR, as_of=thursday, days=7, overdue=False)
    assert [q.appeal.id for q in fine] == [made["mid"].id, made["new"].id]
    # a shorter review time makes more of them overdue; the filter agrees with the flag
    for days in (1, 2, 3, 5, 7, 10):
        for as_of in (thursday + dt.timedelta(days=d) for d in range(-9, 9)):
            flagged = {q.appeal.id for q in queue(db, OPERATOR, as_of=as_of, days=days)
                       if q.overdue}  # fmt: skip
            filtered = {q.appeal.id for q in queue(db, OPERATOR, as_of=as_of, days=days,
                                                   overdue=True)}  # fmt: skip
            assert flagged == filtered, (days, as_of)
    # closed ones are never overdue
    withdraw(db, FREELANCER, made["old"].id)
    assert queue(db, OPERATOR, as_of=thursday, days=7, overdue=True) == []
    closed = queue(db, OPERATOR, as_of=thursday, days=7, states=("withdrawn",))
    assert [(q.appeal.id, q.overdue) for q in closed] == [(made["old"].id, False)]
    assert not aged(closed[0].appeal, thursday + dt.timedelta(days=99), 1).overdue


def test_the_review_time_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBSUCCESS_APPEAL_REVIEW_DAYS", raising=False)
    assert review_days() == 7
    monkeypatch.setenv("JOBSUCCESS_APPEAL_REVIEW_DAYS", "3")
    assert review_days() == 3 and review_days(10) == 10
    monkeypatch.setenv("JOBSUCCESS_APPEAL_REVIEW_DAYS", "soon")
    with pytest.raises(InputError, match="JOBSUCCESS_APPEAL_REVIEW_DAYS"):
        review_days()
    with pytest.raises(InputError, match="1 to 365"):
        review_days(0)


def test_the_documented_categories_are_the_store_s() -> None:
    """docs/appeals.md and the command's help name the exact categories the store takes."""
    from jobsuccess.service import appeals_cli
    from jobsuccess.store.appeals import Category

    doc = (Path(__file__).resolve().parents[2] / "docs" / "appeals.md").read_text()
    line = next(x for x in doc.splitlines() if x.startswith("**Categories**"))
    follow = doc[doc.index(line) :].split("\n\n")[0]
    assert sorted(follow.replace("\n", " ").split("`")[1::2]) == sorted(
        ["category", *get_args(Category)]
    )
    helped = inspect.getsource(appeals_cli.file_command)
    assert all(c in helped for c in get_args(Category))
