"""``jobsuccess appeals ...`` against a store, and ``keys create --reviewer``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jobsuccess.cli import app
from jobsuccess.store import ledger, open_database
from store.records import contract

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _key(db_url: str, *args: str) -> str:
    code, stdout, stderr = _run("keys", "create", *args, "--db", db_url)
    assert code == 0, stderr
    return stdout.strip().split("_")[1]


def test_the_workflow_from_the_command_line(db_url: str) -> None:
    db = open_database(db_url)
    ledger.append(db, [contract("c1")])
    db.dispose()
    reviewer = _key(db_url, "--role", "operator", "--reviewer")
    operator = _key(db_url, "--role", "operator")
    mine = _key(db_url, "--role", "freelancer", "--freelancer", "f1")
    code, listed, _ = _run("keys", "list", "--db", db_url)
    assert listed.count("(reviewer)") == 1
    code, _, stderr = _run("keys", "create", "--role", "client", "--reviewer", "--db", db_url)
    assert code == 2 and "only an operator key can be a reviewer" in stderr

    code, out, stderr = _run("appeals", "file", "f1", "k1", "--category", "scope_changed",
                             "--text", "The scope doubled.", "--evidence", "https://e.com/1",
                             "--by", mine, "--db", db_url, "--json")  # fmt: skip
    assert code == 0, stderr
    appeal = json.loads(out)
    aid = appeal["id"]
    assert (appeal["state"], appeal["evidence"]) == ("filed", ["https://e.com/1"])
    code, out, _ = _run("appeals", "queue", "--db", db_url, "--json", "--review-days", "3")
    queued = json.loads(out)
    assert queued["review_days"] == 3 and [a["id"] for a in queued["appeals"]] == [aid]

    code, _, stderr = _run("appeals", "review", aid, "--by", mine, "--db", db_url)
    assert code == 2 and "operator key" in stderr
    assert _run("appeals", "review", aid, "--by", operator, "--db", db_url)[0] == 0
    decide = ["appeals", "decide", aid, "--decision", "upheld", "--db", db_url]
    code, _, stderr = _run(*decide, "--reason", "ok", "--by", operator)
    assert code == 2 and "reviewer key" in stderr
    code, _, stderr = _run(*decide, "--reason", " ", "--by", reviewer)
    assert code == 2 and "--reason" in stderr
    code, _, stderr = _run(*decide, "--reason", "ok", "--by", "ffffffffffff")
    assert code == 2 and "no key with prefix" in stderr
    code, out, stderr = _run(*decide, "--reason", "The messages show it.", "--by", reviewer)
    assert code == 0 and "upheld on" in out, stderr

    code, out, _ = _run("appeals", "audit", aid, "--db", db_url, "--json")
    events = json.loads(out)["events"]
    assert [(e["who"], e["role"], e["to_state"]) for e in events] == [
        (mine, "freelancer", "filed"), (operator, "operator", "in_review"),
        (reviewer, "reviewer", "upheld"),
    ]  # fmt: skip
    code, out, _ = _run("appeals", "list", "f1", "--db", db_url, "--json")
    assert json.loads(out)["appeals"][0]["decision"]["reason"] == "The messages show it."
    code, out, _ = _run("appeals", "list", "f1", "--db", db_url)
    assert aid[:8] in out and "upheld" in out
    db = open_database(db_url)
    assert ledger.history(db).actions.get_column("type").to_list() == ["appeal_upheld"]
    db.dispose()

    code, _, stderr = _run("appeals", "withdraw", aid, "--by", mine, "--db", db_url)
    assert code == 2 and "upheld" in stderr
    code, _, stderr = _run("appeals", "file", "f1", "k1", "--category", "nope", "--text", "x",
                           "--by", mine, "--db", db_url)  # fmt: skip
    assert code == 2 and "--category" in stderr
    code, _, stderr = _run("appeals", "queue", "--state", "lost", "--db", db_url)
    assert code == 2 and "--state" in stderr
