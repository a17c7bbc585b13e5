"""`score --agency` and `batch --agencies`: agencies are subjects of the same engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from histories import as_json, job
from jobsuccess import cli_common
from jobsuccess.cli import app

runner = CliRunner(env={"NO_COLOR": "1"})
AS_OF = "2025-04-01"
TOP_KEYS = [
    "agency", "as_of", "computed_on", "policy", "score", "best", "reason", "windows", "evidence",
    "contracts", "status", "audience",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _wide_tables() -> Iterator[None]:
    saved = cli_common.out._width
    cli_common.out.width = 250
    yield
    cli_common.out._width = saved


def _agency(c: dict[str, Any], agency: str | None) -> dict[str, Any]:
    return c | {"agency": agency}


def _market() -> list[dict[str, Any]]:
    """f1 and f2 work for agency a1 (both with a contract c1), f2 also on its own; f3 alone.
    Private answers: f2's c1 got 3/10."""
    f1 = [
        _agency(job("c1", "k1", end="2025-03-01", freelancer="f1"), "a1"),
        _agency(job("c2", "k2", end="2025-03-02", amount=1500, freelancer="f1"), "a1"),
    ]
    f2 = [
        _agency(job("c1", "k3", end="2025-03-03", recommend=3, freelancer="f2"), "a1"),
        job("c9", "k4", end="2025-03-04", freelancer="f2"),
    ]
    f3 = [job("c1", "k1", end="2025-03-05", freelancer="f3")]
    return [
        as_json(*f1, freelancer="f1"),
        as_json(*f2, freelancer="f2"),
        as_json(*f3, freelancer="f3"),
    ]


def _write(tmp_path: Path, data: Any, name: str = "market.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _score(path: Path, *extra: str) -> Any:
    """The score JSON; the operator's view unless ``extra`` names an audience."""
    audience = () if "--audience" in extra else ("--audience", "operator")
    result = _invoke("score", str(path), "--as-of", AS_OF, "--json", *audience, *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_score_agency_json_is_the_score_json_keyed_by_agency(tmp_path: Path) -> None:
    data = _score(_write(tmp_path, _market()), "--agency", "a1")
    assert list(data) == TOP_KEYS and data["agency"] == "a1"
    assert [c["id"] for c in data["contracts"]] == ["f1/c1", "f1/c2", "f2/c1"]
    # the same as one freelancer named a1 who had those contracts, ids qualified
    alone = [
        job("f1/c1", "k1", end="2025-03-01", freelancer="a1"),
        job("f1/c2", "k2", end="2025-03-02", amount=1500, freelancer="a1"),
        job("f2/c1", "k3", end="2025-03-03", recommend=3, freelancer="a1"),
    ]
    single = _score(_write(tmp_path, as_json(*alone, freelancer="a1"), "a1.json"))
    assert {("agency" if k == "freelancer" else k): v for k, v in single.items()} == data
    assert data["score"] is not None and data["score"] < 100  # f2's 3/10 counts


def test_score_agency_in_the_freelancer_audience_hides_private_answers(tmp_path: Path) -> None:
    path = _write(tmp_path, _market())
    operator = _score(path, "--agency", "a1")
    mine = _score(path, "--agency", "a1", "--audience", "freelancer")
    assert mine["agency"] == "a1" and "freelancer" not in mine
    assert mine["audience"] == "freelancer"
    assert any("/10" in c["reason"] for c in operator["contracts"])
    assert not any("/10" in c["reason"] for c in mine["contracts"])


def test_score_agency_table_names_the_agency(tmp_path: Path) -> None:
    result = _invoke("score", str(_write(tmp_path, _market())), "--as-of", AS_OF, "--agency", "a1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"a1 as of {AS_OF} ")
    assert "f2/c1" in result.stdout


def test_score_unknown_agency_exits_2_with_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _market())
    result = _invoke("score", str(path), "--as-of", AS_OF, "--agency", "zz")
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {path}: field --agency: no contract done for agency 'zz' (agencies here: a1)"
    ]


def test_batch_agencies_adds_one_row_per_agency(tmp_path: Path) -> None:
    path = _write(tmp_path, _market())
    plain, with_agencies = tmp_path / "plain.parquet", tmp_path / "agencies.parquet"
    for out, extra in ((plain, []), (with_agencies, ["--agencies"])):
        result = _invoke("batch", str(path), "--out", str(out), "--as-of", AS_OF, *extra)
        assert result.exit_code == 0, result.output
    before, after = pl.read_parquet(plain), pl.read_parquet(with_agencies)
    assert "agency" not in before.columns
    assert after.columns[:2] == ["freelancer", "agency"]
    assert after.select("freelancer", "agency").rows() == [
        ("f1", None),
        ("f2", None),
        ("f3", None),
        (None, "a1"),
    ]
    # freelancer rows are unchanged; the agency row is `score --agency`'s score
    assert after.filter(pl.col("agency").is_null()).drop("agency").equals(before)
    agency_row = after.filter(pl.col("agency") == "a1").row(0, named=True)
    scored = _score(path, "--agency", "a1")
    assert (agency_row["score"], agency_row["best"]) == (scored["score"], scored["best"])
    assert agency_row["outcomes_24m"] == scored["windows"]["24m"]["outcomes"] == 3


def test_batch_agencies_without_agencies_adds_the_column_only(tmp_path: Path) -> None:
    market = [as_json(job("c1", "k1", end="2025-03-01"))]
    out = tmp_path / "out.parquet"
    result = _invoke(
        "batch", str(_write(tmp_path, market)), "--out", str(out), "--as-of", AS_OF, "--agencies"
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.select("freelancer", "agency").rows() == [("f1", None)]
    assert "0 agencies" in result.stdout
