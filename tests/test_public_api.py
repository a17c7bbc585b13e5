"""The public API is pinned: what ``jobsuccess`` exports, and the error hierarchy's shape
(httpx's ``test_exported_members``)."""

from __future__ import annotations

import jobsuccess
from jobsuccess import errors

EXPORTED = {
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
}


def test_exported_members() -> None:
    assert set(jobsuccess.__all__) == EXPORTED
    for name in jobsuccess.__all__:
        member = getattr(jobsuccess, name)
        assert getattr(member, "__module__", "").startswith("jobsuccess."), name


def test_every_error_has_the_one_root() -> None:
    leaves = (errors.InputError, errors.Conflict, errors.NotFound, errors.Forbidden, errors.Refused)
    for leaf in leaves:
        assert issubclass(leaf, jobsuccess.JobSuccessError)
        assert leaf.__bases__ == (errors.JobSuccessError,), leaf
    assert errors.JobSuccessError.__bases__ == (Exception,)
