"""X-Request-ID: taken from the caller (nginx, a client retrying) when it looks like an id,
made up otherwise; bound for the request's logs and returned in the response."""

from __future__ import annotations

import re
from typing import Any

from ispgo_portal.logging_setup import REQUEST_ID, new_request_id

HEADER = b"x-request-id"
# Ids are echoed into logs and headers: only short printable tokens are taken as given.
ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER, b"")
        request_id = given.decode() if ACCEPTED_ID.fullmatch(given) else new_request_id()
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
