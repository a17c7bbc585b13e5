"""The optional contract field ``client_feedback`` (issue 13 item 2): the stars the freelancer
gave the client, read, written and checked (1-5) in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from strategies_io import sample_doc

from jobsuccess.errors import InputError
from jobsuccess.io import TableFormat, dump_json, load, write_tables
from jobsuccess.io.fields import FIELDS
from jobsuccess.model import SCHEMAS


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_client_feedback_is_an_optional_number_appended_last() -> None:
    assert list(SCHEMAS["contracts"])[-1] == "client_feedback"
    field = FIELDS["contracts"][-1]
    assert (field.name, field.kind, field.bounds, field.required) == (
        "client_feedback", "number", (1, 5), False,
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv"])
def test_client_feedback_round_trips(tmp_path: Path, fmt: Literal["json"] | TableFormat) -> None:
    h = load(_write(tmp_path / "h.json", sample_doc()))
    by_id = dict(zip(h.contracts["id"], h.contracts["client_feedback"], strict=True))
    assert by_id == {"c1": 4.5, "c2": None, "c3": None}
    out = tmp_path / ("out.json" if fmt == "json" else "out")
    if fmt == "json":
        dump_json(h, out)
        written = json.loads(out.read_text())
        assert written[0]["contracts"][0]["client_feedback"] == 4.5
    else:
        write_tables(h, out, fmt)
    assert load(out).contracts.equals(h.contracts)


@pytest.mark.parametrize("value", [0.5, 7, 5.5])
def test_client_feedback_out_of_bounds_is_refused(tmp_path: Path, value: float) -> None:
    doc = sample_doc()
    doc[0]["contracts"][0]["client_feedback"] = value
    path = _write(tmp_path / "h.json", doc)
    with pytest.raises(InputError) as caught:
        load(path)
    assert "field client_feedback" in str(caught.value) and "1-5" in str(caught.value)
