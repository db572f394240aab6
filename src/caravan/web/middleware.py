"""Pure ASGI middleware: request ids, security headers and a hard cap on request bodies."""

from __future__ import annotations

import json
from typing import Any

from caravan.audit import new_request_id

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class RequestGuard:
    """Gives each request an id (tied to its audit rows) and refuses oversized bodies.

    A body over ``max_body`` bytes is refused with 413 as soon as its
    ``Content-Length`` says so — before reading it — or, for chunked uploads,
    as soon as that many bytes have arrived.
    """

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._too_large(send)
            return
        received = 0
        too_large = False

        async def guarded_receive() -> Any:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    too_large = True
                    raise PayloadTooLargeError
            return message

        replaced = False

        async def send_with_headers(message: Any) -> None:
            nonlocal replaced
            if too_large:
                # The app caught the cut-off as a parse error of its own; answer 413 instead.
                if not replaced:
                    replaced = True
                    await self._too_large(send)
                return
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    *SECURITY_HEADERS,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, guarded_receive, send_with_headers)
        except PayloadTooLargeError:
            if not replaced:
                await self._too_large(send)

    def _message(self) -> bytes:
        limit_mb = self.max_body // (1024 * 1024)
        return json.dumps(
            {
                "error": "payload_too_large",
                "message": f"The upload is larger than this server accepts ({limit_mb} MB); "
                f"split the file or import it with the command line.",
            }
        ).encode()

    async def _too_large(self, send: Any) -> None:
        body = self._message()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class PayloadTooLargeError(Exception):
    pass
