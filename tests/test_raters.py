"""Harsh raters found from the population (issue 13 item 2; docs/rules.md, "Harsh raters")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from histories import action, as_json, history, job
from jobsuccess.cli import app
from jobsuccess.raters import false_positive_rate, raters
from jobsuccess.synth import DEFAULT_AS_OF, planted_marketplace

ON = dt.date(2025, 12, 1)


def _market(harsh_stars: float = 3.0, harsh_recommend: int = 2) -> list[dict[str, object]]:
    """Eight freelancers; each has three ordinary clients, and ``kh`` and ``kn`` hired them all.
    ``kh`` rates them below their other clients; ``kn`` like them."""
    rows = []
    for i in range(8):
        f = f"f{i}"
        for j in range(3):
            rows.append(job(f"{f}-o{j}", f"k{i}-{j}", end=f"2025-0{j + 2}-10", freelancer=f))
        rows.append(
            job(f"{f}-h", "kh", end="2025-06-10", stars=harsh_stars, recommend=harsh_recommend,
                freelancer=f)
        )  # fmt: skip
        rows.append(job(f"{f}-n", "kn", end="2025-07-10", stars=5.0, recommend=10, freelancer=f))
    return rows


def test_raters_proposes_the_client_who_rates_everyone_below_their_other_clients() -> None:
    found = raters(history(*_market()), ON, min_freelancers=5)
    by = {r["client"]: r for r in found.clients.iter_rows(named=True)}
    assert set(by) == {"kh", "kn"}  # the ordinary clients rated one freelancer each
    assert by["kh"]["proposed"] and not by["kn"]["proposed"]
    assert by["kh"]["stars_mean"] == 3.0 and by["kh"]["stars_others"] > 4.9
    (top,) = found.to_json()["proposals"]
    assert top["client"] == "kh" and top["rank"] == 1 and top["freelancers"] == 8
    assert top["note"] and "2" not in top["note"].replace("jobsuccess", "")  # no private number


def test_raters_shrinks_small_counts() -> None:
    """The same harsh ratings from fewer freelancers: a smaller, shrunk gap."""
    few = raters(history(*[r for r in _market() if r["freelancer"] in ("f0", "f1", "f2")]), ON,
                 min_freelancers=2)  # fmt: skip
    many = raters(history(*_market()), ON)
    gap = {
        name: dict(zip(r.clients["client"], r.clients["stars_gap"], strict=True))["kh"]
        for name, r in (("few", few), ("many", many))
    }
    assert gap["many"] < gap["few"] < 0


def test_raters_needs_a_baseline_and_min_freelancers() -> None:
    lone = history(*(job(f"f{i}-h", "kh", end="2025-06-10", stars=1.0, freelancer=f"f{i}")
                     for i in range(8)))  # fmt: skip
    assert raters(lone, ON).clients.is_empty()  # nobody has another client to compare with
    assert raters(history(*_market()), ON, min_freelancers=9).clients.is_empty()


def test_raters_shows_the_freelancers_feedback_on_the_client_and_flags() -> None:
    rows = _market()
    h = history(*rows)
    h = h.with_frame(
        "contracts",
        h.contracts.with_columns(
            client_feedback=pl.when(pl.col("client") == "kh").then(1.5).otherwise(4.8)
        ),
    )
    flagged = history(*rows, actions=[action("client_flagged", "2025-11-01", client="kh",
                                             freelancer=None)])  # fmt: skip
    h = h.with_frame("actions", flagged.actions)
    (top,) = raters(h, ON).to_json()["proposals"]
    assert top["client_feedback"]["mean"] == 1.5 and top["client_feedback"]["count"] == 8
    assert top["client_feedback"]["market_mean"] < 4.8 and top["flagged"]


def test_raters_on_planted_markets_finds_the_harsh_clients_with_few_false_positives() -> None:
    market, planted = planted_marketplace(3000, seed=4)
    found = raters(market, DEFAULT_AS_OF).proposals.get_column("client").to_list()
    hits = [c for c in found if c in planted.harsh_clients]
    assert len(hits) >= 0.7 * len(found) and hits
    rate = false_positive_rate(seeds=(5,), freelancers=3000)
    assert rate["rate"] is not None and rate["rate"] < 0.01
    assert rate["recall"] is not None and rate["recall"] > 0.5


def test_raters_command_json_and_table(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    docs = [as_json(*_market(), freelancer=f"f{i}") for i in range(8)]
    path.write_text(json.dumps(docs))
    runner = CliRunner()
    result = runner.invoke(app, ["raters", str(path), "--as-of", str(ON), "--json", "--no-measure"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "as_of", "method", "min_freelancers", "clients_evaluated", "false_positive_rate",
        "proposals",
    }  # fmt: skip
    assert [p["client"] for p in report["proposals"]] == ["kh"]
    assert report["false_positive_rate"] is None
    table = runner.invoke(app, ["raters", str(path), "--as-of", str(ON)])
    assert table.exit_code == 0 and "kh" in table.stdout and "false-positive rate" in table.stdout
