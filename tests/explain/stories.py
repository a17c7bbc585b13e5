"""Small histories for the explanation tests (stand-ins for the shipped examples)."""

from __future__ import annotations

from typing import Any

from histories import as_json, contract, history
from jobsuccess.model import History


def _contracts() -> list[dict[str, Any]]:
    """The idle drop (docs/domain.md section 9): a good year, a refund, two contracts going idle.

    Scored daily under the 2024-09 policy: the two open contracts (c7, c8) stop being paid in
    August 2024 and turn idle 90 days later, one after the other, in November 2024.
    """
    return [
        contract(
            "c1",
            client="k1",
            start="2024-01-08",
            end="2024-02-20",
            paid=[("2024-01-30", 800)],
            feedback=("2024-02-21", 5.0, 10),
        ),
        contract(
            "c2",
            client="k2",
            start="2024-02-05",
            end="2024-03-15",
            paid=[("2024-03-01", 450)],
            feedback=("2024-03-16", 5.0, 10),
        ),
        contract(
            "c3",
            client="k3",
            start="2024-05-01",
            end="2024-06-15",
            paid=[("2024-05-20", 500), ("2024-06-20", -400)],
            feedback=("2024-06-17", 3.5, 9),
        ),
        contract(
            "c4",
            client="k4",
            start="2024-04-01",
            end="2024-10-05",
            type="hourly",
            paid=[
                ("2024-04-30", 900),
                ("2024-05-31", 900),
                ("2024-06-30", 900),
                ("2024-07-31", 900),
                ("2024-08-31", 900),
                ("2024-09-30", 900),
            ],
            feedback=("2024-10-06", 4.9, 10),
        ),
        contract(
            "c5",
            client="k5",
            start="2024-06-10",
            end="2024-07-20",
            paid=[("2024-07-10", 600)],
            feedback=("2024-07-21", 5.0, 9),
        ),
        contract(
            "c6",
            client="k6",
            start="2024-07-01",
            end="2024-10-25",
            type="hourly",
            paid=[
                ("2024-07-31", 700),
                ("2024-08-31", 700),
                ("2024-09-30", 700),
                ("2024-10-24", 700),
            ],
            feedback=("2024-10-26", 5.0, 10),
        ),
        contract(
            "c7", client="k7", start="2024-07-15", paid=[("2024-07-25", 500), ("2024-08-20", 500)]
        ),
        contract("c8", client="k8", start="2024-07-20", paid=[("2024-08-26", 300)]),
        contract(
            "c9",
            client="k9",
            start="2024-09-02",
            end="2024-10-10",
            paid=[("2024-10-01", 700)],
            feedback=("2024-10-11", 4.8, 10),
        ),
    ]


def idle_drop_json() -> dict[str, Any]:
    """The idle drop as a JSON history file's content."""
    return as_json(*_contracts())


def idle_drop() -> History:
    return history(*_contracts())


def engine_fails(history: History, day: Any) -> bool:
    """Whether the engine itself raises on this history (a known engine bug, reported).

    Two payments of one contract on one day make ``score`` raise InvalidOperationError in
    `engine.facts._periods` on some dates; random histories that hit it are skipped here so
    that these tests test the explanations, not that bug.
    """
    import polars as pl

    from jobsuccess.engine import score
    from jobsuccess.policy import PolicyBook

    try:
        score(history, PolicyBook.shipped(), day, statuses=False)
    except pl.exceptions.InvalidOperationError:
        return True
    doubled = history.payments.group_by("freelancer", "contract", "date").len()
    return bool(doubled.filter(pl.col("len") > 1).height)
