"""Who a score is about: a freelancer, or an agency (the help centre: "an agency's score is an
aggregated score of all the agency's jobs").

The engine scores *subjects*: whatever the ``freelancer`` column names. An agency becomes a
subject by rewriting the history, never by a second code path: `for_agencies` puts the agency
in the ``freelancer`` column of every contract done for it (by any of its freelancers) and of
everything about those contracts, so `jobsuccess.engine.score` runs unchanged and an agency's
score is exactly that of one freelancer who had all of the agency's contracts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import polars as pl

from jobsuccess.errors import InputError
from jobsuccess.io.order import ORDER, ordered
from jobsuccess.model import History

#: What a score is about; also the key that names it in the score JSON.
SubjectKind = Literal["freelancer", "agency"]

#: Joins a freelancer and a contract id into the contract's id within its agency: ids are
#: unique per freelancer only, so two freelancers' ``c1`` must stay two contracts.
SEPARATOR: Final = "/"


def agencies(history: History) -> list[str]:
    """Agency ids with a contract in ``history``, sorted."""
    found = history.contracts.get_column("agency").drop_nulls().unique()
    return sorted(found.to_list())


def qualified_id(freelancer: pl.Expr | str, contract: pl.Expr | str) -> pl.Expr:
    """The id of a freelancer's contract within an agency subject: ``"{freelancer}/{id}"``."""
    parts = [pl.lit(p) if isinstance(p, str) else p for p in (freelancer, contract)]
    return pl.concat_str([parts[0], pl.lit(SEPARATOR), parts[1]])


def for_agencies(history: History, only: Iterable[str] | None = None) -> History:
    """The history with each agency (or each of ``only``) as one subject.

    Per contract done for an agency: ``freelancer`` becomes the agency and ``id`` the
    `qualified_id`; payments, feedback, disputes and contract actions follow their contract.
    A freelancer's own client flag carries over to each agency for which that freelancer
    worked with that client (a flag without a client, to each of the freelancer's agencies);
    marketplace-wide actions stay marketplace-wide. Contracts without an agency are left out.
    """
    contracts = history.contracts.filter(pl.col("agency").is_not_null())
    if only is not None:
        wanted = pl.Series(sorted(set(only)), dtype=pl.String())
        contracts = contracts.filter(pl.col("agency").is_in(wanted.implode()))
    keys = contracts.select(
        "freelancer",
        pl.col("id").alias("contract"),
        pl.col("agency").alias("_subject"),
        qualified_id(pl.col("freelancer"), pl.col("id")).alias("_id"),
    )
    clash = keys.filter(pl.struct("_subject", "_id").is_duplicated())
    if clash.height:
        row = clash.row(0, named=True)
        raise InputError(
            f"agency {row['_subject']!r}: two contracts would both be {row['_id']!r} "
            f"(a freelancer or contract id contains {SEPARATOR!r})",
            field="id",
        )

    def follow(frame: pl.DataFrame) -> pl.DataFrame:
        """Rows about a contract, re-keyed to the contract's agency and qualified id."""
        return (
            frame.join(keys, on=["freelancer", "contract"], how="inner")
            .with_columns(freelancer=pl.col("_subject"), contract=pl.col("_id"))
            .select(frame.columns)
        )

    actions = history.actions
    worked = contracts.select("freelancer", pl.col("client").alias("_client"), "agency").unique()
    carried = (
        actions.filter(pl.col("contract").is_null() & pl.col("freelancer").is_not_null())
        .join(worked, on="freelancer", how="inner")
        .filter(pl.col("client").is_null() | (pl.col("client") == pl.col("_client")))
        .with_columns(freelancer=pl.col("agency"))
        .select(actions.columns)
        .unique()
    )
    subjects = contracts.with_columns(
        freelancer=pl.col("agency"), id=qualified_id(pl.col("freelancer"), pl.col("id"))
    )
    frames = {
        "contracts": subjects,
        "payments": follow(history.payments),
        "feedback": follow(history.feedback),
        "disputes": follow(history.disputes),
        "actions": pl.concat(
            [
                follow(actions.filter(pl.col("contract").is_not_null())),
                carried,
                actions.filter(pl.col("freelancer").is_null()),
            ]
        ),
    }
    return History.from_frames(
        **{name: ordered(frame, ORDER[name]) for name, frame in frames.items()}
    )


def for_agency(history: History, agency: str, *, file: str | None = None) -> History:
    """One agency as a subject; an agency without a contract in ``history`` is an error."""
    known = agencies(history)
    if agency not in known:
        hint = f" (agencies here: {', '.join(known[:5])}{', ...' if len(known) > 5 else ''})"
        raise InputError(
            f"no contract done for agency {agency!r}" + (hint if known else " (no agencies here)"),
            file=file,
            field="--agency",
        )
    return for_agencies(history, [agency])
