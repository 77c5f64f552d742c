"""Runs a POST under its `Idempotency-Key` (see services/rest/idempotency.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.rest import idempotency as api_idempotency
from ispgo_portal.services.rest.tokens import TokenCaller

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=api_idempotency.KEY_MAX,
    description="Ключ повтора (до 255 символов): тот же ключ и то же тело в течение 24 часов "
                "вернут первый ответ, не повторяя действие; другое тело — 409.")]
Work = Callable[[], tuple[int, BaseModel | None]]


def _respond(status: int, data: object, *, replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    if data is None:
        return Response(status_code=status, headers=headers)
    return JSONResponse(data, status_code=status, headers=headers)


def run_idempotent(request: Request, caller: TokenCaller, key: str | None, body: BaseModel | None,
                   work: Work, *, attachments: list[str] | None = None) -> Response:
    """Without a key: just do the work. With one: claim it first, replay a stored answer,
    or do the work and store its answer; a refusal (DomainError) releases the key."""
    if key is None:
        status, payload = work()
        return _respond(status, payload.model_dump(mode="json") if payload is not None else None)
    key = api_idempotency.check_key(key)
    fingerprint = api_idempotency.request_fingerprint(
        method=request.method, path=request.url.path,
        body={"body": body.model_dump(mode="json") if body is not None else None, "files": attachments or []})
    row_id, stored = api_idempotency.claim(user_id=caller.user_id, key=key, fingerprint=fingerprint)
    if stored is not None:
        return _respond(stored.status, stored.body, replayed=True)
    try:
        status, payload = work()
    except DomainError:
        api_idempotency.release(row_id)  # an expected refusal: nothing changed, the key is free
        raise
    # Anything else (a bug, the database gone mid-way) may have left an effect behind: the key
    # stays claimed, so a retry gets 409 instead of doing the work a second time.
    data = payload.model_dump(mode="json") if payload is not None else None
    api_idempotency.finish(row_id, status=status, body=data)
    return _respond(status, data)
