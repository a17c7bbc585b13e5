"""The explain commands on the command line, and the self-contained HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from explain.stories import idle_drop_json
from jobsuccess import cli
from jobsuccess.explain_cli import register
from jobsuccess.plot import plotly_js

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("score")(cli.score_command)  # a group needs two commands to take names
    register(app)
    return app


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "idle-drop.json"
    path.write_text(json.dumps(idle_drop_json()))
    return path


def _json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict), data
    return data


def test_explain_json_has_the_promised_shape(app: typer.Typer, story: Path) -> None:
    data = _json(app, "explain", str(story), "--from", "2024-11-10", "--to", "2024-11-30")
    assert {"from", "to", "delta", "changes"} <= set(data)
    assert data["audience"] == "freelancer"
    assert abs(sum(c["effect"] for c in data["changes"]) - data["delta"]) < 0.01


def test_explain_table(app: typer.Typer, story: Path) -> None:
    result = runner.invoke(
        app,
        [
            "explain",
            str(story),
            "--from",
            "2024-11-10",
            "--to",
            "2024-11-30",
            "--audience",
            "operator",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "became idle" in result.output and "c7" in result.output


def test_forecast_advise_whatif(app: typer.Typer, story: Path, tmp_path: Path) -> None:
    data = _json(app, "forecast", str(story), "--as-of", "2024-10-28", "--months", "2")
    assert data["changes"][0]["date"] == "2024-11-18"
    advice = _json(app, "advise", str(story), "--as-of", "2024-10-30")
    assert advice["advice"]
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"events": [{"type": "end_contract", "contract": "c7"}]}))
    what = _json(app, "whatif", str(story), "--scenario", str(scenario), "--as-of", "2024-11-30")
    assert what["after"]["score"] >= what["before"]["score"]
    for command in (
        ["forecast", str(story), "--as-of", "2024-10-28"],
        ["advise", str(story), "--as-of", "2024-10-30"],
        ["whatif", str(story), "--scenario", str(scenario), "--as-of", "2024-11-30"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audience", "public"], "--audience"),
        (["--from", "yesterday"], "--from"),
        (["--from", "2024-12-31"], "2024-12-31 is after --to 2024-11-30"),
        (["--to", "0001-01-01"], "outside the supported dates"),
    ],
)
def test_bad_options_are_one_line_errors(
    app: typer.Typer, story: Path, args: list[str], message: str
) -> None:
    base = ["explain", str(story), "--from", "2024-11-10", "--to", "2024-11-30"]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code == 2
    assert message in result.output


def test_freelancer_refused_operator_scenario(
    app: typer.Typer, story: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"events": [{"type": "flag_client", "client": "k3"}]}))
    result = runner.invoke(app, ["whatif", str(story), "--scenario", str(scenario)])
    assert result.exit_code == 2 and "operator" in result.output


def test_report_is_one_self_contained_page(app: typer.Typer, story: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(story), "--as-of", "2024-11-30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # one script, plotly's own file inline: nothing is loaded from the network
    assert plotly_js()[:2000] in page and page.count(plotly_js()[:2000]) == 1
    ours = page.replace(plotly_js(), "")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|(src|href)=\"https?:", ours)
    assert "c7" in page and "became idle" in page and "Forecast" in page
    traces = _traces(page)
    assert [t["name"] for t in traces] == ["computed", "forecast"]
    assert all(t["line"]["shape"] == "hv" for t in traces)  # steps, not diagonals
    assert traces[1]["x"][0] == traces[0]["x"][-1]  # the forecast starts where the past ends
    assert any("became idle" in why for why in traces[0]["customdata"])  # hover: the cause


def _traces(page: str) -> list[dict[str, Any]]:
    """The chart's traces, as the page hands them to plotly."""
    start = page.index('Plotly.newPlot(                        "score-chart",')
    data = page[page.index("[", start) :]
    return list(json.JSONDecoder().raw_decode(data)[0])


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "idle-drop.json"


@pytest.mark.skipif(not EXAMPLE.exists(), reason="examples/idle-drop.json not shipped")
def test_the_shipped_idle_drop_names_the_two_idle_contracts(app: typer.Typer) -> None:
    data = _json(app, "explain", str(EXAMPLE), "--from", "2024-10-25", "--to", "2024-11-20")
    assert (data["from"]["score"], data["to"]["score"]) == (94, 77)
    movers = {c["contract"]: c["kind"] for c in data["changes"] if abs(c["effect"]) > 0.01}
    assert movers == {"c08-site-maintenance": "became idle", "c16-blog-articles": "became idle"}
    assert abs(sum(c["effect"] for c in data["changes"]) - data["delta"]) < 0.01
    ahead = _json(app, "forecast", str(EXAMPLE), "--as-of", "2024-10-25", "--months", "2")
    assert [(p["date"], p["score"]) for p in ahead["changes"]] == [
        ("2024-11-03", 89),
        ("2024-11-18", 77),
    ]


def test_core_errors_name_the_parameter_and_the_cli_its_option(
    app: typer.Typer, story: Path
) -> None:
    """Issue 11: no CLI flag in a core error; the CLI says which option to fix."""
    from jobsuccess.errors import InputError
    from jobsuccess.explain import check_audience, pick_freelancer
    from jobsuccess.io import load

    with pytest.raises(InputError) as core:
        pick_freelancer(load(story), "ghost")
    assert core.value.field == "freelancer" and "--" not in str(core.value)
    with pytest.raises(InputError) as audience:
        check_audience("everyone")
    assert audience.value.field == "audience"
    for args, option in (
        (["forecast", str(story), "--freelancer", "ghost"], "field --freelancer"),
        (["advise", str(story), "--audience", "everyone"], "field --audience"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and option in result.output, result.output
