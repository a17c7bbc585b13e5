"""The what-if scenario format: a JSON list of hypothetical events, validated with pydantic.

    {"events": [
      {"type": "end_contract", "contract": "c4", "feedback": {"stars": 5.0}},
      {"type": "add_contract", "id": "n1", "client": "acme", "start": "2024-10-01",
       "end": "2024-10-20", "payments": [{"date": "2024-10-10", "amount": 800}],
       "feedback": {"date": "2024-10-21", "stars": 4.9, "recommend": 10}},
      {"type": "payment", "contract": "c5", "amount": 120},
      {"type": "feedback", "contract": "c7", "stars": 4.0},
      {"type": "remove_feedback", "contract": "c2"},
      {"type": "flag_client", "client": "k3", "note": "rates everyone harshly"},
      {"type": "appeal", "contract": "c2"},
      {"type": "policy", "policy": "2023-12"}
    ]}

Dates default to the as-of date. Errors are `InputError` naming the file, the event and the
field.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jobsuccess.errors import InputError
from jobsuccess.model import ContractType, EndedBy, EndReason


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(_Model):
    date: dt.date | None = Field(default=None, description="default: the contract's end")
    stars: float | None = Field(default=None, ge=1.0, le=5.0, description="public rating")
    recommend: int | None = Field(default=None, ge=0, le=10, description="private 0-10 answer")


class Payment(_Model):
    date: dt.date | None = None
    amount: float


class EndContract(_Model):
    type: Literal["end_contract"]
    contract: str
    date: dt.date | None = None
    ended_by: EndedBy = "freelancer"
    end_reason: EndReason | None = Field(default=None, description="private: the client's reason")
    feedback: Feedback | None = None


class AddContract(_Model):
    type: Literal["add_contract"]
    id: str = Field(min_length=1)
    client: str = Field(min_length=1)
    contract_type: ContractType = "fixed"
    start: dt.date | None = None
    end: dt.date | None = None
    ended_by: EndedBy | None = None
    end_reason: EndReason | None = None
    payments: tuple[Payment, ...] = ()
    feedback: Feedback | None = None


class AddPayment(_Model):
    type: Literal["payment"]
    contract: str
    date: dt.date | None = None
    amount: float


class AddFeedback(_Model):
    type: Literal["feedback"]
    contract: str
    date: dt.date | None = None
    stars: float | None = Field(default=None, ge=1.0, le=5.0)
    recommend: int | None = Field(default=None, ge=0, le=10)


class RemoveFeedback(_Model):
    type: Literal["remove_feedback"]
    contract: str
    date: dt.date | None = None
    note: str | None = None


class FlagClient(_Model):
    type: Literal["flag_client"]
    client: str
    date: dt.date | None = None
    note: str | None = None


class Appeal(_Model):
    type: Literal["appeal"]
    contract: str
    date: dt.date | None = None
    note: str | None = None


class ChangePolicy(_Model):
    type: Literal["policy"]
    policy: str = Field(min_length=1, description="a shipped policy name or a TOML file")


Event = Annotated[
    EndContract
    | AddContract
    | AddPayment
    | AddFeedback
    | RemoveFeedback
    | FlagClient
    | Appeal
    | ChangePolicy,
    Field(discriminator="type"),
]
OPERATOR_ONLY = ("remove_feedback", "flag_client", "appeal", "policy")
"""Events that change someone else's decision: a freelancer may not probe with them."""


class Scenario(_Model):
    description: str | None = None
    events: tuple[Event, ...] = Field(min_length=1)


def parse(data: Any, file: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        record = None
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            record = f"event #{loc[1] + 1}"
            loc = (
                loc[3:]
                if len(loc) > 2 and isinstance(loc[2], str) and loc[2] in _TYPES
                else loc[2:]
            )
        field = ".".join(str(p) for p in loc) or None
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field = "type"
        raise InputError(first["msg"], file=file, record=record, field=field) from None


_TYPES = (
    "end_contract",
    "add_contract",
    "payment",
    "feedback",
    "remove_feedback",
    "flag_client",
    "appeal",
    "policy",
)


def load(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    if path.is_dir():
        raise InputError("is a folder, not a scenario file", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            raise InputError("the file is empty (expected a JSON scenario)", file=str(path))
        data = json.loads(text)
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from None
    return parse(data, str(path))
