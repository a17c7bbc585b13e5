"""Histories for the io tests: a small hand-written one and a hypothesis strategy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import strategies as st

from jobsuccess.io.order import ORDER
from jobsuccess.model import (
    ACTION_TYPES,
    CONTRACT_TYPES,
    DISPUTE_OUTCOMES,
    END_REASONS,
    ENDED_BY,
    SCHEMAS,
    TABLES,
    History,
)


def sample_doc() -> list[dict[str, Any]]:
    """Two freelancers in the JSON format, touching every field."""
    return [
        {
            "freelancer": "f1",
            "contracts": [
                {
                    "id": "c1",
                    "client": "k1",
                    "type": "fixed",
                    "start": "2020-01-06",
                    "end": "2020-02-14",
                    "ended_by": "client",
                    "end_reason": "completed",
                    "agency": "a1",
                    "client_feedback": 4.5,
                    "payments": [
                        {"date": "2020-02-14", "amount": 800.0},
                        {"date": "2020-02-20", "amount": -50},
                    ],
                    "feedback": {"date": "2020-02-16", "stars": 4.9, "recommend": 9},
                    "dispute": {"opened": "2020-02-10", "outcome": "split"},
                },
                {"id": "c2", "client": "k2", "type": "hourly", "start": "2020-03-01"},
            ],
            "actions": [
                {
                    "type": "feedback_removed",
                    "date": "2021-03-01",
                    "contract": "c1",
                    "note": "perk",
                },
                {"type": "client_flagged", "date": "2021-03-02", "client": "k2"},
            ],
        },
        {
            "freelancer": "f2",
            "contracts": [
                {
                    "id": "c3",
                    "client": "k1",
                    "type": "hourly",
                    "start": "2021-05-01",
                    "end": None,
                    "payments": [{"date": "2021-06-01", "amount": 120.5}],
                    "feedback": {"date": "2021-05-03"},
                }
            ],
        },
    ]


def canonical(history: History) -> History:
    """``history`` in the order the loader produces."""
    return History(
        *(frame.sort(list(ORDER[name]), nulls_last=True) for name, frame in history.frames())
    )


text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=6
)
dates = st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31))
finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def histories(draw: st.DrawFn, *, marketplace_actions: bool = True) -> History:
    """Valid histories: contract ids unique across freelancers (so both formats hold them)."""
    freelancers = draw(st.lists(text, min_size=1, max_size=3, unique=True))
    ids = draw(st.lists(text, max_size=6, unique=True))
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for cid in ids:
        freelancer = draw(st.sampled_from(freelancers))
        start = draw(dates)
        ended = draw(st.booleans())
        rows["contracts"].append(
            {
                "freelancer": freelancer,
                "id": cid,
                "client": draw(text),
                "type": draw(st.sampled_from(CONTRACT_TYPES)),
                "start": start,
                "end": start + dt.timedelta(days=draw(st.integers(0, 900))) if ended else None,
                "ended_by": draw(st.none() | st.sampled_from(ENDED_BY)),
                "end_reason": draw(st.none() | st.sampled_from(END_REASONS)),
                "agency": draw(st.none() | text),
            }
        )
        for _ in range(draw(st.integers(0, 3))):
            rows["payments"].append(
                {
                    "freelancer": freelancer,
                    "contract": cid,
                    "date": draw(dates),
                    "amount": draw(finite),
                }
            )
        if draw(st.booleans()):
            rows["feedback"].append(
                {
                    "freelancer": freelancer,
                    "contract": cid,
                    "date": start + dt.timedelta(days=draw(st.integers(0, 400))),
                    "stars": draw(st.none() | st.floats(1, 5)),
                    "recommend": draw(st.none() | st.integers(0, 10)),
                }
            )
        if draw(st.booleans()):
            rows["disputes"].append(
                {
                    "freelancer": freelancer,
                    "contract": cid,
                    "opened": draw(dates),
                    "outcome": draw(st.none() | st.sampled_from(DISPUTE_OUTCOMES)),
                }
            )
        if draw(st.booleans()):
            rows["actions"].append(
                {
                    "freelancer": freelancer,
                    "type": draw(st.sampled_from(("feedback_removed", "appeal_upheld"))),
                    "date": draw(dates),
                    "contract": cid,
                    "client": None,
                    "note": draw(st.none() | text),
                }
            )
    owners = [*freelancers, None] if marketplace_actions else freelancers
    for _ in range(draw(st.integers(0, 2))):
        rows["actions"].append(
            {
                "freelancer": draw(st.sampled_from(owners)),
                "type": "client_flagged",
                "date": draw(dates),
                "contract": None,
                "client": draw(text),
                "note": draw(st.none() | text),
            }
        )
    assert set(ACTION_TYPES) >= {a["type"] for a in rows["actions"]}
    return History.from_frames(**{t: pl.DataFrame(r, schema=SCHEMAS[t]) for t, r in rows.items()})
