"""GET /api/attachments/{id}: a ticket screenshot, for the ticket's owner and admins only.

The caller comes from the session cookie, checked in the database on every request.
Anyone else (anonymous, another customer, a guessed id) gets the same 404.
"""

from __future__ import annotations

from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from ispgo_portal.services.accounts.cookie import SESSION_COOKIE
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import resolve_caller
from ispgo_portal.services.support.attachments import StoredAttachment, attachment_for_viewer

MAX_ID = 2**31 - 1  # the id column is a 32-bit integer
NOT_FOUND_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _lookup(token: str, attachment_id: int) -> StoredAttachment | None:
    if not 0 < attachment_id <= MAX_ID:  # PostgreSQL would refuse the number itself with an error
        return None
    caller = resolve_caller(token) if token else None
    if caller is None:
        return None
    try:
        return attachment_for_viewer(attachment_id=attachment_id, viewer_id=caller.user_id)
    except DomainError:
        return None


def _content_disposition(filename: str) -> str:
    ascii_name = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_.")) or "image"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def get_attachment(request: Request) -> Response:
    attachment_id = request.path_params["attachment_id"]
    token = request.cookies.get(SESSION_COOKIE, "")
    stored = await anyio.to_thread.run_sync(_lookup, token, attachment_id)
    if stored is None:
        return PlainTextResponse("Не найдено", status_code=404, headers=NOT_FOUND_HEADERS)
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": _content_disposition(stored.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
            # Even if a browser were talked into rendering it as a document, it could run nothing.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
            "Referrer-Policy": "no-referrer",
        },
    )


routes = [Route("/api/attachments/{attachment_id:int}", get_attachment, methods=["GET"])]
