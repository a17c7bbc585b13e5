"""``jobsuccess lab``: a rule change, a privacy k, or both, compared over a whole marketplace.

Registered on the main app by `register` (called from `jobsuccess.cli`); the lab's work is in
`jobsuccess.lab` (comparison, runners) and its page in `jobsuccess.lab.html`, imported when the
command runs so that ``jobsuccess --help`` stays quick.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jobsuccess.cli_common import (
    JsonOpt,
    MasterOpt,
    RunnerOpt,
    check_runner,
    err,
    out,
    parse_date,
    user_errors,
)
from jobsuccess.cli_common import load_history as _load
from jobsuccess.cli_common import print_json as _print_json
from jobsuccess.errors import InputError

OUTPUTS = frozenset({"freelancers.parquet", "summary.json", "report.html"})
SPEC_HELP = (
    "POLICY or POLICY@k=K: 'auto' (the timeline), a policy name (2020-11) or a TOML file, "
    "optionally with private feedback pooled in batches of K clients (auto@k=3)."
)


@user_errors
def lab_command(
    market: Annotated[
        Path,
        typer.Argument(
            help="A table folder (or a JSON history), or a dataset written by jobsuccess "
            "partition (needed by --runner spark)."
        ),
    ],
    base: Annotated[str, typer.Option("--base", help="The policy in force. " + SPEC_HELP)],
    candidate: Annotated[str, typer.Option("--candidate", help="The policy to try. " + SPEC_HELP)],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder to write: freelancers.parquet, summary.json, report.html."
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compare as of this date (YYYY-MM-DD); default today."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="With --to: compare on every computation date in between."),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="The last date of --from.")] = None,
    partition_size: Annotated[int, typer.Option(help="Freelancers per partition.", min=1)] = 50_000,
    runner: RunnerOpt = "local",
    master: MasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score a whole marketplace under a base and a candidate policy and compare: who gains
    or loses a score or a status, by how much, in which segment, and why (20 largest movers,
    attributed by the explain engine)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from jobsuccess.io.atomic import replacing_folder
    from jobsuccess.lab import compare as cmp
    from jobsuccess.lab import html as page
    from jobsuccess.lab import run
    from jobsuccess.lab.spec import parse_spec

    spark_master = check_runner(runner, master)
    base_spec, candidate_spec = parse_spec(base, "--base"), parse_spec(candidate, "--candidate")
    if as_of is not None and (start is not None or end is not None):
        raise InputError("give --as-of or --from/--to, not both", field="--as-of")
    if (start is None) != (end is None):
        raise InputError("--from and --to go together", field="--from" if end else "--to")
    base_book, candidate_book = base_spec.book(), candidate_spec.book()
    if start is not None and end is not None:
        first, last = parse_date(start, "--from"), parse_date(end, "--to")
        if first > last:
            raise InputError(f"{first} is after --to {last}", field="--from")
        days = run.computation_dates(base_book, candidate_book, first, last)
    else:
        days = [parse_date(as_of)]
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("exists and is not a folder", file=str(out_dir))
    what = run.policy_difference(base_book, candidate_book, days[-1])
    if spark_master is not None:
        from jobsuccess.spark_cli import movers_history, open_dataset, spark_lab

        dataset = open_dataset(market)
        frame, clients = spark_lab(
            dataset, base_book, candidate_book, days, partition_size, spark_master
        )
        top = run.movers(frame, days[-1])
        # the movers' buckets only: they are explained with the whole market's activity
        history = movers_history(dataset, top.get_column("freelancer").to_list())
        history = history.with_market(clients)
    else:
        history = _load(market)
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        if spark_master is None:
            task = bar.add_task("scoring both ways", total=len(history.freelancers))
            frame = run.lab_frame(
                history,
                base_book,
                candidate_book,
                days,
                partition_size=partition_size,
                advance=lambda n: bar.advance(task, n),
            )
            top = run.movers(frame, days[-1])
        summary = cmp.summarize(frame, base_spec.label, candidate_spec.label, days)
        explaining = bar.add_task("explaining the movers", total=top.height)
        movers = run.explain_movers(
            history,
            base_book,
            candidate_book,
            top,
            days[-1],
            what,
            advance=lambda n: bar.advance(explaining, n),
        )
    report = page.render(frame, summary, movers, str(market))
    data = summary.to_json()
    with replacing_folder(out_dir, OUTPUTS) as tmp:
        frame.write_parquet(tmp / "freelancers.parquet")
        (tmp / "summary.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (tmp / "report.html").write_text(report, encoding="utf-8")
    if as_json:
        _print_json(data)
        return
    _print_summary(summary, out_dir)


def _print_summary(summary: object, where: Path) -> None:
    from jobsuccess.cli_common import table
    from jobsuccess.lab.compare import Summary

    assert isinstance(summary, Summary)
    grid = table(
        "as of",
        "scored base",
        "scored candidate",
        "gained",
        "lost",
        "changed",
        "by 5+",
        "mean delta",
        title=f"{summary.base} -> {summary.candidate}",
        title_justify="left",
        whole=("as of",),
    )
    for d in summary.dates:
        f = d.figures
        grid.add_row(
            d.as_of.isoformat(),
            f"{f.scored_base:,}",
            f"{f.scored_candidate:,}",
            f"{f.gained_score.count:,}",
            f"{f.lost_score.count:,}",
            f"{f.changed.count:,}",
            f"{f.changed_by_5.count:,}",
            "-" if f.delta.mean is None else f"{f.delta.mean:+.2f}",
        )
    out.print(grid)
    out.print(f"wrote {where}/freelancers.parquet, summary.json, report.html")


def register(app: typer.Typer) -> None:
    """Add ``lab`` to the main ``jobsuccess`` app."""
    app.command("lab")(lab_command)
