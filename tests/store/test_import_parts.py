"""Reading an import's input in parts (`jobsuccess.io.parts`): the same history and the same
errors as loading it whole, and nothing stored when any part is bad."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jobsuccess.errors import InputError
from jobsuccess.io import dump_json, load, write_tables
from jobsuccess.io.jsonfmt import json_elements, read_json
from jobsuccess.io.parts import Parts
from jobsuccess.model import TABLES, History
from jobsuccess.service.cli import app
from jobsuccess.spark.dataset import partition
from jobsuccess.store import Database, ledger
from jobsuccess.store.importer import import_history
from store.records import assert_same_history, market


def whole(parts: Parts) -> History:
    frames = {name: pl.concat([getattr(p, name) for p in parts]) for name in TABLES}
    return History.from_frames(**frames)


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv", "dataset"])
def test_parts_hold_the_history_load_reads(tmp_path: Path, fmt: str) -> None:
    history = market(40, seed=31, wide_actions=fmt != "json")
    source = tmp_path / ("history.json" if fmt == "json" else "market")
    if fmt == "json":
        dump_json(history, source)
    elif fmt == "dataset":
        partition(history, source, 3)
    else:
        write_tables(history, source, format=fmt)  # type: ignore[arg-type]
    with Parts(source, contracts=25) as parts:  # a few contracts a part: many parts
        assert parts.count > 1 if fmt != "json" else parts.count >= 1
        assert_same_history(whole(parts), history)


def test_json_read_an_element_at_a_time_in_tiny_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobsuccess.io.jsonfmt as jsonfmt

    history = market(12, seed=32, wide_actions=False)
    source = tmp_path / "history.json"
    dump_json(history, source)
    monkeypatch.setattr(jsonfmt, "_READ", 7)  # elements straddle many reads
    assert list(json_elements(source)) == json.loads(source.read_text())
    monkeypatch.setattr("jobsuccess.io.parts.JSON_PART_BYTES", 2000)
    with Parts(source) as parts:
        assert parts.count > 1
        assert_same_history(whole(parts), history)


@pytest.mark.parametrize(
    "text",
    [
        '[{"freelancer": "a", "contracts": []},\n  {"freelancer": "b", "contracts": [}]',
        '[{"freelancer": "a", "contracts": []} {"freelancer": "b"}]',
        '[{"freelancer": "a", "contracts": []}]\n  x',
        '[{"freelancer": "a", "contracts": []},]',
        '[{"freelancer": "a", "freelancer": "b", "contracts": []}]',
        "  \n ",
        "[",
        "3",
    ],
)
def test_json_read_in_pieces_fails_as_read_whole(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobsuccess.io.jsonfmt as jsonfmt

    monkeypatch.setattr(jsonfmt, "_READ", 5)
    source = tmp_path / "bad.json"
    source.write_text(text)
    with pytest.raises(InputError) as whole_file:
        read_json(source)
    with pytest.raises(InputError) as in_pieces, Parts(source):
        pass
    assert str(in_pieces.value) == str(whole_file.value)


def test_a_bad_row_in_a_later_part_stores_nothing(tmp_path: Path, db_url: str) -> None:
    history = market(40, seed=33)
    folder = tmp_path / "market"
    write_tables(history, folder, format="csv")
    payments = pl.read_csv(folder / "payments.csv", infer_schema=False)
    last = payments.height - 1
    bad = payments.with_columns(
        pl.when(pl.int_range(pl.len()) == last).then(pl.lit("soon")).otherwise("date").alias("date")
    )
    bad.write_csv(folder / "payments.csv")
    with pytest.raises(InputError) as whole_file:
        load(folder)
    with pytest.raises(InputError) as in_parts, Parts(folder, contracts=20):
        pass
    assert str(in_parts.value) == str(whole_file.value)
    assert f"record {last + 1} " in str(in_parts.value)
    result = CliRunner().invoke(app, ["import", str(folder), "--db", db_url, "--quiet"])
    assert result.exit_code == 2 and "soon" in result.output
    from jobsuccess.store import open_database

    db = open_database(db_url)
    assert ledger.count(db) == 0
    db.dispose()


def test_import_in_parts_stores_what_import_history_stores(tmp_path: Path, db: Database) -> None:
    history = market(60, seed=34)
    folder = tmp_path / "market"
    write_tables(history, folder, format="parquet")
    with Parts(folder, contracts=50) as parts:
        assert parts.count > 2
        result = import_history(db, parts, freelancers_per_chunk=7)
    assert result.inserted == result.records == parts.rows
    assert_same_history(ledger.history(db), history)
    with Parts(folder, contracts=50) as parts:
        assert import_history(db, parts).inserted == 0
