"""The explain commands: ``explain``, ``forecast``, ``whatif``, ``advise`` and ``report``.

Registered on the main app by `register` (called from `jobsuccess.cli`). Every command takes
the history file, the date(s), ``--policy``, ``--freelancer`` (for a file of many),
``--audience`` (``freelancer`` by default: private feedback only ever in aggregate) and
``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

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
    from jobsuccess.explain import (
        Advisory,
        Audience,
        Change,
        Explanation,
        Forecast,
        Scenario,
        WhatIf,
    )
    from jobsuccess.model import History
    from jobsuccess.policy import PolicyBook

out = Console()


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


def _effect(value: float) -> str:
    colour = "green" if value > 0 else "red" if value < 0 else "dim"
    return f"[{colour}]{value:+.2f}[/]"


def _show_changes(
    lead: str,
    was: tuple[int | None, str],
    now: tuple[int | None, str],
    points: str,
    changes: Sequence[Change],
    title: str,
    notes: Sequence[str] = (),
) -> None:
    """The console answer of explain and whatif: a score (and what follows it) before and
    after, the points between them, notes, then the table of changes."""
    from jobsuccess.explain.words import shown

    out.print(f"{lead}{shown(was[0])}{was[1]} -> [bold]{shown(now[0])}[/]{now[1]} ({points})")
    for note in notes:
        out.print(f"[yellow]note:[/] {note}")
    out.print(_changes_table(changes, title))


def _changes_table(changes: Sequence[Change], title: str) -> Table:
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
        table.add_row(_effect(c.effect), c.kind, c.text)
    return table


class _Result(Protocol):
    def to_json(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Result)


def _answer(result: R, as_json: bool, show: Callable[[R], None]) -> None:
    """Print ``result``: its JSON with ``--json``, else in words (``show``)."""
    if as_json:
        _print_json(result.to_json())
    else:
        show(result)


def _inputs(
    file: Path, policy: str, privacy_k: int | None, audience: str
) -> tuple[History, PolicyBook, Audience]:
    """What every explain command reads: the history, the policy book and the audience."""
    from jobsuccess.explain import check_audience
    from jobsuccess.policy import load_policy

    who = check_audience(audience)
    return _load(file), load_policy(policy, privacy_k=privacy_k), who


def load_scenario(path: Path) -> Scenario:
    """Read and validate a what-if scenario file (errors name the file, event and field)."""
    from jobsuccess.explain import parse_scenario

    if path.is_dir():
        raise InputError("is a folder, not a scenario file", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            raise InputError("the file is empty (expected a JSON scenario)", file=str(path))
        data = json.loads(text)
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from None
    return parse_scenario(data, str(path))


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

    first_day, last_day = parse_date(start, "--from"), parse_date(end, "--to")
    if first_day > last_day:
        raise InputError(f"{first_day} is after --to {last_day}", field="--from")
    history, book, who = _inputs(file, policy, privacy_k, audience)
    result = explain(
        history, book, start=first_day, end=last_day, audience=who, freelancer=freelancer
    )

    def show(result: Explanation) -> None:
        first, second, attribution = result.first, result.second, result.attribution
        _show_changes(
            f"[bold cyan]{result.freelancer}[/]: ",
            (first.score, f" on {first.as_of}"),
            (second.score, f" on {second.as_of}"),
            f"{attribution.delta:+.2f} points, unrounded; {attribution.method}",
            result.changes,
            "What changed, largest effect first",
        )

    _answer(result, as_json, show)


def _show_forecast(result: Forecast) -> None:
    from jobsuccess.explain.words import shown

    out.print(
        f"[bold cyan]{result.freelancer}[/] now {shown(result.now.score)} "
        f"(computed {result.now.on}); assuming {result.assumption}:"
    )
    if not result.changes:
        out.print(f"no change of the score or a status until {result.until}.")
        return
    table = fold_table(
        "date",
        "score",
        "why",
        title="Forecast",
        title_justify="left",
        whole=("date", "score"),
        wide=("why",),
    )
    for p in result.changes:
        why = [f"[magenta]{s}[/]" for s in p.status_changes]
        why += [f"{c.text} ({c.effect:+.2f})" for c in p.attribution.changes if c.effect]
        table.add_row(
            p.day.on.isoformat(),
            f"{shown(p.previous.score)} -> {shown(p.day.score)}",
            "\n".join(why) or "-",
        )
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
    from jobsuccess.explain import whatif
    from jobsuccess.policy import shipped_policies

    events = load_scenario(scenario)
    history, book, who = _inputs(file, policy, privacy_k, audience)
    result = whatif(
        history,
        book,
        as_of=parse_date(as_of),
        scenario=events,
        audience=who,
        freelancer=freelancer,
        policies=shipped_policies(),
    )

    def show(result: WhatIf) -> None:
        before, after = result.before, result.after
        _show_changes(
            f"[bold cyan]{after.id}[/] as of {after.as_of}: ",
            (before.score, ""),
            (after.score, ""),
            f"{result.attribution.delta:+.2f} points",
            result.changes,
            "What the scenario changes",
            notes=result.notes,
        )

    _answer(result, as_json, show)


def _show_advice(result: Advisory) -> None:
    from jobsuccess.explain.words import shown

    out.print(f"[bold cyan]{result.freelancer}[/] now {shown(result.score)}")
    if not result.advice:
        out.print(
            "Nothing to do: no open contract is about to count against you "
            f"before {result.horizon}."
        )
    for i, a in enumerate(result.advice, 1):
        out.print(f"{i}. {a.text} [dim]({a.effect:+.2f} points)[/]")
    if result.together is not None:
        out.print(f"[bold]All together:[/] {result.together.text}")


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
    from jobsuccess.io.atomic import refuse_folder, write_file_atomically
    from jobsuccess.render import report

    if out_file.suffix.lower() not in (".html", ".htm"):
        raise InputError("expected an .html file", field="--out")
    refuse_folder(out_file)
    history, book, who = _inputs(file, policy, privacy_k, audience)
    page = report(history, book, as_of=parse_date(as_of), audience=who, freelancer=freelancer)
    write_file_atomically(out_file, page.encode("utf-8"))
    out.print(f"wrote {out_file}")


def _ahead(compute: Callable[..., R], show: Callable[[R], None], doc: str) -> Callable[..., None]:
    """A command over the days ahead of ``--as-of`` (forecast, advice): the same options,
    its own computation and words."""

    @user_errors
    def command(
        file: File,
        as_of: AsOf = None,
        months: MonthsOpt = 6,
        audience: AudienceOpt = "freelancer",
        policy: PolicyOpt = "auto",
        privacy_k: PrivacyKOpt = None,
        freelancer: FreelancerOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        history, book, who = _inputs(file, policy, privacy_k, audience)
        day = parse_date(as_of)
        result = compute(
            history, book, as_of=day, months=months, audience=who, freelancer=freelancer
        )
        _answer(result, as_json, show)

    command.__doc__ = doc
    return command


def _forecast(*args: Any, **kwargs: Any) -> Forecast:
    from jobsuccess.explain import forecast

    return forecast(*args, **kwargs)


def _advise(*args: Any, **kwargs: Any) -> Advisory:
    from jobsuccess.explain import advise

    return advise(*args, **kwargs)


forecast_command = _ahead(
    _forecast,
    _show_forecast,
    "If nothing new happens: every future date where the score or a status changes, and why.",
)
advise_command = _ahead(
    _advise, _show_advice, "What you can do now, ranked by its effect on your score."
)


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
