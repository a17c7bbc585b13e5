"""Errors a user can act on: one hierarchy with a root, each message naming the file, record
and field where they are known.

    JobSuccessError          every error jobsuccess raises on purpose
    +-- InputError           bad input: a history, policy, scenario or request (CLI exit 2, 422)
    +-- Conflict             the store holds something else under the same id (409)
    +-- NotFound             no such thing, or not the asker's to see (404)
    +-- Forbidden            the asker's role may not do this (403)
    +-- Refused              the store's state refuses it: a workflow's state (409)

Anything else escaping a public function is a bug.
"""

from __future__ import annotations


class JobSuccessError(Exception):
    """The root of the hierarchy: the CLI prints any of them on one line and exits with 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        parts = [
            p
            for p in (
                file,
                f"record {record}" if record else None,
                f"field {field}" if field else None,
            )
            if p
        ]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)
        self.message = message
        self.file, self.record, self.field = file, record, field


class InputError(JobSuccessError):
    """Bad input (history, policy, scenario). The CLI prints it and exits with code 2."""

    def in_file(self, file: str) -> InputError:
        """This error, naming ``file`` if it names none yet (raised deep down, where the
        file is not known)."""
        if self.file is not None:
            return self
        return InputError(self.message, file=file, record=self.record, field=self.field)


class Conflict(JobSuccessError):
    """The store already holds something else under the same id (the API's 409)."""


class NotFound(JobSuccessError):
    """What was asked for does not exist, or is not the asker's to see (the API's 404)."""


class Forbidden(JobSuccessError):
    """The asker's role may not do this (the API's 403)."""


class Refused(JobSuccessError):
    """The store's state refuses this: a workflow's state, an earlier decision (the API's
    409)."""
