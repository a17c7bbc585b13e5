"""Compare two score frames of one population: pure functions, typed results.

`freelancer_frame` joins the batch engine's rows under a base and a candidate policy (and each
freelancer's segments) into one row per (freelancer, as_of); `summarize` turns that frame into
a `Summary`: counts and shares, the delta's mean and quantiles, the same by segment.

Denominators: gaining or losing a score, and a status, are shares of every freelancer; a
changed displayed score, a change of 5 points or more and crossing 90 / 80 / 75 are shares of
the freelancers scored both ways (crossing: one score at or above the line, the other below);
the delta (candidate minus base, displayed whole points) is over those scored both ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import polars as pl

STATUSES: Final = ("top_rated", "top_rated_plus", "rising_talent")
LINES: Final = (90, 80, 75)
QUANTILES: Final = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
DIGITS: Final = 6
#: Segment name -> (column of the freelancer frame, its bands in order).
SEGMENTS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "history_size": ("history_size", ("0-4", "5-9", "10-19", "20-49", "50+")),
    "tenure": ("tenure", ("under 1 year", "1-3 years", "3-5 years", "5+ years")),
    "earnings_12m": ("earnings_band", ("$0", "$1-999", "$1k-9.9k", "$10k+")),
    "agency": ("agency_member", ("agency member", "independent")),
}
#: The engine's score row columns the lab keeps, each as ``base_*`` and ``candidate_*``.
KEPT: Final = ("computed_on", "policy", "score", "best", "best_score", "reason", *STATUSES)


def _r(x: float) -> float:
    return round(float(x), DIGITS)


@dataclass(frozen=True)
class Count:
    count: int
    share: float
    """``count`` over the denominator its field names (see the module's docstring)."""

    @classmethod
    def of(cls, count: int, total: int) -> Count:
        return cls(int(count), _r(count / total) if total else 0.0)


@dataclass(frozen=True)
class Crossing:
    up: Count
    down: Count
    either: Count


@dataclass(frozen=True)
class StatusChange:
    gained: Count
    lost: Count


@dataclass(frozen=True)
class Delta:
    mean: float | None
    mean_abs: float | None
    min: int | None
    max: int | None
    quantiles: dict[str, int | None]


@dataclass(frozen=True)
class Figures:
    freelancers: int
    scored_base: int
    scored_candidate: int
    scored_both: int
    gained_score: Count
    lost_score: Count
    changed: Count
    changed_by_5: Count
    crossed: dict[str, Crossing]
    statuses: dict[str, StatusChange]
    delta: Delta


@dataclass(frozen=True)
class DateSummary:
    as_of: dt.date
    figures: Figures
    segments: dict[str, dict[str, Figures]]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            **asdict(self.figures),
            "segments": {
                name: {band: asdict(f) for band, f in bands.items()}
                for name, bands in self.segments.items()
            },
        }


@dataclass(frozen=True)
class Summary:
    base: str
    candidate: str
    dates: tuple[DateSummary, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "candidate": self.candidate,
            "by_date": [d.to_json() for d in self.dates],
        }

    def on(self, day: dt.date) -> DateSummary:
        for d in self.dates:
            if d.as_of == day:
                return d
        raise KeyError(day)


def freelancer_frame(
    base: pl.DataFrame, candidate: pl.DataFrame, segments: pl.DataFrame
) -> pl.DataFrame:
    """One row per (freelancer, as_of): both engine rows side by side, the delta, each score's
    eligibility and the freelancer's segments (``segments``: `jobsuccess.lab.segments`)."""
    keys = ["freelancer", "as_of"]

    def side(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
        return frame.select(*keys, *(pl.col(c).alias(f"{prefix}_{c}") for c in KEPT))

    joined = side(base, "base").join(
        side(candidate, "candidate"), on=keys, how="full", coalesce=True
    )
    joined = joined.join(segments, on=keys, how="left")
    sides = ("base", "candidate")
    return joined.select(
        *keys,
        "base_score",
        "candidate_score",
        (pl.col("candidate_score").cast(pl.Int64) - pl.col("base_score").cast(pl.Int64)).alias(
            "delta"
        ),
        pl.col("base_score").is_not_null().alias("base_eligible"),
        pl.col("candidate_score").is_not_null().alias("candidate_eligible"),
        *(f"{p}_{s}" for s in STATUSES for p in sides),
        *(f"{p}_{c}" for c in ("best", "best_score", "reason") for p in sides),
        *(f"{p}_{c}" for c in ("computed_on", "policy") for p in sides),
        *(c for c in segments.columns if c not in keys),
    ).sort(keys)


def figures(frame: pl.DataFrame) -> Figures:
    """The counts, shares and delta statistics of one slice of a `freelancer_frame`."""
    b, c = pl.col("base_score"), pl.col("candidate_score")
    both = b.is_not_null() & c.is_not_null()
    d = pl.col("delta")
    exprs: dict[str, pl.Expr] = {
        "n": pl.len(),
        "scored_base": b.is_not_null().sum(),
        "scored_candidate": c.is_not_null().sum(),
        "both": both.sum(),
        "gained": (b.is_null() & c.is_not_null()).sum(),
        "lost": (b.is_not_null() & c.is_null()).sum(),
        "changed": (both & (d != 0)).sum(),
        "changed_5": (both & (d.abs() >= 5)).sum(),
    }
    for line in LINES:
        exprs[f"up_{line}"] = (both & (b < line) & (c >= line)).sum()
        exprs[f"down_{line}"] = (both & (b >= line) & (c < line)).sum()
    for s in STATUSES:
        bs, cs = pl.col(f"base_{s}").fill_null(False), pl.col(f"candidate_{s}").fill_null(False)
        exprs[f"{s}_gained"] = (~bs & cs).sum()
        exprs[f"{s}_lost"] = (bs & ~cs).sum()
    row = frame.select(**exprs).row(0, named=True)
    deltas = frame.filter(both).get_column("delta").cast(pl.Int64)
    n, m = int(row["n"]), int(row["both"])
    if deltas.is_empty():
        delta = Delta(None, None, None, None, {f"p{round(q * 100):02d}": None for q in QUANTILES})
    else:
        delta = Delta(
            mean=_r(int(deltas.sum()) / deltas.len()),
            mean_abs=_r(int(deltas.abs().sum()) / deltas.len()),
            min=int(deltas.min()),  # type: ignore[arg-type]
            max=int(deltas.max()),  # type: ignore[arg-type]
            quantiles={
                f"p{round(q * 100):02d}": int(deltas.quantile(q, "nearest"))  # type: ignore[arg-type]
                for q in QUANTILES
            },
        )
    return Figures(
        freelancers=n,
        scored_base=int(row["scored_base"]),
        scored_candidate=int(row["scored_candidate"]),
        scored_both=m,
        gained_score=Count.of(row["gained"], n),
        lost_score=Count.of(row["lost"], n),
        changed=Count.of(row["changed"], m),
        changed_by_5=Count.of(row["changed_5"], m),
        crossed={
            str(line): Crossing(
                Count.of(row[f"up_{line}"], m),
                Count.of(row[f"down_{line}"], m),
                Count.of(row[f"up_{line}"] + row[f"down_{line}"], m),
            )
            for line in LINES
        },
        statuses={
            s: StatusChange(Count.of(row[f"{s}_gained"], n), Count.of(row[f"{s}_lost"], n))
            for s in STATUSES
        },
        delta=delta,
    )


def summarize_date(frame: pl.DataFrame, day: dt.date) -> DateSummary:
    """The figures of one computation date, overall and by every segment's bands."""
    one = frame.filter(pl.col("as_of") == day)
    return DateSummary(
        as_of=day,
        figures=figures(one),
        segments={
            name: {band: figures(one.filter(pl.col(column) == band)) for band in bands}
            for name, (column, bands) in SEGMENTS.items()
        },
    )


def summarize(
    frame: pl.DataFrame, base: str, candidate: str, days: Sequence[dt.date] | None = None
) -> Summary:
    """Each of ``days`` (default: every date of the `freelancer_frame`), oldest first."""
    if days is None:
        days = frame.get_column("as_of").unique().to_list()
    return Summary(base, candidate, tuple(summarize_date(frame, d) for d in sorted(set(days))))
