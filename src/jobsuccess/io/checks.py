"""The one validation layer: raw frames from any reader in, a sorted `History` out.

Readers hand over what they found (text, or native Parquet columns) and where each row came
from. Every check is a polars expression over whole columns; only offending rows are ever
materialised, to word the message. So a folder of 10M contracts costs a few vectorised passes,
and JSON and tables get the very same rules and wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.io.fields import (
    ACCOUNT_ACTIONS,
    CLIENT_ACTIONS,
    CONTRACT_ACTIONS,
    FIELDS,
    RECORD,
    ROW,
    WRONG_TYPE,
    Field,
)
from jobsuccess.io.order import ORDER, in_order, ordered, sort
from jobsuccess.limits import DAYS, FIRST_DAY, LAST_DAY, not_a_date
from jobsuccess.model import SCHEMAS, History

#: How many offending rows one error message lists.
MAX_ERRORS: Final = 5

_DATE_TEXT: Final = r"^\d{4}-\d{2}-\d{2}$"
_INTERNAL: Final = (ROW, RECORD)
_CHILDREN: Final[tuple[str, ...]] = ("payments", "feedback", "disputes", "actions")
#: A contract's position in sorted order: children sort by it instead of by two strings.
_RANK: Final = "__rank"


@dataclass(frozen=True, slots=True)
class Raw:
    """One table as read: its fields as found, plus ``__row`` (and ``__record`` from JSON)."""

    frame: pl.DataFrame
    file: str


@dataclass(frozen=True, slots=True)
class _Rule:
    """A check: ``bad`` is true on offending rows; ``says`` words the error for one row."""

    field: str
    bad: pl.Expr
    says: Callable[[Mapping[str, Any]], str]


def validate(raws: Mapping[str, Raw], *, ids_per_freelancer: bool) -> History:
    """Check every table and link them to their contracts; raise `InputError` on the first
    table with errors.

    ``ids_per_freelancer``: contract ids are unique per freelancer (JSON) rather than across
    the input (tables), so the other tables reference a contract by (freelancer, id).
    """
    if "contracts" not in raws:
        raise ValueError("validate needs a contracts table")
    parsed = {t: _parse(t, raws[t], ids_per_freelancer) for t in FIELDS if t in raws}
    contracts = ordered(parsed["contracts"], ORDER["contracts"]).with_row_index(_RANK)
    children: dict[str, pl.DataFrame] = {t: parsed[t] for t in _CHILDREN if t in parsed}
    ranks = _ranks(contracts, children, ids_per_freelancer)
    frames = {
        t: _link(t, frame, ranks[t], contracts, raws[t].file, ids_per_freelancer)
        for t, frame in children.items()
    }
    return History.from_frames(contracts=contracts.select(list(SCHEMAS["contracts"])), **frames)


# -- phase 1: each table on its own -------------------------------------------------------


def _typed(name: str) -> str:
    return f"__t_{name}"


def _t(name: str) -> pl.Expr:
    return pl.col(_typed(name))


def _parse(table: str, raw: Raw, ids_per_freelancer: bool) -> pl.DataFrame:
    """Parse and check each field, then the rules within one table; keep provenance."""
    spec = FIELDS[table]
    frame = raw.frame
    names = [f.name for f in spec]
    for column in frame.columns:
        if column not in names and column not in _INTERNAL:
            raise InputError(
                f"unknown field (the {table} fields are {', '.join(names)})",
                file=raw.file,
                field=column,
            )
    exprs: list[pl.Expr] = []
    rules: list[_Rule] = []
    for f in spec:
        if f.name in frame.columns:
            expr, field_rules = _field(f, frame.schema[f.name], raw.file)
        elif f.required:
            raise InputError("required field missing (no such column)", file=raw.file, field=f.name)
        else:
            expr, field_rules = pl.lit(None, dtype=_PARSED[f.kind]), []
        exprs.append(expr.alias(_typed(f.name)))
        rules += field_rules
    frame = frame.with_columns(exprs)
    _report(frame, [*rules, *_table_rules(table, ids_per_freelancer, frame)], raw.file)
    return frame.select(
        *(_t(f.name).cast(_OUT[f.kind]).alias(f.name) for f in spec),
        *(c for c in _INTERNAL if c in frame.columns),
    )


_PARSED: Final[dict[str, pl.DataType]] = {
    "text": pl.String(),
    "date": pl.Date(),
    "number": pl.Float64(),
    "integer": pl.Float64(),
}
_OUT: Final[dict[str, pl.DataType]] = {**_PARSED, "integer": pl.Int8()}
_EXPECTED: Final = {
    "text": "text",
    "date": "a date (YYYY-MM-DD)",
    "number": "a number",
    "integer": "a whole number",
}


def _show(value: object) -> str:
    """A value as the user wrote it: JSON of a wrongly typed value, else a short repr."""
    if isinstance(value, str):
        if value.startswith(WRONG_TYPE):
            return value[1:] if len(value) <= 61 else value[1:58] + "..."
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


def _field(f: Field, dtype: pl.DataType, file: str) -> tuple[pl.Expr, list[_Rule]]:
    """The parsed value of one field and the rules about it, by its column's type."""
    raw = pl.col(f.name)
    given = raw.is_not_null()
    if isinstance(dtype, pl.String | pl.Categorical | pl.Enum | pl.Null):
        text = raw.cast(pl.String)
        given = text.is_not_null() & (text != "")
        value = _from_text(f, text)
        unreadable = given & value.is_null()
        rules = [_Rule(f.name, unreadable, _unreadable(f))]
    elif f.kind == "date" and dtype == pl.Date:
        value, rules = raw, []
    elif f.kind == "date" and isinstance(dtype, pl.Datetime):
        value = raw.dt.date()
        rules = [
            _Rule(
                f.name,
                raw.dt.time() != pl.time(0),
                lambda row: f"not a date: {row[f.name]} has a time of day",
            )
        ]
    elif f.kind in ("number", "integer") and dtype.is_numeric():
        value, rules = raw.cast(pl.Float64), []
    else:
        raise InputError(
            f"expected {_EXPECTED[f.kind]} column, got {dtype}", file=file, field=f.name
        )
    if f.required:
        rules.append(_Rule(f.name, ~given, lambda _: "required field missing"))
    rules += _value_rules(f, value)
    return value, rules


def _from_text(f: Field, text: pl.Expr) -> pl.Expr:
    """Text to the field's type; null where it does not parse (or is empty or mistyped)."""
    ok = text.is_not_null() & (text != "") & ~text.str.starts_with(WRONG_TYPE)
    if f.kind == "text":
        parsed = text
    elif f.kind == "date":
        parsed = pl.when(text.str.contains(_DATE_TEXT)).then(
            text.str.to_date("%Y-%m-%d", strict=False)
        )
    else:
        parsed = text.cast(pl.Float64, strict=False)
    return pl.when(ok).then(parsed)


def _unreadable(f: Field) -> Callable[[Mapping[str, Any]], str]:
    def says(row: Mapping[str, Any]) -> str:
        value = row[f.name]
        if isinstance(value, str) and value.startswith(WRONG_TYPE):
            return f"expected {_EXPECTED[f.kind]}, got {_show(value)}"
        if f.kind == "date":
            if isinstance(value, str) and re.fullmatch(_DATE_TEXT, value):
                return not_a_date(value)  # the shape is right: say which part is wrong
            return f"not a date: {_show(value)} (expected YYYY-MM-DD)"
        return f"not a number: {_show(value)}"

    return says


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _value_rules(f: Field, value: pl.Expr) -> list[_Rule]:
    """Finite numbers, bounds, whole numbers, known enum values."""
    name = f.name
    rules: list[_Rule] = []
    if f.kind in ("number", "integer"):
        rules.append(
            _Rule(
                name,
                value.is_not_null() & ~value.is_finite(),
                lambda row: f"not a finite number: {_number(row[_typed(name)])}",
            )
        )
    if f.kind == "date":
        rules.append(
            _Rule(
                name,
                value.is_not_null() & ((value < FIRST_DAY) | (value > LAST_DAY)),
                lambda row: (
                    f"{row[_typed(name)]} is outside the supported dates {DAYS} "
                    "(the windows' date arithmetic and the store are bounded there)"
                ),
            )
        )
    if f.bounds is not None:
        lo, hi = f.bounds
        within = "a whole number within" if f.kind == "integer" else "within"
        out = (value < lo) | (value > hi)
        if f.kind == "integer":
            out = out | (value != value.floor())
        rules.append(
            _Rule(
                name,
                value.is_finite() & out,
                lambda row: (
                    f"{name} must be {within} {lo:g}-{hi:g}, got {_number(row[_typed(name)])}"
                ),
            )
        )
    if f.values is not None:
        allowed = list(f.values)
        rules.append(
            _Rule(
                name,
                value.is_not_null() & ~value.is_in(allowed),
                lambda row: (
                    f"unknown value {_show(row[_typed(name)])} "
                    f"(expected one of {', '.join(allowed)})"
                ),
            )
        )
    return rules


def _table_rules(table: str, ids_per_freelancer: bool, frame: pl.DataFrame) -> list[_Rule]:
    """Rules across the fields or rows of one table."""

    def later_duplicate(keys: list[str]) -> pl.Expr:
        columns = [_typed(k) for k in keys]
        if _distinct(frame, columns):
            return pl.lit(False)
        key = pl.col(columns[0]) if len(keys) == 1 else pl.struct(columns)
        return pl.all_horizontal(_t(k).is_not_null() for k in keys) & ~key.is_first_distinct()

    per = ["freelancer"] if ids_per_freelancer else []
    scope = " for this freelancer" if ids_per_freelancer else " in this folder"
    if table == "freelancers":
        return [
            _Rule(
                "freelancer",
                later_duplicate(["freelancer"]),
                lambda row: f"duplicate freelancer {_show(row[_typed('freelancer')])} in the array",
            )
        ]
    if table == "contracts":
        return [
            _Rule(
                "id",
                later_duplicate([*per, "id"]),
                lambda row: f"duplicate contract id {_show(row[_typed('id')])}{scope}",
            ),
            _Rule(
                "end",
                _t("end") < _t("start"),
                lambda row: f"end {row[_typed('end')]} is before start {row[_typed('start')]}",
            ),
        ]
    if table in ("feedback", "disputes"):
        what = "feedback" if table == "feedback" else "dispute"
        return [
            _Rule(
                "contract",
                later_duplicate([*per, "contract"]),
                lambda row: (
                    f"a second {what} for contract {_show(row[_typed('contract')])}"
                    " (at most one per contract)"
                ),
            )
        ]
    if table == "actions":
        kind, contract, client = _t("type"), _t("contract"), _t("client")
        account = kind.is_in(list(ACCOUNT_ACTIONS))
        return [
            _Rule(
                "contract",
                kind.is_not_null() & ~account & contract.is_null() & client.is_null(),
                lambda row: (
                    f"a {row[_typed('type')]} action names a contract or a client: neither given"
                ),
            ),
            _Rule(
                "contract",
                account & (contract.is_not_null() | client.is_not_null()),
                lambda row: (
                    f"a {row[_typed('type')]} action is about the freelancer's account: "
                    "it names no contract and no client"
                ),
            ),
            _Rule(
                "freelancer",
                account & _t("freelancer").is_null(),
                lambda row: f"a {row[_typed('type')]} action names its freelancer",
            ),
            _Rule(
                "cause",
                (kind == "contract_paused") & _t("cause").is_null(),
                lambda row: "a contract_paused action needs a cause (client or inactivity)",
            ),
            _Rule(
                "cause",
                (kind != "contract_paused") & _t("cause").is_not_null(),
                lambda row: f"only a contract_paused action has a cause, not {row[_typed('type')]}",
            ),
            _Rule(
                "until",
                ~account & _t("until").is_not_null(),
                lambda row: (
                    f"only an account_hold action has an until date, not {row[_typed('type')]}"
                ),
            ),
            _Rule(
                "until",
                _t("until") < _t("date"),
                lambda row: (
                    f"until {row[_typed('until')]} is before the action's date "
                    f"{row[_typed('date')]}"
                ),
            ),
            _Rule(
                "client",
                kind.is_in(list(CONTRACT_ACTIONS)) & client.is_not_null(),
                lambda row: (
                    f"a {row[_typed('type')]} action names a contract, not a client "
                    f"(got client {_show(row[_typed('client')])})"
                ),
            ),
            _Rule(
                "contract",
                kind.is_in(list(CLIENT_ACTIONS)) & contract.is_not_null(),
                lambda row: (
                    f"a {row[_typed('type')]} action names a client, not a contract "
                    f"(got contract {_show(row[_typed('contract')])})"
                ),
            ),
        ]
    return []


def _key_hash(columns: Sequence[str]) -> pl.Expr:
    return pl.col(columns[0]).hash() if len(columns) == 1 else pl.struct(columns).hash()


def _distinct(frame: pl.DataFrame, columns: Sequence[str]) -> bool:
    """Whether the keys (where all present) are distinct, proven by distinct hashes.

    Hashing is far cheaper than an exact distinct over 10M strings; if two hashes meet
    (a duplicate, or rarely a collision) the caller runs the exact rule.
    """
    present = pl.all_horizontal(pl.col(c).is_not_null() for c in columns)
    hashes = frame.lazy().filter(present).select(_key_hash(columns).alias("h")).collect()
    return hashes.get_column("h").n_unique() == hashes.height


# -- phase 2: each table against the contracts ---------------------------------------------


def _ranks(
    contracts: pl.DataFrame, children: Mapping[str, pl.DataFrame], ids_per_freelancer: bool
) -> dict[str, pl.Series]:
    """Each child row's contract rank (null: no such contract), all tables in one join.

    Three shortcuts keep 30M payments cheap, none changing a result: one join for every
    table (the contracts are hashed once); consecutive rows naming the same contract (as in
    sorted input) are looked up once; and the join is on 64-bit hashes of the keys rather
    than the strings, each match then proven by comparing the strings (a hash collision,
    however unlikely, falls back to joining the strings).
    """
    if not children:
        return {}
    key = ["freelancer", "contract"] if ids_per_freelancer else ["contract"]
    probe = pl.concat([frame.select(key) for frame in children.values()], rechunk=False)
    same = pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(1)) for k in key)
    heads = probe.select((~same | (pl.int_range(pl.len()) == 0)).alias("head")).to_series()
    runs = probe.filter(heads)
    owners = contracts.select(*key[:-1], pl.col("id").alias("contract"), _RANK)
    found = (
        runs.lazy()
        .select(
            _key_hash(key).alias("__h"), pl.any_horizontal(pl.col(key).is_null()).alias("__none")
        )
        .join(
            owners.lazy().select(_key_hash(key).alias("__h"), _RANK),
            on="__h",
            how="left",
            maintain_order="left",
        )
        .select(pl.when(~pl.col("__none")).then(pl.col(_RANK)))
        .collect()
        .to_series()
    )
    if found.len() != runs.height or not _matches(runs, owners, found, key):
        found = runs.join(owners, on=key, how="left", maintain_order="left").get_column(_RANK)
    if runs.height < probe.height:
        found = found.gather(heads.cum_sum() - 1)
    out: dict[str, pl.Series] = {}
    offset = 0
    for table, frame in children.items():
        out[table] = found.slice(offset, frame.height)
        offset += frame.height
    return out


def _matches(probe: pl.DataFrame, owners: pl.DataFrame, rank: pl.Series, key: list[str]) -> bool:
    """Whether every row matched by hash names the very contract it was matched to."""
    same = [probe.get_column(k).eq_missing(owners.get_column(k).gather(rank)) for k in key]
    return bool(pl.select((rank.is_null() | pl.all_horizontal(same)).all()).item())


def _link(
    table: str,
    frame: pl.DataFrame,
    rank: pl.Series,
    contracts: pl.DataFrame,
    file: str,
    ids_per_freelancer: bool,
) -> pl.DataFrame:
    """Check each row against its contract (by ``rank``) and put it in the one order.

    The contract must exist (and belong to the row's freelancer, if given); feedback may not
    predate it. Rows sort by contract rank, a number, rather than by two strings, and tables
    take the freelancer from the contract.
    """
    joined = frame.with_columns(rank)
    where = "for this freelancer" if ids_per_freelancer else "in the contracts table"
    rules = [
        _Rule(
            "contract",
            pl.col("contract").is_not_null() & pl.col(_RANK).is_null(),
            lambda row: f"unknown contract {_show(row['contract'])} (no such contract {where})",
        )
    ]
    owner = contracts.get_column("freelancer").gather
    if not ids_per_freelancer and joined.get_column("freelancer").null_count() < joined.height:
        joined = joined.with_columns(owner(rank).alias("__owner"))
        rules.append(
            _Rule(
                "freelancer",
                pl.col("freelancer") != pl.col("__owner"),
                lambda row: (
                    f"contract {_show(row['contract'])} belongs to freelancer "
                    f"{_show(row['__owner'])}, not {_show(row['freelancer'])}"
                ),
            )
        )
    if table == "feedback":
        joined = joined.with_columns(contracts.get_column("start").gather(rank).alias("__start"))
        rules.append(
            _Rule(
                "date",
                pl.col("date") < pl.col("__start"),
                lambda row: (
                    f"feedback dated {row['date']}, before the contract's start {row['__start']}"
                ),
            )
        )
    _report(joined, rules, file)
    if table == "actions":
        if not ids_per_freelancer:
            joined = joined.with_columns(
                pl.coalesce(pl.col("freelancer"), owner(rank)).alias("freelancer")
            )
        return ordered(joined, ORDER[table]).select(list(SCHEMAS[table]))
    # Sort numbers only, contract rank and date packed in one key; the strings (freelancer,
    # contract id) then come from the contracts, in rank order: moving 30M strings in a sort
    # costs more than everything else here.
    day = ORDER[table][2]
    key = pl.col(_RANK).cast(pl.UInt64) * pl.lit(2**32, pl.UInt64) + (
        pl.col(day).cast(pl.Int64) + 2**31
    ).cast(pl.UInt64)
    payload = [c for c in SCHEMAS[table] if c not in ("freelancer", "contract")]
    numbers = joined.select(key.alias("__key"), _RANK, *payload)
    by = ["__key", *ORDER[table][3:]]
    if in_order(numbers, by):
        return joined.select(owner(rank), "contract", *payload)
    done = sort(numbers, by)
    rank = done.get_column(_RANK)
    return done.select(
        owner(rank), contracts.get_column("id").gather(rank).alias("contract"), *payload
    )


# -- reporting -----------------------------------------------------------------------------


def _record(row: Mapping[str, Any]) -> str:
    """JSON rows carry their label; table rows are named by number and contract or client."""
    label = row.get(RECORD)
    if isinstance(label, str):
        return label
    context = [
        f"{name} {row[column]}"
        for name, column in (("contract", "id"), ("contract", "contract"), ("client", "client"))
        if isinstance(row.get(column), str) and row[column]
    ][:1]
    return f"{row[ROW] + 1}" + (f" ({context[0]})" if context else "")


def _report(frame: pl.DataFrame, rules: list[_Rule], file: str) -> None:
    """Raise `InputError` listing the first offending rows (in input order), if any."""
    if not rules or frame.height == 0:
        return
    flags = [f"__bad{i}" for i in range(len(rules))]
    hits = (
        frame.lazy()
        .with_columns(r.bad.fill_null(False).alias(n) for r, n in zip(rules, flags, strict=True))
        .filter(pl.any_horizontal(flags))
        .sort(ROW)
        .head(MAX_ERRORS + 1)
        .collect()
    )
    if hits.height == 0:
        return
    found: list[tuple[str, str, str]] = []
    for row in hits.head(MAX_ERRORS).iter_rows(named=True):
        rule = next(r for r, n in zip(rules, flags, strict=True) if row[n])
        found.append((rule.says(row), _record(row), rule.field))
    lines = [found[0][0]]
    lines += [
        str(InputError(says, file=file, record=rec, field=fld)) for says, rec, fld in found[1:]
    ]
    if hits.height > MAX_ERRORS:
        lines.append(f"(stopped after {MAX_ERRORS} errors)")
    raise InputError("\n".join(lines), file=file, record=found[0][1], field=found[0][2])
