"""The explain commands: ``explain``, ``forecast``, ``whatif``, ``advise`` and ``report``.

Registered on the main app by `register` (called from `jobsuccess.cli`). Every command takes
the history file, the date(s), ``--policy``, ``--freelancer`` (for a file of many),
``--audience`` (``freelancer`` by default: private feedback only ever in aggregate) and
``--json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jobsuccess.cli_common import (
    AsOf,
    JsonOpt,
    PolicyOpt,
    PrivacyKOpt,
    parse_date,
    user_errors,
)
from jobsuccess.cli_common import load_history as _load
from jobsuccess.cli_common import print_json as _print_json
from jobsuccess.cli_common import table as fold_table
from jobsuccess.errors import InputError

if TYPE_CHECKING:
    from jobsuccess.explain.audience import Audience

out = Console()


def check_audience(value: str) -> Audience:
    """`jobsuccess.explain.audience.check_audience`, imported when a command runs: the explain
    package (polars, the engine) stays out of ``jobsuccess --help``."""
    from jobsuccess.explain.audience import check_audience as check

    return check(value)


File = Annotated[Path, typer.Argument(help="A JSON history or a table folder.")]
AudienceOpt = Annotated[
    str,
    typer.Option("--audience", help="freelancer (private feedback only pooled) or operator."),
]
FreelancerOpt = Annotated[
    str | None, typer.Option("--freelancer", help="Which freelancer, when the file holds many.")
]
MonthsOpt = Annotated[
    int, typer.Option("--months", help="How far ahead, in months.", min=1, max=36)
]


def _shown(score: int | None) -> str:
    return "no score" if score is None else f"{score}%"


def _effect(value: float) -> str:
    colour = "green" if value > 0 else "red" if value < 0 else "dim"
    return f"[{colour}]{value:+.2f}[/]"


def _changes_table(changes: list[dict[str, Any]], title: str) -> Table:
    table = fold_table(
        "effect",
        "kind",
        "what happened",
        title=title,
        title_justify="left",
        whole=("effect", "kind"),
        wide=("what happened",),
    )
    for c in changes:
        table.add_row(_effect(c["effect"]), c["kind"], c["text"])
    return table


@user_errors
def explain_command(
    file: File,
    start: Annotated[str, typer.Option("--from", help="The earlier date (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="The later date (YYYY-MM-DD).")],
    audience: AudienceOpt = "freelancer",
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    freelancer: FreelancerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Why the score changed between two dates: every change, its effect in points and why."""
    from jobsuccess.explain import explain
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    first_day, last_day = parse_date(start, "--from"), parse_date(end, "--to")
    if first_day > last_day:
        raise InputError(f"{first_day} is after --to {last_day}", field="--from")
    history = _load(file)
    result = explain(
        history,
        load_policy(policy, privacy_k=privacy_k),
        start=first_day,
        end=last_day,
        audience=who,
        freelancer=freelancer,
    )
    if as_json:
        _print_json(result)
        return
    first, second = result["from"], result["to"]
    out.print(
        f"[bold cyan]{second['freelancer']}[/]: {_shown(first['score'])} on {first['as_of']} "
        f"-> [bold]{_shown(second['score'])}[/] on {second['as_of']} "
        f"({result['delta']:+.2f} points, unrounded; {result['method']})"
    )
    out.print(_changes_table(result["changes"], "What changed, largest effect first"))


@user_errors
def forecast_command(
    file: File,
    as_of: AsOf = None,
    months: MonthsOpt = 6,
    audience: AudienceOpt = "freelancer",
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    freelancer: FreelancerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """If nothing new happens: every future date where the score or a status changes, and why."""
    from jobsuccess.explain import forecast
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    result = forecast(
        _load(file),
        load_policy(policy, privacy_k=privacy_k),
        as_of=parse_date(as_of),
        months=months,
        audience=who,
        freelancer=freelancer,
    )
    if as_json:
        _print_json(result)
        return
    out.print(
        f"[bold cyan]{result['freelancer']}[/] now {_shown(result['now']['score'])} "
        f"(computed {result['computed_on']}); assuming {result['assumption']}:"
    )
    if not result["changes"]:
        out.print(f"no change of the score or a status until {result['until']}.")
    table = fold_table(
        "date",
        "score",
        "why",
        title="Forecast",
        title_justify="left",
        whole=("date", "score"),
        wide=("why",),
    )
    for p in result["changes"]:
        why = [f"[magenta]{s}[/]" for s in p["status_changes"]]
        why += [f"{c['text']} ({c['effect']:+.2f})" for c in p["causes"] if c["effect"]]
        table.add_row(
            p["date"], f"{_shown(p['previous'])} -> {_shown(p['score'])}", "\n".join(why) or "-"
        )
    if result["changes"]:
        out.print(table)


@user_errors
def whatif_command(
    file: File,
    scenario: Annotated[
        Path,
        typer.Option(
            "--scenario", help='A JSON scenario: {"events": [...]} or a plain list of events.'
        ),
    ],
    as_of: AsOf = None,
    audience: AudienceOpt = "freelancer",
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    freelancer: FreelancerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The score before and after hypothetical events, and what made the difference."""
    from jobsuccess.explain import load_scenario, whatif
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    events = load_scenario(scenario)
    result = whatif(
        _load(file),
        load_policy(policy, privacy_k=privacy_k),
        as_of=parse_date(as_of),
        scenario=events,
        audience=who,
        freelancer=freelancer,
    )
    if as_json:
        _print_json(result)
        return
    before, after = result["before"], result["after"]
    out.print(
        f"[bold cyan]{after['freelancer']}[/] as of {after['as_of']}: "
        f"{_shown(before['score'])} -> [bold]{_shown(after['score'])}[/] "
        f"({result['delta']:+.2f} points)"
    )
    for note in result["notes"]:
        out.print(f"[yellow]note:[/] {note}")
    out.print(_changes_table(result["changes"], "What the scenario changes"))


@user_errors
def advise_command(
    file: File,
    as_of: AsOf = None,
    months: MonthsOpt = 6,
    audience: AudienceOpt = "freelancer",
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    freelancer: FreelancerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What you can do now, ranked by its effect on your score."""
    from jobsuccess.explain import advise
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    result = advise(
        _load(file),
        load_policy(policy, privacy_k=privacy_k),
        as_of=parse_date(as_of),
        months=months,
        audience=who,
        freelancer=freelancer,
    )
    if as_json:
        _print_json(result)
        return
    out.print(f"[bold cyan]{result['freelancer']}[/] now {_shown(result['score'])}")
    if not result["advice"]:
        out.print(
            "Nothing to do: no open contract is about to count against you "
            f"before {result['horizon']}."
        )
    for i, a in enumerate(result["advice"], 1):
        out.print(f"{i}. {a['text']} [dim]({a['effect']:+.2f} points)[/]")
    if result["together"]:
        out.print(f"[bold]All together:[/] {result['together']['text']}")


@user_errors
def report_command(
    file: File,
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    as_of: AsOf = None,
    audience: AudienceOpt = "freelancer",
    policy: PolicyOpt = "auto",
    privacy_k: PrivacyKOpt = None,
    freelancer: FreelancerOpt = None,
) -> None:
    """One self-contained HTML page: score, history chart, ledger, last change, forecast."""
    from jobsuccess.explain import report
    from jobsuccess.io.atomic import refuse_folder, write_file_atomically
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    if out_file.suffix.lower() not in (".html", ".htm"):
        raise InputError("expected an .html file", field="--out")
    refuse_folder(out_file)
    page = report(
        _load(file),
        load_policy(policy, privacy_k=privacy_k),
        as_of=parse_date(as_of),
        audience=who,
        freelancer=freelancer,
    )
    write_file_atomically(out_file, page.encode("utf-8"))
    out.print(f"wrote {out_file}")


COMMANDS: dict[str, Callable[..., None]] = {
    "explain": explain_command,
    "forecast": forecast_command,
    "whatif": whatif_command,
    "advise": advise_command,
    "report": report_command,
}


def register(app: typer.Typer) -> None:
    """Add the explain commands to the main ``jobsuccess`` app."""
    for name, command in COMMANDS.items():
        app.command(name)(command)
