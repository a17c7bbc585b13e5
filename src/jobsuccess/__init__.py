"""jobsuccess: exact, explainable job success scores for freelance marketplaces.

The public API; everything else is private to its module. Names load on first use (PEP 562),
so that ``import jobsuccess.cli`` (every ``jobsuccess`` command, ``--help`` included) does not
pay for polars and the engine before a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobsuccess.engine import Scores, score, score_batch
    from jobsuccess.errors import (
        Conflict,
        Forbidden,
        InputError,
        JobSuccessError,
        NotFound,
        Refused,
    )
    from jobsuccess.io import dump_json, load, write_tables
    from jobsuccess.model import History
    from jobsuccess.policy import Policy, PolicyBook, load_policy, read_policy
    from jobsuccess.report import score_json
    from jobsuccess.subjects import for_agencies

_HOME = {
    "Conflict": "jobsuccess.errors",
    "Forbidden": "jobsuccess.errors",
    "History": "jobsuccess.model",
    "InputError": "jobsuccess.errors",
    "JobSuccessError": "jobsuccess.errors",
    "NotFound": "jobsuccess.errors",
    "Refused": "jobsuccess.errors",
    "Policy": "jobsuccess.policy",
    "PolicyBook": "jobsuccess.policy",
    "Scores": "jobsuccess.engine",
    "dump_json": "jobsuccess.io",
    "for_agencies": "jobsuccess.subjects",
    "load": "jobsuccess.io",
    "load_policy": "jobsuccess.policy",
    "read_policy": "jobsuccess.policy",
    "score": "jobsuccess.engine",
    "score_batch": "jobsuccess.engine",
    "score_json": "jobsuccess.report",
    "write_tables": "jobsuccess.io",
}

__all__ = [
    "Conflict",
    "Forbidden",
    "History",
    "InputError",
    "JobSuccessError",
    "NotFound",
    "Policy",
    "PolicyBook",
    "Refused",
    "Scores",
    "dump_json",
    "for_agencies",
    "load",
    "load_policy",
    "read_policy",
    "score",
    "score_batch",
    "score_json",
    "write_tables",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'jobsuccess' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
