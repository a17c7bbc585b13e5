"""The pipeline: facts -> classify -> pool -> weigh -> place -> aggregate -> trending ->
complete -> best-of -> windows -> summary (`PIPELINE`), then statuses.

One code path for one freelancer and for a marketplace: every step is a frame transformation
over (freelancer, contract, computation date) rows, so a single history is just a small frame.
No I/O here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

import polars as pl

from jobsuccess.engine import perk, status
from jobsuccess.engine.aggregate import aggregate
from jobsuccess.engine.best_of import best_of
from jobsuccess.engine.complete import complete
from jobsuccess.engine.facts import client_activity, facts, keyed
from jobsuccess.engine.pipeline import LedgerStep, Run, Step
from jobsuccess.engine.place import place
from jobsuccess.engine.privacy import pool
from jobsuccess.engine.rules import classify
from jobsuccess.engine.summary import summarize
from jobsuccess.engine.trending import trending
from jobsuccess.engine.weights import weigh
from jobsuccess.engine.windows import windows
from jobsuccess.model import History
from jobsuccess.policy import Policy, PolicyBook

#: The step that completes the ledger: `evaluate` ``through=LEDGER`` stops there, for callers
#: that read the ledger alone (explanations' projections), before the window figures.
LEDGER: Final[Step] = LedgerStep(place)
#: The steps `evaluate` folds over, in order, each ``(run, policy) -> run`` and each in its
#: own module: the facts of every contract on every date, the deciding rule, pooling of
#: private feedback, the weight, the windows it counts in (the ledger), then every window's
#: figures per freelancer (wide), trending, empty windows, the best-of score, the windows
#: frame and the summary. Statuses, which read past dates and other policies, are added to
#: the summary afterwards (`score`).
PIPELINE: tuple[Step, ...] = (
    facts,
    LedgerStep(classify),
    LedgerStep(pool),
    LedgerStep(weigh),
    LEDGER,
    aggregate,
    trending,
    complete,
    best_of,
    windows,
    summarize,
)


@dataclass(frozen=True)
class Scores:
    """The engine's output, one frame per level of detail.

    ``scores``: one row per (freelancer, as_of) with the displayed score and statuses.
    ``windows``: one row per (freelancer, as_of, window) with the window's figures.
    ``ledger``: one row per (freelancer, as_of, contract) with the deciding rule, outcome,
    weight, the date that places it in windows, and the facts the rule read.
    """

    scores: pl.DataFrame
    windows: pl.DataFrame
    ledger: pl.DataFrame

    def of(self, freelancer: str, as_of: dt.date | None = None) -> Scores:
        keep = pl.col("freelancer") == freelancer
        if as_of is not None:
            keep = keep & (pl.col("as_of") == as_of)
        return Scores(self.scores.filter(keep), self.windows.filter(keep), self.ledger.filter(keep))


def score(
    history: History,
    book: PolicyBook | Policy,
    as_of: dt.date | Sequence[dt.date],
    *,
    statuses: bool = True,
    readable_order: bool = True,
    clients: pl.DataFrame | None = None,
    ledger: bool = True,
) -> Scores:
    """Score every freelancer of ``history`` as of one or more dates.

    "As of D" means the policy's last computation on or before D, under the policy in force
    then (or the one given). Statuses need the weekly score history, so they cost extra
    computations, done only for freelancers whose current score could qualify. The ledger is
    ordered by freelancer and contract id, or with ``readable_order=False`` by their hashed
    keys (deterministic too, and much cheaper for a marketplace).

    ``clients``: the marketplace's client activity (`client_activity`), when ``history`` is a
    part of it; a policy with ``vanished_client`` on reads it (default: ``history``'s own).
    ``ledger=False`` leaves `Scores.ledger` empty (its columns, no rows): a caller that reads
    only scores and windows (``jobsuccess batch``) skips ordering a row per contract.
    """
    book = book if isinstance(book, PolicyBook) else PolicyBook.single(book)
    return _score(screen(history, book), book, as_of, statuses, readable_order, clients, ledger)


def screen(history: History, book: PolicyBook | Policy) -> History:
    """The history with the feedback removals the perk did not allow marked as refused
    (`jobsuccess.engine.perk`); every entry point runs it once, before the pipeline."""
    book = book if isinstance(book, PolicyBook) else PolicyBook.single(book)

    def standing(h: History, dates: list[dt.date]) -> pl.DataFrame:
        return _score(h, book, dates, True, True, ledger=False).scores.select(
            "freelancer", "as_of", "score", "top_rated"
        )

    return perk.screen(history, book, standing)


def _score(
    history: History,
    book: PolicyBook,
    as_of: dt.date | Sequence[dt.date],
    statuses: bool,
    readable_order: bool,
    clients: pl.DataFrame | None = None,
    ledger: bool = True,
) -> Scores:
    days = sorted({as_of} if isinstance(as_of, dt.date) else set(as_of))
    plan = pl.DataFrame(
        [(d, *_computation(book, d)) for d in days],
        schema={"as_of": pl.Date(), "on": pl.Date(), "policy": pl.String()},
        orient="row",
    )
    runs = {on: book.get(name) for on, name in plan.select("on", "policy").iter_rows()}
    if clients is None:
        clients = market_clients(history, *runs.values())
    main = _run_all(history, runs, clients)
    summary = main.summary
    if statuses:
        summary = _with_statuses(book, runs, history, main, clients)
    else:
        summary = summary.with_columns(
            top_rated=pl.lit(False), top_rated_plus=pl.lit(False), rising_talent=pl.lit(False)
        )

    def by_as_of(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
        joined = plan.join(frame, on=["on", *[c for c in ("policy",) if c in frame.columns]])
        joined = joined.rename({"on": "computed_on"})
        joined = joined.select("freelancer", "as_of", "computed_on", "policy", *cols)
        if "key" in cols and not readable_order:
            # Hashed keys give a deterministic order for a fraction of a string sort's cost.
            return joined.sort("fkey", "as_of", "key")
        return joined.sort("freelancer", "as_of", *[c for c in ("window", "id") if c in cols])

    scores = by_as_of(
        summary,
        "score",
        "best",
        "best_score",
        "reason",
        "top_rated",
        "top_rated_plus",
        "rising_talent",
    )
    windows = by_as_of(
        main.windows,
        *[c for c in main.windows.columns if c not in ("freelancer", "fkey", "on", "policy")],
    )
    rows = main.ledger if ledger else main.ledger.head(0)
    return Scores(
        scores,
        windows,
        by_as_of(rows, *[c for c in rows.columns if c not in ("freelancer", "on", "policy")]),
    )


def score_batch(
    history: History,
    book: PolicyBook | Policy,
    as_of: dt.date | Sequence[dt.date],
    *,
    partition_size: int = 50_000,
    statuses: bool = True,
    ledger: bool = True,
    clients: pl.DataFrame | None = None,
) -> Iterator[Scores]:
    """Score a marketplace one partition of freelancers at a time.

    Freelancers are independent (a marketplace-wide client flag travels with every
    partition), so partitions can run anywhere: here one after another, or on a cluster's
    workers. Partitions of some tens of thousands of freelancers keep the group-bys' hash
    tables in cache: one 10M-contract frame is several times slower than 20 partitions.
    ``ledger``: as in `score` (``jobsuccess batch`` asks for none). ``clients``: as in
    `score`, when ``history`` is itself a part of a marketplace (a dataset's bucket); by
    default `market_clients` of ``history``.
    """
    # A vanished client is known from the whole market, not from one partition.
    if clients is None:
        clients = market_clients(history, book)
    for part in history.partitions(partition_size):
        yield score(
            part,
            book,
            as_of,
            statuses=statuses,
            readable_order=False,
            clients=clients,
            ledger=ledger,
        )


def reads_clients(*books: PolicyBook | Policy) -> bool:
    """Whether a policy of ``books`` reads the marketplace's client activity
    (``vanished_client`` on): a part of the marketplace is then scored with the whole's."""
    policies = [p for b in books for p in (b.policies if isinstance(b, PolicyBook) else (b,))]
    return any(p.vanished_client.enabled for p in policies)


def market_clients(history: History, *books: PolicyBook | Policy) -> pl.DataFrame | None:
    """The client activity (`client_activity`) of ``history``, a whole marketplace, when
    ``books`` read it (`reads_clients`), else None: what every part of the marketplace is
    scored with (`score_batch`'s partitions, a dataset's buckets), so that a client's
    activity with freelancers of other parts counts."""
    return client_activity(history) if reads_clients(*books) else None


def _computation(book: PolicyBook, day: dt.date) -> tuple[dt.date, str]:
    on, policy = book.computation(day)
    return on, policy.name


def _run_all(
    history: History, runs: dict[dt.date, Policy], clients: pl.DataFrame | None = None
) -> Run:
    by_policy: dict[str, tuple[Policy, list[dt.date]]] = {}
    for on, policy in runs.items():
        by_policy.setdefault(policy.name, (policy, []))[1].append(on)
    results = [evaluate(history, policy, dates, clients) for policy, dates in by_policy.values()]
    ledger, windows, summary = (
        pl.concat([getattr(r, f) for r in results], how="diagonal_relaxed")
        for f in ("ledger", "windows", "summary")
    )
    return Run(history, tuple(runs), clients, ledger, windows, summary)


def evaluate(
    history: History,
    policy: Policy,
    dates: Iterable[dt.date],
    clients: pl.DataFrame | None = None,
    *,
    through: Step | None = None,
) -> Run:
    """Run the pipeline under one policy on given computation dates (no cadence applied):
    the fold of `PIPELINE` (up to and including the step ``through``, e.g. `LEDGER`; by
    default every step) over the `keyed` history, each frame it made with a ``policy`` column.

    ``history`` has been through `screen` (a raw ``feedback_removed`` counts as allowed).
    """
    steps = PIPELINE if through is None else PIPELINE[: PIPELINE.index(through) + 1]
    run = Run(keyed(history), tuple(sorted(set(dates))), clients)
    for step in steps:
        run = step(run, policy)
    name = pl.lit(policy.name)

    def named(frame: pl.DataFrame) -> pl.DataFrame:  # a frame the steps made (not skipped)
        return frame.with_columns(policy=name) if frame.width else frame

    return replace(
        run, ledger=named(run.ledger), windows=named(run.windows), summary=named(run.summary)
    )


def _with_statuses(
    book: PolicyBook,
    runs: dict[dt.date, Policy],
    history: History,
    main: Run,
    clients: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add Top Rated, Top Rated Plus and Rising Talent to each (freelancer, on).

    Everything but the weekly history of eligible weeks is checked first, so past dates are
    scored only for freelancers who could still be Top Rated.
    """
    ledger = _per_policy(book, main.ledger, lambda p: {"_large": status.large_contract(p)})
    out = main.summary.join(status.activity(ledger), on=["freelancer", "on"], how="left")
    out = out.join(_holds(book, history, out), on=["freelancer", "on"], how="left")
    out = _per_policy(
        book,
        out.with_columns(pl.col("on_hold").fill_null(False)),
        lambda p: {"_now": status.top_rated_now(p), "rising_talent": status.rising_talent(p)},
    )
    could = out.filter("_now").select("freelancer", "on")
    if could.is_empty():  # nobody could be Top Rated: no past week can change that
        out = out.with_columns(weeks_at_bar=pl.lit(0, dtype=pl.UInt32))
        return _top_rated(book, out, main.summary.columns)
    samples = [
        (on, sample_on, sample_policy)
        for on, policy in runs.items()
        for sample in status.sample_dates(on, policy)
        for sample_on, sample_policy in [book.computation(sample)]
    ]
    pairs = pl.DataFrame(
        [(on, s_on, runs[on].top_rated.min_score) for on, s_on, _ in samples],
        schema={"on": pl.Date(), "sample_on": pl.Date(), "bar": pl.Int64()},
        orient="row",
    )
    past = _eligible(book, main.summary)
    # The past dates in two stages, nearest first: those that, all at the bar, make enough
    # eligible weeks; then the rest, only for the freelancers they left undecided.
    for stage in _stages(runs, samples):
        if could.is_empty():
            break
        more = _run_all(history.only(could.get_column("freelancer").unique()), stage, clients)
        past = pl.concat([past, _eligible(book, more.summary)])
        could = _undecided(runs, pairs, past, could)
    weeks = (
        pairs.join(past, on="sample_on")
        .group_by("freelancer", "on")
        # My Stats: a Top Rated eligible week has Rising Talent or a score at the bar.
        .agg(weeks_at_bar=status.eligible_week(pl.col("_rising")).sum())
    )
    out = out.join(weeks, on=["freelancer", "on"], how="left").with_columns(
        pl.col("weeks_at_bar").fill_null(0)
    )
    return _top_rated(book, out, main.summary.columns)


def _top_rated(book: PolicyBook, out: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Top Rated and Top Rated Plus from the eligible weeks (``weeks_at_bar``), then the
    summary's ``columns`` with the three statuses."""
    out = _per_policy(book, out, lambda p: {"top_rated": status.top_rated(p)})
    out = _per_policy(book, out, lambda p: {"top_rated_plus": status.top_rated_plus(p)})
    return out.select(*columns, "top_rated", "top_rated_plus", "rising_talent")


def _eligible(book: PolicyBook, summary: pl.DataFrame) -> pl.DataFrame:
    """What a past date tells Top Rated: each (freelancer, ``sample_on``)'s score and
    Rising Talent."""
    rising = _per_policy(book, summary, lambda p: {"_rising": status.rising_talent(p)})
    return rising.select("freelancer", pl.col("on").alias("sample_on"), "score", "_rising")


def _stages(
    runs: dict[dt.date, Policy], samples: list[tuple[dt.date, dt.date, Policy]]
) -> list[dict[dt.date, Policy]]:
    """The past computation dates not among ``runs``, in two stages: those among each
    date's ``weeks_required`` nearest samples, then the others."""
    first: dict[dt.date, Policy] = {}
    for on, policy in runs.items():
        need = policy.top_rated.weeks_required
        for s_on, s_pol in [(s, p) for o, s, p in samples if o == on][:need]:
            if s_on not in runs:
                first[s_on] = s_pol
    rest = {s: p for _, s, p in samples if s not in runs and s not in first}
    return [stage for stage in (first, rest) if stage]


def _undecided(
    runs: dict[dt.date, Policy],
    pairs: pl.DataFrame,
    past: pl.DataFrame,
    could: pl.DataFrame,
) -> pl.DataFrame:
    """The (freelancer, on) of ``could`` whose eligible weeks so far neither reach
    ``weeks_required`` nor rule it out (the samples not in ``past`` yet all at the bar)."""
    need = pl.DataFrame(
        {
            "on": list(runs),
            "_need": [p.top_rated.weeks_required for p in runs.values()],
        },
        schema={"on": pl.Date(), "_need": pl.Int64()},
    )
    known = could.join(pairs, on="on").join(past, on=["freelancer", "sample_on"], how="left")
    counts = known.group_by("freelancer", "on").agg(
        _at_bar=status.eligible_week(pl.col("_rising")).sum(),
        _unknown=pl.col("_rising").is_null().sum(),
    )
    return (
        counts.join(need, on="on")
        .filter(
            (pl.col("_at_bar") < pl.col("_need"))
            & (pl.col("_at_bar") + pl.col("_unknown") >= pl.col("_need"))
        )
        .select("freelancer", "on")
    )


def _holds(book: PolicyBook, history: History, frame: pl.DataFrame) -> pl.DataFrame:
    """Per (freelancer, on): whether an account hold was in force in the policy's
    ``top_rated.hold_free_days`` before ``on``."""
    holds = history.actions.filter(pl.col("type") == "account_hold").select(
        "freelancer", pl.col("date").alias("held_from"), pl.col("until").alias("held_until")
    )
    if holds.is_empty():  # the usual case: no hold anywhere, nothing to match
        return pl.DataFrame(
            schema={"freelancer": pl.String(), "on": pl.Date(), "on_hold": pl.Boolean()}
        )
    pairs = frame.select("freelancer", "on", "policy").join(holds, on="freelancer")
    flagged = _per_policy(book, pairs, lambda p: {"_held": status.held(p)})
    return (
        flagged.group_by("freelancer", "on")
        .agg(on_hold=pl.col("_held").any())
        .with_columns(pl.col("on_hold").cast(pl.Boolean))
    )


def _per_policy(
    book: PolicyBook, frame: pl.DataFrame, columns: Callable[[Policy], dict[str, pl.Expr]]
) -> pl.DataFrame:
    """Add columns whose expressions depend on each row's policy."""
    names = frame.get_column("policy").unique().sort().to_list()
    if len(names) == 1:  # the usual case (one date, one policy): no split, no copy
        return frame.with_columns(**columns(book.get(names[0])))
    parts = [
        frame.filter(pl.col("policy") == name).with_columns(**columns(book.get(name)))
        for name in names
    ]
    return (
        pl.concat(parts)
        if parts
        else frame.with_columns(
            **{k: pl.lit(None, dtype=pl.Boolean) for k in columns(book.policies[0])}
        )
    )
