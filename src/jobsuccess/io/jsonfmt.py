"""The JSON format: one freelancer per object (or an array of them), contracts nested.

Reading only reshapes: it flattens the nesting into the tables the checks expect, labels each
row with the record it came from, and turns a value of the wrong JSON type into text the
checks reject. The field checks themselves live in `jobsuccess.io.checks`, shared with tables.
"""

from __future__ import annotations

import codecs
import json
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.io.atomic import write_file_atomically
from jobsuccess.io.checks import Raw
from jobsuccess.io.fields import FIELDS, RECORD, ROW, WRONG_TYPE, Kind
from jobsuccess.io.order import ORDER, ordered
from jobsuccess.model import History


def _names(
    table: str, *nested: str, drop: tuple[str, ...] = ("freelancer", "contract")
) -> tuple[str, ...]:
    return (*(f.name for f in FIELDS[table] if f.name not in drop), *nested)


#: The keys each object may have: the table's fields, less those its parents give.
_KEYS: Final = {
    "freelancer": ("freelancer", "contracts", "actions"),
    "contract": _names("contracts", "payments", "feedback", "dispute"),
    "payment": _names("payments"),
    "feedback": _names("feedback"),
    "dispute": _names("disputes"),
    "action": _names("actions", drop=("freelancer",)),
}
_CONTRACT_FIELDS: Final = _names("contracts")


# -- reading -------------------------------------------------------------------------------


def read_json(path: Path) -> dict[str, Raw]:
    """Parse a history JSON file into raw tables for `jobsuccess.io.checks.validate`."""
    file = str(path)
    try:
        data = path.read_bytes()
        if not data.strip():
            raise InputError("the file is empty (expected a JSON history)", file=file)
        doc = json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise InputError(
            f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}", file=file
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputError(f"cannot read JSON: {e}", file=file) from None
    return _Flattener(file).flatten(doc)


#: A JSON array is read an element at a time (`json_elements`); one element (a freelancer)
#: may take at most this much text.
MAX_ELEMENT_CHARS: Final = 256 * 2**20
_READ: Final = 2**20


def json_elements(path: Path) -> Iterator[object]:
    """The freelancer objects of a history JSON file, one at a time, with `read_json`'s
    errors: an array is read in pieces (memory: about one element), an object whole."""
    file = str(path)
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys)
    try:
        with path.open("rb") as raw:
            text = codecs.getincrementaldecoder("utf-8")()
            buf, pos, eof = "", 0, False
            lines, column = 0, 0  # where buf starts in the file: lines and column before it

            def more(size: int = _READ) -> None:
                nonlocal buf, pos, eof, lines, column
                consumed = buf[:pos]
                newlines = consumed.count("\n")
                lines += newlines
                column = (
                    len(consumed) - consumed.rindex("\n") - 1
                    if newlines
                    else column + len(consumed)
                )
                chunk = raw.read(size)
                eof = not chunk
                buf = buf[pos:] + text.decode(chunk, final=eof)
                pos = 0

            def skip() -> str:
                nonlocal pos
                while True:
                    while pos < len(buf) and buf[pos] in " \t\n\r":
                        pos += 1
                    if pos < len(buf) or eof:
                        return buf[pos] if pos < len(buf) else ""
                    more()

            def invalid(message: str, at: int) -> InputError:
                line = lines + buf.count("\n", 0, at) + 1
                start = buf.rfind("\n", 0, at)
                col = at - start if start >= 0 else column + at + 1
                return InputError(
                    f"not valid JSON: {message} at line {line} column {col}", file=file
                )

            first = skip()
            if not first:
                raise InputError("the file is empty (expected a JSON history)", file=file)
            if first != "[":
                yield from _whole(path)
                return
            pos += 1
            if skip() == "]":
                pos += 1
            else:
                while True:
                    skip()
                    while True:
                        try:
                            element, end = decoder.raw_decode(buf, pos)
                            break
                        except json.JSONDecodeError as e:
                            if eof:
                                raise invalid(e.msg, e.pos) from None
                            if len(buf) - pos > MAX_ELEMENT_CHARS:
                                raise InputError(
                                    f"a freelancer object over {MAX_ELEMENT_CHARS:,} characters "
                                    f"(at line {lines + buf.count(chr(10), 0, pos) + 1})",
                                    file=file,
                                ) from None
                            more(max(_READ, len(buf)))
                    yield element
                    pos = end
                    after = skip()
                    if after == ",":
                        pos += 1
                        continue
                    if after == "]":
                        pos += 1
                        break
                    raise invalid("Expecting ',' delimiter", pos)
            if skip():
                raise invalid("Extra data", pos)
    except OSError as e:
        raise InputError(f"cannot read JSON: {e}", file=file) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        if isinstance(e, InputError):
            raise
        raise InputError(f"cannot read JSON: {e}", file=file) from None


def _whole(path: Path) -> Iterator[object]:
    """A document that is not an array: read whole (`read_json`'s parse), its elements."""
    file = str(path)
    try:
        doc = json.loads(path.read_bytes(), object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise InputError(
            f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}", file=file
        ) from None
    if not isinstance(doc, dict):
        raise InputError("expected a freelancer object or an array of them", file=file)
    yield doc


def flatten_json(file: str, docs: Sequence[object], first: int = 0) -> dict[str, Raw]:
    """Some freelancer objects of ``file`` (the first being element ``first``, counted from
    0, of the file) as raw tables, as `read_json` gives them."""
    return _Flattener(file, first).flatten(list(docs))


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(f"duplicate key {key!r} in an object")
        obj[key] = value
    return obj


def _encode(kind: Kind, value: object) -> str | None:
    """A JSON value as the text the checks parse; a wrong JSON type is marked as such."""
    if value is None:
        return None
    if kind in ("number", "integer"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value)
    elif isinstance(value, str):
        return value
    return WRONG_TYPE + json.dumps(value, ensure_ascii=False)


class _Flattener:
    """Collects the rows of every table, column by column, walking the document once."""

    def __init__(self, file: str, first: int = 0) -> None:
        self.file = file
        self.first = first
        self.columns: dict[str, dict[str, list[str | None]]] = {
            table: {f.name: [] for f in fields} for table, fields in FIELDS.items()
        }
        self.records: dict[str, list[str]] = {table: [] for table in FIELDS}

    def flatten(self, doc: object) -> dict[str, Raw]:
        if isinstance(doc, dict):
            docs: list[object] = [doc]
        elif isinstance(doc, list):
            docs = doc
        else:
            raise InputError("expected a freelancer object or an array of them", file=self.file)
        for i, obj in enumerate(docs, self.first):
            self._freelancer(i, obj)
        return {
            table: Raw(
                pl.DataFrame(
                    {
                        name: pl.Series(name, values, dtype=pl.String)
                        for name, values in cols.items()
                    }
                ).with_columns(
                    pl.Series(RECORD, self.records[table], dtype=pl.String),
                    pl.int_range(len(self.records[table]), dtype=pl.UInt32).alias(ROW),
                ),
                self.file,
            )
            for table, cols in self.columns.items()
        }

    def _add(self, table: str, record: str, values: Mapping[str, str | None]) -> None:
        for name, column in self.columns[table].items():
            column.append(values.get(name))
        self.records[table].append(record)

    def _object(self, value: object, what: str, record: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InputError(f"expected a {what} object", file=self.file, record=record)
        return value

    def _known(self, obj: Mapping[str, Any], what: str, record: str) -> None:
        for key in obj:
            if key not in _KEYS[what]:
                raise InputError(
                    f"unknown field (a {what} has {', '.join(_KEYS[what])})",
                    file=self.file,
                    record=record,
                    field=key,
                )

    def _list(self, obj: Mapping[str, Any], key: str, record: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InputError("expected a list", file=self.file, record=record, field=key)
        return value

    def _fields(self, table: str, what: str, value: object, record: str) -> dict[str, str | None]:
        """A leaf object (payment, feedback, dispute, action) as encoded field values."""
        obj = self._object(value, what, record)
        self._known(obj, what, record)
        return {f.name: _encode(f.kind, obj.get(f.name)) for f in FIELDS[table]}

    def _freelancer(self, i: int, value: object) -> None:
        obj = self._object(value, "freelancer", f"freelancer #{i + 1}")
        fid = obj.get("freelancer")
        record = f"freelancer {fid}" if isinstance(fid, str) and fid else f"freelancer #{i + 1}"
        self._known(obj, "freelancer", record)
        freelancer = _encode("text", fid)
        self._add("freelancers", record, {"freelancer": freelancer})
        if not isinstance(obj.get("contracts"), list):
            raise InputError(
                "expected a list of contracts" if "contracts" in obj else "required field missing",
                file=self.file,
                record=record,
                field="contracts",
            )
        for j, contract in enumerate(obj["contracts"]):
            self._contract(freelancer, record, j, contract)
        for j, action in enumerate(self._list(obj, "actions", record)):
            label = f"{record}, action #{j + 1}"
            fields = self._fields("actions", "action", action, label)
            self._add("actions", label, {**fields, "freelancer": freelancer})

    def _contract(self, freelancer: str | None, owner: str, j: int, value: object) -> None:
        obj = self._object(value, "contract", f"{owner}, contract #{j + 1}")
        cid = obj.get("id")
        named = isinstance(cid, str) and cid
        record = f"{owner}, contract {cid}" if named else f"{owner}, contract #{j + 1}"
        self._known(obj, "contract", record)
        fields = {f.name: _encode(f.kind, obj.get(f.name)) for f in FIELDS["contracts"]}
        self._add("contracts", record, {**fields, "freelancer": freelancer})
        parent = {"freelancer": freelancer, "contract": _encode("text", cid)}
        for k, payment in enumerate(self._list(obj, "payments", record)):
            label = f"{record}, payment #{k + 1}"
            self._add(
                "payments", label, {**self._fields("payments", "payment", payment, label), **parent}
            )
        for what, table in (("feedback", "feedback"), ("dispute", "disputes")):
            if obj.get(what) is not None:
                label = f"{record}, {what}"
                self._add(table, label, {**self._fields(table, what, obj[what], label), **parent})


# -- writing -------------------------------------------------------------------------------


def history_to_json(history: History) -> list[dict[str, Any]]:
    """The JSON documents of a history, one per freelancer, sorted, every field present.

    Marketplace-wide actions (no freelancer) have no place in this format: write tables.
    """
    return [doc for group in _documents(history) for doc in group]


#: Freelancers turned into JSON documents at a time: `dump_json` holds one group's.
JSON_GROUP: Final = 2_000


def _documents(history: History, group: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """`history_to_json`'s documents, a group of freelancers (in order) at a time."""
    group = group or JSON_GROUP
    actions = history.actions
    if actions.get_column("freelancer").null_count():
        raise ValueError(
            "the JSON format has no place for marketplace-wide actions (no freelancer): "
            "write the table format instead"
        )
    everyone = (
        pl.concat([history.contracts.get_column("freelancer"), actions.get_column("freelancer")])
        .unique()
        .sort()
    )
    for lo in range(0, everyone.len(), group):
        ids = everyone.slice(lo, group).implode()

        def mine(frame: pl.DataFrame, ids: pl.Series = ids) -> pl.DataFrame:
            return frame.filter(pl.col("freelancer").is_in(ids))

        payments = _grouped(mine(history.payments), "payments", _KEYS["payment"])
        feedback = _grouped(mine(history.feedback), "feedback", _KEYS["feedback"])
        disputes = _grouped(mine(history.disputes), "disputes", _KEYS["dispute"])
        contracts = _grouped(
            mine(history.contracts), "contracts", _CONTRACT_FIELDS, ("freelancer",)
        )
        acted = _grouped(mine(actions), "actions", _KEYS["action"], ("freelancer",))
        yield [
            {
                "freelancer": fid[0],
                "contracts": [
                    {
                        **c,
                        "payments": payments.get((*fid, c["id"]), []),
                        "feedback": _one(feedback.get((*fid, c["id"]))),
                        "dispute": _one(disputes.get((*fid, c["id"]))),
                    }
                    for c in contracts.get(fid, [])
                ],
                "actions": acted.get(fid, []),
            }
            for fid in sorted(set(contracts) | set(acted))
        ]


def dump_json(history: History, path: str | os.PathLike[str]) -> None:
    """Write ``history`` as JSON (an object for one freelancer, else an array), atomically.

    The bytes depend only on the history: records sorted, fields in format order, 2-space
    indent, trailing newline. Written a group of freelancers at a time: memory for the text
    does not grow with the number of freelancers.
    """
    groups = _documents(history)
    first = next(groups, [])
    write_file_atomically(Path(path), _json_text(first, groups))


def _json_text(
    first: list[dict[str, Any]], rest: Iterator[list[dict[str, Any]]]
) -> Iterator[bytes]:
    """The bytes `json.dumps(docs, indent=2)` gives (an object alone when there is one), in
    pieces: each document indented as an element of the array."""

    def dumps(doc: object) -> str:
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)

    more = next(rest, None)
    if more is None and len(first) == 1:
        yield (dumps(first[0]) + "\n").encode()
        return
    if more is None and not first:
        yield b"[]\n"
        return
    yield b"[\n"
    sep = ""
    for group in (first, *([more] if more is not None else [])):
        for doc in group:
            yield (sep + "  " + dumps(doc).replace("\n", "\n  ")).encode()
            sep = ",\n"
    for group in rest:
        for doc in group:
            yield (sep + "  " + dumps(doc).replace("\n", "\n  ")).encode()
            sep = ",\n"
    yield b"\n]\n"


def _grouped(
    frame: pl.DataFrame,
    table: str,
    fields: Sequence[str],
    key: Sequence[str] = ("freelancer", "contract"),
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Rows as JSON objects of ``fields``, in the one order, grouped by ``key``."""
    out: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in ordered(frame, ORDER[table]).iter_rows(named=True):
        out[tuple(row[k] for k in key)].append({f: _plain(row[f]) for f in fields})
    return out


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _one(rows: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    if rows and len(rows) > 1:
        raise ValueError(
            f"the JSON format holds at most one feedback and dispute per contract: {rows}"
        )
    return rows[0] if rows else None
