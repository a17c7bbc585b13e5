"""The ledger's records: what a sender may append, validated, and how each becomes a log row.

The history format (`jobsuccess.model`) describes state: a contract with its end, its
payments, its feedback. The ledger stores the events that build that state, each with an id:

=================== ==========================================================================
kind                fields
=================== ==========================================================================
``contract``        freelancer, contract, client, type, start (and optionally end, ended_by,
                    end_reason, client_feedback when the contract is reported already ended;
                    agency when the contract is done for one; category, the work's category)
``contract_update`` freelancer, contract and any of end, ended_by, end_reason,
                    client_feedback (the stars the freelancer gave the client, migration
                    0005): a later fact about a contract; folding keeps, field by field, the
                    last value given
``payment``         freelancer, contract, date, amount (refunds are negative)
``feedback``        freelancer, contract, date, stars (1-5), recommend (0-10, private)
``dispute``         freelancer, contract, opened, outcome (null while pending)
``action``          type, date, and freelancer / contract / client / note as the type needs
                    (``account_hold``: the freelancer and an optional ``until`` day;
                    ``contract_paused``: a contract and its ``cause``);
                    ``appeal_rejected`` is kept for the record (an appeal a human decided
                    against, with the reason) but is not an engine input
=================== ==========================================================================

Ids: a sender chooses each record's id (1-200 printable characters, unique across the log);
sending the same record again is a no-op, sending different content under a known id is a
conflict. Ids are shown to the freelancer the record is about: a sender choosing ids must not
derive them from private content (`derived_id` keys them with the store's secret). Content is
compared by `digest`, a SHA-256 of the canonical content (kind plus every
content column, dates in ISO form, numbers as floats or ints by column), so ``5`` and ``5.0``
stars are the same record. `derived_id` makes the deterministic ids the importer and the
operator-action endpoints use when no id is given: HMACs under the store's own secret, so an
id reveals nothing about the record (migration 0004 rewrote the plain hashes stored before).

Every string is printable text without control characters, every number finite and bounded,
every date between 1970 and 2199 (`jobsuccess.limits`, shared with the loader, the options and
what-if scenarios): the limits that keep a record storable on both backends
(PostgreSQL refuses NUL characters) and computable by the engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Final, Literal

import polars as pl
import polars_hash as plh
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from jobsuccess.limits import FIRST_DAY, LAST_DAY, MAX_AMOUNT
from jobsuccess.model import (
    ACTION_TYPES,
    ContractType,
    DisputeOutcome,
    EndedBy,
    EndReason,
    PauseCause,
)

#: A printable identifier (freelancer, contract, client, record id).
Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]
#: Free text (an operator's note): printable, newlines and tabs allowed.
Note = Annotated[
    str, StringConstraints(max_length=4000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
]
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Dates come as ``YYYY-MM-DD`` (or as dates from Python): no timestamps, no other forms."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


#: A calendar day between 1970 and 2199, written ``YYYY-MM-DD``.
Day = Annotated[dt.date, BeforeValidator(_iso_date), Field(ge=FIRST_DAY, le=LAST_DAY)]

StoredActionType = Literal[
    "feedback_removed",
    "client_flagged",
    "appeal_upheld",
    "appeal_rejected",
    "report_upheld",
    "account_hold",
    "contract_paused",
]
Kind = Literal["contract", "contract_update", "payment", "feedback", "dispute", "action"]

KINDS: Final[tuple[Kind, ...]] = (
    "contract",
    "contract_update",
    "payment",
    "feedback",
    "dispute",
    "action",
)
#: Action types that reach the engine (the rest are kept for the record only).
ENGINE_ACTIONS: Final = frozenset(ACTION_TYPES)

#: The log columns that make a record's content, in digest order.
CONTENT_COLUMNS: Final = (
    "kind",
    "freelancer",
    "contract",
    "client",
    "contract_type",
    "start",
    "end",
    "ended_by",
    "end_reason",
    "date",
    "amount",
    "stars",
    "recommend",
    "outcome",
    "action_type",
    "note",
)
#: Content columns added after the first release, in digest order. Each is part of a
#: record's canonical text only when set (``|name=value`` after the others), so every record
#: stored before it existed keeps its digest and its derived id.
ADDED_CONTENT: Final = ("agency", "category", "until", "cause", "note_public", "client_feedback")
_FLOATS: Final = frozenset({"amount", "stars", "client_feedback"})
_BOOLS: Final = frozenset({"note_public"})
_INTS: Final = frozenset({"recommend"})
_DATES: Final = frozenset({"start", "end", "date", "until"})


#: The stars (1-5) a freelancer gave the client at a contract's end (``client_feedback``).
ClientStars = Annotated[
    float,
    Field(
        ge=1,
        le=5,
        allow_inf_nan=False,
        strict=True,
        description="the stars the freelancer gave the client (jobsuccess raters reads them)",
    ),
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident = Field(description="unique across the ledger; resending the same record is a no-op")


class ContractRecord(_Record):
    """A contract came into being (optionally reported already ended)."""

    kind: Literal["contract"]
    freelancer: Ident
    contract: Ident
    client: Ident
    type: ContractType
    start: Day
    end: Day | None = None
    ended_by: EndedBy | None = None
    end_reason: EndReason | None = Field(
        default=None, description="private: never shown to freelancers or clients"
    )
    agency: Ident | None = Field(
        default=None, description="the agency the contract is done for (its score counts it)"
    )
    category: Ident | None = Field(
        default=None, description="the work's category (Top Rated Plus's large-contract bar)"
    )
    client_feedback: ClientStars | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> ContractRecord:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class ContractUpdateRecord(_Record):
    """A later fact about a contract: it ended, who ended it, why. Null fields change nothing."""

    kind: Literal["contract_update"]
    freelancer: Ident
    contract: Ident
    end: Day | None = None
    ended_by: EndedBy | None = None
    end_reason: EndReason | None = Field(
        default=None, description="private: never shown to freelancers or clients"
    )
    client_feedback: ClientStars | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ContractUpdateRecord:
        if all(v is None for v in (self.end, self.ended_by, self.end_reason, self.client_feedback)):
            raise ValueError(
                "a contract update needs at least one of end, ended_by, end_reason, client_feedback"
            )
        return self


class PaymentRecord(_Record):
    kind: Literal["payment"]
    freelancer: Ident
    contract: Ident
    date: Day
    amount: float = Field(
        ge=-MAX_AMOUNT,
        le=MAX_AMOUNT,
        allow_inf_nan=False,
        strict=True,
        description="refunds are negative",
    )


class FeedbackRecord(_Record):
    """End-of-contract feedback: public stars and the private 0-10 answer."""

    kind: Literal["feedback"]
    freelancer: Ident
    contract: Ident
    date: Day
    stars: float | None = Field(default=None, ge=1, le=5, allow_inf_nan=False, strict=True)
    recommend: int | None = Field(
        default=None,
        ge=0,
        le=10,
        strict=True,
        description="private: never shown to freelancers or clients",
    )

    @model_validator(mode="after")
    def _says_something(self) -> FeedbackRecord:
        if self.stars is None and self.recommend is None:
            raise ValueError("feedback needs stars, recommend or both")
        return self


class DisputeRecord(_Record):
    kind: Literal["dispute"]
    freelancer: Ident
    contract: Ident
    opened: Day
    outcome: DisputeOutcome | None = Field(default=None, description="null while pending")


class ActionRecord(_Record):
    """An operator's action. What each type needs (the history format's rules,
    `jobsuccess.io.checks`, so a stored action always folds into a loadable history):

    client_flagged: client (freelancer empty = marketplace-wide); account_hold: freelancer
    only (it is about the account: no contract, no client), optionally ``until`` (not before
    ``date``); contract_paused: freelancer, contract and ``cause``; feedback_removed,
    appeal_upheld, appeal_rejected, report_upheld: freelancer and contract.
    """

    kind: Literal["action"]
    type: StoredActionType
    date: Day
    freelancer: Ident | None = None
    contract: Ident | None = None
    client: Ident | None = None
    note: Note | None = Field(
        default=None, description="operators only, unless note_public (migration 0004)"
    )
    note_public: bool = Field(
        default=False,
        strict=True,
        description="the note may be shown to the freelancer (false: operators only)",
    )
    until: Day | None = Field(default=None, description="account_hold: the hold's last day")
    cause: PauseCause | None = Field(
        default=None, description="contract_paused: why (client or inactivity)"
    )

    @model_validator(mode="after")
    def _targets(self) -> ActionRecord:
        if self.type == "client_flagged":
            if self.client is None:
                raise ValueError("client_flagged needs a client")
        elif self.type == "account_hold":
            if self.contract is not None or self.client is not None:
                raise ValueError(
                    "account_hold is about the freelancer's account: it names no contract "
                    "and no client"
                )
            if self.freelancer is None:
                raise ValueError("account_hold needs a freelancer")
        elif self.freelancer is None or self.contract is None:
            raise ValueError(f"{self.type} needs a freelancer and a contract")
        if self.contract is not None and self.freelancer is None:
            raise ValueError("an action on a contract needs its freelancer")
        if self.type == "contract_paused" and self.cause is None:
            raise ValueError("contract_paused needs a cause (client or inactivity)")
        if self.type != "contract_paused" and self.cause is not None:
            raise ValueError(f"only a contract_paused action has a cause, not {self.type}")
        if self.until is not None:
            if self.type != "account_hold":
                raise ValueError(f"only an account_hold action has an until date, not {self.type}")
            if self.until < self.date:
                raise ValueError(f"until {self.until} is before the action's date {self.date}")
        return self


Record = Annotated[
    ContractRecord
    | ContractUpdateRecord
    | PaymentRecord
    | FeedbackRecord
    | DisputeRecord
    | ActionRecord,
    Field(discriminator="kind"),
]

#: Record field -> log column, where they differ.
_COLUMN_OF: Final = {"type": "contract_type", "opened": "date"}
_ACTION_COLUMN_OF: Final = {"type": "action_type"}


def to_row(record: BaseModel) -> dict[str, Any]:
    """The log row of a validated record (id, content columns, digest)."""
    data = record.model_dump()
    rename = _ACTION_COLUMN_OF if data["kind"] == "action" else _COLUMN_OF
    row: dict[str, Any] = dict.fromkeys((*CONTENT_COLUMNS, *ADDED_CONTENT))
    for key, value in data.items():
        if key != "id":
            row[rename.get(key, key)] = value
    row["id"] = data["id"]
    if not row.get("note_public"):
        # stored only when set: an action sent before 0004 (or sent again without the flag)
        # keeps its digest
        row["note_public"] = None
    row["digest"] = digest(row)
    return row


# --- canonical content ----------------------------------------------------------------------
# One value -> one unambiguous text: strings length-prefixed (no separator can collide), floats
# by repr (shortest round-trip form), integers in decimal, dates ISO, null as "~". A record's
# canonical text joins its CONTENT_COLUMNS with "|"; the same formatters serve one record (the
# API) and a million (the importer, column by column).

NULL: Final = "~"


def _text(value: str) -> str:
    return f"{len(value)}:{value}"


def _number(value: float) -> str:
    return repr(float(value))


def _integer(value: int) -> str:
    return str(int(value))


def _day(value: dt.date) -> str:
    return value.isoformat()


def _flag(value: bool) -> str:
    return "1" if value else "0"


#: The formatter of each content column.
FORMAT: Final[dict[str, Callable[[Any], str]]] = {
    c: _number
    if c in _FLOATS
    else _integer
    if c in _INTS
    else _day
    if c in _DATES
    else _flag
    if c in _BOOLS
    else _text
    for c in (*CONTENT_COLUMNS, *ADDED_CONTENT)
}


def canonical_column(column: str, values: Iterable[Any]) -> list[str]:
    """The canonical texts of one column's values."""
    fmt = FORMAT[column]
    return [NULL if v is None else fmt(v) for v in values]


#: Polars prints a float as ``repr`` does (shortest round trip) except below this magnitude,
#: where repr switches to an exponent (``1e-05``) and polars does not: those few go through
#: Python (a test compares both over edge values).
_REPR_BELOW: Final = 1e-4


def _column_text(column: str) -> pl.Expr:
    """`FORMAT` of one column as a polars expression (null stays null)."""
    c = pl.col(column)
    if column in _FLOATS:
        tiny = (c.abs() < _REPR_BELOW) & (c != 0)
        return (
            pl.when(tiny)
            .then(c.map_elements(_number, return_dtype=pl.String, skip_nulls=True))
            .otherwise(c.cast(pl.String))
        )
    if column in _INTS:
        return c.cast(pl.Int64).cast(pl.String)
    if column in _DATES:
        return c.dt.to_string("%Y-%m-%d")
    if column in _BOOLS:
        return pl.when(c).then(pl.lit("1")).when(c.not_()).then(pl.lit("0"))
    return pl.concat_str(c.str.len_chars().cast(pl.String), pl.lit(":"), c)


def canonical_expr() -> pl.Expr:
    """`canonical` of every row of a frame of log columns, column by column in polars: the
    importer's path (a million rows in a second, where the per-row form takes a minute)."""
    base = pl.concat_str([_column_text(c).fill_null(NULL) for c in CONTENT_COLUMNS], separator="|")
    added = [
        pl.when(pl.col(c).is_not_null())
        .then(pl.concat_str(pl.lit(f"|{c}="), _column_text(c)))
        .otherwise(pl.lit(""))
        for c in ADDED_CONTENT
    ]
    return pl.concat_str([base, *added])


def contract_id_text() -> pl.Expr:
    """What `plain_id` hashes for a contract record (``plain_id("contract", f, c)``)."""
    return pl.concat_str(
        pl.lit(_part("contract")),
        pl.lit("|"),
        _column_text("freelancer").fill_null(NULL),
        pl.lit("|"),
        _column_text("contract").fill_null(NULL),
    )


def with_derived_ids(frame: pl.DataFrame, secret: str | None) -> pl.DataFrame:
    """``frame`` (log columns, one row a record) with the importer's ``id`` and ``digest`` of
    every row, derived column by column in polars: the same SHA-256 and HMAC as `digest` and
    `derived_id_of` compute row by row (polars-hash's, in Rust; a test compares the two), so a
    million records take a second, not the per-row loop's minute.

    A contract record's id is that of (freelancer, contract) alone (`contract_id_text`); any
    other record's is `plain_id_of` its canonical text and its occurrence number among
    records with the same content (two equal payments on one day are two payments). Ids are
    `keyed_id` under ``secret``, or plain when ``secret`` is None (tests and the migration
    only).
    """
    texts = frame.select(
        canonical_expr().alias("canon"),
        pl.when(pl.col("kind") == "contract").then(contract_id_text()).alias("contract"),
    ).with_columns(digest=plh.col("canon").chash.sha2_256())
    # The occurrence number: 0 but for repeated content. Rows whose 64-bit hash repeats are
    # the candidates (a collision only costs an exact count), counted by digest among them.
    repeated = pl.col("canon").hash().is_duplicated()
    occurrence = (
        pl.when(repeated)
        .then(pl.int_range(pl.len()).over(pl.when(repeated).then(pl.col("digest"))))
        .otherwise(0)
    )
    hashed = pl.coalesce(
        pl.col("contract"),
        pl.concat_str(pl.col("canon"), pl.lit("|"), occurrence.cast(pl.String)),
    )
    plain = pl.lit("d-") + plh.col("hashed").chash.sha2_256().str.slice(0, 32)
    ids = texts.select("digest", hashed.alias("hashed")).select("digest", plain.alias("plain"))
    if secret is not None:
        keyed = plh.col("plain").chash.hmac_sha256(key=secret).str.slice(0, 32)
        ids = ids.with_columns(plain=pl.lit("k-") + keyed)
    return frame.with_columns(ids.get_column("plain").alias("id"), ids.get_column("digest"))


def canonical(row: Mapping[str, Any]) -> str:
    """A row's canonical content: CONTENT_COLUMNS, formatted, joined by ``|``, then the
    `ADDED_CONTENT` that is set."""
    base = "|".join(NULL if (v := row.get(c)) is None else FORMAT[c](v) for c in CONTENT_COLUMNS)
    return base + "".join(added_content(c, row.get(c)) for c in ADDED_CONTENT)


def added_content(column: str, value: Any) -> str:
    """The canonical text one `ADDED_CONTENT` column adds: nothing when it is not set."""
    return "" if value is None else f"|{column}={FORMAT[column](value)}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def digest(row: Mapping[str, Any]) -> str:
    """SHA-256 of a row's canonical content (the id is not content)."""
    return sha256(canonical(row))


def _part(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dt.date):
        return _day(value)
    if isinstance(value, float):
        return _number(value)
    return _integer(value)


def plain_id(*parts: Any) -> str:
    """The unkeyed id of some content: what the importer and the action endpoints stored
    before migration 0004. It reveals the content (anyone can hash guesses), so it is never
    stored any more; `keyed_id` of it is.

    ``plain_id(*content, n)`` of a row's content values equals
    ``plain_id_of(canonical(row), n)``: the importer derives ids from canonical texts.
    """
    return "d-" + sha256("|".join(_part(p) for p in parts))[:32]


def plain_id_of(canonical_text: str, n: int) -> str:
    return "d-" + sha256(f"{canonical_text}|{n}")[:32]


#: The form of a plain id (`plain_id`): migration 0004 rewrites stored ids of this form.
PLAIN_ID: Final = re.compile(r"d-[0-9a-f]{32}")


def keyed_id(secret: str, plain: str) -> str:
    """An id that reveals nothing about the content without the store's secret: an HMAC of
    the plain id, so a store migrated from plain ids and a rerun import agree."""
    mac = hmac.new(secret.encode(), plain.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "k-" + mac.hexdigest()[:32]


def derived_id(*parts: Any, secret: str) -> str:
    """A deterministic record id from content, keyed with the store's secret
    (`jobsuccess.store.db.Database.id_secret`): the same content gives the same id in one
    store (re-imports and resent actions stay no-ops) and an id reveals nothing."""
    return keyed_id(secret, plain_id(*parts))


def derived_id_of(canonical_text: str, n: int, *, secret: str) -> str:
    return keyed_id(secret, plain_id_of(canonical_text, n))


def _canonical(column: str, value: Any) -> Any:
    """A stored value in its JSON form."""
    if value is None:
        return None
    if column in _FLOATS:
        return float(value)
    if column in _INTS:
        return int(value)
    if column in _BOOLS:
        return bool(value)
    if column in _DATES:
        return value.isoformat()
    return value


def from_row(row: Mapping[str, Any], *, private: bool = True) -> dict[str, Any]:
    """A log row back in its record form (the JSON the API returns).

    ``private=False`` drops the private fields (``recommend``, ``end_reason``) that never
    reach a freelancer or a client, and an action's note unless the operator marked it public
    (the note is then null, whether there was one or not; ``note_public`` is not shown).
    """
    kind = row["kind"]
    out: dict[str, Any] = {"id": row["id"], "kind": kind}
    fields = _FIELDS[kind]
    rename = _ACTION_COLUMN_OF if kind == "action" else _COLUMN_OF
    for field in fields:
        if not private and field in PRIVATE_FIELDS:
            continue
        value = row.get(rename.get(field, field))
        if field == "note_public":
            if private:
                out[field] = bool(value)
            continue
        if field == "note" and not private and not row.get("note_public"):
            value = None
        out[field] = _canonical(rename.get(field, field), value) if value is not None else None
    return out


#: Fields of each kind in record order (without id and kind).
_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "contract": (
        "freelancer",
        "contract",
        "client",
        "type",
        "start",
        "end",
        "ended_by",
        "end_reason",
        "agency",
        "category",
        "client_feedback",
    ),
    "contract_update": (
        "freelancer",
        "contract",
        "end",
        "ended_by",
        "end_reason",
        "client_feedback",
    ),
    "payment": ("freelancer", "contract", "date", "amount"),
    "feedback": ("freelancer", "contract", "date", "stars", "recommend"),
    "dispute": ("freelancer", "contract", "opened", "outcome"),
    "action": (
        "type",
        "date",
        "freelancer",
        "contract",
        "client",
        "note",
        "note_public",
        "until",
        "cause",
    ),
}
#: Private feedback (docs/domain.md section 10): operators only.
PRIVATE_FIELDS: Final = frozenset({"recommend", "end_reason"})
