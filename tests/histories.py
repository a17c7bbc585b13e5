"""A tiny builder to write histories compactly in tests.

    h = history(
        contract("c1", client="k1", start="2024-01-01", end="2024-02-01",
                 paid=[("2024-01-15", 500)], feedback=("2024-02-02", 5.0, 10)),
        contract("c2", client="k2", start="2024-03-01", paid=[("2024-03-02", 100)]),
        actions=[action("client_flagged", "2024-04-01", client="k2")],
    )

``contract`` returns a plain dict in the public JSON history format (one contract object, plus
the freelancer id), so the same records can become a `History` (`history`) or a JSON history
file (`as_json`). An ended contract's end reason defaults to "completed" and who ended it to
"client"; pass ``end_reason=None`` for a contract whose reason was never given. ``job`` is the
shortest form: a two-week contract paid once on its end, with feedback the day after.

``run`` scores a history as of one date, by default under the raw rules (`RAW`: the shipped
timeline with privacy pooling off, ``privacy.k = 1``) so that one contract's outcome shows at
once; ``pooled=True`` uses the shipped policies as they are. ``outcome``, ``rows``, ``windows``,
``head`` and ``displayed`` read the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from jobsuccess.engine import Scores, score
from jobsuccess.model import SCHEMAS, History
from jobsuccess.policy import Policy, PolicyBook, Privacy, load_policy

Day = str | dt.date
_UNSET: Any = object()


def d(value: Day) -> dt.date:
    """A date from ``YYYY-MM-DD`` (or a date, unchanged)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def days(value: Day, n: int) -> dt.date:
    """``n`` days after ``value``."""
    return d(value) + dt.timedelta(days=n)


def contract(
    id: str,
    *,
    client: str,
    start: Day,
    end: Day | None = None,
    type: str = "fixed",
    ended_by: str | None = _UNSET,
    end_reason: str | None = _UNSET,
    paid: Iterable[tuple[Day, float]] = (),
    feedback: tuple[Day, float | None, int | None] | None = None,
    dispute: tuple[Day, str | None] | None = None,
    freelancer: str = "f1",
) -> dict[str, Any]:
    """One contract record in the JSON history format (dates as ISO strings)."""
    ended = end is not None
    if ended_by is _UNSET:
        ended_by = "client" if ended else None
    if end_reason is _UNSET:
        end_reason = "completed" if ended else None
    return {
        "freelancer": freelancer,
        "id": id,
        "client": client,
        "type": type,
        "start": d(start).isoformat(),
        "end": d(end).isoformat() if end is not None else None,
        "ended_by": ended_by,
        "end_reason": end_reason,
        "payments": [{"date": d(day).isoformat(), "amount": float(a)} for day, a in paid],
        "feedback": None
        if feedback is None
        else {
            "date": d(feedback[0]).isoformat(),
            "stars": None if feedback[1] is None else float(feedback[1]),
            "recommend": feedback[2],
        },
        "dispute": None
        if dispute is None
        else {"opened": d(dispute[0]).isoformat(), "outcome": dispute[1]},
    }


def action(
    type: str,
    date: Day,
    *,
    contract: str | None = None,
    client: str | None = None,
    note: str | None = None,
    freelancer: str | None = "f1",
) -> dict[str, Any]:
    """An operator action; ``freelancer=None`` makes a client flag marketplace-wide."""
    return {
        "freelancer": freelancer,
        "type": type,
        "date": d(date).isoformat(),
        "contract": contract,
        "client": client,
        "note": note,
    }


def history(*contracts: dict[str, Any], actions: Sequence[dict[str, Any]] = ()) -> History:
    """A `History` of the given contract records (any number of freelancers)."""
    rows: dict[str, list[dict[str, Any]]] = {
        "contracts": [],
        "payments": [],
        "feedback": [],
        "disputes": [],
        "actions": [],
    }
    for c in contracts:
        f, cid = c["freelancer"], c["id"]
        rows["contracts"].append(
            {k: c[k] for k in ("id", "client", "type", "end_reason", "ended_by")}
            | {"freelancer": f, "start": d(c["start"]), "end": c["end"] and d(c["end"])}
        )
        for p in c["payments"]:
            rows["payments"].append(
                {"freelancer": f, "contract": cid, "date": d(p["date"]), "amount": p["amount"]}
            )
        if c["feedback"] is not None:
            fb = c["feedback"]
            rows["feedback"].append(
                {
                    "freelancer": f,
                    "contract": cid,
                    "date": d(fb["date"]),
                    "stars": fb["stars"],
                    "recommend": fb["recommend"],
                }
            )
        if c["dispute"] is not None:
            ds = c["dispute"]
            rows["disputes"].append(
                {
                    "freelancer": f,
                    "contract": cid,
                    "opened": d(ds["opened"]),
                    "outcome": ds["outcome"],
                }
            )
    for a in actions:
        rows["actions"].append(a | {"date": d(a["date"])})
    return History.from_frames(
        **{table: _frame(table, records) for table, records in rows.items() if records}
    )


def _frame(table: str, records: list[dict[str, Any]]) -> pl.DataFrame:
    schema = SCHEMAS[table]
    return pl.DataFrame(
        [{c: r.get(c) for c in schema} for r in records], schema=schema, orient="row"
    )


def as_json(
    *contracts: dict[str, Any], actions: Sequence[dict[str, Any]] = (), freelancer: str = "f1"
) -> dict[str, Any]:
    """The public JSON history of one freelancer (what ``jobsuccess score FILE`` reads)."""
    return {
        "freelancer": freelancer,
        "contracts": [
            {k: v for k, v in c.items() if k != "freelancer"}
            for c in contracts
            if c["freelancer"] == freelancer
        ],
        "actions": [
            {k: v for k, v in a.items() if k != "freelancer" and v is not None} for a in actions
        ],
    }


def job(
    id: str,
    client: str,
    *,
    end: Day,
    amount: float = 200.0,
    stars: float | None = 5.0,
    recommend: int | None = 10,
    days_long: int = 14,
    end_reason: str | None = "completed",
    feedback: bool = True,
    freelancer: str = "f1",
) -> dict[str, Any]:
    """A short ended contract (weight = its earnings tier), paid once on its end date, with
    feedback the day after its end (``feedback=False``: none)."""
    return contract(
        id,
        client=client,
        start=days(end, -days_long),
        end=end,
        end_reason=end_reason,
        paid=[(end, amount)] if amount else [],
        feedback=(days(end, 1), stars, recommend) if feedback else None,
        freelancer=freelancer,
    )


# --- Running the engine in tests. ---

#: The shipped policy timeline, as ``--policy auto`` uses it.
BOOK = PolicyBook.shipped()
#: The same timeline with privacy pooling off (``privacy.k = 1``): each contract counts with
#: its own outcome at once, the raw rules of docs/domain.md sections 3-5 that docs/rules.md lists.
RAW = PolicyBook(tuple(p.model_copy(update={"privacy": Privacy(k=1)}) for p in BOOK))


def run(
    h: History,
    as_of: Day,
    policy: str | Policy = "auto",
    *,
    statuses: bool = True,
    pooled: bool = False,
) -> Scores:
    """Score ``h`` as of one date under ``policy``: ``auto`` (the timeline), a shipped name, or
    a `Policy` (used on every date).

    By default the raw rules (no privacy pooling); ``pooled=True``: the shipped policies.
    """
    if isinstance(policy, Policy):
        return score(h, PolicyBook.single(policy), d(as_of), statuses=statuses)
    book = BOOK if pooled else RAW
    return score(h, load_policy(policy, book), d(as_of), statuses=statuses)


def rows(scores: Scores) -> dict[str, dict[str, Any]]:
    """The ledger of a single (freelancer, as_of) by contract id."""
    return {r["id"]: r for r in scores.ledger.iter_rows(named=True)}


def outcome(
    h: History, as_of: Day, id: str = "c1", policy: str | Policy = "auto"
) -> tuple[Any, ...]:
    """(rule, outcome, weight, dated) of one contract."""
    r = rows(run(h, as_of, policy, statuses=False))[id]
    return r["rule"], r["outcome"], r["weight"], r["dated"]


def windows(scores: Scores) -> dict[str, dict[str, Any]]:
    return {str(r["window"]): r for r in scores.windows.iter_rows(named=True)}


def head(scores: Scores) -> dict[str, Any]:
    """The one score row (displayed score, best window, reason, statuses)."""
    (row,) = scores.scores.iter_rows(named=True)
    return dict(row)


def displayed(h: History, as_of: Day, policy: str | Policy = "auto") -> int | None:
    shown: int | None = head(run(h, as_of, policy, statuses=False))["score"]
    return shown
