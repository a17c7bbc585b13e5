"""What each table of the history format holds, field by field.

One declaration drives both readers (which keys and columns exist) and the checks (how each
value is parsed and bounded), so the JSON and table formats cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from jobsuccess.model import (
    ACTION_TYPES,
    CONTRACT_TYPES,
    DISPUTE_OUTCOMES,
    END_REASONS,
    ENDED_BY,
    PAUSE_CAUSES,
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


_FREELANCER: Final = Field("freelancer")

#: Fields per table, in the order the table format writes them. ``freelancers`` exists only
#: in JSON (one row per freelancer object); ``freelancer`` is optional on the tables other
#: than contracts (the loader joins it in from the contract).
FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "freelancers": (Field("freelancer", required=True),),
    "contracts": (
        Field("freelancer", required=True),
        Field("id", required=True),
        Field("client", required=True),
        Field("type", required=True, values=CONTRACT_TYPES),
        Field("start", "date", required=True),
        Field("end", "date"),
        Field("ended_by", values=ENDED_BY),
        Field("end_reason", values=END_REASONS),
        Field("category"),
        Field("agency"),
        Field("client_feedback", "number", bounds=(1, 5)),
    ),
    "payments": (
        _FREELANCER,
        Field("contract", required=True),
        Field("date", "date", required=True),
        Field("amount", "number", required=True),
    ),
    "feedback": (
        _FREELANCER,
        Field("contract", required=True),
        Field("date", "date", required=True),
        Field("stars", "number", bounds=(1, 5)),
        Field("recommend", "integer", bounds=(0, 10)),
    ),
    "disputes": (
        _FREELANCER,
        Field("contract", required=True),
        Field("opened", "date", required=True),
        Field("outcome", values=DISPUTE_OUTCOMES),
    ),
    "actions": (
        _FREELANCER,
        Field("type", required=True, values=ACTION_TYPES),
        Field("date", "date", required=True),
        Field("contract"),
        Field("client"),
        Field("note"),
        Field("until", "date"),
        Field("cause", values=PAUSE_CAUSES),
    ),
}

#: Action types that name a contract; the others name a client.
CONTRACT_ACTIONS: Final = ("feedback_removed", "appeal_upheld", "report_upheld", "contract_paused")
CLIENT_ACTIONS: Final = ("client_flagged",)
#: Action types about the freelancer's account: they name neither a contract nor a client.
ACCOUNT_ACTIONS: Final = ("account_hold",)
