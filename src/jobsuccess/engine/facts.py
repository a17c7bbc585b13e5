"""What is known about each contract on each computation date: the rules' inputs.

One row per (freelancer, contract, computation date ``on``) for contracts started by then.
Everything is as of ``on``: payments, feedback, disputes and operator actions dated later do
not exist yet. This is the only place that joins the history's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

import polars as pl

from jobsuccess.engine.pipeline import Run
from jobsuccess.engine.place import months_before
from jobsuccess.model import REFUSED_REMOVAL, History
from jobsuccess.policy import Policy

KEY = "key"
#: A contract's position in ``history.contracts``: how (contract, on) rows find its facts.
ROW = "_row"
FREELANCER_SEED = 0xF1
CLIENT_SEED = 0xC1


def contract_key(freelancer: str, contract: str) -> pl.Expr:
    """A 64-bit key for (freelancer, contract id): joins and groups on it, not on strings."""
    return (pl.col(freelancer).hash(0x5EED) ^ pl.col(contract).hash(0xC0DE)).alias(KEY)


def keyed(history: History) -> History:
    """The history with integer keys: ``key`` per contract on every contract-level table,
    ``fkey`` per freelancer and ``ckey`` per client on contracts and actions.

    Keys are 64-bit hashes, so joins and groups never touch strings. A collision (odds about
    n^2 / 2^65) is detected and that key falls back to dense ranks: it can never merge two
    contracts, freelancers or clients.
    """
    contracts, actions = history.contracts, history.actions
    for column, name, seed in (
        ("freelancer", "fkey", FREELANCER_SEED),
        ("client", "ckey", CLIENT_SEED),
    ):
        hashed = contracts.with_columns(pl.col(column).hash(seed).alias(name))
        if hashed.get_column(name).n_unique() == contracts.get_column(column).n_unique():
            contracts = hashed
            actions = actions.with_columns(pl.col(column).hash(seed).alias(name))
        else:
            contracts = contracts.with_columns(
                pl.col(column).rank("dense").cast(pl.UInt64).alias(name)
            )
            lookup = contracts.select(column, name).unique()
            actions = actions.join(lookup, on=column, how="left")
    by_hash = contracts.with_columns(contract_key("freelancer", "id"))
    if by_hash.get_column(KEY).n_unique() == contracts.height:
        contracts = by_hash

        def child(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.with_columns(contract_key("freelancer", "contract"))
    else:
        contracts = contracts.with_row_index(KEY).with_columns(pl.col(KEY).cast(pl.UInt64))
        lookup = contracts.select("freelancer", pl.col("id").alias("contract"), KEY)

        def child(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.join(lookup, on=["freelancer", "contract"], how="left")

    return History(
        market=history.market,
        contracts=contracts,
        payments=child(history.payments),
        feedback=child(history.feedback),
        disputes=child(history.disputes),
        actions=child(actions).with_columns(
            pl.when(pl.col("contract").is_not_null()).then(KEY).alias(KEY)
        ),
    )


def per(*columns: str, dates: int) -> list[str]:
    """Grouping columns: with one computation date, ``on`` is constant and grouping on it
    would only cost (a hash group-by on one integer key is several times faster)."""
    return [*columns, "on"] if dates > 1 else list(columns)


def by_freelancer(frame: pl.DataFrame) -> tuple[list[str], list[pl.Expr]]:
    """Group keys for (freelancer, on) and the expressions that carry both into the result."""
    keys = per("fkey", dates=dates_in(frame))
    carry = [pl.col(c).first() for c in ("freelancer", "on") if c not in keys]
    return keys, carry


def dates_in(frame: pl.DataFrame) -> int:
    return frame.get_column("on").n_unique()


def computation_dates(dates: list[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"on": sorted(set(dates))}, schema={"on": pl.Date()})


def client_activity(history: History) -> pl.DataFrame:
    """Each client's days of activity on the marketplace: a positive payment to anyone, or
    a contract started (``client``, ``date``), from every contract of ``history`` and, when
    it is a part of a marketplace, from the marketplace's (`History.market`: what a scenario
    adds to the part adds to it), kept to the clients of ``history``'s contracts, the only
    ones its facts look up (a marketplace's millions of rows are not merged again for each
    engine run over one freelancer).

    `score_batch` computes it once over the whole market and hands it to every partition, so
    that a vanished client is known from the market, not from one partition.
    """
    starts = history.contracts.select("client", pl.col("start").alias("date"))
    paid = (
        history.payments.filter(pl.col("amount") > 0)
        .join(
            history.contracts.select("freelancer", pl.col("id").alias("contract"), "client"),
            on=["freelancer", "contract"],
        )
        .select("client", "date")
    )
    if history.market is None:
        return merge_activity([starts, paid])
    theirs = history.contracts.get_column("client").unique().implode()
    return merge_activity([starts, paid, history.market.filter(pl.col("client").is_in(theirs))])


def merge_activity(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Client activity (``client``, ``date``) from parts of it: the activity of a marketplace
    from that of each of its buckets (a contract and its payments lie in one bucket)."""
    frames = list(parts)
    if not frames:
        return pl.DataFrame(schema={"client": pl.String(), "date": pl.Date()})
    return pl.concat(frames).unique().sort("client", "date")


def contract_facts(
    history: History,
    policy: Policy,
    dates: list[dt.date],
    clients: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Contracts x computation dates, with the facts every rule and weight reads.

    ``history`` must be `keyed`. ``clients`` (`client_activity`) is the marketplace's client
    activity, read when the policy has ``vanished_client`` on; by default the history's own.

    Facts that do not depend on the date (feedback, disputes, actions, flags, replacements)
    are joined once per contract, before the contracts meet the dates; payments as of each
    date come from one sorted search (`_payment_facts`), never a cross join with the dates.
    """
    on = computation_dates(dates)
    feedback_days = policy.outcomes.feedback_days
    static = (
        history.contracts.lazy()
        .select(KEY, "fkey", "ckey", "start", "end", "end_reason")
        .pipe(_attach, _feedback(history), KEY)
        .pipe(_attach, _disputes(history), KEY)
        .pipe(_attach, _contract_actions(history), KEY)
        .pipe(_attach, _flags(history, "fkey", "ckey"), ["fkey", "ckey"])
        .pipe(_attach, _flags(history, "ckey"), "ckey")
        .pipe(_attach, _replacements(history, policy), KEY)
        .collect()
    )
    # One row per (contract, on) for the contracts started by then, contract-major: the
    # descriptive columns (ids, names) are gathered once, beside the facts, row for row.
    row = pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW)
    rows = (
        history.contracts.select(row, "start")
        .join(on, how="cross")
        .filter(pl.col("start") <= pl.col("on"))
        .select(ROW, "on")
    )
    at = rows.get_column(ROW)
    descriptive = history.contracts.lazy().select(
        pl.col("freelancer", "id", "client", "type", "ended_by", "category").gather(at)
    )
    known = static.lazy().select(pl.all().gather(at))
    paid = _payment_facts(history, policy, rows)
    contracts = (
        pl.concat(
            [
                known.select(KEY, "fkey", "ckey"),
                rows.lazy().select("on"),
                known.select("start", "end", "end_reason"),
            ],
            how="horizontal",
            strict=True,
        )
        .with_columns(
            ended=pl.col("end").is_not_null() & (pl.col("end") <= pl.col("on")),
        )
        .with_columns(
            # Fields that describe the end are unknown while the contract is open.
            end=pl.when("ended").then("end"),
            end_reason=pl.when("ended").then("end_reason"),
        )
    )
    others = known.drop(KEY, "fkey", "ckey", "start", "end", "end_reason")
    frame = (
        pl.concat([contracts, paid, others], how="horizontal", strict=True)
        .pipe(_with_client_last_active, history, policy, on, clients)
        .with_columns(
            earnings=pl.col("earnings").fill_null(0.0),
            earnings_12m=pl.col("earnings_12m").fill_null(0.0),
            periods_paid=pl.col("periods_paid").fill_null(0),
            # Mid-contract feedback, feedback not given yet and feedback given after its
            # time ran out (docs/domain.md section 2: within 14 days) do not exist on `on`.
            has_feedback=pl.col("fb_date").is_not_null()
            & pl.col("ended")
            & (pl.col("fb_date") <= pl.col("on"))
            & (pl.col("fb_date") >= pl.col("end"))
            & (pl.col("fb_date") <= pl.col("end") + pl.duration(days=feedback_days)),
            dispute_open=pl.col("dispute_opened").is_not_null()
            & (pl.col("dispute_opened") <= pl.col("on")),
            appeal_upheld_on=_known(pl.col("appeal_upheld_on")),
            feedback_removed_on=_known(pl.col("feedback_removed_on")),
            report_upheld_on=_known(pl.col("report_upheld_on")),
            paused_by_client_on=_known(pl.col("paused_by_client_on")),
            removal_refused_on=_known(pl.col("removal_refused_on")),
            client_flagged_on=_known(
                pl.min_horizontal("client_flagged_fkey_ckey_on", "client_flagged_ckey_on")
            ),
            last_activity=pl.max_horizontal("last_paid", "start"),
            # The replacement exists once it has started (and the contract has ended).
            continued_on=pl.when(pl.col("ended") & (pl.col("continued_on") <= pl.col("on"))).then(
                "continued_on"
            ),
            idle_after=_idle_after(policy),
            # Waiting for its batch to close (engine.privacy decides; nothing waits before).
            held=pl.lit(False),
        )
        .drop("client_flagged_fkey_ckey_on", "client_flagged_ckey_on", "_gap", "_paid_days")
        .with_columns(
            fb_date=pl.when("has_feedback").then("fb_date"),
            stars=pl.when("has_feedback").then("stars"),
            recommend=pl.when("has_feedback").then("recommend"),
            idle_days=(pl.col("on") - pl.col("last_activity")).dt.total_days(),
            # An idle contract's outcome is dated the day it became idle, so it leaves the
            # windows like any other outcome (a dormant freelancer does not decay to 0%).
            idle_since=pl.col("last_activity") + pl.duration(days=pl.col("idle_after")),
            client_inactive_days=(pl.col("on") - pl.col("client_last_active")).dt.total_days(),
            removal_refused=pl.when(pl.col("removal_refused_on").is_not_null()).then(
                pl.col("removal_refused")
            ),
        )
    )
    facts = _with_no_feedback_share(frame, policy, rows.get_column("on"), on.height)
    return pl.concat([descriptive, facts], how="horizontal", strict=True).collect()


def facts(run: Run, policy: Policy) -> Run:
    """The step: the run's ledger becomes the `contract_facts` of its dates."""
    return replace(run, ledger=contract_facts(run.history, policy, list(run.days), run.clients))


def _attach(frame: pl.LazyFrame, other: pl.LazyFrame, on: str | list[str]) -> pl.LazyFrame:
    """A left join that keeps the left rows in order (descriptive columns rejoin by position)."""
    return frame.join(other, on=on, how="left", maintain_order="left")


def _known(expr: pl.Expr) -> pl.Expr:
    """An action's date if it happened on or before ``on``, else null."""
    return pl.when(expr <= pl.col("on")).then(expr)


#: Payments are searched by one sorted 64-bit code per (contract row, day): the row in the
#: high bits, the day (offset to stay positive) in the low ``_DAY_BITS``.
_DAY_BITS = 20
_DAY_OFFSET = 1 << (_DAY_BITS - 1)


def _code(row: pl.Expr, day: pl.Expr) -> pl.Expr:
    return row.cast(pl.Int64) * (1 << _DAY_BITS) + (day.cast(pl.Int32) + _DAY_OFFSET)


def _payment_facts(history: History, policy: Policy, rows: pl.DataFrame) -> pl.LazyFrame:
    """Earnings, earnings in the last 12 months, first and last positive payment and paid
    duration periods of each (contract, ``on``) row of ``rows`` (``ROW``: the contract's row
    in ``history.contracts``), as of ``on``, row for row: one lazy plan.

    Payments are sorted once by contract and date and carry running sums; each row reads
    them at its last payment on or before a day (segment sums: no group-by, no cross join
    with the dates): an as-of join on one sorted code per (contract row, day), both sides
    contract-major, so a match from another contract is seen and dropped. Duration periods
    (docs/domain.md section 4): period k of a contract is [start + k*P, start + (k+1)*P); it
    counts when it holds a positive payment and is full, i.e. the contract ran through it (to
    its end, or to ``on`` while open): the full periods end before ``start + full*P``, so they
    are the distinct periods of the positive payments dated before it.
    """
    days = policy.weights.period_days
    index = history.contracts.lazy().select(
        KEY, pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW), "start"
    )
    payments = (
        history.payments.lazy()
        .select(KEY, "date", "amount")
        .join(index, on=KEY)
        .sort(ROW, "date", maintain_order=True)
    )
    # Running sums per contract from running sums over all, less their value where the
    # contract's payments begin (payments are sorted by contract: no group-by).
    first = (pl.col(ROW) != pl.col(ROW).shift(1)).fill_null(True)

    def running(value: pl.Expr) -> pl.Expr:
        total = value.cum_sum()
        return total - pl.when(first).then(total - value).forward_fill()

    # Each stage names its columns once, so no expression is repeated inside another.
    staged = payments.with_columns(
        _positive=pl.col("amount") > 0,
        _k=(pl.col("date") - pl.col("start")).dt.total_days() // days,
    ).with_columns(_counted=pl.col("_positive") & (pl.col("_k") >= 0))
    staged = staged.with_columns(
        _seen=running(pl.col("_positive").cast(pl.UInt32)),
        _counted_before=running(pl.col("_counted").cast(pl.UInt32))
        - pl.col("_counted").cast(pl.UInt32),
        # The period of the contract's previous counted payment (forward fills stop at the
        # contract's first row: what they would carry over belongs to the previous contract).
        _earlier=pl.when(pl.col("_counted")).then("_k").forward_fill().shift(1),
    )
    earlier = pl.when(pl.col("_counted_before") > 0).then("_earlier")
    staged = staged.with_columns(
        _new=(pl.col("_counted") & (earlier.is_null() | (pl.col("_k") != earlier))).cast(pl.Int32)
    )
    seen = pl.col("_seen")
    sorted_payments = staged.select(
        pl.col(ROW).alias("_of"),
        _code(pl.col(ROW), pl.col("date")).alias("_code"),
        # Money is summed to the cent: a full refund is exactly $0, not 1e-14.
        running(pl.col("amount")).alias("_sum"),
        pl.when(seen > 0).then(pl.when("_positive").then("date").forward_fill()).alias("_last"),
        pl.when(seen > 0)
        .then(pl.when(pl.col("_positive") & (seen == 1)).then("date").forward_fill())
        .alias("_first"),
        running(pl.col("_new")).alias("_periods"),
    )
    spans = history.contracts.select("start", "end").select(pl.all().gather(rows.get_column(ROW)))
    full = (
        pl.min_horizontal(pl.col("end").fill_null(pl.col("on")), "on") - pl.col("start")
    ).dt.total_days() // days
    # The query codes are sorted like the payments' (contract-major, days ascending within
    # a contract, since ``rows`` lists each contract's dates in order).
    queries = (
        pl.concat([rows, spans], how="horizontal", strict=True)
        .lazy()
        .select(
            ROW,
            _code(pl.col(ROW), pl.col("on")).alias("_now"),
            _code(pl.col(ROW), months_before(rows.get_column("on"), 12)).alias("_year_ago"),
            _code(pl.col(ROW), pl.col("start") + pl.duration(days=full * days - 1)).alias("_cut"),
        )
    )

    def at(frame: pl.LazyFrame, query: str, columns: dict[str, str]) -> pl.LazyFrame:
        """``columns`` (renamed) at each row's last payment on or before the query's day
        (null where the contract has none)."""
        found = frame.join_asof(
            sorted_payments.select("_of", "_code", *columns),
            left_on=query,
            right_on="_code",
            check_sortedness=True,  # polars refuses unsorted codes: never a silent mismatch
        )
        hit = pl.col("_of") == pl.col(ROW)
        return found.with_columns(
            pl.when(hit).then(pl.col(c)).alias(name) for c, name in columns.items()
        ).drop("_of", "_code", *(c for c in columns if c not in columns.values()), strict=False)

    found = queries.pipe(at, "_now", {"_sum": "_total", "_first": "_first", "_last": "_last"})
    found = found.pipe(at, "_year_ago", {"_sum": "_then"}).pipe(
        at, "_cut", {"_periods": "_periods"}
    )
    paid = found.select(
        earnings=_cents(pl.col("_total")),
        earnings_12m=_cents(pl.col("_total") - pl.col("_then").fill_null(0.0)),
        first_paid="_first",
        last_paid="_last",
        periods_paid=pl.col("_periods").fill_null(0).cast(pl.Int32),
    )
    return pl.concat([paid, _rhythm_facts(history, policy, rows)], how="horizontal", strict=True)


def _cents(money: pl.Expr) -> pl.Expr:
    """Rounded to the cent, and $0 always +0.0 (a sum's sign of zero depends on its order)."""
    rounded = money.round(2)
    return pl.when(rounded == 0).then(pl.lit(0.0)).otherwise(rounded)


def _rhythm_facts(history: History, policy: Policy, rows: pl.DataFrame) -> pl.LazyFrame:
    """The median gap in days between a contract's paid days as of ``on`` (``_gap``), and
    how many there are (``_paid_days``), row for row with ``rows``; computed only when the
    policy has ``idle.rhythm_factor`` (a median is not a running sum: a join per date)."""
    if policy.idle.rhythm_factor <= 0:
        # with_columns, not select: literals alone would be one row, not one per row (the
        # horizontal concat would pad the rest with nulls)
        return (
            rows.lazy()
            .with_columns(
                _gap=pl.lit(None, dtype=pl.Float64), _paid_days=pl.lit(0, dtype=pl.UInt32)
            )
            .select("_gap", "_paid_days")
        )
    index = history.contracts.select(KEY, pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW))
    days = pl.col("date").unique().sort()
    rhythm = (
        history.payments.lazy()
        .filter(pl.col("amount") > 0)
        .select(KEY, "date")
        .join(index.lazy(), on=KEY)
        .join(rows.lazy().select(ROW, "on"), on=ROW)
        .filter(pl.col("date") <= pl.col("on"))
        .group_by(ROW, "on")
        .agg(_gap=days.diff().dt.total_days().median(), _paid_days=days.len())
    )
    return (
        rows.lazy()
        .select(ROW, "on")
        .join(rhythm, on=[ROW, "on"], how="left", maintain_order="left")
        .select("_gap", "_paid_days")
    )


def _idle_after(policy: Policy) -> pl.Expr:
    """Days without a payment after which an open contract is idle: ``idle.days``, or for a
    contract paid on a rhythm (``rhythm_min_payments`` paid days), ``rhythm_factor`` times
    its median gap when that is longer (jobsuccess-2026)."""
    base = pl.lit(policy.idle.days, dtype=pl.Int64)
    i = policy.idle
    if i.rhythm_factor <= 0:
        return base
    rhythm = (pl.col("_gap") * i.rhythm_factor).ceil().cast(pl.Int64)
    regular = pl.col("_paid_days").fill_null(0) >= i.rhythm_min_payments
    return pl.when(regular).then(pl.max_horizontal(base, rhythm)).otherwise(base)


def _replacements(history: History, policy: Policy) -> pl.LazyFrame:
    """Per contract, the first later contract of the same client and freelancer that starts
    within ``scope_change.days`` of its end, either side (``continued_by``, ``continued_on``);
    read only when the policy has ``scope_change`` on."""
    none = history.contracts.lazy().select(
        KEY,
        pl.lit(None, dtype=pl.String).alias("continued_by"),
        pl.lit(None, dtype=pl.Date).alias("continued_on"),
    )
    if not policy.scope_change.enabled:
        return none.head(0)
    n = policy.scope_change.days
    ended = history.contracts.lazy().filter(pl.col("end").is_not_null())
    later = history.contracts.lazy().select(
        "fkey",
        "ckey",
        pl.col(KEY).alias("_other"),
        pl.col("id").alias("continued_by"),
        pl.col("start").alias("continued_on"),
    )
    return (
        ended.select(KEY, "fkey", "ckey", "start", "end")
        .join(later, on=["fkey", "ckey"])
        .filter(
            (pl.col("_other") != pl.col(KEY))
            & (pl.col("continued_on") > pl.col("start"))
            & ((pl.col("continued_on") - pl.col("end")).dt.total_days().abs() <= n)
        )
        .sort(KEY, "continued_on", "continued_by")
        .group_by(KEY, maintain_order=True)
        .first()
        .select(KEY, "continued_by", "continued_on")
    )


def _with_client_last_active(
    frame: pl.LazyFrame,
    history: History,
    policy: Policy,
    on: pl.DataFrame,
    clients: pl.DataFrame | None,
) -> pl.LazyFrame:
    if not policy.vanished_client.enabled:
        return frame.with_columns(client_last_active=pl.lit(None, dtype=pl.Date))
    return _attach(frame, _client_last_active(history, on, clients), per("ckey", dates=on.height))


def _client_last_active(
    history: History, on: pl.DataFrame, clients: pl.DataFrame | None
) -> pl.LazyFrame:
    """Per client and ``on``, its last day of activity on the marketplace on or before ``on``
    (`client_activity`); read only when the policy has ``vanished_client`` on."""
    keys = history.contracts.lazy().select("client", "ckey").unique()
    activity = client_activity(history) if clients is None else clients
    return (
        activity.lazy()
        .join(keys, on="client")
        .join(on.lazy(), how="cross")
        .filter(pl.col("date") <= pl.col("on"))
        .group_by(per("ckey", dates=on.height))
        .agg(client_last_active=pl.col("date").max())
    )


def _feedback(history: History) -> pl.LazyFrame:
    return (
        history.feedback.lazy()
        .select(KEY, pl.col("date").alias("fb_date"), "stars", "recommend")
        .unique(subset=KEY, keep="first")
    )


def _disputes(history: History) -> pl.LazyFrame:
    return (
        history.disputes.lazy()
        .select(
            KEY,
            pl.col("opened").alias("dispute_opened"),
            pl.col("outcome").alias("dispute_outcome"),
        )
        .unique(subset=KEY, keep="first")
    )


def _contract_actions(history: History) -> pl.LazyFrame:
    actions = history.actions.lazy().filter(pl.col("contract").is_not_null())
    kind = pl.col("type")
    refused = kind == REFUSED_REMOVAL
    return actions.group_by(KEY).agg(
        appeal_upheld_on=pl.col("date").filter(kind == "appeal_upheld").min(),
        feedback_removed_on=pl.col("date").filter(kind == "feedback_removed").min(),
        report_upheld_on=pl.col("date").filter(kind == "report_upheld").min(),
        paused_by_client_on=pl.col("date")
        .filter((kind == "contract_paused") & (pl.col("cause") == "client"))
        .min(),
        removal_refused_on=pl.col("date").filter(refused).min(),
        removal_refused=pl.col("note").sort_by("date").filter(refused.sort_by("date")).first(),
    )


def _flags(history: History, *by: str) -> pl.LazyFrame:
    """The first date each client was flagged: per freelancer (by fkey and ckey) or, for
    actions without a freelancer, marketplace-wide (by ckey alone)."""
    for_one = "fkey" in by
    flags = history.actions.lazy().filter(
        (pl.col("type") == "client_flagged")
        & pl.col("client").is_not_null()
        & (pl.col("freelancer").is_not_null() if for_one else pl.col("freelancer").is_null())
    )
    return flags.group_by(*by).agg(pl.col("date").min().alias(f"client_flagged_{'_'.join(by)}_on"))


def _with_no_feedback_share(
    frame: pl.LazyFrame, policy: Policy, days: pl.Series, dates: int
) -> pl.LazyFrame:
    """Share of ended contracts without feedback (longest window), for the pre-2020-11 rule
    (``days``: the frame's ``on``, row for row, for `months_before`; ``dates``: how many
    computation dates)."""
    if policy.outcomes.no_feedback != "negative_when_excessive":
        return frame.with_columns(no_feedback_share=pl.lit(None, dtype=pl.Float64))
    months = policy.windows.months[policy.windows.longest]
    timed_out = pl.col("ended") & (
        pl.col("on") >= pl.col("end") + pl.duration(days=policy.outcomes.feedback_days)
    )
    recent = timed_out & (pl.col("end") >= months_before(days, months))
    silent = recent & ~pl.col("has_feedback")
    return frame.with_columns(
        no_feedback_share=(
            silent.cast(pl.Int32).sum().over(per("fkey", dates=dates))
            / pl.max_horizontal(recent.cast(pl.Int32).sum().over(per("fkey", dates=dates)), 1)
        )
    )
