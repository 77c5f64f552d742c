"""`Idempotency-Key` for the customer REST API: the same key and the same request within
24 hours get the first answer again, without a second effect.

The key is claimed by inserting its row (unique per customer) and committing *before* the
work starts: of parallel requests with one key exactly one inserts it and does the work;
the others wait for its answer and replay it. Only successful answers are kept: a refusal
changes nothing, so its key is released and the request may be sent again (for example
after a top-up when funds were short). After an unexpected failure the key stays claimed
(the work may have had an effect): repeats get 409 `idempotency_in_progress` for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ApiIdempotencyKey, pk
from ispgo_portal.services.errors import DomainError

KEY_MAX = 255
KEEP_FOR = timedelta(hours=24)
WAIT_FOR_FIRST = 30.0  # seconds a repeated request waits for the first one's answer
POLL = 0.05


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise DomainError("invalid_idempotency_key",
                          f"Idempotency-Key — от 1 до {KEY_MAX} печатных символов", field="Idempotency-Key")
    return key


def _reused() -> DomainError:
    return DomainError("idempotency_key_reused",
                       "Этот Idempotency-Key уже использован для другого запроса. "
                       "Для нового запроса нужен новый ключ.")


def claim(*, user_id: int, key: str, fingerprint: str) -> tuple[int | None, StoredAnswer | None]:
    """(row id, None): this request owns the key — do the work, then `finish` or `release`.
    (None, answer): the first answer to replay. DomainError: the key belongs to another
    request, or its first request is still running after WAIT_FOR_FIRST seconds."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        try:
            with session_scope() as session:
                row = ApiIdempotencyKey(user_id=user_id, key=key, request_hash=fingerprint)
                session.add(row)
                session.flush()
                return pk(row), None
        except IntegrityError:
            pass  # someone holds the key: read what they did with it
        with session_scope() as session:
            held = session.exec(select(ApiIdempotencyKey).where(
                ApiIdempotencyKey.user_id == user_id, ApiIdempotencyKey.key == key)).first()
            if held is not None and as_utc(held.created_at) <= utcnow() - KEEP_FOR:
                session.delete(held)  # expired: the key is free again
                continue
            if held is not None:
                if held.request_hash != fingerprint:
                    raise _reused()
                if held.status == "done":
                    return None, StoredAnswer(held.response_status, json.loads(held.response_body or "null"))
        # Released (the first request failed) or still running: look again shortly.
        if time.monotonic() > deadline:
            raise DomainError("idempotency_in_progress",
                              "Запрос с этим Idempotency-Key ещё выполняется. Повторите его позже.")
        time.sleep(POLL)


def finish(row_id: int, *, status: int, body: Any) -> None:
    with session_scope() as session:
        row = session.get(ApiIdempotencyKey, row_id)
        if row is None:
            return  # the key expired (24 hours) while the work ran: there is no answer to keep
        row.status, row.response_status = "done", status
        row.response_body = json.dumps(body, ensure_ascii=False)
        session.add(row)


def release(row_id: int) -> None:
    with session_scope() as session:
        session.exec(delete(ApiIdempotencyKey).where(col(ApiIdempotencyKey.id) == row_id))



def purge_expired_keys() -> int:
    """Keys older than 24 hours answer nothing any more (the daily clean-up drops them)."""
    with session_scope() as session:
        gone = session.exec(delete(ApiIdempotencyKey).where(col(ApiIdempotencyKey.created_at) < utcnow() - KEEP_FOR))
        return gone.rowcount or 0
