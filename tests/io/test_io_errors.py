"""Every bad input raises InputError naming the file, the record and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from strategies_io import sample_doc

from jobsuccess.errors import InputError
from jobsuccess.io import load, write_tables

Doc = list[dict[str, Any]]


def contract(doc: Doc, i: int = 0) -> dict[str, Any]:
    record = doc[0]["contracts"][i]
    assert isinstance(record, dict), record
    return record


def setting(
    target: Callable[[Doc], dict[str, Any]], key: str, value: object
) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        target(doc)[key] = value

    return mutate


def changing(target: Callable[[Doc], dict[str, Any]], **values: object) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        target(doc).update(values)

    return mutate


def dropping(target: Callable[[Doc], dict[str, Any]], key: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        del target(doc)[key]

    return mutate


C1 = "freelancer f1, contract c1"
first_contract = contract
payment = lambda doc: contract(doc)["payments"][0]  # noqa: E731
feedback = lambda doc: contract(doc)["feedback"]  # noqa: E731
dispute = lambda doc: contract(doc)["dispute"]  # noqa: E731
action = lambda doc: doc[0]["actions"][0]  # noqa: E731
flag = lambda doc: doc[0]["actions"][1]  # noqa: E731
freelancer = lambda doc: doc[1]  # noqa: E731

JSON_CASES = [
    pytest.param(
        dropping(first_contract, "client"),
        C1,
        "client",
        "required field missing",
        id="missing client",
    ),
    pytest.param(
        setting(first_contract, "start", None),
        C1,
        "start",
        "required field missing",
        id="null start",
    ),
    pytest.param(
        dropping(freelancer, "freelancer"),
        "freelancer #2",
        "freelancer",
        "required field missing",
        id="missing freelancer id",
    ),
    pytest.param(
        dropping(freelancer, "contracts"),
        "freelancer f2",
        "contracts",
        "missing",
        id="missing contracts",
    ),
    pytest.param(
        setting(payment, "date", "2020-13-01"),
        f"{C1}, payment #1",
        "date",
        "not a date: '2020-13-01'",
        id="malformed date",
    ),
    pytest.param(
        setting(first_contract, "start", "2020-1-6"),
        C1,
        "start",
        "not a date: '2020-1-6' (expected YYYY-MM-DD)",
        id="loose date",
    ),
    pytest.param(
        setting(first_contract, "end", 20200214), C1, "end", "got 20200214", id="date as number"
    ),
    pytest.param(
        setting(payment, "amount", "800"),
        f"{C1}, payment #1",
        "amount",
        'expected a number, got "800"',
        id="amount as text",
    ),
    pytest.param(
        setting(payment, "amount", float("inf")),
        f"{C1}, payment #1",
        "amount",
        "finite",
        id="amount not finite",
    ),
    pytest.param(
        setting(feedback, "stars", True), f"{C1}, feedback", "stars", "got true", id="stars as bool"
    ),
    pytest.param(
        setting(feedback, "stars", 5.5),
        f"{C1}, feedback",
        "stars",
        "stars must be within 1-5, got 5.5",
        id="stars too high",
    ),
    pytest.param(
        setting(feedback, "stars", 0), f"{C1}, feedback", "stars", "within 1-5", id="stars too low"
    ),
    pytest.param(
        setting(feedback, "recommend", 8.5),
        f"{C1}, feedback",
        "recommend",
        "whole number within 0-10",
        id="recommend fraction",
    ),
    pytest.param(
        setting(feedback, "recommend", 11),
        f"{C1}, feedback",
        "recommend",
        "got 11",
        id="recommend too high",
    ),
    pytest.param(
        setting(first_contract, "client", 7),
        C1,
        "client",
        "expected text, got 7",
        id="client as number",
    ),
    pytest.param(
        setting(first_contract, "end", "2019-12-31"),
        C1,
        "end",
        "before start 2020-01-06",
        id="end before start",
    ),
    pytest.param(
        setting(lambda d: contract(d, 1), "id", "c1"),
        C1,
        "id",
        "duplicate contract id 'c1'",
        id="duplicate contract",
    ),
    pytest.param(
        setting(freelancer, "freelancer", "f1"),
        "freelancer f1",
        "freelancer",
        "duplicate freelancer 'f1'",
        id="duplicate freelancer",
    ),
    pytest.param(
        setting(first_contract, "type", "hourlyy"),
        C1,
        "type",
        "unknown value 'hourlyy' (expected one of fixed, hourly)",
        id="unknown type",
    ),
    pytest.param(
        setting(first_contract, "ended_by", "admin"),
        C1,
        "ended_by",
        "'admin'",
        id="unknown ended_by",
    ),
    pytest.param(
        setting(first_contract, "end_reason", "done"),
        C1,
        "end_reason",
        "'done'",
        id="unknown end_reason",
    ),
    pytest.param(
        setting(dispute, "outcome", "draw"),
        f"{C1}, dispute",
        "outcome",
        "'draw'",
        id="unknown outcome",
    ),
    pytest.param(
        setting(action, "type", "hide"),
        "freelancer f1, action #1",
        "type",
        "'hide'",
        id="unknown action type",
    ),
    pytest.param(
        setting(action, "contract", "c3"),
        "freelancer f1, action #1",
        "contract",
        "unknown contract 'c3'",
        id="action of unknown contract",
    ),
    pytest.param(
        dropping(action, "contract"),
        "freelancer f1, action #1",
        "contract",
        "neither given",
        id="action naming nothing",
    ),
    pytest.param(
        setting(action, "client", "k1"),
        "freelancer f1, action #1",
        "client",
        "names a contract, not a client",
        id="contract action naming a client",
    ),
    pytest.param(
        setting(flag, "contract", "c1"),
        "freelancer f1, action #2",
        "contract",
        "names a client, not a contract",
        id="client action naming a contract",
    ),
    pytest.param(
        changing(action, type="contract_paused"),
        "freelancer f1, action #1",
        "cause",
        "needs a cause (client or inactivity)",
        id="pause without a cause",
    ),
    pytest.param(
        changing(action, type="contract_paused", cause="weather"),
        "freelancer f1, action #1",
        "cause",
        "'weather'",
        id="unknown pause cause",
    ),
    pytest.param(
        changing(action, cause="client"),
        "freelancer f1, action #1",
        "cause",
        "only a contract_paused action has a cause",
        id="cause on another action",
    ),
    pytest.param(
        changing(action, type="account_hold"),
        "freelancer f1, action #1",
        "contract",
        "names no contract and no client",
        id="account hold naming a contract",
    ),
    pytest.param(
        changing(action, type="account_hold", contract=None, until="2000-01-01"),
        "freelancer f1, action #1",
        "until",
        "is before the action's date",
        id="hold lifted before it began",
    ),
    pytest.param(
        changing(action, until="2030-01-01"),
        "freelancer f1, action #1",
        "until",
        "only an account_hold action has an until date",
        id="until on another action",
    ),
    pytest.param(
        setting(first_contract, "category", 7),
        C1,
        "category",
        "",
        id="category not text",
    ),
    pytest.param(
        setting(feedback, "date", "2020-01-01"),
        f"{C1}, feedback",
        "date",
        "before the contract's start 2020-01-06",
        id="feedback before start",
    ),
    pytest.param(
        setting(first_contract, "title", "x"), C1, "title", "unknown field", id="unknown field"
    ),
    pytest.param(
        setting(feedback, "comment", "x"),
        f"{C1}, feedback",
        "comment",
        "unknown field",
        id="unknown feedback field",
    ),
    pytest.param(
        setting(first_contract, "payments", {}),
        C1,
        "payments",
        "expected a list",
        id="payments not a list",
    ),
    pytest.param(
        setting(freelancer, "contracts", [1]),
        "freelancer f2, contract #1",
        "",
        "expected a contract object",
        id="contract not an object",
    ),
]


@pytest.mark.parametrize(("mutate", "record", "field", "says"), JSON_CASES)
def test_bad_json(
    tmp_path: Path, mutate: Callable[[Doc], None], record: str, field: str, says: str
) -> None:
    """(mutation of the sample, the record, the field, what the message says)"""
    doc = sample_doc()
    mutate(doc)
    path = tmp_path / "history.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: record {record}: "), message
    if field:
        assert f": field {field}: " in message, message
    assert says in message, message
    assert (caught.value.file, caught.value.record) == (str(path), record)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[{"freelancer": "f1",', "not valid JSON: Expecting"),
        ('"f1"', "expected a freelancer object or an array"),
        ('{"freelancer": "f1", "freelancer": "f2", "contracts": []}', "duplicate key 'freelancer'"),
        ('{"freelancer": "\xff"}', "cannot read JSON"),
    ],
    ids=["malformed", "not an object", "duplicate key", "not utf-8"],
)
def test_unreadable_json(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "history.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match=f"^{path}: .*{says}"):
        load(path)


def test_several_errors_are_listed_capped(tmp_path: Path) -> None:
    doc = sample_doc()
    doc[0]["contracts"] += [dict(contract(doc), id=f"x{i}", type="odd") for i in range(7)]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        load(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{path}: record freelancer f1, contract x0: field type: "
        "unknown value 'odd' (expected one of fixed, hourly)"
    )
    assert lines[1].startswith(f"{path}: record freelancer f1, contract x1: field type:")
    assert lines[-1] == "(stopped after 5 errors)" and len(lines) == 6


def test_paths_that_are_not_histories(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        load(tmp_path / "nope.json")
    (tmp_path / "h.txt").write_text("{}")
    with pytest.raises(InputError, match=r"h\.txt: expected a \.json file or a folder"):
        load(tmp_path / "h.txt")


# -- tables ---------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The sample history as a folder of CSV tables."""
    (tmp_path / "h.json").write_text(json.dumps(sample_doc()))
    write_tables(load(tmp_path / "h.json"), tmp_path / "t", "csv")
    return tmp_path / "t"


def edit(folder: Path, table: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    path = folder / f"{table}.csv"
    change(pl.read_csv(path, infer_schema=False)).write_csv(path)


def set_cell(row: int, column: str, value: str | None) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda df: df.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value))
        .otherwise(pl.col(column))
        .alias(column)
    )


def add_row(**values: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda df: pl.concat([df, pl.DataFrame([values])], how="diagonal")


TABLE_CASES = [
    pytest.param(
        "feedback",
        set_cell(1, "contract", "c7"),
        "2 (contract c7)",
        "contract",
        "unknown contract 'c7' (no such contract in the contracts table)",
        id="feedback of unknown contract",
    ),
    pytest.param(
        "disputes",
        set_cell(0, "contract", "c8"),
        "1 (contract c8)",
        "contract",
        "unknown contract 'c8'",
        id="dispute of unknown contract",
    ),
    pytest.param(
        "payments",
        set_cell(1, "date", "2020-13-01"),
        "2 (contract c1)",
        "date",
        "not a date: '2020-13-01' (expected YYYY-MM-DD)",
        id="malformed date",
    ),
    pytest.param(
        "payments",
        set_cell(0, "amount", "abc"),
        "1 (contract c1)",
        "amount",
        "not a number: 'abc'",
        id="amount not a number",
    ),
    pytest.param(
        "contracts",
        set_cell(2, "client", None),
        "3 (contract c3)",
        "client",
        "required field missing",
        id="missing client",
    ),
    pytest.param(
        "payments",
        set_cell(2, "contract", "c9"),
        "3 (contract c9)",
        "contract",
        "unknown contract 'c9'",
        id="unknown contract",
    ),
    pytest.param(
        "contracts",
        set_cell(2, "id", "c1"),
        "3 (contract c1)",
        "id",
        "duplicate contract id 'c1' in this folder",
        id="duplicate contract id",
    ),
    pytest.param(
        "feedback",
        add_row(contract="c1", date="2020-03-01"),
        "3 (contract c1)",
        "contract",
        "a second feedback for contract 'c1'",
        id="second feedback",
    ),
    pytest.param(
        "disputes",
        add_row(contract="c1", opened="2020-03-01"),
        "2 (contract c1)",
        "contract",
        "a second dispute",
        id="second dispute",
    ),
    pytest.param(
        "feedback",
        set_cell(0, "date", "2019-01-01"),
        "1 (contract c1)",
        "date",
        "before the contract's start",
        id="feedback before start",
    ),
    pytest.param(
        "actions",
        set_cell(0, "freelancer", "f2"),
        "1 (contract c1)",
        "freelancer",
        "belongs to freelancer 'f1', not 'f2'",
        id="action of another freelancer",
    ),
    pytest.param(
        "actions",
        set_cell(1, "client", None),
        "2",
        "contract",
        "neither given",
        id="action naming nothing",
    ),
    pytest.param(
        "actions",
        set_cell(0, "type", "hide"),
        "1 (contract c1)",
        "type",
        "unknown value 'hide'",
        id="unknown action type",
    ),
    pytest.param(
        "feedback",
        set_cell(0, "recommend", "-1"),
        "1 (contract c1)",
        "recommend",
        "got -1",
        id="recommend out of range",
    ),
    pytest.param(
        "contracts",
        set_cell(0, "end", "2019-01-01"),
        "1 (contract c1)",
        "end",
        "before start",
        id="end before start",
    ),
]


@pytest.mark.parametrize(("table", "change", "record", "field", "says"), TABLE_CASES)
def test_bad_table(
    folder: Path,
    table: str,
    change: Callable[[pl.DataFrame], pl.DataFrame],
    record: str,
    field: str,
    says: str,
) -> None:
    """(table, change to the sample's CSV, the record, the field, what the message says)"""
    edit(folder, table, change)
    with pytest.raises(InputError) as caught:
        load(folder)
    message = str(caught.value)
    assert message.startswith(f"{folder / table}.csv: record {record}: field {field}: "), message
    assert says in message, message


def test_missing_and_unknown_columns(folder: Path) -> None:
    edit(folder, "payments", lambda df: df.drop("amount"))
    with pytest.raises(InputError, match=r"payments\.csv: field amount: required field missing"):
        load(folder)
    edit(
        folder,
        "payments",
        lambda df: df.with_columns(pl.lit("1").alias("amount"), pl.lit("x").alias("memo")),
    )
    with pytest.raises(InputError, match=r"payments\.csv: field memo: unknown field"):
        load(folder)


def test_unreadable_csv(folder: Path) -> None:
    (folder / "payments.csv").write_text('contract,date,amount\nc1,2020-01-01,1,extra,cells\n"c2\n')
    with pytest.raises(InputError, match=r"payments\.csv: cannot read CSV"):
        load(folder)


def test_unreadable_parquet(folder: Path) -> None:
    (folder / "payments.csv").unlink()
    (folder / "payments.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"payments\.parquet: cannot read PARQUET"):
        load(folder)


def test_folder_layout_errors(folder: Path) -> None:
    pl.read_csv(folder / "disputes.csv").write_parquet(folder / "disputes.parquet")
    with pytest.raises(
        InputError, match=r"both disputes\.parquet and disputes\.csv|both disputes\.csv"
    ):
        load(folder)
    for table in ("contracts", "disputes"):
        (folder / f"{table}.csv").unlink()
    with pytest.raises(InputError, match="no contracts table"):
        load(folder)


def test_parquet_column_types(folder: Path) -> None:
    payments = pl.read_csv(folder / "payments.csv", infer_schema=False)
    (folder / "payments.csv").unlink()
    payments.with_columns(pl.col("amount") == "800.0").write_parquet(folder / "payments.parquet")
    with pytest.raises(
        InputError, match=r"payments\.parquet: field amount: expected a number column, got Boolean"
    ):
        load(folder)
    # dates may come as text or as midnight datetimes, not with a time of day
    payments.with_columns(pl.col("date").str.to_datetime() + pl.duration(hours=1)).write_parquet(
        folder / "payments.parquet"
    )
    with pytest.raises(
        InputError, match=r"record 1 \(contract c1\): field date: not a date: .* time of day"
    ):
        load(folder)
    payments.write_parquet(folder / "payments.parquet")
    assert load(folder).payments.height == 3
