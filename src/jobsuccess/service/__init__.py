"""jobsuccess as a service: a REST API (FastAPI) over the store, and its CLI commands.

`create_app(db_url)` builds the application; `jobsuccess serve` runs it with uvicorn. See
`jobsuccess.service.app` for wiring and errors, `auth` for roles, `routes` for endpoints,
`explain_port` for the seam to the explanations, `cli` for the commands.

`create_app` is imported on first use, so the CLI commands do not pay for FastAPI's import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobsuccess.service.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from jobsuccess.service.app import create_app

        return create_app
    raise AttributeError(name)
