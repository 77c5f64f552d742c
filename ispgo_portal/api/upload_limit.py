"""A body-size cap for Reflex's upload endpoint.

Reflex parses an upload completely (spooling it to a temporary file) before our handler can
look at it, and its size limit lives only in the browser. The handler checks each file
(count, size, type), but without this cap a crafted request could still make the server
write gigabytes to disk first. The only uploads the portal takes are ticket screenshots:
at most 5 files of 5 MB, so anything much larger is cut off before it is parsed."""

from __future__ import annotations

from typing import Any

from ispgo_portal.services.support.attachments import MAX_FILE_BYTES, MAX_FILES

# All allowed files plus room for multipart headers and the handler's form fields.
UPLOAD_BODY_LIMIT = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024
UPLOAD_PATH_SUFFIX = "/_upload"


class UploadSizeLimit:
    """ASGI middleware: 413 when Content-Length is too big; when a body without a (truthful)
    length grows past the limit, the request is treated as disconnected so nothing runs."""

    def __init__(self, app: Any, max_bytes: int = UPLOAD_BODY_LIMIT) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].rstrip("/").endswith(UPLOAD_PATH_SUFFIX):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send)
            return
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)


async def _too_large(send: Any) -> None:
    body = "Слишком большой запрос: не больше 5 файлов по 5 МБ".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
