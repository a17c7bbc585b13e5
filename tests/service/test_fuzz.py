"""Fuzz the API from its own OpenAPI document (schemathesis, in process over ASGI).

Every operation gets generated requests, valid and invalid, sent with an operator key (so they
reach the handlers; or without, when the fuzzer drops it on purpose) on both backends. Every
response must conform to the schema, invalid input must be refused, and no answer may be a
500. One default check is left out: ``positive_data_acceptance`` expects every schema-valid
request to succeed, but the API has rules a JSON schema cannot state (a payment must name a
stored contract, a contract update must change something), which it answers with 422.

The number of examples is bounded so the suite stays fast; raise it with
``JOBSUCCESS_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.schemas import OpenApiSchema

from jobsuccess.service import create_app
from service.fixtures import Service

if TYPE_CHECKING:  # schemathesis defines the alias for type checkers only
    from schemathesis.specs.openapi.schemas import OpenApiCase

EXAMPLES = int(os.environ.get("JOBSUCCESS_FUZZ_EXAMPLES", "12"))


class Stub:
    """Stands in for the explanations (tested elsewhere), so that the fuzzer reaches the
    routes' own checks and plumbing."""

    def _answer(self, *_: Any, **__: Any) -> dict[str, Any]:
        return {"stub": True}

    explain = forecast = whatif = advice = stats = _answer


@pytest.fixture
def api(shared_service: Service) -> OpenApiSchema:
    app = create_app(db=shared_service.db, explainer=Stub())
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    key = shared_service.keys["operator"]

    class OperatorKey:
        """The operator key on every case, except where the fuzzer leaves the key out on
        purpose (then the answer must be 401)."""

        def get(self, case: OpenApiCase, context: schemathesis.AuthContext) -> str:
            return key

        def set(self, case: OpenApiCase, data: str, context: schemathesis.AuthContext) -> None:
            case.headers["Authorization"] = f"Bearer {data}"

    loaded.auth(refresh_interval=None)(OperatorKey)
    return loaded


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_no_input_makes_the_api_fail(case: OpenApiCase) -> None:
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
