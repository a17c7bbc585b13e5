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
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from jobsuccess.errors import InputError, JobSuccessError

if TYPE_CHECKING:
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
        except JobSuccessError as exc:
            _fail(str(_as_option(exc)))
        except OSError as exc:  # a folder where a file goes, a file in the way, no permission
            _fail(str(exc) if exc.strerror is None else f"{exc.filename}: {exc.strerror}")
        except Exception as exc:
            if not _unreachable_database(exc):
                raise
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            _fail(f"the database is unreachable or busy: {reason}")

    return wrapper


OPTIONS: dict[str, str] = {"freelancer": "--freelancer", "audience": "--audience"}
"""Parameters of the core (`jobsuccess.explain`) and the option each is given by here."""


def _as_option(exc: JobSuccessError) -> JobSuccessError:
    """A core error about a parameter (no file, no record) names the option that gave it."""
    option = OPTIONS.get(exc.field or "")
    if option is None or exc.file is not None or exc.record is not None:
        return exc
    return type(exc)(exc.message, field=option)


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


def _unreachable_database(exc: Exception) -> bool:
    """A SQLAlchemy OperationalError (a server gone away mid-command), checked without
    importing SQLAlchemy into commands that never loaded it."""
    sa = sys.modules.get("sqlalchemy.exc")
    return sa is not None and isinstance(exc, sa.OperationalError)


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    """An option's date: ``YYYY-MM-DD``, a day that exists, within `jobsuccess.limits.DAYS`."""
    from jobsuccess.limits import parse_day

    if value is None:
        return dt.date.today()
    try:
        return parse_day(value)
    except ValueError as exc:
        raise InputError(str(exc), field=option) from None


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Date (YYYY-MM-DD, 1970-01-01..2199-12-31); default today."),
]
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
#: A flag (``metavar=""``: typer's help would otherwise show ``--json <bool>``, as if it took a
#: value).
JsonOpt = Annotated[bool, typer.Option("--json", metavar="", help="Print JSON instead of tables.")]
#: The store's database, for the service's commands (``serve``, ``keys``, ``appeals``, ...).
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, postgresql://...); "
        "default $JOBSUCCESS_DB or sqlite:///jobsuccess.db.",
    ),
]


class _FoldingTable(Table):
    """A table that, when its content is wider than the console, shares the width out by the
    columns' ratios (rich honours ratios only in an expanded table) instead of squeezing
    every column alike."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.expand and self.__rich_measure__(console, options).maximum > options.max_width:
            self.expand = True
            try:
                yield from super().__rich_console__(console, options)
            finally:
                self.expand = False
            return
        yield from super().__rich_console__(console, options)


def table(
    *headers: str,
    whole: tuple[str, ...] = (),
    ids: tuple[str, ...] = (),
    wide: tuple[str, ...] = (),
    **options: Any,
) -> Table:
    """A rich table whose cells wrap, and fold long words, instead of cutting them: at 80
    columns or in a pipe an id must still be read whole. The ``whole`` columns (dates,
    numbers: short, and unreadable split) never wrap; the ``wide`` ones (sentences) get the
    most of what is left, the ``ids`` more than the rest. Only a rule under the header and
    one space between columns (rich's ``SIMPLE_HEAD``): borders would take a fifth of 80
    columns."""
    from rich import box

    options.setdefault("box", box.SIMPLE_HEAD)
    options.setdefault("show_edge", False)
    options.setdefault("pad_edge", False)
    options.setdefault("padding", (0, 1, 0, 0))
    grid = _FoldingTable(**options)
    for header in headers:
        grid.add_column(
            header,
            overflow="fold",
            no_wrap=header in whole,
            ratio=None if header in whole else 5 if header in wide else 3 if header in ids else 2,
        )
    return grid


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 freelancer``, ``2,000 freelancers`` (``many``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def load_history(path: Path) -> History:
    """A history file or table folder, or a partitioned dataset (`jobsuccess partition`)
    read whole."""
    from jobsuccess.io import load
    from jobsuccess.spark.dataset import Dataset, is_dataset

    if path.is_dir() and is_dataset(path):
        return Dataset.open(path).load_all()
    return load(path)


RunnerOpt = Annotated[
    str,
    typer.Option(
        "--runner",
        help="local (this process) or spark (one Spark task per bucket of a dataset written "
        "by jobsuccess partition).",
    ),
]
MasterOpt = Annotated[
    str | None,
    typer.Option(
        "--master",
        help="With --runner spark: the Spark master, e.g. local[2] (the default), local[*] or "
        "spark://host:7077.",
    ),
]


def check_runner(runner: str, master: str | None) -> str | None:
    """The Spark master to run on, or None for the local runner."""
    if runner not in ("local", "spark"):
        raise InputError(f"expected local or spark, got {runner!r}", field="--runner")
    if runner == "local":
        if master is not None:
            raise InputError("--master goes with --runner spark", field="--master")
        return None
    return master or "local[2]"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
