"""The command line: exact public JSON, friendly tables, one-line errors with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from histories import action, as_json, contract, job
from jobsuccess import cli_common
from jobsuccess.cli import app
from jobsuccess.policy import read_policy

runner = CliRunner(env={"NO_COLOR": "1"})


@pytest.fixture(autouse=True)
def _wide_tables() -> Iterator[None]:
    """Rich folds table cells to the console's width; these tests read whole cells."""
    saved = cli_common.out._width
    cli_common.out.width = 250
    yield
    cli_common.out._width = saved


TOP_KEYS = [
    "freelancer", "as_of", "computed_on", "policy", "score", "best", "reason", "windows",
    "evidence", "contracts", "status", "audience",
]  # fmt: skip
WINDOW_KEYS = [
    "score",
    "eligible",
    "outcomes",
    "clients",
    "success",
    "neutral",
    "negative",
    "total",
]
#: A contract's line in every audience; the operator's adds ``private_answer`` (issue 11).
CONTRACT_KEYS = [
    "id", "client", "outcome", "reason", "weight", "dated", "windows", "batch", "held", "shares",
]  # fmt: skip
STATUS_KEYS = ["top_rated", "top_rated_plus", "rising_talent"]


def _history(freelancer: str = "f1") -> dict[str, Any]:
    return as_json(
        job("c1", "k1", end="2025-03-01", freelancer=freelancer),
        job("c2", "k2", end="2025-03-02", amount=1500, freelancer=freelancer),
        job("c3", "k3", end="2025-03-03", feedback=False, freelancer=freelancer),
        contract("c4", client="k4", start="2025-03-20", freelancer=freelancer),
        actions=[action("client_flagged", "2025-03-10", client="k9", freelancer=freelancer)],
        freelancer=freelancer,
    )


def _write(tmp_path: Path, data: Any, name: str = "history.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _operator(*args: str) -> Result:
    """``score`` for the operator: the engine's whole ledger (the default is the freelancer's
    view, without private answers)."""
    return _invoke(*args, "--audience", "operator")


def test_score_json_has_exactly_the_public_shape(tmp_path: Path) -> None:
    path = _write(tmp_path, _history())
    result = _operator("score", str(path), "--as-of", "2025-04-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == TOP_KEYS
    assert data["freelancer"] == "f1"
    assert (data["as_of"], data["computed_on"], data["policy"]) == (
        "2025-04-01", "2025-04-01", "2024-09",
    )  # fmt: skip
    assert (data["score"], data["best"], data["reason"]) == (100, "trending", None)
    assert list(data["windows"]) == ["3m", "6m", "12m", "24m", "trending"]
    for w in data["windows"].values():
        assert list(w) == WINDOW_KEYS
        assert isinstance(w["eligible"], bool)
        assert isinstance(w["outcomes"], int) and isinstance(w["clients"], int)
    assert data["windows"]["24m"] == {
        "score": 100.0, "eligible": True, "outcomes": 2, "clients": 2,
        "success": 2.5, "neutral": 0.0, "negative": 0.0, "total": 2.5,
    }  # fmt: skip
    assert [c["id"] for c in data["contracts"]] == ["c1", "c2", "c3", "c4"]
    for c in data["contracts"]:
        assert list(c) == [*CONTRACT_KEYS, "private_answer"]
        assert isinstance(c["reason"], str) and c["reason"]
    by = {c["id"]: c for c in data["contracts"]}
    assert by["c2"] == {
        "id": "c2", "client": "k2", "outcome": "success",
        "reason": "completed with good feedback (5 stars)", "weight": 1.5,
        "dated": "2025-03-03", "windows": ["3m", "6m", "12m", "24m"], "batch": None,
        "held": False, "shares": {"success": 1.0, "neutral": 0.0, "negative": 0.0},
        "private_answer": {"recommend": 10, "end_reason": "completed"},
    }  # fmt: skip
    assert (by["c3"]["outcome"], by["c3"]["weight"], by["c3"]["dated"], by["c3"]["windows"]) == (
        "excluded", 0.0, None, [],
    )  # fmt: skip
    assert by["c4"]["outcome"] == "excluded"
    assert list(data["status"]) == STATUS_KEYS
    assert all(isinstance(v, bool) for v in data["status"].values())


def test_score_json_of_an_array_is_an_array(tmp_path: Path) -> None:
    path = _write(tmp_path, [_history("f1"), _history("f2")])
    result = _operator("score", str(path), "--as-of", "2025-04-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["freelancer"] for d in data] == ["f1", "f2"]
    assert all(list(d) == TOP_KEYS for d in data)


def test_score_json_without_a_score_gives_the_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, as_json(job("c1", "k1", end="2025-03-01", amount=300)))
    data = json.loads(_invoke("score", str(path), "--as-of", "2025-04-01", "--json").stdout)
    assert (data["score"], data["best"]) == (None, None)
    assert data["reason"].startswith("not enough evidence: 1 outcomes from 1 clients")
    assert data["status"]["rising_talent"] is True


def test_score_policy_option_replays(tmp_path: Path) -> None:
    path = _write(tmp_path, _history())
    result = _invoke("score", str(path), "--as-of", "2025-04-01", "--policy", "2016", "--json")
    data = json.loads(result.stdout)
    assert (data["policy"], data["computed_on"]) == ("2016", "2025-03-23")
    assert list(data["windows"]) == ["6m", "12m", "24m"]
    assert data["score"] is None  # 2016 needs 3 clients


def test_score_table_mentions_the_score(tmp_path: Path) -> None:
    path = _write(tmp_path, _history())
    result = _operator("score", str(path), "--as-of", "2025-04-01")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("f1 as of 2025-04-01 (computed 2025-04-01, policy 2024-09): ")
    assert "100% (best: trending)" in first
    for word in ("Windows", "Contracts", "trending", "c1", "c4", "completed with good feedback"):
        assert word in result.stdout


def test_score_table_without_a_score(tmp_path: Path) -> None:
    path = _write(tmp_path, as_json(job("c1", "k1", end="2025-03-01", amount=300)))
    result = _invoke("score", str(path), "--as-of", "2025-04-01")
    assert "no score: not enough evidence" in result.stdout.splitlines()[0]
    assert "Rising Talent" in result.stdout.splitlines()[0]


def _fails(result: Result, *needles: str) -> str:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"freelancer": "f1"}', "contracts"),
        (json.dumps(as_json(job("c1", "k1", end="2025-03-01")) | {"extra": 1}), "extra"),
        (
            json.dumps(as_json(contract("c1", client="k1", start="2025-01-01"))).replace(
                "2025-01-01", "2025-13-01"
            ),
            "start",
        ),
        (
            json.dumps(as_json(job("c1", "k1", end="2025-03-01", stars=7.0))),
            "stars",
        ),
    ],
)
def test_score_bad_history_exits_2_with_one_line(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    _fails(_invoke("score", str(path), "--as-of", "2025-04-01"), str(path), says)


def test_score_missing_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    _fails(_invoke("score", str(path)), str(path), "no such file")


def test_score_bad_date_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, _history())
    _fails(_invoke("score", str(path), "--as-of", "April 1st"), "--as-of", "April 1st")


def test_score_bad_policy_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, _history())
    _fails(_invoke("score", str(path), "--policy", "1999"), "no policy named '1999'")


def test_policies_lists_the_timeline() -> None:
    result = _invoke("policies")
    assert result.exit_code == 0
    for name, effective in [
        ("2015-03", "2015-03-01"), ("2016", "2016-01-01"), ("2020-03", "2020-03-01"),
        ("2020-11", "2020-11-08"), ("2021", "2021-01-01"), ("2023-12", "2023-12-10"),
        ("2024-09", "2024-09-03"),
    ]:  # fmt: skip
        line = next(ln for ln in result.stdout.splitlines() if f" {name} " in ln)
        assert effective in line
    # The opt-in policy is listed last, not in the timeline (issue 13).
    line = next(ln for ln in result.stdout.splitlines() if " jobsuccess-2026 " in ln)
    assert "opt-in" in line
    assert "daily" in result.stdout and "every 14 days" in result.stdout


@pytest.mark.parametrize("name", ["2015-03", "2020-03", "2024-09"])
def test_policies_show_lists_every_parameter(name: str) -> None:
    result = _invoke("policies", "show", name)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith(f"policy {name}: ")
    listed = {ln.split()[1] for ln in text.splitlines() if ln.startswith("│")}
    expected = {key for key, _ in read_policy(name).parameters()}
    assert expected <= listed


def test_policies_show_json_is_the_policy() -> None:
    result = _invoke("policies", "show", "2021", "--json")
    assert json.loads(result.stdout) == read_policy("2021").model_dump(mode="json")


def test_policies_show_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('extends = "2024-09"\nname = "mine"\n[idle]\ndays = 60\n', encoding="utf-8")
    data = json.loads(_invoke("policies", "show", str(path), "--json").stdout)
    assert (data["name"], data["idle"]["days"]) == ("mine", 60)


def test_policies_show_bad_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('extends = "2024-09"\n[idle]\ndays = -1\n', encoding="utf-8")
    _fails(_invoke("policies", "show", str(path)), str(path), "field idle.days")


def _harsh_client_views(*extra: str) -> tuple[dict[str, Any], dict[str, Any]]:
    path = Path(__file__).parents[1] / "examples" / "harsh-client.json"
    args = ["score", str(path), "--as-of", "2022-06-19", "--json", *extra]
    operator = runner.invoke(app, [*args, "--audience", "operator"])
    mine = runner.invoke(app, [*args, "--audience", "freelancer"])
    assert operator.exit_code == 0 and mine.exit_code == 0, mine.output
    return json.loads(operator.stdout), json.loads(mine.stdout)


def test_score_for_the_freelancer_audience_hides_private_answers() -> None:
    """The faithful replay (no pooling): the harsh client answered 2/10 privately; the
    operator's ledger says so, the freelancer's shows neither the answer nor an outcome or
    shares derived from it, and says what remains inferable."""
    operator, freelancer = _harsh_client_views()
    assert freelancer["score"] == operator["score"]
    assert any("/10" in c["reason"] for c in operator["contracts"])
    assert not any("/10" in c["reason"] for c in freelancer["contracts"])
    private = [c for c in freelancer["contracts"] if c["outcome"] == "private"]
    assert private and all(c["shares"] is None for c in private)
    assert all("can still reveal it" in c["reason"] for c in private)
    assert {c["outcome"] for c in freelancer["contracts"]} <= {
        "success",
        "neutral",
        "negative",
        "excluded",
        "private",
    }


def test_every_audience_reads_one_shape() -> None:
    """Issue 11: one view of a score; the same keys for every audience, and the private answer
    only in the operator's (absent, not null, for a freelancer)."""
    for extra in ((), ("--privacy-k", "3")):
        operator, freelancer = _harsh_client_views(*extra)
        assert list(operator) == list(freelancer) == TOP_KEYS
        assert (operator["audience"], freelancer["audience"]) == ("operator", "freelancer")
        for theirs, mine in zip(operator["contracts"], freelancer["contracts"], strict=True):
            assert list(mine) == CONTRACT_KEYS
            assert list(theirs) == [*CONTRACT_KEYS, "private_answer"]
        assert any(c["private_answer"] for c in operator["contracts"])


def test_score_with_pooling_shows_batches_only() -> None:
    """With ``--privacy-k 3`` the freelancer's view shows pooled shares, one per batch."""
    operator, freelancer = _harsh_client_views("--privacy-k", "3")
    assert freelancer["score"] == operator["score"]
    assert not any("/10" in c["reason"] for c in freelancer["contracts"])
    outcomes = {c["outcome"] for c in freelancer["contracts"]}
    assert "pooled" in outcomes and "private" not in outcomes
    pooled = [c for c in freelancer["contracts"] if c["outcome"] == "pooled"]
    by_batch: dict[int, set[str]] = {}
    for c in pooled:
        by_batch.setdefault(c["batch"], set()).add(json.dumps(c["shares"], sort_keys=True))
    assert all(len(shares) == 1 for shares in by_batch.values()), "one share per batch"


# --- issue 10: rough edges ----------------------------------------------------------------

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_an_existing_folder_as_out_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    history = str(EXAMPLES / "idle-drop.json")
    _fails(_invoke("batch", history, "--out", str(folder), "--as-of", "2024-11-20"), "is a folder")
    (folder / "notes.txt").write_text("mine")
    _fails(
        _invoke("synth", "--freelancers", "2", "--out", str(folder)),
        "holds other files (notes.txt)",
    )
    assert (folder / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2200-01-01", "9999-12-31"])
def test_dates_outside_the_supported_range_are_refused(tmp_path: Path, day: str) -> None:
    history = str(EXAMPLES / "idle-drop.json")
    _fails(_invoke("score", history, "--as-of", day), "--as-of", day, "1970-01-01..2199-12-31")
    _fails(_invoke("synth", "--out", str(tmp_path / "m"), "--as-of", day), "outside")
    # in range, but too early for the generator's years of history: one line too
    _fails(_invoke("synth", "--out", str(tmp_path / "m"), "--as-of", "1971-01-01"), "1970-01-01")


def test_a_day_that_does_not_exist_says_so(tmp_path: Path) -> None:
    history = str(EXAMPLES / "idle-drop.json")
    _fails(
        _invoke("score", history, "--as-of", "2024-02-30"),
        "the day does not exist: February 2024 has 29 days",
    )
    path = tmp_path / "h.json"
    text = json.dumps(as_json(contract("c1", client="k1", start="2024-02-03")))
    path.write_text(text.replace("2024-02-03", "2024-02-30"))
    _fails(
        _invoke("score", str(path), "--as-of", "2024-04-01"),
        "field start",
        "the day does not exist: February 2024 has 29 days",
    )


def test_a_history_from_year_one_is_refused_by_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    text = json.dumps(as_json(contract("c1", client="k1", start="2024-02-03")))
    path.write_text(text.replace("2024-02-03", "0001-01-01"))
    _fails(_invoke("score", str(path), "--as-of", "2024-04-01"), "field start", "outside")


def test_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text("  \n")
    _fails(_invoke("score", str(path)), str(path), "the file is empty")


def test_json_is_a_plain_flag_and_there_is_a_version() -> None:
    shown = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "200"}).stdout
    line = next(ln for ln in shown.splitlines() if "--json" in ln)
    assert "<bool>" not in line
    assert "table folder" in shown  # the argument takes JSON files and table folders
    version = _invoke("--version")
    assert version.exit_code == 0 and version.stdout.startswith("jobsuccess ")


def test_score_takes_a_freelancer_and_defaults_to_the_freelancer_audience(tmp_path: Path) -> None:
    path = _write(tmp_path, [_history("f1"), _history("f2")])
    result = _invoke("score", str(path), "--as-of", "2025-04-01", "--json", "--freelancer", "f2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["freelancer"] == "f2" and data["audience"] == "freelancer"
    assert all("private_answer" not in c for c in data["contracts"])
    _fails(_invoke("score", str(path), "--freelancer", "f9"), "no freelancer 'f9'")


def test_the_help_does_not_import_the_heavy_packages() -> None:
    """``jobsuccess --help`` must answer at once: no polars, engine, SQLAlchemy, FastAPI,
    plotly (the lab's page) or pyspark."""
    import subprocess
    import sys

    code = (
        "import sys, jobsuccess.cli; "
        "print(sorted(m for m in ('polars', 'sqlalchemy', 'fastapi', 'pydantic', "
        "'jobsuccess.engine', 'jobsuccess.explain', 'jobsuccess.lab.run', 'plotly', 'pyspark') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        history = str(EXAMPLES / "idle-drop.json")
        out = tmp_path / "scores.parquet"
        assert _invoke("batch", history, "--out", str(out), "--as-of", "2024-11-20").exit_code == 0
        market = tmp_path / "market"
        assert _invoke("synth", "--freelancers", "3", "--out", str(market)).exit_code == 0
        one = tmp_path / "one.json"
        args = ["synth", "--freelancers", "3", "--out", str(one), "--format", "json"]
        assert _invoke(*args).exit_code == 0
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (out, one, *market.iterdir())}
        assert set(modes.values()) == {0o644}, modes
        assert stat.S_IMODE(market.stat().st_mode) == 0o755
    finally:
        os.umask(old)


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    result = _invoke("synth", "--freelancers", "1", "--out", str(tmp_path / "m"))
    assert result.exit_code == 0 and "of 1 freelancer to" in result.stdout


def test_the_demo_reads_whole_at_80_columns() -> None:
    """Issue 10 item 5: in a pipe or at 80 columns no id, date or header is cut."""
    saved = cli_common.out._width
    cli_common.out.width = 80
    try:
        result = _invoke("demo", "--freelancers", "200")
    finally:
        cli_common.out._width = saved
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout and "..." not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    for date in ("2024-07-07", "2024-11-20"):
        assert date in result.stdout


def test_synth_has_a_fixed_documented_default_date(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["synth", "--help"], env={"COLUMNS": "200"}).stdout
    assert "default 2026-11-01" in shown
    for name in ("a.json", "b.json"):
        args = ["synth", "--freelancers", "3", "--seed", "4", "--format", "json"]
        assert _invoke(*args, "--out", str(tmp_path / name)).exit_code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_one_freelancer_of_a_market_file_is_scored_as_batch_scores_it(tmp_path: Path) -> None:
    """Under a policy that judges a vanished client from every contract of the marketplace
    (jobsuccess-2026), ``score FILE --freelancer F`` gives batch's number: the freelancer's
    own contracts alone would give another."""
    import datetime as dt

    import polars as pl

    from jobsuccess.engine import score
    from jobsuccess.io import write_tables
    from jobsuccess.policy import load_policy
    from jobsuccess.synth import marketplace

    history, book, day = marketplace(300, seed=5), load_policy("jobsuccess-2026"), "2026-11-01"
    write_tables(history, tmp_path / "market")
    out = tmp_path / "batch.parquet"
    args = ["--as-of", day, "--policy", "jobsuccess-2026"]
    assert _invoke("batch", str(tmp_path / "market"), *args, "--out", str(out)).exit_code == 0
    batch = dict(pl.read_parquet(out).select("freelancer", "score").iter_rows())
    alone = {
        f: score(history.only([f]), book, dt.date.fromisoformat(day)).scores.get_column("score")
        for f in history.freelancers[:60]
    }
    moved = [f for f, s in alone.items() if s.item() != batch[f]]
    assert moved  # the teeth: the freelancer's own clients' activity alone differs
    for f in moved[:3]:
        result = _invoke("score", str(tmp_path / "market"), "--freelancer", f, *args, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["score"] == batch[f]
