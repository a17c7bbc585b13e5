"""What every command shares: error handling, dates, common options, loading, JSON output.

Its own module so that the core commands (`jobsuccess.cli`) and the adapters' commands
(`jobsuccess.explain_cli`, `jobsuccess.service.cli`) use one copy without importing each other.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from jobsuccess.errors import InputError
from jobsuccess.model import History

out = Console()
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn bad input into one clear line and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


AsOf = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")]
PolicyOpt = Annotated[
    str,
    typer.Option("--policy", help="'auto' (in force on the date), a policy name, or a TOML file."),
]
PRIVACY_K_ENV = "JOBSUCCESS_PRIVACY_K"
PrivacyKOpt = Annotated[
    int | None,
    typer.Option(
        "--privacy-k",
        envvar=PRIVACY_K_ENV,
        min=1,
        help="Pool private feedback in batches of K clients over the policy in force "
        "(a deployment choice; default: the policy's own privacy.k, 1 in the shipped timeline).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def load_history(path: Path) -> History:
    from jobsuccess.io import load

    return load(path)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
