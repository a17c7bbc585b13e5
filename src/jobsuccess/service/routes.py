"""The API's routes. Handlers are thin: check the caller (`auth`), call the store, shape the
answer for the caller's audience (`schemas`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from jobsuccess.engine import reads_clients
from jobsuccess.figures import DIGITS, evidence, window_figures
from jobsuccess.policy import PolicyBook
from jobsuccess.service import schemas as s
from jobsuccess.service.auth import (
    Caller,
    Principal,
    database,
    may_read,
    may_read_private,
    operator,
    operator_or_client,
)
from jobsuccess.service.explain_port import Ask, Explainer
from jobsuccess.store import Database, actions, keys, ledger, snapshots
from jobsuccess.store.records import Day, to_row
from jobsuccess.subjects import SubjectKind

FREELANCER_PATTERN: Final = r"^[^\x00-\x1f\x7f]+$"
FreelancerId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=FREELANCER_PATTERN, description="freelancer id")
]
AsOfQuery = Annotated[Day | None, Query(description="YYYY-MM-DD; default: today / newest")]
# The command line's words: ``--from`` / ``--to`` for a range, ``--as-of`` for one date.
FromQuery = Annotated[Day | None, Query(alias="from", description="YYYY-MM-DD; the range's start")]
ToQuery = Annotated[Day | None, Query(alias="to", description="YYYY-MM-DD; the range's end")]
Db = Annotated[Database, Depends(database)]
Operator = Annotated[Principal, Depends(operator)]

REFUSALS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": s.Problem, "description": "a body that cannot be read as JSON"},
    401: {"model": s.Problem, "description": "missing, invalid or revoked API key"},
    403: {"model": s.Problem, "description": "the key's role may not read or do this"},
}
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {404: {"model": s.Problem}}


async def known_query(request: Request) -> None:
    """Refuse query parameters the route does not take (422 naming them): a misspelt or
    misplaced one (``?since=`` for ``?from=``, ``?as_of=`` on a route without it) would
    otherwise be ignored, and the answer be about another date than the caller asked."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _KNOWN.get(route.unique_id)
    if known is None:
        known = _KNOWN[route.unique_id] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this route takes: "
                    f"{', '.join(sorted(known)) or 'none'})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )


_KNOWN: dict[str, frozenset[str]] = {}
"""The query parameters of each route, by its operation id (the same in every app)."""


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


router = APIRouter(prefix="/v1", responses=REFUSALS, dependencies=[Depends(known_query)])


def _not_found(message: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, message)


# --- ingest ----------------------------------------------------------------------------------


@router.post(
    "/records",
    tags=["ledger"],
    responses={
        409: {"model": s.Problem, "description": "an id is stored with other content"},
        422: {"model": s.Problem},
    },
)
def ingest(batch: s.RecordBatch, db: Db, _: Operator) -> s.IngestResult:
    """Append records to the ledger: all of them or none (operator).

    Resending a stored record is a no-op; a different record under a stored id is a 409 that
    names the id. Payments, feedback, disputes, updates and actions must name a contract the
    ledger holds or the batch brings.
    """
    result = ledger.append(db, [to_row(r) for r in batch.records])
    return s.IngestResult(
        received=result.received, inserted=result.inserted, duplicates=result.duplicates
    )


@router.get("/freelancers/{freelancer}/ledger", tags=["ledger"], responses=NOT_FOUND)
def freelancer_ledger(
    freelancer: FreelancerId,
    db: Db,
    caller: Caller,
    after: Annotated[
        int,
        Query(ge=0, le=2**62, description="return entries after this position (an entry's n)"),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> s.Ledger:
    """A freelancer's records in log order (operator; the freelancer, without private feedback
    and without the operators' notes not marked public). Entries are numbered per freelancer
    (``n``); only operators see the log's global ``seq``."""
    audience = may_read_private(caller, freelancer)
    operator_view = audience == "operator"
    entries = ledger.records_of(db, freelancer, after=after, limit=limit, private=operator_view)
    if not entries and after == 0:
        raise _not_found(f"no records of freelancer {freelancer!r}")
    return s.Ledger(
        freelancer=freelancer,
        audience=audience,
        entries=[
            s.LedgerEntry(n=n, seq=seq if operator_view else None, record=record)
            for n, seq, record in entries
        ],
        next_after=entries[-1][0] if len(entries) == limit else None,
    )


# --- scores ----------------------------------------------------------------------------------


def _badges(row: dict[str, Any]) -> s.Badges:
    return s.Badges(
        top_rated=row["top_rated"],
        top_rated_plus=row["top_rated_plus"],
        rising_talent=row["rising_talent"],
    )


def public_score(row: dict[str, Any], figures: list[dict[str, Any]]) -> s.PublicScore:
    return s.PublicScore(
        freelancer=row["freelancer"],
        computed_on=row["computed_on"],
        score=row["score"],
        badges=_badges(row),
        outcomes=row["outcomes"],
        clients=row["clients"],
        evidence=_evidence(row, figures),
    )


def _lower_bounds() -> Callable[[dict[str, Any], dict[str, Any]], float]:
    """`_lower_bound` for one search: thousands of matches share a few distinct window
    figures (most are 100% on some count of outcomes), each computed once."""
    seen: dict[tuple[Any, ...], float] = {}

    def low(row: dict[str, Any], shown: dict[str, Any]) -> float:
        key = (row["best"], *(shown[f] for f in ("window", "score", "outcomes", "clients")))
        if key not in seen:
            seen[key] = _lower_bound(row, shown)
        return seen[key]

    return low


def _lower_bound(row: dict[str, Any], shown: dict[str, Any]) -> float:
    """The evidence interval's lower bound of a stored score (its displayed window's row)."""
    score = shown["score"]
    figures = {
        str(shown["window"]): {
            "score": None if score is None else round(float(score), DIGITS),
            "outcomes": int(shown["outcomes"]),
            "clients": int(shown["clients"]),
        }
    }
    low = evidence(row["best"], figures)["low"]
    return -1.0 if low is None else float(low)


def _evidence(row: dict[str, Any], figures: list[dict[str, Any]]) -> s.Evidence:
    """The score JSON's evidence block, built by the CLI's own code from the stored windows."""
    best = row["best"] if row["score"] is not None else None
    return s.Evidence.model_validate(evidence(best, window_figures(figures)))


def score_view(
    row: dict[str, Any], figures: list[dict[str, Any]], audience: s.AudienceName
) -> s.PublicScore | s.FreelancerScore | s.OperatorScore:
    if audience == "public":
        return public_score(row, figures)
    common = {
        "freelancer": row["freelancer"],
        "computed_on": row["computed_on"],
        "policy": row["policy"],
        "score": row["score"],
        "best": row["best"],
        "reason": row["reason"],
        "badges": _badges(row),
        "outcomes": row["outcomes"],
        "clients": row["clients"],
        "evidence": _evidence(row, figures),
    }
    if audience == "freelancer":
        return s.FreelancerScore(
            **common,
            windows=[s.WindowView.model_validate(w) for w in _window_fields(figures, s.WindowView)],
        )
    return s.OperatorScore(
        **common,
        best_score=row["best_score"],
        windows=[
            s.OperatorWindowView.model_validate(w)
            for w in _window_fields(figures, s.OperatorWindowView)
        ],
    )


def _window_fields(
    figures: list[dict[str, Any]], model: type[s.WindowView]
) -> list[dict[str, Any]]:
    """The stored windows as the CLI's score JSON has them (`window_figures`: the engine's
    window order, the same rounding), with the fields this audience's model holds."""
    keep = model.model_fields
    return [
        {k: v for k, v in {"window": name, **values}.items() if k in keep}
        for name, values in window_figures(figures).items()
    ]


@router.get(
    "/freelancers/{freelancer}/score",
    tags=["scores"],
    response_model=s.ScoreView,
    responses=NOT_FOUND,
)
async def freelancer_score(
    freelancer: FreelancerId,
    db: Db,
    caller: Caller,
    as_of: AsOfQuery = None,
    audience: Annotated[s.AudienceName | None, Query(description="default: the key's own")] = None,
) -> s.PublicScore | s.FreelancerScore | s.OperatorScore:
    """The newest stored score (on or before ``as_of``), in the caller's audience.

    Clients get the public view (score, badges, evidence); a freelancer's own key the
    freelancer view; operators everything. Asking for a higher audience is a 403.
    """
    view = may_read(caller, freelancer, needs=audience or caller.audience)
    return score_view(*_latest(db, "freelancer", freelancer, as_of), view)


def _latest(
    db: Database, subject: SubjectKind, name: str, as_of: dt.date | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The newest stored score of a freelancer or an agency (on or before ``as_of``) with its
    windows, else the 404 that names what was asked for."""
    found = snapshots.latest_score(db, name, as_of, with_windows=True, subject=subject)
    if found is None:
        raise _not_found(
            f"no stored score for {subject} {name!r}" + (f" on or before {as_of}" if as_of else "")
        )
    return found


@router.get("/freelancers/{freelancer}/history", tags=["scores"], responses=NOT_FOUND)
def freelancer_history(
    freelancer: FreelancerId,
    db: Db,
    caller: Caller,
    start: FromQuery = None,
    end: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> s.ScoreHistory:
    """The freelancer's stored scores from ``from`` to ``to``, oldest first (operator, the
    freelancer): a query of the snapshots, never a recomputation."""
    may_read_private(caller, freelancer)
    rows = snapshots.score_history(db, freelancer, start, end, limit)
    if not rows and start is None and end is None:
        raise _not_found(f"no stored score for freelancer {freelancer!r}")
    return s.ScoreHistory(
        freelancer=freelancer,
        scores=[
            s.HistoryPoint(
                computed_on=r["computed_on"],
                policy=r["policy"],
                score=r["score"],
                best=r["best"],
                badges=_badges(r),
                outcomes=r["outcomes"],
                clients=r["clients"],
            )
            for r in rows
        ],
    )


@router.get("/freelancers", tags=["scores"])
def search_freelancers(
    db: Db,
    _: Annotated[Principal, Depends(operator_or_client)],
    min_score: Annotated[int, Query(ge=0, le=100)] = 90,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    sort: Annotated[
        Literal["score", "evidence"],
        Query(
            description="score: best score first (then outcomes, clients); evidence: the "
            "evidence interval's lower bound first (then score)"
        ),
    ] = "score",
) -> s.SearchResult:
    """Freelancers at or above ``min_score`` in the newest finished snapshot, best first, each
    with the evidence behind the score (operator, client)."""
    if sort == "evidence":
        day, rows = snapshots.search_by_evidence(
            db, min_score, _lower_bounds(), limit=limit, offset=offset
        )
    else:
        day, rows = snapshots.search(db, min_score, limit=limit, offset=offset)
    figures = (
        snapshots.windows_of(db, day, [r["freelancer"] for r in rows]) if day is not None else {}
    )
    return s.SearchResult(
        computed_on=day,
        min_score=min_score,
        limit=limit,
        offset=offset,
        results=[public_score(r, figures.get(r["freelancer"], [])) for r in rows],
    )


@router.get("/snapshots", tags=["scores"])
def list_snapshots(db: Db, _: Operator) -> list[s.Computation]:
    """Computation dates stored, newest first, with their progress (operator)."""
    return [s.Computation.model_validate(r) for r in snapshots.computation_list(db)]


# --- agencies --------------------------------------------------------------------------------
# An agency is a subject like a freelancer (`jobsuccess.subjects`): its stored scores are read
# and shaped by the freelancer code above, under the key ``agency``. Operators and clients
# read them; a client, like for a freelancer's public score, only the public view.

AgencyId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=FREELANCER_PATTERN, description="agency id")
]
Reader = Annotated[Principal, Depends(operator_or_client)]


def _agency_audience(
    caller: Principal, agency: str, asked: s.AgencyAudience | None
) -> s.AgencyAudience:
    """The view to answer in: the one asked for, else the key's own (clients: public)."""
    view = may_read(caller, agency, needs=asked or caller.audience)
    return "public" if view == "public" else "operator"


@router.get(
    "/agencies/{agency}/score",
    tags=["agencies"],
    response_model=s.AgencyScoreView,
    responses=NOT_FOUND,
)
async def agency_score(
    agency: AgencyId,
    db: Db,
    caller: Reader,
    as_of: AsOfQuery = None,
    audience: Annotated[
        s.AgencyAudience | None, Query(description="default: the key's own")
    ] = None,
) -> s.AgencyPublicScore | s.AgencyOperatorScore:
    """An agency's newest stored score (on or before ``as_of``), over every contract done for
    it (operator; clients get the public view: score, badges, evidence)."""
    view = _agency_audience(caller, agency, audience)
    row, figures = _latest(db, "agency", agency, as_of)
    shaped = score_view({**row, "freelancer": agency}, figures, view).model_dump(
        exclude={"freelancer"}
    )
    if view == "public":
        return s.AgencyPublicScore(agency=agency, **shaped)
    return s.AgencyOperatorScore(agency=agency, **shaped)


@router.get("/agencies/{agency}/history", tags=["agencies"], responses=NOT_FOUND)
def agency_history(
    agency: AgencyId,
    db: Db,
    caller: Reader,
    since: AsOfQuery = None,
    until: AsOfQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> s.AgencyHistory:
    """An agency's stored scores, oldest first (operator; clients without the policy and best
    window): a query of the snapshots, never a recomputation."""
    view = _agency_audience(caller, agency, None)
    rows = snapshots.score_history(db, agency, since, until, limit, subject="agency")
    if not rows and since is None and until is None:
        raise _not_found(f"no stored score for agency {agency!r}")
    points: list[s.HistoryPoint | s.PublicHistoryPoint] = []
    for r in rows:
        public = {
            "computed_on": r["computed_on"],
            "score": r["score"],
            "badges": _badges(r),
            "outcomes": r["outcomes"],
            "clients": r["clients"],
        }
        points.append(
            s.PublicHistoryPoint(**public)
            if view == "public"
            else s.HistoryPoint(**public, policy=r["policy"], best=r["best"])
        )
    return s.AgencyHistory(agency=agency, audience=view, scores=points)


# --- explanations ----------------------------------------------------------------------------

EXPLAIN_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {404: {"model": s.Problem}}


@dataclass(frozen=True)
class Explaining:
    """What every explanation route reads: the store, the caller, the explainer, the book."""

    db: Database
    caller: Principal
    explainer: Explainer
    book: PolicyBook

    def ask(self, freelancer: str, as_of: dt.date | None) -> tuple[Ask, s.Explanation]:
        """The freelancer's history as the caller may ask about it, and the answer's shell."""
        audience = may_read_private(self.caller, freelancer)
        history = ledger.history(self.db, [freelancer])
        if history.contracts.is_empty():
            raise _not_found(f"no records of freelancer {freelancer!r}")
        if reads_clients(self.book):  # explained with the activity the snapshots read
            theirs = history.contracts.get_column("client").unique().to_list()
            history = history.with_market(ledger.client_activity(self.db, theirs))
        day = as_of or dt.date.today()
        shell = s.Explanation(freelancer=freelancer, as_of=day, audience=audience, body={})
        return Ask(history, self.book, freelancer, day, audience), shell


async def _explaining(request: Request, db: Db, caller: Caller) -> Explaining:
    state = request.app.state
    return Explaining(db, caller, state.explainer, state.book)


Explain = Annotated[Explaining, Depends(_explaining)]


def _answered(shell: s.Explanation, body: dict[str, Any]) -> s.Explanation:
    return shell.model_copy(update={"body": body})


@router.get("/freelancers/{freelancer}/explain", tags=["explanations"], responses=EXPLAIN_RESPONSES)
def explain(
    freelancer: FreelancerId,
    how: Explain,
    start: Annotated[
        Day | None,
        Query(alias="from", description="YYYY-MM-DD; changes since this date (default: 28 days)"),
    ] = None,
    end: Annotated[
        Day | None, Query(alias="to", description="YYYY-MM-DD; the score on this date (today)")
    ] = None,
) -> s.Explanation:
    """Why the score is what it is on ``to``: each contract's part, and every change since
    ``from`` (operator; the freelancer, with private feedback only ever pooled). The same
    words as ``jobsuccess explain --from --to``."""
    ask, shell = how.ask(freelancer, end)
    first = start or ask.as_of - dt.timedelta(days=28)
    if first > ask.as_of:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "from is after to")
    return _answered(shell, how.explainer.explain(ask, first))


@router.get(
    "/freelancers/{freelancer}/forecast", tags=["explanations"], responses=EXPLAIN_RESPONSES
)
def forecast(
    freelancer: FreelancerId,
    how: Explain,
    as_of: AsOfQuery = None,
    months: Annotated[int, Query(ge=1, le=24, description="how far ahead")] = 6,
) -> s.Explanation:
    """When the score or a status changes next if nothing new happens (operator, the
    freelancer)."""
    ask, shell = how.ask(freelancer, as_of)
    return _answered(shell, how.explainer.forecast(ask, months))


@router.post(
    "/freelancers/{freelancer}/whatif",
    tags=["explanations"],
    responses={**EXPLAIN_RESPONSES, 422: {"model": s.Problem}},
)
def whatif(
    freelancer: FreelancerId,
    scenario: Annotated[
        dict[str, Any] | list[Any],
        Body(
            description='the scenario file of `jobsuccess whatif --scenario`, as is: {"events": '
            '[...], "description": ...} or a plain list of events (docs/explain.md)'
        ),
    ],
    how: Explain,
    as_of: AsOfQuery = None,
) -> s.Explanation:
    """The score on ``as_of`` under hypothetical events (operator, the freelancer; events that
    would reveal a client's private answer are for operators only)."""
    ask, shell = how.ask(freelancer, as_of)
    return _answered(shell, how.explainer.whatif(ask, scenario))


@router.get("/freelancers/{freelancer}/advice", tags=["explanations"], responses=EXPLAIN_RESPONSES)
def advice(freelancer: FreelancerId, how: Explain, as_of: AsOfQuery = None) -> s.Explanation:
    """What the freelancer can do, ranked by effect on the score (operator, the freelancer)."""
    ask, shell = how.ask(freelancer, as_of)
    return _answered(shell, how.explainer.advice(ask))


@router.get("/freelancers/{freelancer}/stats", tags=["explanations"], responses=EXPLAIN_RESPONSES)
def stats(freelancer: FreelancerId, how: Explain, as_of: AsOfQuery = None) -> s.Explanation:
    """My Stats (operator, the freelancer): Top Rated eligible weeks, 12-month earnings, the
    share of clients who would recommend (for the freelancer only over closed groups of
    answers, so no single private answer shows), of long-term clients, and account holds."""
    ask, shell = how.ask(freelancer, as_of)
    return _answered(shell, how.explainer.stats(ask))


# --- operator actions ------------------------------------------------------------------------


def _record_action(
    db: Database, given_id: str | None, *, note_public: bool, **fields: Any
) -> s.ActionResult:
    done = actions.record_action(db, given_id, note_public=note_public, **fields)
    return s.ActionResult(id=done.id, inserted=done.inserted)


ACTION_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    409: {"model": s.Problem},
    422: {"model": s.Problem},
}


@router.post("/actions/client-flags", tags=["operator actions"], responses=ACTION_RESPONSES)
def flag_client(body: s.ClientFlag, db: Db, _: Operator) -> s.ActionResult:
    """Flag a client: their feedback stops counting (for one freelancer or marketplace-wide)."""
    return _record_action(
        db,
        body.id,
        type="client_flagged",
        client=body.client,
        freelancer=body.freelancer,
        date=body.date,
        note=body.note,
        note_public=body.note_public,
    )


@router.post("/actions/feedback-removals", tags=["operator actions"], responses=ACTION_RESPONSES)
def remove_feedback(body: s.FeedbackRemoval, db: Db, _: Operator) -> s.ActionResult:
    """Remove a contract's feedback: after an upheld report (``via: report``, the default,
    valid in every era) or under the Top Rated perk (``via: perk``: the engine applies it only
    when the perk allows it, and the ledger says why not otherwise)."""
    if not ledger.exists(
        db, freelancer=body.freelancer, contract=body.contract, kinds=("feedback",)
    ):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"no feedback recorded on contract {body.contract!r} of freelancer {body.freelancer!r}",
        )
    return _record_action(
        db,
        body.id,
        type="report_upheld" if body.via == "report" else "feedback_removed",
        freelancer=body.freelancer,
        contract=body.contract,
        date=body.date,
        note=body.note,
        note_public=body.note_public,
    )


@router.post("/actions/appeal-decisions", tags=["operator actions"], responses=ACTION_RESPONSES)
def decide_appeal(body: s.AppealDecision, db: Db, _: Operator) -> s.ActionResult:
    """Record a human decision on an appeal about one contract, with its reason. Upheld, the
    contract stops counting; rejected, the decision is kept for the record."""
    kind = "appeal_upheld" if body.decision == "upheld" else "appeal_rejected"
    return _record_action(
        db,
        body.id,
        type=kind,
        freelancer=body.freelancer,
        contract=body.contract,
        date=body.date,
        note=body.note,
        note_public=body.note_public,
    )


@router.post(
    "/raters/{client}/confirm",
    tags=["operator actions"],
    responses={
        404: {"model": s.Problem, "description": "the client is not a proposal on that date"},
        409: {"model": s.Problem, "description": "the client is flagged already"},
        422: {"model": s.Problem},
    },
)
def confirm_rater(
    client: Annotated[
        str, Path(min_length=1, max_length=200, pattern=FREELANCER_PATTERN, description="client id")
    ],
    db: Db,
    _: Operator,
    body: s.RaterConfirmation | None = None,
) -> s.RaterConfirmed:
    """Confirm a harsh-rater proposal of ``jobsuccess raters`` (recomputed from the whole
    ledger on ``as_of``): records a marketplace-wide ``client_flagged`` with the proposal's
    evidence as its note, after which the client's contracts stop counting (operator)."""
    asked = body or s.RaterConfirmation()
    done = actions.confirm_rater(
        db, client, as_of=asked.as_of or dt.date.today(), min_freelancers=asked.min_freelancers
    )
    return s.RaterConfirmed(
        id=done.recorded.id,
        inserted=done.recorded.inserted,
        client=client,
        date=done.date,
        proposal=done.proposal,
    )


# --- keys ------------------------------------------------------------------------------------


def _key_view(key: keys.ApiKey) -> s.KeyView:
    return s.KeyView.model_validate(key, from_attributes=True)


@router.post(
    "/keys",
    tags=["keys"],
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": s.Problem}},
)
def create_key(body: s.KeyRequest, db: Db, _: Operator) -> s.NewKey:
    """Create a key; the answer is the only time the key itself is shown (operator)."""
    secret, key = keys.create_key(
        db, body.role, body.freelancer, body.label, reviewer=body.reviewer
    )
    return s.NewKey(key=secret, **_key_view(key).model_dump())


@router.get("/keys", tags=["keys"])
def list_keys(db: Db, _: Operator) -> list[s.KeyView]:
    """Every key, active and revoked, without secrets (operator)."""
    return [_key_view(k) for k in keys.list_keys(db)]


@router.delete("/keys/{prefix}", tags=["keys"], responses=NOT_FOUND)
def revoke_key(
    prefix: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")], db: Db, _: Operator
) -> s.KeyView:
    """Revoke a key at once (operator)."""
    try:
        return _key_view(keys.revoke_key(db, prefix))
    except keys.UnknownKeyError as exc:
        raise _not_found(str(exc)) from None


health = APIRouter()


@health.get("/health", tags=["service"])
async def healthcheck(response: Response) -> dict[str, str]:
    """Liveness: answers without a key."""
    response.headers["Cache-Control"] = "no-store"
    return {"status": "ok"}
