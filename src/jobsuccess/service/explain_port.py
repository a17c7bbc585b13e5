"""The seam between the service and the explanations (`jobsuccess.explain`).

The service folds the freelancer's history from the ledger and hands it, with the policy book,
the date and the audience (one `Ask`), to an `Explainer`. `ModuleExplainer` answers with
`jobsuccess.explain`, turning its typed results into JSON here, at the edge; tests may plug in
a stub.

Every answer is the JSON object of the explanation, already filtered for ``audience``: for
``freelancer`` a client's private answer only ever shows pooled with others (see
docs/explain.md). Bad input (a scenario, a date range) raises
`jobsuccess.errors.InputError`, answered ``422``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from jobsuccess.model import History
from jobsuccess.policy import PolicyBook

if TYPE_CHECKING:
    from jobsuccess.explain import Audience


@dataclass(frozen=True)
class Ask:
    """One freelancer's history and what every explanation is asked with."""

    history: History
    book: PolicyBook
    freelancer: str
    as_of: dt.date
    audience: Audience


class Explainer(Protocol):
    def explain(self, ask: Ask, since: dt.date) -> dict[str, Any]:
        """The score as of ``as_of`` with each contract's part, and every change since
        ``since``."""
        ...

    def forecast(self, ask: Ask, months: int) -> dict[str, Any]:
        """When the score or a status changes next if nothing new happens."""
        ...

    def whatif(self, ask: Ask, scenario: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
        """The score under hypothetical events (`jobsuccess.explain.scenario` format: an
        object with ``events``, or the list of events)."""
        ...

    def advice(self, ask: Ask) -> dict[str, Any]:
        """What the freelancer can do, ranked by effect."""
        ...

    def stats(self, ask: Ask) -> dict[str, Any]:
        """My Stats: eligible weeks, 12-month earnings, recommend and long-term shares, holds."""
        ...


class ModuleExplainer:
    """`Explainer` on top of `jobsuccess.explain`."""

    def explain(self, ask: Ask, since: dt.date) -> dict[str, Any]:
        from jobsuccess import explain

        h, book, who, audience = ask.history, ask.book, ask.freelancer, ask.audience
        score = explain.score_for(h, book, as_of=ask.as_of, audience=audience, freelancer=who)
        changes = explain.explain(
            h, book, start=since, end=ask.as_of, audience=audience, freelancer=who
        )
        return {"score": score.to_json(), "changes": changes.to_json()}

    def forecast(self, ask: Ask, months: int) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.forecast(
            ask.history,
            ask.book,
            as_of=ask.as_of,
            months=months,
            audience=ask.audience,
            freelancer=ask.freelancer,
        ).to_json()

    def whatif(self, ask: Ask, scenario: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
        from jobsuccess import explain
        from jobsuccess.policy import shipped_policies

        data = dict(scenario) if isinstance(scenario, Mapping) else list(scenario)
        return explain.whatif(
            ask.history,
            ask.book,
            as_of=ask.as_of,
            scenario=explain.parse_scenario(data, "scenario"),
            audience=ask.audience,
            freelancer=ask.freelancer,
            policies=shipped_policies(),
        ).to_json()

    def advice(self, ask: Ask) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.advise(
            ask.history, ask.book, as_of=ask.as_of, audience=ask.audience, freelancer=ask.freelancer
        ).to_json()

    def stats(self, ask: Ask) -> dict[str, Any]:
        from jobsuccess import explain

        return explain.stats(
            ask.history, ask.book, as_of=ask.as_of, audience=ask.audience, freelancer=ask.freelancer
        ).to_json()
