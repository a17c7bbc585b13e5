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
        self.file, self.record, self.field = file, record, field
