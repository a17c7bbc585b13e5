"""Per-request bounds: one request from one caller must never take the service down.

`BodyLimit` is an ASGI middleware that refuses a request body larger than its route's limit
with ``413`` and a message saying the limit, before the body is read when the client declares
its ``Content-Length``, and as soon as the streamed bytes pass it otherwise (a chunked body,
or a declared length that lies). What-if scenarios get a tighter limit than record batches:
their events are bounded too (`jobsuccess.limits.MAX_SCENARIO_EVENTS`), and a scenario at
that bound is a few tens of kilobytes.

Limits come from the environment (``JOBSUCCESS_MAX_BODY_BYTES``,
``JOBSUCCESS_MAX_WHATIF_BYTES``) or `jobsuccess.service.create_app`'s arguments.
"""

from __future__ import annotations

import json
from typing import Final

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jobsuccess.limits import setting

#: A batch of 1,000 records (the ingest bound), notes and all, fits.
MAX_BODY_BYTES: Final = 4 * 1024 * 1024
#: 200 events of about 200 bytes each, with room to spare.
MAX_WHATIF_BYTES: Final = 128 * 1024
BODY_ENV: Final = "JOBSUCCESS_MAX_BODY_BYTES"
WHATIF_ENV: Final = "JOBSUCCESS_MAX_WHATIF_BYTES"


def too_large(limit: int) -> str:
    return f"request body too large: at most {limit:,} bytes are accepted here"


class BodyLimit:
    """Refuse bodies over the limit with 413 (see the module doc)."""

    def __init__(self, app: ASGIApp, *, limit: int | None = None, whatif: int | None = None):
        self.app = app
        self.limit = limit or setting(BODY_ENV, MAX_BODY_BYTES, unit="bytes")
        self.whatif = whatif or setting(WHATIF_ENV, MAX_WHATIF_BYTES, unit="bytes")

    def limit_of(self, path: str) -> int:
        return min(self.whatif, self.limit) if path.endswith("/whatif") else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(str(scope.get("path", "")))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI re-raises an HTTPException met while reading the body; the app's
                    # handler answers it like every other refusal
                    raise HTTPException(413, too_large(limit))
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large(limit)}).encode("ascii")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
