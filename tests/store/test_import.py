"""Importing histories: deterministic ids, re-import no-ops, the CLI, and kill -9 midway."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from jobsuccess.io import TableFormat, dump_json, write_tables
from jobsuccess.service.cli import app
from jobsuccess.store import ConflictError, Database, ledger, open_database
from jobsuccess.store.importer import chunked, history_rows, import_history
from jobsuccess.store.schema import records
from store.crash import kill_once_stored
from store.records import TODAY, assert_same_history, market


def test_ids_are_deterministic_and_repeats_stay_distinct() -> None:
    history = market(20, seed=5)
    first, second = history_rows(history, secret=None), history_rows(history, secret=None)
    assert first.get_column("id").to_list() == second.get_column("id").to_list()
    assert first.get_column("id").n_unique() == first.height
    # two identical payments on one day are two records
    twice = history.with_frame("payments", pl.concat([history.payments, history.payments.head(1)]))
    assert history_rows(twice, secret=None).height == first.height + 1


def test_the_log_holds_every_row_in_chunk_order_with_every_column(db: Database) -> None:
    """The bulk paths (SQLite: a run of one kind at a time, binding only the columns it sets;
    PostgreSQL: COPY) store each record whole, in the order the chunks bring them."""
    history = market(40, seed=9)
    import_history(db, history, freelancers_per_chunk=7)
    rows = history_rows(history, secret=db.id_secret)
    expected = pl.concat(list(chunked(rows, 7)))
    with db.read() as conn:
        stored = conn.execute(select(records).order_by(records.c.seq)).mappings().all()
    got = ledger.as_batch([dict(r) for r in stored])
    assert got.equals(ledger.as_batch(expected))
    assert set(got.get_column("kind")) >= {
        "contract", "contract_update", "payment", "feedback", "action"
    }  # fmt: skip


def test_reimport_is_a_no_op_and_a_later_version_adds_only_what_changed(db: Database) -> None:
    history = market(30, seed=6)
    open_ones = history.contracts.filter(pl.col("end").is_null())
    assert open_ones.height
    before = history.with_frame(
        "contracts",
        history.contracts.with_columns(
            pl.when(pl.col("end").is_null()).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("end", "ended_by", "end_reason")
        ),
    )
    first = import_history(db, before)
    assert first.inserted == first.records
    assert import_history(db, before).inserted == 0
    target = open_ones.row(0, named=True)
    ended = before.with_frame(
        "contracts",
        before.contracts.with_columns(
            pl.when((pl.col("freelancer") == target["freelancer"]) & (pl.col("id") == target["id"]))
            .then(pl.lit(TODAY))
            .otherwise(pl.col("end"))
            .alias("end")
        ),
    )
    later = import_history(db, ended)
    assert later.inserted == 1  # one contract_update
    assert_same_history(ledger.history(db), ended)


def test_a_changed_record_stops_the_import_naming_it(db: Database) -> None:
    history = market(5, seed=7)
    import_history(db, history)
    changed = history.with_frame(
        "contracts", history.contracts.with_columns(pl.lit("someone-else").alias("client"))
    )
    with pytest.raises(ConflictError, match=r"record k-[0-9a-f]+: already stored .*client"):
        import_history(db, changed)


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv"])
def test_cli_imports_json_and_table_folders(
    tmp_path: Path, fmt: Literal["json"] | TableFormat
) -> None:
    history = market(15, seed=8, wide_actions=fmt != "json")
    source = tmp_path / ("history.json" if fmt == "json" else "market")
    if fmt == "json":
        dump_json(history, source)
    else:
        write_tables(history, source, format=fmt)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    first = runner.invoke(app, ["import", str(source), "--db", url])
    assert first.exit_code == 0, first.output
    assert "0 already stored" in first.output
    second = runner.invoke(app, ["import", str(source), "--db", url, "--quiet"])
    assert second.exit_code == 0 and " 0 new" in second.output
    assert_same_history(ledger.history(open_database(url)), history)


def test_cli_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(app, ["import", str(bad), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_import_killed_midway_then_rerun_stores_each_record_once(
    db_url: str, tmp_path: Path
) -> None:
    history = market(200, seed=9)
    folder = tmp_path / "market"
    write_tables(history, folder, format="parquet")
    total = history_rows(history, secret=None).height
    arguments = ["import", str(folder), "--db", db_url, "--quiet"]
    db = open_database(db_url)
    # one freelancer per transaction: slow enough to be caught midway
    stored = kill_once_stored([*arguments, "--chunk", "1"], lambda: ledger.count(db))
    assert 0 < stored < total, "the import should have been killed midway"
    rerun = CliRunner().invoke(app, arguments)  # the same command, run again
    assert rerun.exit_code == 0, rerun.output
    assert ledger.count(db) == total
    assert_same_history(ledger.history(db), history)
    db.dispose()


def test_imported_and_sent_records_have_the_same_digest() -> None:
    """The importer (column by column) and the API (one record) canonicalise alike, so a record
    sent again through the API after an import is a duplicate, not a conflict."""
    from jobsuccess.store.ledger import BATCH_SCHEMA
    from jobsuccess.store.records import digest, from_row

    rows = history_rows(market(200, seed=17), secret=None)
    for kind in ("contract", "contract_update", "payment", "feedback", "dispute", "action"):
        sample = rows.filter(pl.col("kind") == kind)
        assert sample.height, kind
        for row in sample.head(3).to_dicts():
            record = from_row(row)
            rebuilt = row_of(record)
            assert {c: rebuilt[c] for c in BATCH_SCHEMA} == {c: row[c] for c in BATCH_SCHEMA}
            assert digest(rebuilt) == row["digest"]


def row_of(record: dict[str, object]) -> dict[str, object]:
    from pydantic import TypeAdapter

    from jobsuccess.store.records import Record, to_row

    clean = {k: v for k, v in record.items() if v is not None}
    return to_row(TypeAdapter(Record).validate_python(clean))


_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(_TEXT, min_size=1, max_size=4),
    amounts=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.sampled_from([1e-7, 5.0]),
        min_size=1,
        max_size=4,
    ),
    secret=st.none() | st.text(min_size=1, max_size=100),
)
def test_batch_ids_equal_the_per_row_derivation(
    names: list[str], amounts: list[float], secret: str | None
) -> None:
    """The importer's column-by-column ids and digests (polars-hash) are the per-row
    functions' (hashlib, hmac): any text, tiny and negative amounts, repeated content (a
    payment cycled twice is two records), keys shorter and longer than SHA-256's block."""
    from jobsuccess.store.ledger import BATCH_SCHEMA, as_batch
    from jobsuccess.store.records import (
        canonical,
        derived_id,
        derived_id_of,
        digest,
        plain_id,
        plain_id_of,
        with_derived_ids,
    )

    rows: list[dict[str, object]] = [
        {"kind": "contract", "freelancer": names[0], "contract": names[-1], "client": "c",
         "contract_type": "fixed", "start": TODAY},
    ] + [
        {"kind": "payment", "freelancer": names[i % len(names)], "contract": names[-1],
         "date": TODAY, "amount": amounts[i % len(amounts)]}
        for i in range(2 * max(len(names), len(amounts)))
    ]  # fmt: skip
    got = with_derived_ids(as_batch(rows).drop("id", "digest"), secret).to_dicts()
    seen: dict[str, int] = {}
    for row, out in zip(rows, got, strict=True):
        full = {c: row.get(c) for c in BATCH_SCHEMA}
        text = canonical(full)
        assert out["digest"] == digest(full)
        if row["kind"] == "contract":
            parts = ("contract", row["freelancer"], row["contract"])
            want = plain_id(*parts) if secret is None else derived_id(*parts, secret=secret)
        else:
            seen[text] = n = seen.get(text, -1) + 1
            want = plain_id_of(text, n) if secret is None else derived_id_of(text, n, secret=secret)
        assert out["id"] == want
    assert len({r["id"] for r in got}) == len(got)
