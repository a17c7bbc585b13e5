"""The shortcuts that keep big inputs fast must never change a result."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from strategies_io import sample_doc

from jobsuccess.errors import InputError
from jobsuccess.io import checks, load, write_tables
from jobsuccess.io.order import in_order, ordered


@pytest.fixture
def colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key hashes alike: every shortcut must fall back to exact checks."""
    real = checks._key_hash

    def few(columns: Sequence[str]) -> pl.Expr:
        return real(columns) % 1

    monkeypatch.setattr(checks, "_key_hash", few)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_hash_collisions_change_nothing(tmp_path: Path, colliding: None, fmt: str) -> None:
    (tmp_path / "h.json").write_text(json.dumps(sample_doc()))
    path = tmp_path / "h.json"
    if fmt == "csv":
        write_tables(load(path), tmp_path / "t", "csv")
        path = tmp_path / "t"
    h = load(path)
    assert h.payments.get_column("contract").to_list() == ["c1", "c1", "c3"]
    assert h.actions.get_column("contract").to_list() == ["c1", None]
    assert h.feedback.get_column("freelancer").to_list() == ["f1", "f2"]


def test_hash_collisions_still_find_duplicates_and_unknowns(
    tmp_path: Path, colliding: None
) -> None:
    doc = sample_doc()
    doc[0]["contracts"][1]["id"] = "c1"
    (tmp_path / "h.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="duplicate contract id 'c1'"):
        load(tmp_path / "h.json")
    doc = sample_doc()
    doc[0]["actions"][0]["contract"] = "c4"
    (tmp_path / "h.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="unknown contract 'c4'"):
        load(tmp_path / "h.json")


def test_a_hash_match_is_proven_by_the_strings(tmp_path: Path, colliding: None) -> None:
    doc = sample_doc()[1]
    doc["actions"] = [{"type": "appeal_upheld", "date": "2022-01-01", "contract": "c4"}]
    (tmp_path / "h.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="action #1: field contract: unknown contract 'c4'"):
        load(tmp_path / "h.json")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("a", 1), ("a", 2), ("b", 0)], True),
        ([("a", 2), ("a", 1)], False),
        ([("a", 1), ("a", None), ("b", None)], True),
        ([("a", None), ("a", 1)], False),
        ([("a", 1), (None, 0)], True),
        ([(None, 0), ("a", 1)], False),
        ([("b", 0), ("a", 9)], False),
        ([("a", 1), ("a", 1)], True),
    ],
)
def test_in_order(rows: list[tuple[str | None, int | None]], expected: bool) -> None:
    frame = pl.DataFrame(rows, schema={"k": pl.String, "v": pl.Int64}, orient="row")
    assert in_order(frame, ["k", "v"]) is expected
    assert_frame_equal(ordered(frame, ["k", "v"]), frame.sort(["k", "v"], nulls_last=True))
