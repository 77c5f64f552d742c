"""Opaque keyset cursors for lists read newest first: "(time, id) of the last row shown".
The next page continues strictly after that row, so it reads only the rows it returns."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from ispgo_portal.clock import as_utc
from ispgo_portal.services.errors import DomainError

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


def encode_cursor(at: datetime, row_id: int) -> str:
    raw = f"{as_utc(at).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """None for no cursor; DomainError('invalid_cursor') for anything we did not issue."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.rsplit("|", 1)
        return as_utc(datetime.fromisoformat(at)), int(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("invalid_cursor", "Неверный курсор страницы: передайте next_cursor из "
                                            "предыдущего ответа", field="cursor") from exc


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError("invalid_limit", f"limit — от 1 до {MAX_LIMIT}", field="limit")
    return limit


def after_cursor(time_column: Any, id_column: Any,
                 cursor: tuple[datetime, int] | None) -> list[ColumnElement[bool]]:
    """WHERE clause rows strictly after the cursor in (time desc, id desc) order."""
    if cursor is None:
        return []
    at, row_id = cursor
    return [(time_column < at) | ((time_column == at) & (id_column < row_id))]
