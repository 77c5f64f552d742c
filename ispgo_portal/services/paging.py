"""Paging, one way for each kind of list.

Numbered pages (the admin lists, the balance history): `page_slice` says which rows page N
holds; every such service returns `page`, `pages` and `total` and every page shows one pager.
Opaque keyset cursors (the REST API) for lists read newest first: "(time, id) of the last row
shown"; the next page continues strictly after that row, so it reads only the rows it returns."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from ispgo_portal.clock import as_utc
from ispgo_portal.services.errors import DomainError

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class PageSlice:
    page: int  # 1-based, always within 1 .. pages
    pages: int  # an empty list still has one (empty) page
    offset: int
    limit: int


def page_slice(*, total: int, page: object, page_size: int) -> PageSlice:
    """Which rows numbered page `page` of `total` holds. Anything that is not a page number
    (a crafted event may send anything) is page 1; a page past the end is the last one."""
    pages = max(1, -(-int(total) // page_size))
    number = page if isinstance(page, int) and not isinstance(page, bool) else 1
    number = min(max(1, number), pages)
    return PageSlice(page=number, pages=pages, offset=(number - 1) * page_size, limit=page_size)


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
