"""`History.from_frames` keys every row of a freelancer's table or refuses the frame.

Filling a missing ``freelancer`` with null used to give nobody the payments, feedback and
disputes of a table folder read raw (issue 9: the engine benchmark scored an empty market).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from jobsuccess.io import load, write_tables
from jobsuccess.model import SCHEMAS, TABLES, History
from jobsuccess.synth import contracts_for, marketplace


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("market")
    write_tables(contracts_for(3000, seed=5, as_of=dt.date(2026, 6, 1)), out, format="parquet")
    return out


def _raw(folder: Path) -> dict[str, pl.DataFrame]:
    """The tables as written, without the loader's join of each row to its freelancer."""
    return {t: pl.read_parquet(folder / f"{t}.parquet") for t in TABLES}


@pytest.mark.parametrize("table", ["payments", "feedback", "disputes"])
def test_raw_table_without_freelancer_is_refused(folder: Path, table: str) -> None:
    raw = _raw(folder)
    assert "freelancer" not in raw[table].columns
    assert raw[table].height > 0
    with pytest.raises(ValueError, match=rf"{table}: no 'freelancer' column"):
        History.from_frames(contracts=raw["contracts"], **{table: raw[table]})


@pytest.mark.parametrize("table", ["contracts", "payments", "feedback", "disputes"])
def test_null_freelancer_is_refused(folder: Path, table: str) -> None:
    frames = dict(load(folder).frames())
    frames[table] = frames[table].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise("freelancer").alias("freelancer")
    )
    with pytest.raises(ValueError, match=rf"{table}: 1 of .* null 'freelancer'"):
        History.from_frames(**frames)
    history = History.from_frames(**{t: f for t, f in frames.items() if t != table})
    with pytest.raises(ValueError, match="null 'freelancer'"):
        history.with_frame(table, frames[table])


def test_marketplace_wide_actions_and_empty_frames_are_accepted(folder: Path) -> None:
    loaded = load(folder)
    everywhere = pl.DataFrame(
        [(None, "client_flagged", dt.date(2026, 1, 1), None, "k1", None, None, None)],
        schema=SCHEMAS["actions"],
        orient="row",
    )
    history = History.from_frames(
        contracts=loaded.contracts,
        payments=loaded.payments,
        feedback=pl.DataFrame(),  # nothing to key: no rows
        actions=everywhere,
    )
    assert history.actions.get_column("freelancer").null_count() == 1
    assert history.feedback.is_empty()


def test_loaded_tables_keep_every_row(folder: Path) -> None:
    """What the loader gives is keyed: every payment belongs to its contract's freelancer."""
    raw, loaded = _raw(folder), load(folder)
    for table in ("payments", "feedback", "disputes"):
        frame = getattr(loaded, table)
        assert frame.height == raw[table].height
        assert frame.get_column("freelancer").null_count() == 0
    owner = loaded.contracts.select(pl.col("id").alias("contract"), "freelancer")
    joined = loaded.payments.join(owner, on="contract", suffix="_owner")
    assert (joined["freelancer"] == joined["freelancer_owner"]).all()


def test_partitions_deal_each_row_once_and_marketplace_actions_to_every_partition() -> None:
    market = marketplace(3000, seed=4)
    everywhere = market.actions.filter(pl.col("freelancer").is_null())
    assert everywhere.height > 0  # the case under test: actions without a freelancer
    parts = list(market.partitions(500))
    assert len(parts) > 1
    for name, whole in market.frames():
        own = [dict(p.frames())[name].filter(pl.col("freelancer").is_not_null()) for p in parts]
        stacked = pl.concat(own).sort(pl.all())
        assert stacked.equals(whole.filter(pl.col("freelancer").is_not_null()).sort(pl.all()))
    for p in parts:  # each marketplace-wide action once in every partition, not twice in one
        shared = p.actions.filter(pl.col("freelancer").is_null())
        assert shared.sort(pl.all()).equals(everywhere.sort(pl.all()))
    freelancers = [set(p.contracts.get_column("freelancer")) for p in parts]
    assert sum(map(len, freelancers)) == len(set().union(*freelancers))
