"""Empty inputs and tables left out: they load as empty frames of the model's schemas."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from jobsuccess.io import dump_json, load, write_tables
from jobsuccess.model import SCHEMAS, History


def assert_empty(h: History, *, but: tuple[str, ...] = ()) -> None:
    for name, frame in h.frames():
        assert frame.schema == pl.Schema(SCHEMAS[name])
        assert (frame.height > 0) == (name in but), name


def test_empty_json_array(tmp_path: Path) -> None:
    (tmp_path / "h.json").write_text("[]")
    assert_empty(load(tmp_path / "h.json"))


def test_freelancer_without_contracts(tmp_path: Path) -> None:
    (tmp_path / "h.json").write_text(json.dumps({"freelancer": "f1", "contracts": []}))
    assert_empty(load(tmp_path / "h.json"))


def test_contracts_only_folder(tmp_path: Path) -> None:
    (tmp_path / "contracts.csv").write_text(
        "freelancer,id,client,type,start\nf1,c1,k1,fixed,2020-01-01\n"
    )
    h = load(tmp_path)
    assert_empty(h, but=("contracts",))
    assert h.contracts.row(0, named=True)["end"] is None


def test_header_only_tables(tmp_path: Path) -> None:
    write_tables(History.empty(), tmp_path / "t", "csv")
    assert_empty(load(tmp_path / "t"))
    write_tables(History.empty(), tmp_path / "p")
    assert_empty(load(tmp_path / "p"))


def test_empty_history_dumps_an_empty_array(tmp_path: Path) -> None:
    dump_json(History.empty(), tmp_path / "h.json")
    assert (tmp_path / "h.json").read_text() == "[]\n"
