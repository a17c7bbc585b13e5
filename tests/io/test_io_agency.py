"""The optional contract field ``agency``: read, written and checked in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import polars as pl
import pytest
from strategies_io import sample_doc

from jobsuccess.errors import InputError
from jobsuccess.io import TableFormat, dump_json, load, write_tables
from jobsuccess.io.fields import FIELDS
from jobsuccess.model import SCHEMAS


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_agency_is_the_last_contract_field() -> None:
    """Appended, so the table format's existing column order stays (``client_feedback``,
    issue 13, was appended after it)."""
    assert list(SCHEMAS["contracts"])[-2:] == ["agency", "client_feedback"]
    assert FIELDS["contracts"][-2].name == "agency" and not FIELDS["contracts"][-2].required


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv"])
def test_agency_round_trips(tmp_path: Path, fmt: Literal["json"] | TableFormat) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    by_id = dict(zip(h.contracts["id"], h.contracts["agency"], strict=True))
    assert by_id == {"c1": "a1", "c2": None, "c3": None}
    out = tmp_path / ("out.json" if fmt == "json" else "out")
    if fmt == "json":
        dump_json(h, out)
        written = json.loads(out.read_text())
        assert [c["agency"] for c in written[0]["contracts"]] == ["a1", None]
    else:
        write_tables(h, out, fmt)
        table = pl.read_parquet(out / "contracts.parquet") if fmt == "parquet" else None
        if table is not None:
            assert table.columns[-2] == "agency"
    assert load(out).contracts.equals(h.contracts)


def test_agency_absent_everywhere_loads_as_null(tmp_path: Path) -> None:
    doc = sample_doc()
    del doc[0]["contracts"][0]["agency"]
    h = load(write_doc(tmp_path / "h.json", doc))
    assert h.contracts["agency"].null_count() == h.contracts.height
    folder = tmp_path / "t"
    write_tables(h, folder, "csv")
    contracts = pl.read_csv(folder / "contracts.csv", infer_schema=False).drop("agency")
    contracts.write_csv(folder / "contracts.csv")  # a folder written before agencies existed
    assert load(folder).contracts.equals(h.contracts)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (7, "expected text, got 7"),
        (["a1"], 'expected text, got ["a1"]'),
        (True, "expected text, got true"),
    ],
    ids=["number", "list", "bool"],
)
def test_bad_agency_in_json(tmp_path: Path, value: object, says: str) -> None:
    doc = sample_doc()
    doc[0]["contracts"][0]["agency"] = value
    path = write_doc(tmp_path / "h.json", doc)
    with pytest.raises(InputError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: record freelancer f1, contract c1: field agency: {says}"), (
        message
    )
    assert "\n" not in message
    assert (caught.value.record, caught.value.field) == ("freelancer f1, contract c1", "agency")


def test_bad_agency_column_in_parquet(tmp_path: Path) -> None:
    h = load(write_doc(tmp_path / "h.json", sample_doc()))
    folder = tmp_path / "t"
    write_tables(h, folder, "parquet")
    contracts = pl.read_parquet(folder / "contracts.parquet")
    contracts.with_columns(pl.lit(3).alias("agency")).write_parquet(folder / "contracts.parquet")
    with pytest.raises(
        InputError, match=r"contracts\.parquet: field agency: expected text column, got Int32"
    ):
        load(folder)
