"""The what-if scenario format: hypothetical events, validated with pydantic.

A scenario is an object with ``events`` (and an optional ``description``), or just the list
of events:

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

Dates default to the as-of date and may not be later (an event after it cannot change the
score as of then). Input is checked like the store's records (`jobsuccess.limits`): dates
within 1970-01-01..2199-12-31, amounts finite and within a billion either way, text of bounded
length. A ``policy`` event names a policy of the book, never a file. Errors are `InputError`
naming the file, the event and the field. No I/O: the CLI reads the file, the service the
request's body, and both hand the parsed JSON to `parse`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from jobsuccess.errors import InputError
from jobsuccess.limits import FIRST_DAY, LAST_DAY, MAX_AMOUNT, MAX_SCENARIO_EVENTS
from jobsuccess.model import ContractType, EndedBy, EndReason


def _iso_day(value: Any) -> Any:
    """``YYYY-MM-DD`` text (or a date from Python): not a number of seconds, not a timestamp."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


#: A day as the store's records take it: ``YYYY-MM-DD`` within `jobsuccess.limits`.
Day = Annotated[dt.date, BeforeValidator(_iso_day), Field(ge=FIRST_DAY, le=LAST_DAY)]
#: An amount as a payment record takes it: finite, within a billion either way.
Amount = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
Stars = Annotated[float, Field(ge=1.0, le=5.0, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(_Model):
    date: Day | None = Field(default=None, description="default: the contract's end")
    stars: Stars | None = Field(default=None, description="public rating")
    recommend: int | None = Field(default=None, ge=0, le=10, description="private 0-10 answer")


class Payment(_Model):
    date: Day | None = None
    amount: Amount


class EndContract(_Model):
    type: Literal["end_contract"]
    contract: Name
    date: Day | None = None
    ended_by: EndedBy = "freelancer"
    end_reason: EndReason | None = Field(default=None, description="private: the client's reason")
    feedback: Feedback | None = None


class AddContract(_Model):
    type: Literal["add_contract"]
    id: Name
    client: Name
    contract_type: ContractType = "fixed"
    start: Day | None = None
    end: Day | None = None
    ended_by: EndedBy | None = None
    end_reason: EndReason | None = None
    payments: tuple[Payment, ...] = ()
    feedback: Feedback | None = None


class AddPayment(Payment):
    """A payment (its fields first) to an existing contract."""

    type: Literal["payment"]
    contract: Name


class AddFeedback(Feedback):
    """Feedback (its fields first) on an existing contract."""

    type: Literal["feedback"]
    contract: Name


class _Decision(_Model):
    """An operator's decision, dated, with a note."""

    date: Day | None = None
    note: Text | None = None


class RemoveFeedback(_Decision):
    type: Literal["remove_feedback"]
    contract: Name


class FlagClient(_Decision):
    type: Literal["flag_client"]
    client: Name


class Appeal(_Decision):
    type: Literal["appeal"]
    contract: Name


class ChangePolicy(_Model):
    type: Literal["policy"]
    policy: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="the name of a policy in the book (never a file: the scenario may come "
        "from the API, and a path would read the server's files)",
    )


EVENTS = (
    EndContract,
    AddContract,
    AddPayment,
    AddFeedback,
    RemoveFeedback,
    FlagClient,
    Appeal,
    ChangePolicy,
)
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
    description: str | None = Field(default=None, max_length=2000)
    events: tuple[Event, ...] = Field(min_length=1, max_length=MAX_SCENARIO_EVENTS)
    _source: str = PrivateAttr(default="scenario")

    @property
    def source(self) -> str:
        """Where the scenario came from (its file), for errors found while applying it."""
        return self._source


def parse(data: Any, file: str = "scenario") -> Scenario:
    """Validate a scenario: an object with ``events`` or a plain list of events."""
    if isinstance(data, list):
        data = {"events": data}
    events = data.get("events") if isinstance(data, dict) else None
    if isinstance(events, list) and len(events) > MAX_SCENARIO_EVENTS:
        # refused before validating a single event: a huge scenario costs nothing
        raise InputError(
            f"a scenario has at most {MAX_SCENARIO_EVENTS} events, this one has {len(events)}",
            file=file,
            field="events",
        )
    try:
        scenario = Scenario.model_validate(data)
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
    scenario._source = file
    return scenario


_TYPES = tuple(get_args(event.model_fields["type"].annotation)[0] for event in EVENTS)
"""Each event's ``type``, as its model declares it."""
