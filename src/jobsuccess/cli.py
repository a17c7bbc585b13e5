"""The `jobsuccess` command line: friendly tables by default, exact JSON on request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from jobsuccess.cli_common import (
    AsOf,
    JsonOpt,
    MasterOpt,
    PolicyOpt,
    PrivacyKOpt,
    RunnerOpt,
    check_runner,
    err,
    out,
    parse_date,
    plural,
    table,
    user_errors,
)
from jobsuccess.cli_common import load_history as _load
from jobsuccess.cli_common import print_json as _print_json
from jobsuccess.errors import InputError
from jobsuccess.explain_cli import register as register_explain
from jobsuccess.lab_cli import register as register_lab
from jobsuccess.service.cli import register as register_service
from jobsuccess.spark_cli import register as register_spark

if TYPE_CHECKING:  # the heavy packages load in the commands that use them (a quick --help)
    import polars as pl

    from jobsuccess.engine import Scores
    from jobsuccess.model import History
    from jobsuccess.policy import PolicyBook
    from jobsuccess.spark.dataset import Dataset
    from jobsuccess.subjects import SubjectKind

app = typer.Typer(
    name="jobsuccess",
    help="Exact, explainable job success scores for freelance marketplaces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policies_app = typer.Typer(
    help="The policy timeline: list policies or show one's parameters.", invoke_without_command=True
)
app.add_typer(policies_app, name="policies")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"jobsuccess {version('jobsuccess')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Exact, explainable job success scores for freelance marketplaces."""


@app.command("score")
@user_errors
def score_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A JSON history (one freelancer or an array) or a table folder.",
        ),
    ],
    as_of: AsOf = None,
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    as_json: JsonOpt = False,
    audience: Annotated[
        str,
        typer.Option(
            "--audience",
            help="freelancer (the default): no private answer, nor an outcome derived from one; "
            "operator: everything.",
        ),
    ] = "freelancer",
    freelancer: Annotated[
        str | None, typer.Option("--freelancer", help="Only this freelancer (default: every one).")
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(
            "--agency",
            help="Score this agency over every contract done for it, by any of its "
            "freelancers (same rules; the JSON names it under the key agency).",
        ),
    ] = None,
) -> None:
    """Score one freelancer (or each in a JSON array or table folder), with the per-contract
    ledger."""
    from jobsuccess.engine import market_clients, score
    from jobsuccess.explain import check_audience, pick_freelancer
    from jobsuccess.policy import load_policy
    from jobsuccess.report import score_json

    who = check_audience(audience)
    history = _load(file)
    if freelancer is not None and agency is not None:
        raise InputError("give --freelancer or --agency, not both", field="--agency")
    book = load_policy(policy, privacy_k=privacy_k)
    # one freelancer of a marketplace file is scored as `batch` scores the file: a vanished
    # client is judged from every contract in it, not from this freelancer's alone
    clients = market_clients(history, book)
    if freelancer is not None:
        history = history.only([pick_freelancer(history, freelancer)])
    subject: SubjectKind = "freelancer"
    if agency is not None:
        from jobsuccess.subjects import for_agency

        history, subject = for_agency(history, agency, file=str(file)), "agency"
    day = parse_date(as_of)
    scores = score(history, book, day, clients=clients)
    results = [
        score_json(scores, book, f, day, subject=subject, audience=who, history=history)
        for f in scores.scores.get_column("freelancer").to_list()
    ]
    if as_json:
        single = (
            freelancer is not None
            or agency is not None
            or (file.suffix == ".json" and not _is_array(file))
        )
        _print_json(results[0] if single and len(results) == 1 else results)
        return
    for result in results:
        render_score(result)


def _is_array(file: Path) -> bool:
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1), b""):
            if not chunk.isspace():
                return chunk == b"["
    return False


OUTCOME_STYLE = {
    "success": "green",
    "neutral": "yellow",
    "negative": "red",
    "excluded": "dim",
    "pooled": "magenta",
    "private": "magenta",
}


def render_score(result: dict[str, Any], console: Console = out) -> None:
    """A readable view of one score JSON: headline, windows, ledger, status."""
    from jobsuccess.figures import WINDOW_FIELDS

    headline = (
        f"[bold]{result['score']}%[/] (best: {result['best']})"
        if result["score"] is not None
        else f"[bold]no score[/]: {result['reason']}"
    )
    badges = [k.replace("_", " ").title() for k, v in result["status"].items() if v]
    who = result["agency"] if "agency" in result else result["freelancer"]
    console.print(
        f"[bold cyan]{who}[/] as of {result['as_of']} "
        f"(computed {result['computed_on']}, policy {result['policy']}): {headline}"
        + (f"  [magenta]{', '.join(badges)}[/]" if badges else "")
    )
    windows = table(
        "window", *WINDOW_FIELDS, title="Windows", title_justify="left", whole=("window", "score")
    )
    for name, w in result["windows"].items():
        windows.add_row(
            name,
            "-" if w["score"] is None else f"{w['score']:.2f}",
            "yes" if w["eligible"] else "no",
            str(w["outcomes"]),
            str(w["clients"]),
            *(f"{w[k]:.2f}" for k in ("success", "neutral", "negative", "total")),
        )
    console.print(windows)
    ledger = table(
        "contract",
        "client",
        "outcome",
        "weight",
        "dated",
        "windows",
        "why",
        title="Contracts",
        title_justify="left",
        whole=("outcome", "weight", "dated"),
        ids=("contract",),
        wide=("why",),
    )
    for c in result["contracts"]:
        style = OUTCOME_STYLE[c["outcome"]]
        ledger.add_row(
            c["id"],
            c["client"],
            f"[{style}]{c['outcome']}[/]",
            f"{c['weight']:g}",
            c["dated"] or "-",
            " ".join(c["windows"]) or "-",
            c["reason"],
        )
    console.print(ledger)


@policies_app.callback()
def policies_list(ctx: typer.Context) -> None:
    """List the shipped policies: the timeline oldest first, then the opt-in ones."""
    if ctx.invoked_subcommand is not None:
        return
    from jobsuccess.policy import shipped_policies

    table = Table("name", "effective", "cadence", "change")
    for p in shipped_policies():
        cadence = "daily" if p.cadence.every_days == 1 else f"every {p.cadence.every_days} days"
        effective = p.effective.isoformat() if p.timeline else "opt-in"
        table.add_row(p.name, effective, cadence, p.title)
    out.print(table)


@policies_app.command("show")
@user_errors
def policies_show(
    name: Annotated[str, typer.Argument(help="A policy name or a TOML file.")],
    as_json: JsonOpt = False,
) -> None:
    """Print every parameter of one policy."""
    from jobsuccess.policy import read_policy

    policy = read_policy(name)
    if as_json:
        _print_json(policy.model_dump(mode="json"))
        return
    table = Table(
        "parameter", "value", title=f"policy {policy.name}: {policy.title}", title_justify="left"
    )
    for key, value in policy.parameters():
        table.add_row(key, json.dumps(value) if not isinstance(value, str) else value)
    out.print(table)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it only if the block succeeds (with
    the mode the umask gives a new file: ``mkstemp`` makes it 0600)."""
    from jobsuccess.io.atomic import refuse_folder, umask_mode

    refuse_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def flat_scores(scores: Scores) -> pl.DataFrame:
    """`jobsuccess.report.flat_scores` (imported when called: a quick ``--help``)."""
    from jobsuccess.report import flat_scores as flat

    return flat(scores)


def batch_frames(
    history: History,
    book: PolicyBook,
    day: dt.date,
    partition_size: int,
    progress: bool = True,
    what: str = "freelancers",
) -> pl.DataFrame:
    from jobsuccess.report import batch_rows

    with _scoring_bar(len(history.freelancers), what, progress) as advance:
        return batch_rows(history, book, day, partition_size, advance)


def batch_buckets(
    dataset: Dataset, book: PolicyBook, day: dt.date, partition_size: int
) -> pl.DataFrame:
    """`batch_frames` of a partitioned dataset, read a bucket at a time (with the whole
    marketplace's client activity where the policy reads it): the rows of the dataset read
    whole, in a bucket's memory."""
    from jobsuccess.engine import reads_clients
    from jobsuccess.report import batch_rows, combine

    clients = dataset.client_activity() if reads_clients(book) else None
    with _scoring_bar(dataset.freelancers, "freelancers") as advance:
        parts = [
            batch_rows(dataset.load(b), book, day, partition_size, advance, clients=clients)
            for b in range(dataset.buckets)
        ]
    return combine(parts)


@contextmanager
def _scoring_bar(total: int, what: str, shown: bool = True) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr over ``total`` ``what``; yields the function that advances it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        TextColumn("[bold]scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(what),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, disable=not shown) as bar:
        task = bar.add_task("score", total=total)
        yield lambda n: bar.advance(task, n)


@app.command("batch")
@user_errors
def batch_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A table folder (or a JSON history), or a dataset written by jobsuccess "
            "partition (needed by --runner spark; the local runner reads it a bucket at a "
            "time, or whole with --agencies)."
        ),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="Parquet file to write.")],
    as_of: AsOf = None,
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    partition_size: Annotated[int, typer.Option(help="Freelancers per partition.")] = 50_000,
    agencies: Annotated[
        bool,
        typer.Option(
            "--agencies",
            help="Add one row per agency (scored over all its contracts) and a column agency: "
            "an agency row has the agency id there and freelancer null; a freelancer row the "
            "reverse.",
        ),
    ] = False,
    runner: RunnerOpt = "local",
    master: MasterOpt = None,
) -> None:
    """Score a whole marketplace into one Parquet file."""
    from jobsuccess.io.atomic import refuse_folder
    from jobsuccess.policy import load_policy
    from jobsuccess.spark.dataset import is_dataset
    from jobsuccess.spark_cli import open_dataset

    spark_master = check_runner(runner, master)
    if spark_master is not None and agencies:
        raise InputError(
            "--agencies needs the local runner (an agency's freelancers span buckets)",
            field="--agencies",
        )
    refuse_folder(out_file)  # before the scoring, not after it
    book = load_policy(policy, privacy_k=privacy_k)
    day = parse_date(as_of)
    if spark_master is not None:
        from jobsuccess.spark_cli import spark_batch

        frame = spark_batch(open_dataset(folder), book, day, partition_size, spark_master)
    elif not agencies and folder.is_dir() and is_dataset(folder):
        frame = batch_buckets(open_dataset(folder), book, day, partition_size)
    else:
        history = _load(folder)
        frame = batch_frames(history, book, day, partition_size)
        if agencies:
            from jobsuccess.subjects import for_agencies

            agency_rows = batch_frames(
                for_agencies(history), book, day, partition_size, what="agencies"
            )
            frame = with_agency_rows(frame, agency_rows)
    with atomic_path(out_file) as tmp:
        frame.write_parquet(tmp)
    summarize(frame, out_file)


def with_agency_rows(freelancers: pl.DataFrame, agencies: pl.DataFrame) -> pl.DataFrame:
    """Freelancer rows, then agency rows, told apart by the column ``agency`` (after
    ``freelancer``): the agency id on an agency row (``freelancer`` null), null elsewhere."""
    import polars as pl

    if freelancers.is_empty():
        return freelancers
    rows = freelancers.with_columns(agency=pl.lit(None, dtype=pl.String()))
    if not agencies.is_empty():
        agency_rows = agencies.with_columns(
            agency=pl.col("freelancer"), freelancer=pl.lit(None, dtype=pl.String())
        )
        rows = pl.concat([rows, agency_rows], how="diagonal_relaxed")
    return rows.select("freelancer", "agency", pl.exclude("freelancer", "agency"))


def summarize(frame: pl.DataFrame, where: Path | None = None, console: Console = out) -> None:
    import polars as pl

    if "agency" in frame.columns:
        agencies = frame.filter(pl.col("agency").is_not_null())
        frame = frame.filter(pl.col("agency").is_null())
        scored_agencies = agencies.filter(pl.col("score").is_not_null()).height
        console.print(f"{agencies.height:,} agencies, {scored_agencies:,} with a score")
    scored = frame.filter(pl.col("score").is_not_null())
    table_ = table(
        "freelancers",
        "with a score",
        "median",
        "90%+",
        "Top Rated",
        "Top Rated Plus",
        "Rising Talent",
        title="Marketplace",
        title_justify="left",
        whole=("freelancers", "median", "90%+"),
    )
    median = scored.select(pl.col("score").median()).item() if scored.height else None
    table_.add_row(
        f"{frame.height:,}",
        f"{scored.height:,}",
        "-" if median is None else f"{float(median):.0f}%",
        f"{scored.filter(pl.col('score') >= 90).height:,}",
        f"{frame.get_column('top_rated').sum():,}",
        f"{frame.get_column('top_rated_plus').sum():,}",
        f"{frame.get_column('rising_talent').sum():,}",
    )
    console.print(table_)
    if where is not None:
        console.print(f"wrote {where}")


@app.command("raters")
@user_errors
def raters_command(
    market: Annotated[
        Path | None,
        typer.Argument(help="A table folder (or a JSON history); leave out with --db."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Read the store at this URL instead of MARKET (see jobsuccess import)."
        ),
    ] = None,
    confirm: Annotated[
        list[str] | None,
        typer.Option(
            "--confirm",
            help="With --db: confirm this proposed client (repeatable), recording a "
            "marketplace-wide client_flagged with the proposal's evidence.",
        ),
    ] = None,
    as_of: AsOf = None,
    min_freelancers: Annotated[
        int,
        typer.Option(min=2, help="Evaluate clients who rated at least this many freelancers."),
    ] = 5,
    measure: Annotated[
        bool,
        typer.Option(
            "--measure/--no-measure",
            help="Measure the false-positive rate on synthetic markets with known harsh "
            "clients (a few seconds).",
        ),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Propose harsh raters: clients who rate the freelancers they hire below those
    freelancers' other clients (operators: reads private answers). With --db, from the
    store, where --confirm flags the proposals an operator confirms."""
    from jobsuccess.raters import false_positive_rate, raters

    if (market is None) == (db is None):
        raise InputError("give a MARKET file or folder, or --db URL (one of them)")
    if confirm and db is None:
        raise InputError("--confirm records into a store: give --db URL", field="--confirm")
    day = parse_date(as_of)
    if db is not None:
        from jobsuccess.store import ledger, open_database
        from jobsuccess.store.actions import confirm_rater

        database = open_database(db, create=False)
        for client in dict.fromkeys(confirm or []):
            done = confirm_rater(database, client, as_of=day, min_freelancers=min_freelancers)
            err.print(
                f"confirmed: client {client} flagged on {done.date} (record {done.recorded.id})",
                soft_wrap=True,
            )
        history = ledger.history(database)
        database.dispose()
    else:
        assert market is not None
        history = _load(market)
    found = raters(history, day, min_freelancers=min_freelancers)
    if measure:
        found = dataclasses.replace(
            found, false_positives=false_positive_rate(min_freelancers=min_freelancers)
        )
    report = found.to_json()
    if as_json:
        _print_json(report)
        return
    table_ = table(
        "rank",
        "client",
        "freelancers",
        "index",
        "z",
        "stars (others)",
        "private 0-10 (others)",
        "freelancers' stars for the client",
        "flagged",
        title=f"Proposed harsh raters as of {day} ({report['clients_evaluated']:,} clients rated "
        f"{min_freelancers}+ freelancers)",
        title_justify="left",
        ids=("client",),
    )

    def pair(m: dict[str, Any]) -> str:
        if m["mean"] is None:
            return "-"
        return f"{m['mean']:.2f} ({m['others_mean']:.2f})"

    for p in report["proposals"]:
        fb = p["client_feedback"]
        table_.add_row(
            str(p["rank"]),
            p["client"],
            str(p["freelancers"]),
            f"{p['index']:.2f}",
            f"{p['z']:.1f}",
            pair(p["stars"]),
            pair(p["recommend"]),
            "-" if fb is None else f"{fb['mean']:.2f} of {fb['count']} ({fb['market_mean']:.2f})",
            "yes" if p["flagged"] else "no",
        )
    out.print(table_)
    rate = report["false_positive_rate"]
    if rate is not None:
        out.print(
            f"false-positive rate {rate['rate']:.2%} ({rate['false_positives']} of "
            f"{rate['clients_not_harsh']:,} clients who are not harsh), recall "
            f"{rate['recall']:.0%} ({rate['harsh_found']} of {rate['harsh_evaluated']} harsh "
            f"clients), measured on {rate['measured_on']}"
        )
    out.print(
        "Confirm a proposal in a store with --db URL --confirm CLIENT (or POST "
        "/v1/raters/{client}/confirm): it records client_flagged with the proposal's evidence, "
        "and the client's contracts then stop counting."
    )


@app.command("synth")
@user_errors
def synth_command(
    freelancers: Annotated[int, typer.Option(help="How many freelancers.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same marketplace.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write.")] = Path("market"),
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The marketplace's last day (YYYY-MM-DD); default 2026-11-01, fixed so that "
            "the same seed always writes the same marketplace.",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or json.")] = "parquet",
    client_feedback: Annotated[
        bool,
        typer.Option(
            "--client-feedback",
            help="Fill client_feedback (the freelancers' stars for their clients) on 40% of "
            "ended contracts, for jobsuccess raters.",
        ),
    ] = False,
) -> None:
    """Write a realistic synthetic marketplace (a table folder, or one JSON file)."""
    from jobsuccess.io import dump_json, write_tables
    from jobsuccess.synth import marketplace

    if fmt not in ("parquet", "csv", "json"):
        raise InputError(f"--format: expected parquet, csv or json, got {fmt!r}")
    table_format: Literal["parquet", "csv"] = "csv" if fmt == "csv" else "parquet"
    day = parse_date(as_of) if as_of else dt.date(2026, 11, 1)
    try:
        history = marketplace(freelancers, seed=seed, as_of=day, client_feedback=client_feedback)
    except ValueError as exc:  # a size or date the generator cannot honour
        raise InputError(str(exc)) from None
    if fmt == "json":
        dump_json(history.localized(), out_dir)
    else:
        write_tables(history, out_dir, format=table_format)
    out.print(
        f"wrote {plural(history.contracts.height, 'contract')} of "
        f"{plural(freelancers, 'freelancer')} to {out_dir}"
    )


@app.command("demo")
@user_errors
def demo_command(
    freelancers: Annotated[int, typer.Option(help="Size of the demo marketplace.")] = 2000,
) -> None:
    """Everything end to end: synthesize a marketplace, score it, explain one story."""
    import polars as pl

    from jobsuccess.engine import score
    from jobsuccess.io import write_tables
    from jobsuccess.policy import PolicyBook
    from jobsuccess.report import score_json
    from jobsuccess.synth import marketplace

    day = dt.date(2026, 11, 1)
    out.rule("[bold]1. A synthetic marketplace")
    history = marketplace(freelancers, seed=7, as_of=day)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "market"
        write_tables(history, folder, format="parquet")
        out.print(
            f"{history.contracts.height:,} contracts, {history.payments.height:,} payments, "
            f"{history.feedback.height:,} feedback of {plural(freelancers, 'freelancer')} "
            f"-> {folder}"
        )
        out.rule(f"[bold]2. Batch scoring as of {day} (policy auto)")
        book = PolicyBook.shipped()
        frame = batch_frames(_load(folder), book, day, partition_size=100_000)
        summarize(frame)
        top = (
            frame.filter(pl.col("score").is_not_null())
            .sort(["score", "outcomes_24m", "freelancer"], descending=[True, True, False])
            .head(5)
        )
        best = table(
            "freelancer",
            "score",
            "best",
            "outcomes (24m)",
            "clients (24m)",
            "Top Rated",
            title="Best scored, with the evidence behind them",
            title_justify="left",
            ids=("freelancer",),
        )
        for row in top.iter_rows(named=True):
            best.add_row(
                row["freelancer"],
                f"{row['score']}%",
                row["best"],
                str(row["outcomes_24m"]),
                str(row["clients_24m"]),
                "yes" if row["top_rated"] else "no",
            )
        out.print(best)
    story = _examples_dir() / "idle-drop.json"
    if story.exists():
        out.rule("[bold]3. One freelancer, explained: examples/idle-drop.json")
        one = _load(story)
        as_of = dt.date(2024, 11, 20)
        render_score(score_json(score(one, book, as_of), book, one.freelancers[0], as_of))


def _examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


# Commands that live beside the core ones, in the adapters' own modules.
register_explain(app)
register_lab(app)
register_spark(app)
register_service(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
