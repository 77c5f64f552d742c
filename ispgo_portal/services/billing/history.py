"""The customer's transaction history: pages of 20, filters, CSV export.

Built for customers with hundreds of thousands of rows: every query is bounded by the
index ix_ledger_user_created (user_id, created_at, id); a page reads 20 rows, the export
streams rows in batches and never holds them all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, UnaryExpression, func
from sqlmodel import col, select

from ispgo_portal.clock import MSK, format_datetime
from ispgo_portal.db import session_scope
from ispgo_portal.models import LEDGER_KINDS, LedgerEntry, pk
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.forms import parse_date_range

PAGE_SIZE = 20
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class HistoryFilter:
    kind: str = ""  # a key of LEDGER_KINDS, or "" for all
    date_from: date | None = None  # Moscow dates, both inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class LedgerRow:
    id: int
    created_at: datetime
    kind: str
    kind_label: str
    amount: int
    balance_after: int
    description: str


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]
    page: int
    pages: int
    total: int


def parse_history_filter(*, kind: str = "", date_from: str = "", date_to: str = "") -> HistoryFilter:
    """Form input -> filter; DomainError with the field name for bad input."""
    kind = (kind or "").strip()
    if kind in ("", "all"):
        kind = ""
    elif kind not in LEDGER_KINDS:
        raise DomainError("invalid_kind", "Неизвестный тип операции", field="kind")
    days = parse_date_range(date_from, date_to)
    return HistoryFilter(kind=kind, date_from=days.start, date_to=days.end)


def _conditions(user_id: int, filters: HistoryFilter) -> list[ColumnElement[bool]]:
    conditions = [col(LedgerEntry.user_id) == user_id]
    if filters.kind:
        conditions.append(col(LedgerEntry.kind) == filters.kind)
    # Days are Moscow days; bounds are bound as UTC, like every stored timestamp.
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), MSK).astimezone(UTC)
        conditions.append(col(LedgerEntry.created_at) >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), MSK).astimezone(UTC)
        conditions.append(col(LedgerEntry.created_at) < end)
    return conditions


def _row(entry: LedgerEntry) -> LedgerRow:
    return LedgerRow(id=pk(entry), created_at=entry.created_at, kind=entry.kind,
                     kind_label=LEDGER_KINDS.get(entry.kind, entry.kind), amount=entry.amount,
                     balance_after=entry.balance_after, description=entry.description)


def _newest_first() -> tuple[UnaryExpression[datetime], UnaryExpression[int | None]]:
    return (col(LedgerEntry.created_at).desc(), col(LedgerEntry.id).desc())


def list_ledger_page(*, user_id: int, page: int = 1, filters: HistoryFilter | None = None) -> LedgerPage:
    """One page (newest first). A page past the end shows the last one."""
    filters = filters or HistoryFilter()
    conditions = _conditions(user_id, filters)
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(LedgerEntry).where(*conditions)).one()
        window = cursors.page_slice(total=total, page=page, page_size=PAGE_SIZE)
        entries = session.exec(
            select(LedgerEntry).where(*conditions).order_by(*_newest_first())
            .offset(window.offset).limit(window.limit)
        ).all()
        return LedgerPage(rows=[_row(e) for e in entries], page=window.page, pages=window.pages, total=int(total))


def recent_ledger_rows(*, user_id: int, limit: int = 5) -> list[LedgerRow]:
    with session_scope() as session:
        entries = session.exec(
            select(LedgerEntry).where(LedgerEntry.user_id == user_id)
            .order_by(*_newest_first()).limit(limit)
        ).all()
        return [_row(e) for e in entries]


def _plain_rubles(kopecks: int) -> str:
    """'-1234,50': a number a Russian spreadsheet reads, without grouping or the ₽ sign."""
    sign = "-" if kopecks < 0 else ""
    rubles, kop = divmod(abs(kopecks), 100)
    return f"{sign}{rubles},{kop:02d}"


CSV_HEADER = ["Дата", "Операция", "Сумма, ₽", "Баланс после, ₽", "Описание"]


def iter_ledger_csv(*, user_id: int, filters: HistoryFilter | None = None) -> Iterator[str]:
    """The filtered history as CSV (';'-separated, UTF-8 with BOM so Excel opens it),
    yielded in chunks while the rows are streamed from the database."""
    conditions = _conditions(user_id, filters or HistoryFilter())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield "\ufeff" + buffer.getvalue()
    # Plain columns, not ORM objects: nothing accumulates in the session while streaming.
    columns = (LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.balance_after,
               LedgerEntry.description)
    with session_scope() as session:
        result = session.exec(
            # sqlmodel's select() is typed for at most four columns: these five rows are untyped.
            select(*columns).where(*conditions).order_by(*_newest_first())  # type: ignore[call-overload]
            .execution_options(yield_per=EXPORT_BATCH)
        )
        for batch in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            for created_at, kind, amount, balance_after, description in batch:
                writer.writerow([format_datetime(created_at), LEDGER_KINDS.get(kind, kind),
                                 _plain_rubles(amount), _plain_rubles(balance_after), description])
            yield buffer.getvalue()


@dataclass(frozen=True)
class LedgerSlice:
    rows: list[LedgerRow]
    next_cursor: str | None


def ledger_after(*, user_id: int, filters: HistoryFilter | None = None, limit: int = cursors.DEFAULT_LIMIT,
                 cursor: str = "") -> LedgerSlice:
    """Keyset page for the REST API: `limit` rows after `cursor` (newest first), and the
    cursor of the next page if there is one. Reads limit + 1 rows, never counts."""
    limit = cursors.check_limit(limit)
    conditions = _conditions(user_id, filters or HistoryFilter())
    conditions += cursors.after_cursor(LedgerEntry.created_at, LedgerEntry.id, cursors.decode_cursor(cursor))
    with session_scope() as session:
        entries = session.exec(
            select(LedgerEntry).where(*conditions).order_by(*_newest_first()).limit(limit + 1)
        ).all()
    rows = [_row(e) for e in entries[:limit]]
    more = len(entries) > limit
    return LedgerSlice(rows=rows, next_cursor=cursors.encode_cursor(rows[-1].created_at, rows[-1].id) if more else None)
