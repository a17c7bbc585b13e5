"""The policy lab (``jobsuccess lab``): specs, the comparison, the files, the showcases.

Showcases on a synthetic marketplace (issue 12): the 2020-11 release as of 2020-11-08, and the
cost of privacy, which must equal what bench/privacy_cost.py reports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from jobsuccess.cli import app
from jobsuccess.errors import InputError
from jobsuccess.io import load
from jobsuccess.lab.compare import figures, freelancer_frame, summarize
from jobsuccess.lab.run import computation_dates, explain_movers, lab_frame, movers
from jobsuccess.lab.spec import Spec, parse_spec
from jobsuccess.policy import load_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import privacy_cost

runner = CliRunner(env={"NO_COLOR": "1"})
RELEASE = dt.date(2020, 11, 8)
#: The 2020-11 release's no-feedback exclusion alone: 2020-11 keeping 2020-03's 3 clients.
EXCLUSION_ONLY = """extends = "2020-11"
name = "2020-11-3-clients"
title = "Contracts without feedback excluded; 3 clients kept"

[eligibility]
min_clients = 3
"""


#: The exclusion truly alone: 2020-03 (3 clients, 3 outcomes) excluding no-feedback contracts,
#: without 2020-11's 4-outcome minimum; and the same with 2 clients.
EXCLUSION_ALONE = """extends = "2020-03"
name = "2020-03-exclusion"
title = "2020-03 with contracts without feedback excluded"

[outcomes]
no_feedback = "exclude"
"""
TWO_CLIENTS = (
    EXCLUSION_ALONE.replace('name = "2020-03-exclusion"', 'name = "2020-03-2-clients"')
    + """
[eligibility]
min_clients = 2
"""
)


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def release_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lab") / "market-2020"
    args = ["synth", "--freelancers", "1500", "--seed", "1", "--as-of", "2020-11-08"]
    assert _invoke(*args, "--out", str(folder)).exit_code == 0
    return folder


@pytest.fixture(scope="module")
def exclusion_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "exclusion-only.toml"
    path.write_text(EXCLUSION_ONLY)
    return path


@pytest.fixture(scope="module")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lab") / "market"
    assert (
        _invoke("synth", "--freelancers", "400", "--seed", "3", "--out", str(folder)).exit_code == 0
    )
    return folder


def _lab(market: Path, out: Path, base: str, candidate: str, *dates: str) -> dict[str, Any]:
    result = _invoke("lab", str(market), "--base", base, "--candidate", candidate, *dates,
                     "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return data


# -- specs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("auto", Spec("auto")),
        ("2020-11", Spec("2020-11")),
        ("rules.toml", Spec("rules.toml")),
        ("auto@k=3", Spec("auto", 3)),
        ("2020-11@k=5", Spec("2020-11", 5)),
        ("my@rules.toml", Spec("my@rules.toml")),
    ],
)
def test_a_spec_is_a_policy_with_an_optional_privacy_k(text: str, spec: Spec) -> None:
    assert parse_spec(text) == spec
    assert spec.label == text


@pytest.mark.parametrize("text", ["", "auto@3", "auto@k=", "auto@k=0", "auto@k=x"])
def test_a_bad_spec_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_spec(text)


def test_a_spec_with_k_pools_every_policy_of_its_book() -> None:
    assert {p.privacy.k for p in parse_spec("auto@k=3").book()} == {3}
    assert {p.privacy.k for p in parse_spec("auto").book()} == {1}


# -- the comparison ---------------------------------------------------------------------------


def _scores(rows: list[tuple[str, int | None, bool]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema={"freelancer": pl.String(), "score": pl.Int64(), "top_rated": pl.Boolean()},
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        as_of=pl.lit(RELEASE),
        computed_on=pl.lit(RELEASE),
        policy=pl.lit("p"),
        best=pl.lit("12m"),
        best_score=pl.col("score").cast(pl.Float64),
        reason=pl.lit(None, dtype=pl.String()),
        top_rated_plus=pl.lit(False),
        rising_talent=pl.lit(False),
    )


def test_the_figures_count_what_changed() -> None:
    base = _scores([("a", 95, True), ("b", 89, False), ("c", None, False), ("d", 70, False),
                    ("e", 80, False)])  # fmt: skip
    candidate = _scores([("a", 88, False), ("b", 90, False), ("c", 75, False), ("d", None, False),
                         ("e", 80, True)])  # fmt: skip
    segments = pl.DataFrame({"freelancer": list("abcde")}).with_columns(
        as_of=pl.lit(RELEASE), history_size=pl.lit("5-9"), tenure=pl.lit("1-3 years"),
        earnings_band=pl.lit("$10k+"), agency_member=pl.lit("independent"),
    )  # fmt: skip
    frame = freelancer_frame(base, candidate, segments)
    assert frame.get_column("delta").to_list() == [-7, 1, None, None, 0]
    f = figures(frame)
    assert (f.freelancers, f.scored_base, f.scored_candidate, f.scored_both) == (5, 4, 4, 3)
    assert (f.gained_score.count, f.lost_score.count) == (1, 1)
    assert f.gained_score.share == 0.2
    assert (f.changed.count, f.changed_by_5.count) == (2, 1)
    assert f.changed.share == round(2 / 3, 6)
    assert (f.crossed["90"].up.count, f.crossed["90"].down.count) == (1, 1)
    assert f.crossed["80"].either.count == 0  # 95 -> 88 and 89 -> 90 stay above 80
    assert (f.statuses["top_rated"].gained.count, f.statuses["top_rated"].lost.count) == (1, 1)
    assert (f.delta.mean, f.delta.mean_abs, f.delta.min, f.delta.max) == (-2.0, round(8 / 3, 6),
                                                                          -7, 1)  # fmt: skip
    assert f.delta.quantiles["p50"] == 0
    summary = summarize(frame, "b", "c").on(RELEASE)
    assert summary.segments["history_size"]["5-9"] == f
    assert summary.segments["history_size"]["0-4"].freelancers == 0


def test_computation_dates_are_either_books_in_the_range() -> None:
    biweekly = load_policy("2020-11")
    days = computation_dates(biweekly, load_policy("2024-09"), dt.date(2020, 10, 20),
                             dt.date(2020, 10, 23))  # fmt: skip
    assert days == [dt.date(2020, 10, 20), dt.date(2020, 10, 21), dt.date(2020, 10, 22),
                    dt.date(2020, 10, 23)]  # fmt: skip
    only = computation_dates(biweekly, biweekly, dt.date(2020, 10, 1), dt.date(2020, 11, 8))
    assert only == [dt.date(2020, 10, 11), dt.date(2020, 10, 25), dt.date(2020, 11, 8)]
    assert computation_dates(biweekly, biweekly, dt.date(2020, 10, 12), dt.date(2020, 10, 13)) == [
        dt.date(2020, 10, 13)
    ]


# -- the 2020-11 showcase ---------------------------------------------------------------------


def test_the_2020_11_story(release_market: Path, exclusion_only: Path, tmp_path: Path) -> None:
    """The release note: excluding contracts without feedback left some professionals without
    a score; 2 clients instead of 3 was the relief. On the synthetic marketplace the exclusion
    alone costs scores (and gives none), and the shipped 2020-11 gives scores back over it and
    takes none; but it wins back few of those the exclusion took (none here): they fall under
    the 4-outcome minimum, not the client count (README, "Before you ship a rule change")."""
    before = _lab(release_market, tmp_path / "a", "2020-03", str(exclusion_only), "--as-of",
                  "2020-11-08")["by_date"][0]  # fmt: skip
    assert before["freelancers"] == 1500
    assert before["lost_score"]["count"] > 0.1 * before["scored_base"]
    assert before["gained_score"]["count"] == 0
    relief = _lab(release_market, tmp_path / "b", str(exclusion_only), "2020-11", "--as-of",
                  "2020-11-08")["by_date"][0]  # fmt: skip
    assert relief["gained_score"]["count"] > 0
    assert relief["lost_score"]["count"] == 0
    assert relief["scored_base"] == before["scored_candidate"]
    lost = pl.read_parquet(tmp_path / "a" / "freelancers.parquet").filter(
        pl.col("base_eligible") & ~pl.col("candidate_eligible")
    )
    regained = pl.read_parquet(tmp_path / "b" / "freelancers.parquet").filter(
        pl.col("candidate_eligible")
        & pl.col("freelancer").is_in(lost.get_column("freelancer").implode())
    )
    assert regained.height < 0.1 * lost.height  # not "most of them", on this marketplace
    short = lost.filter(pl.col("candidate_reason").str.contains("outcome")).height
    assert short >= 0.9 * lost.height


def test_the_exclusion_alone_and_two_clients(release_market: Path, tmp_path: Path) -> None:
    """Without the 4-outcome minimum the exclusion takes few scores ("a small set"), and two
    clients scores more freelancers than it took, but hardly the same ones: they lost
    outcomes, not clients (README, "Why the relief misses here")."""
    (tmp_path / "alone.toml").write_text(EXCLUSION_ALONE)
    (tmp_path / "two.toml").write_text(TWO_CLIENTS)
    alone, two = str(tmp_path / "alone.toml"), str(tmp_path / "two.toml")
    cut = _lab(release_market, tmp_path / "a", "2020-03", alone, "--as-of", "2020-11-08")
    cut = cut["by_date"][0]
    assert 0 < cut["lost_score"]["count"] < 0.1 * cut["scored_base"]
    relief = _lab(release_market, tmp_path / "b", alone, two, "--as-of", "2020-11-08")
    relief = relief["by_date"][0]
    assert relief["gained_score"]["count"] > cut["lost_score"]["count"]
    assert relief["lost_score"]["count"] == 0
    lost = pl.read_parquet(tmp_path / "a" / "freelancers.parquet").filter(
        pl.col("base_eligible") & ~pl.col("candidate_eligible")
    )
    back = pl.read_parquet(tmp_path / "b" / "freelancers.parquet").filter(
        pl.col("candidate_eligible") & pl.col("freelancer").is_in(lost["freelancer"].implode())
    )
    assert back.height < 0.25 * lost.height


def test_the_report_is_one_self_contained_page(
    release_market: Path, exclusion_only: Path, tmp_path: Path
) -> None:
    _lab(release_market, tmp_path / "a", "2020-03", str(exclusion_only), "--as-of", "2020-11-08")
    page = (tmp_path / "a" / "report.html").read_text()
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page)
    assert tags and all("src=" not in t and "href=" not in t for t in tags), tags
    assert page.count("Plotly.newPlot") >= 6  # delta, bands, 4 segments
    for div in ("lab-delta", "lab-bands", "lab-segment-history_size", "lab-segment-agency_member"):
        assert f'id="{div}"' in page
    frame = pl.read_parquet(tmp_path / "a" / "freelancers.parquet")
    top = movers(frame, RELEASE)
    assert top.height == 20
    assert all(f">{who}<" in page for who in top.get_column("freelancer"))
    assert "policy changed" in page and "eligibility.min_outcomes 3 -&gt; 4" in page
    _lab(release_market, tmp_path / "b", "2020-03", str(exclusion_only), "--as-of", "2020-11-08")
    for name in ("freelancers.parquet", "summary.json", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_movers_attribution_adds_up(release_market: Path, exclusion_only: Path) -> None:
    """Each mover's changes (explain engine, operator) add up to its unrounded score's move."""
    history = load(release_market)
    base, candidate = parse_spec("2020-03").book(), parse_spec(str(exclusion_only)).book()
    frame = lab_frame(history, base, candidate, [RELEASE])
    top = movers(frame, RELEASE, n=5)
    explained = explain_movers(history, base, candidate, top, RELEASE, "the candidate")
    assert [m.freelancer for m in explained] == top.get_column("freelancer").to_list()
    for m, row in zip(explained, top.iter_rows(named=True), strict=True):
        total = sum(c["effect"] for c in m.explanation.to_json()["changes"])
        move = (row["candidate_best_score"] or 0.0) - (row["base_best_score"] or 0.0)
        assert total == pytest.approx(move, abs=1e-4)
        assert m.explanation.to_json()["audience"] == "operator"


def test_over_a_range_each_computation_date_is_its_own_comparison(
    release_market: Path, exclusion_only: Path, tmp_path: Path
) -> None:
    over = _lab(release_market, tmp_path / "r", "2020-03", "2020-11", "--from", "2020-10-20",
                "--to", "2020-11-08")["by_date"]  # fmt: skip
    assert [d["as_of"] for d in over] == ["2020-10-25", "2020-11-08"]
    single = _lab(release_market, tmp_path / "s", "2020-03", "2020-11", "--as-of",
                  "2020-10-25")["by_date"]  # fmt: skip
    assert over[0] == single[0]
    frame = pl.read_parquet(tmp_path / "r" / "freelancers.parquet")
    assert frame.group_by("as_of").len().sort("as_of").get_column("len").to_list() == [1500, 1500]


# -- the cost of privacy ----------------------------------------------------------------------


def test_the_cost_of_privacy_equals_bench_privacy_cost(small_market: Path, tmp_path: Path) -> None:
    day = "2026-11-01"
    result = _invoke("lab", str(small_market), "--base", "auto", "--candidate", "auto@k=3",
                     "--as-of", day, "--out", str(tmp_path / "k3"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads((tmp_path / "k3" / "summary.json").read_text())
    (lab,) = printed["by_date"]
    bench = privacy_cost.report(
        privacy_cost.privacy_cost(load(small_market), dt.date(2026, 11, 1), [3])
    )["3"]
    assert bench["scored_both"] == lab["scored_both"] > 0
    assert bench["changed"] == lab["changed"]["share"] > 0
    assert bench["changed_by_5"] == lab["changed_by_5"]["share"]
    assert bench["mean_abs_delta"] == lab["delta"]["mean_abs"]
    assert bench["crossed_90"] == lab["crossed"]["90"]["either"]["share"]
    for band, f in bench["by_history_size"].items():
        seg = lab["segments"]["history_size"][band]
        assert (f["changed"], f["mean_abs_delta"]) == (seg["changed"]["share"],
                                                       seg["delta"]["mean_abs"])  # fmt: skip


def test_privacy_cost_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert privacy_cost.main(["--freelancers", "200", "--ks", "2"]) == 0
    out = capsys.readouterr().out
    assert "cost of privacy" in out and " 2 all " in out


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "auto@k=x"], "POLICY@k=K"),
        (["--candidate", "nope"], "no policy named 'nope'"),
        (["--as-of", "2020-11-08", "--from", "2020-10-01", "--to", "2020-11-08"], "not both"),
        (["--from", "2020-10-01"], "go together"),
        (["--from", "2020-11-08", "--to", "2020-10-01"], "is after"),
    ],
)
def test_bad_lab_arguments_get_one_line(
    small_market: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    base = {"--base": "auto", "--candidate": "2020-11"}
    for i in range(0, len(args), 2):
        base.pop(args[i], None)
    rest = [x for pair in base.items() for x in pair]
    result = _invoke("lab", str(small_market), *rest, *args, "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_the_policy_item_names_the_parameters_that_differ(exclusion_only: Path) -> None:
    from jobsuccess.lab.run import policy_difference

    words = policy_difference(
        parse_spec("2020-03").book(), parse_spec(str(exclusion_only)).book(), RELEASE
    )
    assert words == (
        "the candidate's rules (2020-03 -> 2020-11-3-clients): outcomes.no_feedback "
        '"negative_when_excessive" -> "exclude"; eligibility.min_outcomes 3 -> 4'
    )
    pooled = policy_difference(parse_spec("auto").book(), parse_spec("auto@k=3").book(), RELEASE)
    assert pooled == "the candidate's rules (2020-11): privacy.k 1 -> 3"


def test_the_lab_scores_are_the_batch_scores(small_market: Path, tmp_path: Path) -> None:
    """Both sides are the batch engine's rows: ``jobsuccess batch`` gives the same scores and
    statuses under each spec."""
    _lab(small_market, tmp_path / "lab", "2020-11", "auto@k=3", "--as-of", "2026-11-01")
    lab = pl.read_parquet(tmp_path / "lab" / "freelancers.parquet")
    for side, policy in (("base", ["--policy", "2020-11"]), ("candidate", ["--privacy-k", "3"])):
        out = tmp_path / f"{side}.parquet"
        args = ["batch", str(small_market), "--as-of", "2026-11-01", *policy, "--out", str(out)]
        assert _invoke(*args).exit_code == 0
        batch = pl.read_parquet(out).select("freelancer", "score", "top_rated", "rising_talent")
        mine = lab.select(
            "freelancer",
            score=pl.col(f"{side}_score"),
            top_rated=pl.col(f"{side}_top_rated"),
            rising_talent=pl.col(f"{side}_rising_talent"),
        )
        assert mine.equals(batch)


def test_every_partition_sees_the_whole_markets_clients() -> None:
    """A vanished client is one with no activity with anyone (jobsuccess-2026): the lab scores
    each partition with the whole market's client activity, so the partitions do not matter."""
    from jobsuccess.synth import marketplace

    history = marketplace(300, seed=5)
    base, candidate = load_policy("auto"), load_policy("jobsuccess-2026")
    day = [dt.date(2026, 11, 1)]
    whole = lab_frame(history, base, candidate, day)
    parts = lab_frame(history, base, candidate, day, partition_size=40)
    assert parts.equals(whole)
    # the market's own activity makes a difference here: scored with each partition's own,
    # some candidate scores change
    alone = pl.concat([lab_frame(p, base, candidate, day) for p in history.partitions(40)]).sort(
        "freelancer", "as_of"
    )
    assert not alone.equals(whole)


def test_the_movers_are_explained_with_the_scores_the_lab_gave_them() -> None:
    """Each mover's explanation ends on the lab's candidate score, also when the lab holds only
    the movers' histories (the Spark path: their buckets, with the market's activity)."""
    from jobsuccess.engine import market_clients
    from jobsuccess.synth import marketplace

    history = marketplace(300, seed=5)
    base, candidate = load_policy("auto"), load_policy("jobsuccess-2026")
    day = dt.date(2026, 11, 1)
    top = movers(lab_frame(history, base, candidate, [day]), day)
    wanted = dict(top.select("freelancer", "candidate_score").iter_rows())
    movers_only = history.only(list(wanted)).with_market(market_clients(history, candidate))
    for source in (history, movers_only):
        explained = explain_movers(source, base, candidate, top, day, "the candidate")
        got = {m.freelancer: m.explanation.to_json()["to"]["score"] for m in explained}
        assert got == wanted
    # the teeth: the movers' own histories alone explain some of them otherwise
    alone = explain_movers(history.only(list(wanted)), base, candidate, top, day, "x")
    assert {m.freelancer: m.explanation.to_json()["to"]["score"] for m in alone} != wanted
