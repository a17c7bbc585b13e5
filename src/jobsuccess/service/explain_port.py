"""The seam between the service and the explanations (`jobsuccess.explain`).

The service folds the freelancer's history from the ledger and hands it, with the policy book,
the dates and the audience, to an `Explainer`. `ModuleExplainer` answers with
`jobsuccess.explain`; a build without that package gets `Unavailable`, whose every answer is
`ExplainUnavailable` (the API's ``503``), and nothing else in the service depends on it.

Every answer is the JSON object of the explanation, already filtered for ``audience``: for
``freelancer`` a client's private answer only ever shows pooled with others (see
docs/explain.md). Bad input (a scenario, a date range) raises
`jobsuccess.errors.InputError`, answered ``422``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from jobsuccess.model import History
from jobsuccess.policy import PolicyBook

Audience = Literal["operator", "freelancer"]


class ExplainUnavailable(Exception):
    """Explanations are not part of this build."""


class Explainer(Protocol):
    def explain(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        since: dt.date,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        """The score as of ``as_of`` with each contract's part, and every change since
        ``since``."""
        ...

    def forecast(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
        months: int,
    ) -> dict[str, Any]:
        """When the score or a status changes next if nothing new happens."""
        ...

    def whatif(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
        scenario: Mapping[str, Any] | Sequence[Any],
    ) -> dict[str, Any]:
        """The score under hypothetical events (`jobsuccess.explain.scenario` format: an
        object with ``events``, or the list of events)."""
        ...

    def advice(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        """What the freelancer can do, ranked by effect."""
        ...

    def stats(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        """My Stats: eligible weeks, 12-month earnings, recommend and long-term shares, holds."""
        ...


class ModuleExplainer:
    """`Explainer` on top of `jobsuccess.explain`."""

    def explain(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        since: dt.date,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        from jobsuccess import explain

        changes = explain.explain(
            history, book, start=since, end=as_of, audience=audience, freelancer=freelancer
        )
        # The score as of ``as_of`` is the explanation's end point (`explain.score_for`'s JSON,
        # from the same engine run): computing it again would double the request's cost.
        return {"score": changes["to"], "changes": changes}

    def forecast(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
        months: int,
    ) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.forecast(
            history, book, as_of=as_of, months=months, audience=audience, freelancer=freelancer
        )

    def whatif(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
        scenario: Mapping[str, Any] | Sequence[Any],
    ) -> dict[str, Any]:
        from jobsuccess import explain

        data = dict(scenario) if isinstance(scenario, Mapping) else list(scenario)
        parsed = explain.parse_scenario(data, "scenario")
        return explain.whatif(
            history, book, as_of=as_of, scenario=parsed, audience=audience, freelancer=freelancer
        )

    def advice(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.advise(history, book, as_of=as_of, audience=audience, freelancer=freelancer)

    def stats(
        self,
        history: History,
        book: PolicyBook,
        freelancer: str,
        *,
        as_of: dt.date,
        audience: Audience,
    ) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.stats(history, book, as_of=as_of, audience=audience, freelancer=freelancer)


class Unavailable:
    """The explainer of a build without `jobsuccess.explain`: every answer is 503."""

    def _refuse(self, *_: Any, **__: Any) -> dict[str, Any]:
        raise ExplainUnavailable("explanations are not available in this build")

    explain = forecast = whatif = advice = stats = _refuse


def default_explainer() -> Explainer:
    """`ModuleExplainer` where `jobsuccess.explain` is installed, else `Unavailable`."""
    try:
        import jobsuccess.explain  # noqa: F401
    except ImportError:
        return Unavailable()
    return ModuleExplainer()
