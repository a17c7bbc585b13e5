"""Errors a user can act on: they carry a message naming the file, record and field."""

from __future__ import annotations


class InputError(Exception):
    """Bad input (history, policy, scenario). The CLI prints it and exits with code 2."""

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

    def in_file(self, file: str) -> InputError:
        """This error, naming ``file`` if it names none yet (raised deep down, where the
        file is not known)."""
        if self.file is not None:
            return self
        return InputError(self.message, file=file, record=self.record, field=self.field)


class NotFound(InputError):
    """What was asked for does not exist, or is not the asker's to see (the API's 404)."""


class Forbidden(InputError):
    """The asker's role may not do this (the API's 403)."""


class Refused(InputError):
    """The store's state refuses this: a workflow's state, an earlier decision (the API's
    409)."""
