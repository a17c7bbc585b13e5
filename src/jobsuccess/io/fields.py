"""What each table of the history format holds, field by field.

One declaration drives both readers (which keys and columns exist) and the checks (how each
value is parsed and bounded), so the JSON and table formats cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import polars as pl

from jobsuccess.model import (
    ACTION_TYPES,
    CONTRACT_TYPES,
    DISPUTE_OUTCOMES,
    END_REASONS,
    ENDED_BY,
    PAUSE_CAUSES,
    SCHEMAS,
)

Kind = Literal["text", "date", "number", "integer"]

#: Prefix the JSON reader puts before a value of the wrong JSON type (rendered as JSON), so
#: that the shared checks can report it; CSV text never holds a NUL character.
WRONG_TYPE: Final = "\x00"

#: Columns the readers add to say where a row came from: its position in its table, and
#: (JSON only) a label naming the record.
ROW: Final = "__row"
RECORD: Final = "__record"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind = "text"
    required: bool = False
    values: tuple[str, ...] | None = None
    bounds: tuple[float, float] | None = None


_KINDS: Final[dict[type[pl.DataType], Kind]] = {
    pl.String: "text",
    pl.Date: "date",
    pl.Float64: "number",
    pl.Int8: "integer",
}
#: What the columns of `jobsuccess.model.SCHEMAS` (names, order and types: one declaration)
#: add for the readers and checks: required, the values allowed, numeric bounds.
_CHECKS: Final[dict[str, dict[str, dict[str, Any]]]] = {
    "contracts": {
        "freelancer": {"required": True},
        "id": {"required": True},
        "client": {"required": True},
        "type": {"required": True, "values": CONTRACT_TYPES},
        "start": {"required": True},
        "ended_by": {"values": ENDED_BY},
        "end_reason": {"values": END_REASONS},
        "client_feedback": {"bounds": (1, 5)},
    },
    "payments": {
        "contract": {"required": True},
        "date": {"required": True},
        "amount": {"required": True},
    },
    "feedback": {
        "contract": {"required": True},
        "date": {"required": True},
        "stars": {"bounds": (1, 5)},
        "recommend": {"bounds": (0, 10)},
    },
    "disputes": {
        "contract": {"required": True},
        "opened": {"required": True},
        "outcome": {"values": DISPUTE_OUTCOMES},
    },
    "actions": {
        "type": {"required": True, "values": ACTION_TYPES},
        "date": {"required": True},
        "cause": {"values": PAUSE_CAUSES},
    },
}


def _fields(table: str) -> tuple[Field, ...]:
    checks = _CHECKS[table]
    return tuple(
        Field(name, _KINDS[type(dtype)], **checks.get(name, {}))
        for name, dtype in SCHEMAS[table].items()
    )


#: Fields per table, in the order the table format writes them. ``freelancers`` exists only
#: in JSON (one row per freelancer object); ``freelancer`` is optional on the tables other
#: than contracts (the loader joins it in from the contract).
FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "freelancers": (Field("freelancer", required=True),),
    **{table: _fields(table) for table in SCHEMAS},
}

#: Action types that name a contract; the others name a client.
CONTRACT_ACTIONS: Final = ("feedback_removed", "appeal_upheld", "report_upheld", "contract_paused")
CLIENT_ACTIONS: Final = ("client_flagged",)
#: Action types about the freelancer's account: they name neither a contract nor a client.
ACCOUNT_ACTIONS: Final = ("account_hold",)
