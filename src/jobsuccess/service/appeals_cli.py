"""``jobsuccess appeals``: the appeals workflow from the command line, against a store (``--db``).

The same rules as the API (`jobsuccess.store.appeals`): a command that changes an appeal acts
in the name of an API key, ``--by PREFIX``, whose role the rules check and whose prefix the
audit records (deciding needs a reviewer key: ``jobsuccess keys create --role operator
--reviewer``). Reading (list, queue, audit) is an operator's view of the store. ``--json``
prints the API's own answer shapes (docs/appeals.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer

from jobsuccess.cli_common import (
    AsOf,
    DbOpt,
    JsonOpt,
    out,
    parse_date,
    plural,
    print_json,
    table,
    user_errors,
)
from jobsuccess.errors import InputError

if TYPE_CHECKING:
    from jobsuccess.store import Database
    from jobsuccess.store.appeals import Actor, Appeal, State

appeals_app = typer.Typer(
    help="Appeals and reports decided by people: file, list, queue, review, decide, withdraw, "
    "audit.",
    no_args_is_help=True,
)

ByOpt = Annotated[
    str,
    typer.Option(
        "--by", help="The API key (its prefix) this is done in the name of; the audit names it."
    ),
]
WhyOpt = Annotated[str | None, typer.Option("--why", help="A note for the audit.")]


def _store(db: str | None) -> Database:
    from jobsuccess.store import open_database

    return open_database(db, create=False)


def _actor(database: Database, by: str) -> Actor:
    """The key ``--by`` names, as the rules see it: it must exist and be active."""
    from jobsuccess.store.appeals import Actor
    from jobsuccess.store.keys import find_key

    key = find_key(database, by)
    if key is None:
        raise InputError(f"no key with prefix {by!r} (jobsuccess keys list)", field="--by")
    if not key.active:
        raise InputError(f"key {key.prefix} is revoked", field="--by")
    return Actor(key.prefix, key.role, key.freelancer, key.reviewer)


def _reader() -> Actor:
    from jobsuccess.store.appeals import Actor

    return Actor("cli", "operator")


def _validated(model: Any, **fields: Any) -> Any:
    """A body model built from options; a field that does not validate is one line naming it."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(str(first["msg"]), field=f"--{where}") from None


def _show(appeal: Appeal, as_json: bool) -> None:
    from jobsuccess.service.schemas import appeal_view

    if as_json:
        print_json(appeal_view(appeal).model_dump(mode="json"))
        return
    line = f"{appeal.kind} {appeal.id} on contract {appeal.contract} of {appeal.freelancer}: "
    line += appeal.state.replace("_", " ")
    if appeal.reason is not None:
        line += f" on {appeal.decided_on} ({appeal.reason})"
    typer.echo(line)


@appeals_app.command("file")
@user_errors
def file_command(
    freelancer: Annotated[str, typer.Argument(help="The freelancer it is about.")],
    contract: Annotated[str, typer.Argument(help="The contract.")],
    category: Annotated[
        str,
        typer.Option(
            help="client_unresponsive, scope_changed, client_misrepresented_job, "
            "abusive_client or other."
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="The freelancer's account.")],
    by: ByOpt,
    kind: Annotated[
        str, typer.Option(help="appeal (the outcome) or report (its feedback: a terms violation).")
    ] = "appeal",
    evidence: Annotated[
        list[str] | None, typer.Option("--evidence", help="An evidence link (repeatable).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """File an appeal or a report on one contract."""
    from jobsuccess.store import appeals

    filing = _validated(
        appeals.Filing,
        contract=contract,
        kind=kind,
        category=category,
        text=text,
        evidence=evidence or [],
    )
    database = _store(db)
    _show(appeals.file(database, _actor(database, by), freelancer, filing), as_json)


@appeals_app.command("list")
@user_errors
def list_command(
    freelancer: Annotated[str, typer.Argument(help="The freelancer.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A freelancer's appeals and reports, newest first."""
    from jobsuccess.service.schemas import AppealList, appeal_view
    from jobsuccess.store import appeals

    found = appeals.of_freelancer(_store(db), _reader(), freelancer)
    if as_json:
        shaped = AppealList(freelancer=freelancer, appeals=[appeal_view(a) for a in found])
        print_json(shaped.model_dump(mode="json"))
        return
    grid = table(
        "id", "contract", "what", "state", "filed", "decision",
        ids=("id", "contract"), whole=("filed",), wide=("decision",),
    )  # fmt: skip
    for a in found:
        decision = "-" if a.reason is None else f"{a.decided_on}: {a.reason}"
        what = f"{a.kind}: {a.category}"
        grid.add_row(a.id, a.contract, what, a.state, f"{a.filed_at:%Y-%m-%d}", decision)
    out.print(grid)


@appeals_app.command("queue")
@user_errors
def queue_command(
    db: DbOpt = None,
    state: Annotated[
        str | None, typer.Option(help="Only this state (default: filed and in_review).")
    ] = None,
    overdue: Annotated[
        bool | None,
        typer.Option("--overdue/--in-time", help="Only the overdue ones, or only those in time."),
    ] = None,
    as_of: AsOf = None,
    review_days: Annotated[
        int | None,
        typer.Option(
            "--review-days",
            envvar="JOBSUCCESS_APPEAL_REVIEW_DAYS",
            help="The review time in business days (default 7).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """The review queue, oldest first: each appeal's age and whether it is overdue."""
    from jobsuccess.service.schemas import queue_view
    from jobsuccess.store import appeals

    day = parse_date(as_of)
    days = appeals.review_days(review_days)
    if state is not None and state not in appeals.STATES:
        raise InputError(f"expected one of {', '.join(appeals.STATES)}", field="--state")
    shaped = queue_view(
        _store(db),
        _reader(),
        as_of=day,
        days=days,
        states=cast("tuple[State, ...]", (state,)) if state else appeals.OPEN,
        overdue=overdue,
        limit=limit,
        offset=0,
    )
    if as_json:
        print_json(shaped.model_dump(mode="json"))
        return
    found = shaped.appeals
    grid = table(
        "id", "freelancer", "contract", "kind", "state", "filed", "business days", "due",
        "overdue",
        ids=("id", "freelancer", "contract"),
        whole=("filed", "due", "overdue"),
        title=f"{plural(len(found), 'appeal')} on {day} (review time {days} business days)",
        title_justify="left",
    )  # fmt: skip
    for q in found:
        grid.add_row(
            q.id,
            q.freelancer,
            q.contract,
            q.kind,
            q.state,
            f"{q.filed_at:%Y-%m-%d}",
            str(q.business_days),
            q.due_on.isoformat(),
            "yes" if q.overdue else "no",
        )
    out.print(grid)


@appeals_app.command("decide")
@user_errors
def decide_command(
    appeal: Annotated[str, typer.Argument(help="The appeal's id.")],
    decision: Annotated[str, typer.Option(help="upheld or denied.")],
    reason: Annotated[str, typer.Option(help="The written reason (the freelancer reads it).")],
    by: ByOpt,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Uphold or deny an appeal in review (a reviewer key); upheld, it records appeal_upheld
    (a report: report_upheld) dated today."""
    from jobsuccess.store import appeals

    ruling = _validated(appeals.Ruling, decision=decision, reason=reason)
    database = _store(db)
    _show(appeals.decide(database, _actor(database, by), appeal, ruling), as_json)


def _transition(name: Literal["review", "withdraw"], doc: str) -> None:
    """A command that moves an appeal one step with an optional why (review, withdraw): the
    store's function of that name (`jobsuccess.store.appeals`), under the caller's key."""

    @user_errors
    def command(
        appeal: Annotated[str, typer.Argument(help="The appeal's id.")],
        by: ByOpt,
        why: WhyOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from jobsuccess.store import appeals

        database = _store(db)
        move = {"review": appeals.review, "withdraw": appeals.withdraw}[name]
        _show(move(database, _actor(database, by), appeal, why), as_json)

    command.__doc__ = doc
    appeals_app.command(name)(command)


_transition("review", "Take a filed appeal into review (an operator key).")
_transition("withdraw", "Withdraw an open appeal (the freelancer's key, or an operator's).")


@appeals_app.command("audit")
@user_errors
def audit_command(
    appeal: Annotated[str, typer.Argument(help="The appeal's id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every transition of an appeal: who, when, from, to, why (append-only)."""
    from jobsuccess.service.schemas import audit_view
    from jobsuccess.store import appeals

    events = appeals.audit(_store(db), _reader(), appeal)
    if as_json:
        print_json(audit_view(appeal, events).model_dump(mode="json"))
        return
    grid = table("seq", "at", "who", "role", "from", "to", "why", wide=("why",), whole=("seq",))
    for e in events:
        grid.add_row(
            str(e.seq),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.who,
            e.role,
            e.from_state or "-",
            e.to_state,
            e.why or "-",
        )
    out.print(grid)
