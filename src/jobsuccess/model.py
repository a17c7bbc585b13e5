"""The history format as columnar frames: what every adapter produces and the engine consumes.

A history is five frames (contracts, payments, feedback, disputes, actions). Every frame
carries ``freelancer`` so that contract ids only need to be unique per freelancer (the JSON
format nests contracts under a freelancer) and so a marketplace can be partitioned by
freelancer without joins. Adapters validate once at the edge (`jobsuccess.io`); the engine
trusts these schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final, Literal, get_args

import polars as pl

ContractType = Literal["fixed", "hourly"]
EndedBy = Literal["client", "freelancer", "platform"]
EndReason = Literal["completed", "not_completed", "no_longer_needed", "other"]
DisputeOutcome = Literal["client", "freelancer", "split"]
ActionType = Literal[
    "feedback_removed",
    "client_flagged",
    "appeal_upheld",
    "report_upheld",
    "account_hold",
    "contract_paused",
]
PauseCause = Literal["client", "inactivity"]
Outcome = Literal["success", "neutral", "negative", "excluded"]

#: The same vocabularies as tuples, for validation (one declaration: the Literal types above).
CONTRACT_TYPES: Final = get_args(ContractType)
ENDED_BY: Final = get_args(EndedBy)
END_REASONS: Final = get_args(EndReason)
DISPUTE_OUTCOMES: Final = get_args(DisputeOutcome)
ACTION_TYPES: Final = get_args(ActionType)
PAUSE_CAUSES: Final = get_args(PauseCause)
#: Not an input: the engine's record of a ``feedback_removed`` the perk did not allow
#: (`jobsuccess.engine.perk`), its note saying why.
REFUSED_REMOVAL: Final = "feedback_removal_refused"
OUTCOMES: Final = get_args(Outcome)

#: Column names and dtypes of each frame, in order. Public contract of the table format
#: (minus ``freelancer`` on the non-contract tables, which the loader joins in).
SCHEMAS: Final[dict[str, dict[str, pl.DataType]]] = {
    "contracts": {
        "freelancer": pl.String(),
        "id": pl.String(),
        "client": pl.String(),
        "type": pl.String(),
        "start": pl.Date(),
        "end": pl.Date(),
        "ended_by": pl.String(),
        "end_reason": pl.String(),
        "category": pl.String(),
        "agency": pl.String(),
        "client_feedback": pl.Float64(),
    },
    "payments": {
        "freelancer": pl.String(),
        "contract": pl.String(),
        "date": pl.Date(),
        "amount": pl.Float64(),
    },
    "feedback": {
        "freelancer": pl.String(),
        "contract": pl.String(),
        "date": pl.Date(),
        "stars": pl.Float64(),
        "recommend": pl.Int8(),
    },
    "disputes": {
        "freelancer": pl.String(),
        "contract": pl.String(),
        "opened": pl.Date(),
        "outcome": pl.String(),
    },
    "actions": {
        "freelancer": pl.String(),
        "type": pl.String(),
        "date": pl.Date(),
        "contract": pl.String(),
        "client": pl.String(),
        "note": pl.String(),
        "until": pl.Date(),
        "cause": pl.String(),
    },
}

TABLES: Final = tuple(SCHEMAS)


def empty(table: str) -> pl.DataFrame:
    """An empty frame of ``table``'s schema."""
    return pl.DataFrame(schema=SCHEMAS[table])


@dataclass(frozen=True, slots=True)
class History:
    """The validated records of one or many freelancers, one frame per table.

    ``actions.freelancer`` may be null: such an action (a client flagged marketplace-wide)
    applies to every freelancer.

    ``market``: when the history is a part of a marketplace (one freelancer's, read from a
    store or cut from a market file), the activity of every client on the whole of it
    (``client``, ``date``: `jobsuccess.engine.facts.client_activity` of the whole), which a
    policy with ``vanished_client`` on reads; None: the history is all there is. Not a table
    (`frames` leaves it out); `only`, `partitions` and `with_frame` keep it.
    """

    contracts: pl.DataFrame
    payments: pl.DataFrame
    feedback: pl.DataFrame
    disputes: pl.DataFrame
    actions: pl.DataFrame
    market: pl.DataFrame | None = None

    @classmethod
    def empty(cls) -> History:
        return cls(*(empty(t) for t in TABLES))

    @classmethod
    def from_frames(cls, **frames: pl.DataFrame) -> History:
        """Build from any subset of frames, casting each to its schema (missing -> empty).

        Raises `ValueError` on a frame it cannot key (see `require_keyed`): filling a missing
        ``freelancer`` with null would silently drop its rows from every freelancer's score.
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        return cls(*(_conform(frames[t], t) if t in frames else empty(t) for t in TABLES))

    def frames(self) -> Iterator[tuple[str, pl.DataFrame]]:
        for name in TABLES:
            yield name, getattr(self, name)

    def with_market(self, activity: pl.DataFrame | None) -> History:
        """The same records, a part of a marketplace whose client activity is ``activity``
        (see the class doc)."""
        return replace(self, market=activity)

    @property
    def freelancers(self) -> list[str]:
        """Freelancer ids, sorted, in the order every output uses."""
        return sorted(self.contracts.get_column("freelancer").unique().to_list())

    def only(self, freelancers: Iterable[str]) -> History:
        """The sub-history of some freelancers (marketplace-wide actions stay)."""
        keep = pl.Series(list(freelancers), dtype=pl.String())
        return History(
            *(
                frame.filter(
                    pl.col("freelancer").is_in(keep.implode())
                    | (pl.col("freelancer").is_null() if name == "actions" else pl.lit(False))
                )
                for name, frame in self.frames()
            )
        ).with_market(self.market)

    def partitions(self, size: int) -> Iterator[History]:
        """Split by freelancer into sub-histories of about ``size`` freelancers each.

        Freelancers go to partitions by a hash of their id; a marketplace-wide action goes to
        every partition. The batch entry point scores partitions independently: this is the
        unit a distributed runner hands to workers. Each partition is filtered out when it is
        asked for, so one partition's copy is held at a time, never a copy of the whole
        history (a pass over each table per partition costs far less than scoring it).
        """
        count = max(1, -(-self.contracts.get_column("freelancer").n_unique() // max(size, 1)))
        if count == 1:
            yield self
            return
        freelancer = pl.col("freelancer")
        part = (
            pl.when(freelancer.is_not_null())  # a null's hash is a number like any other's
            .then(freelancer.hash(0xBA7C) % count)
            .cast(pl.UInt32)
            .alias("_part")
        )
        # a column beside the tables' own (no copy of them); a marketplace-wide action's is
        # null, so it is in no partition's filter, and comes with `everywhere` instead
        parted = {name: frame.with_columns(part) for name, frame in self.frames()}
        everywhere = self.actions.filter(pl.col("freelancer").is_null())
        for i in range(count):
            frames = {
                name: frame.filter(pl.col("_part") == i).drop("_part")
                for name, frame in parted.items()
            }
            if frames["contracts"].is_empty():
                continue
            frames["actions"] = pl.concat([frames["actions"], everywhere])
            yield History(**frames).with_market(self.market)

    def localized(self) -> History:
        """The same history with each marketplace-wide action copied to every freelancer it
        concerns (those with a contract with its client), as the JSON format needs."""
        everywhere = self.actions.filter(pl.col("freelancer").is_null())
        if everywhere.is_empty():
            return self
        concerned = self.contracts.select("freelancer", "client").unique()
        copies = everywhere.drop("freelancer").join(concerned, on="client")
        actions = pl.concat(
            [
                self.actions.filter(pl.col("freelancer").is_not_null()),
                copies.select(self.actions.columns),
            ]
        )
        return self.with_frame("actions", actions)

    def with_frame(self, table: str, frame: pl.DataFrame) -> History:
        return replace(self, **{table: _conform(frame, table)})


#: Tables whose every row belongs to one freelancer (actions may be marketplace-wide).
KEYED: Final = ("contracts", "payments", "feedback", "disputes")


def require_keyed(frame: pl.DataFrame, table: str) -> None:
    """Refuse a frame of a freelancer's table (`KEYED`) whose rows do not all name one.

    The table format leaves ``freelancer`` out of payments, feedback and disputes (the loader
    joins it in from the contract), so a frame read raw lacks it; partitions and joins on
    ``freelancer`` would then give nobody those rows. An empty frame has nothing to key.
    """
    if table not in KEYED or frame.is_empty():
        return
    if "freelancer" not in frame.columns:
        raise ValueError(
            f"{table}: no 'freelancer' column, so its {frame.height:,} rows belong to nobody; "
            "load tables with jobsuccess.io.load, which gives each row its contract's freelancer"
        )
    nulls = frame.get_column("freelancer").null_count()
    if nulls:
        raise ValueError(
            f"{table}: {nulls:,} of {frame.height:,} rows have a null 'freelancer'; every "
            f"row of {table} belongs to one freelancer (only actions may be marketplace-wide)"
        )


def _conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    require_keyed(frame, table)
    schema = SCHEMAS[table]
    if frame.width == 0:  # literals on a frame without columns would make one row of nulls
        return empty(table)
    missing = [c for c in schema if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=schema[c]).alias(c) for c in missing)
    return frame.select(pl.col(c).cast(dtype) for c, dtype in schema.items())
