"""Round trips through every format, determinism, and atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from polars.testing import assert_frame_equal
from strategies_io import canonical, histories, sample_doc

from jobsuccess.io import TableFormat, dump_json, history_to_json, load, write_tables
from jobsuccess.model import History


def assert_same(a: History, b: History) -> None:
    for (name, left), (_, right) in zip(a.frames(), b.frames(), strict=True):
        try:
            assert_frame_equal(left, right)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_load_json_builds_sorted_typed_frames(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    assert h.freelancers == ["f1", "f2"]
    assert h.contracts.get_column("id").to_list() == ["c1", "c2", "c3"]
    assert h.payments.get_column("amount").to_list() == [800.0, -50.0, 120.5]
    assert h.feedback.row(1, named=True)["stars"] is None
    assert h.feedback.get_column("recommend").dtype == pl.Int8
    assert h.actions.get_column("type").to_list() == ["feedback_removed", "client_flagged"]


def test_single_object_and_array(tmp_path: Path) -> None:
    one = load(write_doc(tmp_path / "one.json", sample_doc()[0]))
    assert one.freelancers == ["f1"]
    dump_json(one, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text())["freelancer"] == "f1"
    dump_json(load(write_doc(tmp_path / "two.json", sample_doc())), tmp_path / "out2.json")
    assert isinstance(json.loads((tmp_path / "out2.json").read_text()), list)


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv"])
def test_sample_round_trip(tmp_path: Path, fmt: Literal["json"] | TableFormat) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    out = tmp_path / ("out.json" if fmt == "json" else "out")
    if fmt == "json":
        dump_json(h, out)
    else:
        write_tables(h, out, fmt)
    assert_same(load(out), h)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(marketplace_actions=False))
def test_json_round_trip_property(h: History) -> None:
    with tempfile.TemporaryDirectory() as tmp, mock.patch("os.fsync"):
        path = Path(tmp) / "h.json"
        dump_json(h, path)
        assert_same(load(path), canonical(h))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_tables_round_trip_property(h: History) -> None:
    # fsync only makes writes durable on power loss; skipping it keeps this test fast
    with tempfile.TemporaryDirectory() as tmp, mock.patch("os.fsync"):
        for fmt in ("parquet", "csv"):
            write_tables(h, Path(tmp) / fmt, fmt)
            assert_same(load(Path(tmp) / fmt), canonical(h))


def test_dump_is_deterministic(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    dump_json(h, tmp_path / "a.json")
    dump_json(load(tmp_path / "a.json"), tmp_path / "b.json")
    text = (tmp_path / "a.json").read_bytes()
    assert text == (tmp_path / "b.json").read_bytes()
    assert text.endswith(b"}\n]\n") and b'\n  {\n    "freelancer": "f1"' in text


def test_row_order_does_not_matter(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    write_tables(h, tmp_path / "t", "csv")
    for table in ("contracts", "payments", "actions"):
        path = tmp_path / "t" / f"{table}.csv"
        pl.read_csv(path, infer_schema=False).reverse().write_csv(path)
    assert_same(load(tmp_path / "t"), h)
    shuffled = sample_doc()[::-1]
    shuffled[1]["contracts"].reverse()
    assert_same(load(write_doc(tmp_path / "s.json", shuffled)), h)


def test_contract_actions_get_their_freelancer_in_tables(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    write_tables(h, tmp_path / "t", "csv")
    path = tmp_path / "t" / "actions.csv"
    pl.read_csv(path, infer_schema=False).drop("freelancer").write_csv(path)
    actions = load(tmp_path / "t").actions
    assert actions.filter(pl.col("contract") == "c1").get_column("freelancer").to_list() == ["f1"]
    assert actions.filter(pl.col("client") == "k2").get_column("freelancer").to_list() == [None]


def test_marketplace_actions_need_tables(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    wide = h.with_frame(
        "actions", h.actions.with_columns(pl.lit(None, pl.String).alias("freelancer"))
    )
    with pytest.raises(ValueError, match="marketplace-wide"):
        history_to_json(wide)


def test_tables_need_unique_contract_ids(tmp_path: Path) -> None:
    doc = sample_doc()
    doc[1]["contracts"][0]["id"] = "c1"
    h = load(write_doc(tmp_path / "h.json", doc))
    with pytest.raises(ValueError, match="'c1'"):
        write_tables(h, tmp_path / "t")


def test_failed_json_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    target = tmp_path / "out.json"
    target.write_text("old")

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        dump_json(h, target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.json", "out.json"]


def test_failed_table_write_keeps_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    write_tables(h, tmp_path / "t", "csv")
    before = {p.name: p.read_bytes() for p in (tmp_path / "t").iterdir()}
    calls = []

    def crash(self: pl.DataFrame, path: object) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        Path(str(path)).write_text("partial")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        write_tables(h, tmp_path / "t", "parquet")
    assert {p.name: p.read_bytes() for p in (tmp_path / "t").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.json", "t"]


def test_rewriting_a_folder_replaces_it_whole(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    write_tables(h, tmp_path / "t", "csv")
    write_tables(h, tmp_path / "t", "parquet")
    assert sorted(p.suffix for p in (tmp_path / "t").iterdir()) == [".parquet"] * 5
    (tmp_path / "t" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"notes\.txt"):
        write_tables(h, tmp_path / "t")
    assert (tmp_path / "t" / "notes.txt").read_text() == "mine"


def test_dump_json_streams_groups_into_the_bytes_of_one_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written a group of freelancers at a time, the file is byte for byte json.dumps of the
    documents (an array; one document alone is an object)."""
    import jobsuccess.io.jsonfmt as jsonfmt
    from jobsuccess.synth import marketplace

    history = marketplace(30, seed=4)
    history = history.with_frame(
        "actions", history.actions.filter(pl.col("freelancer").is_not_null())
    )
    whole = (json.dumps(history_to_json(history), indent=2, ensure_ascii=False) + "\n").encode()
    for group in (1, 7, 1000):
        monkeypatch.setattr(jsonfmt, "JSON_GROUP", group)
        dump_json(history, tmp_path / "h.json")
        assert (tmp_path / "h.json").read_bytes() == whole, group
    one = history.only(history.freelancers[:1])
    dump_json(one, tmp_path / "one.json")
    expected = json.dumps(history_to_json(one)[0], indent=2, ensure_ascii=False) + "\n"
    assert (tmp_path / "one.json").read_text() == expected
