"""The transaction history: pages of 20, filters, CSV, and 100,000 rows for one customer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from ispgo_portal.db import get_engine, session_scope
from ispgo_portal.models import LedgerEntry
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing.history import (
    PAGE_SIZE,
    HistoryFilter,
    iter_ledger_csv,
    list_ledger_page,
    parse_history_filter,
    recent_ledger_rows,
)
from ispgo_portal.services.errors import DomainError


def _book(user_id: int, amount: int, ref: str, *, kind: str = "topup", at: datetime | None = None) -> None:
    with session_scope() as session:
        if amount > 0:
            entry = billing.credit(session, user_id=user_id, amount=amount, kind=kind,
                                   description=f"Операция {ref}", reference=ref)
        else:
            entry = billing.charge(session, user_id=user_id, amount=-amount, kind=kind,
                                   description=f"Операция {ref}", reference=ref)
        if at is not None:
            entry.created_at = at
            session.add(entry)


def _bulk(user_id: int, count: int) -> None:
    """`count` top-ups of 1 kopeck, one per minute, straight in SQL (and the balance to match)."""
    with get_engine().begin() as conn:
        conn.execute(text("""
            INSERT INTO ledger_entries (user_id, kind, amount, balance_after, description, reference, created_at)
            SELECT :uid, CASE WHEN n % 10 = 0 THEN 'adjustment' ELSE 'topup' END, 1, n,
                   'Операция ' || n, 'bulk:' || :uid || ':' || n,
                   timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute'
            FROM generate_series(1, :count) AS n"""), {"uid": user_id, "count": count})
        conn.execute(text("UPDATE users SET balance = balance + :count WHERE id = :uid"),
                     {"uid": user_id, "count": count})


def test_first_page_is_newest_20(make_customer) -> None:
    user_id = make_customer()
    for i in range(25):
        _book(user_id, 100 + i, f"r{i}")
    page = list_ledger_page(user_id=user_id)
    assert (page.page, page.pages, page.total, len(page.rows)) == (1, 2, 25, PAGE_SIZE)
    assert page.rows[0].description == "Операция r24"
    assert list_ledger_page(user_id=user_id, page=2).rows[-1].description == "Операция r0"


def test_page_past_the_end_shows_the_last(make_customer) -> None:
    user_id = make_customer()
    _book(user_id, 100, "r1")
    assert list_ledger_page(user_id=user_id, page=99).page == 1
    assert list_ledger_page(user_id=user_id, page=-3).page == 1


def test_other_customers_rows_never_appear(make_customer) -> None:
    mine, theirs = make_customer(), make_customer()
    _book(theirs, 100, "theirs")
    assert list_ledger_page(user_id=mine).total == 0
    assert recent_ledger_rows(user_id=mine) == []


def test_filter_by_kind(make_customer) -> None:
    user_id = make_customer(credit_limit=10_000)
    _book(user_id, 500, "t1")
    _book(user_id, -300, "p1", kind="purchase")
    page = list_ledger_page(user_id=user_id, filters=HistoryFilter(kind="purchase"))
    assert [(r.kind_label, r.amount) for r in page.rows] == [("Покупка лицензии", -300)]


def test_filter_by_moscow_date_range(make_customer) -> None:
    user_id = make_customer()
    _book(user_id, 100, "a", at=datetime(2026, 3, 1, 20, 59, tzinfo=UTC))  # 1 March 23:59 MSK
    _book(user_id, 200, "b", at=datetime(2026, 3, 1, 21, 0, tzinfo=UTC))  # 2 March 00:00 MSK
    _book(user_id, 300, "c", at=datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    only_second = HistoryFilter(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    assert [r.amount for r in list_ledger_page(user_id=user_id, filters=only_second).rows] == [200]
    since_first = HistoryFilter(date_from=date(2026, 3, 1))
    assert list_ledger_page(user_id=user_id, filters=since_first).total == 3


@pytest.mark.parametrize(("kind", "date_from", "date_to", "field"), [
    ("bogus", "", "", "kind"),
    ("", "31.02.2026", "", "date_from"),
    ("", "", "x", "date_to"),
    ("", "2026-03-05", "2026-03-01", "date_to"),
])
def test_bad_filter_input_names_the_field(kind: str, date_from: str, date_to: str, field: str) -> None:
    with pytest.raises(DomainError) as bad:
        parse_history_filter(kind=kind, date_from=date_from, date_to=date_to)
    assert bad.value.field == field


def test_filter_accepts_both_date_formats() -> None:
    parsed = parse_history_filter(kind="all", date_from="01.03.2026", date_to="2026-03-31")
    assert parsed == HistoryFilter(kind="", date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))


def test_recent_rows_are_the_last_five(make_customer) -> None:
    user_id = make_customer()
    for i in range(7):
        _book(user_id, 100, f"r{i}")
    assert [r.description for r in recent_ledger_rows(user_id=user_id)] == [
        f"Операция r{i}" for i in (6, 5, 4, 3, 2)]


def test_csv_export_has_header_and_filtered_rows(make_customer) -> None:
    user_id = make_customer(credit_limit=100_000)
    _book(user_id, 15_050, "t1", at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    _book(user_id, -100_000, "p1", kind="purchase", at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    text_csv = "".join(iter_ledger_csv(user_id=user_id))
    assert text_csv.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text_csv.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Дата", "Операция", "Сумма, ₽", "Баланс после, ₽", "Описание"]
    assert rows[1] == ["02.03.2026 12:00", "Покупка лицензии", "-1000,00", "-849,50", "Операция p1"]
    assert rows[2] == ["01.03.2026 12:00", "Пополнение", "150,50", "150,50", "Операция t1"]
    only_topups = "".join(iter_ledger_csv(user_id=user_id, filters=HistoryFilter(kind="topup")))
    assert only_topups.count("\r\n") == 2


def test_100k_rows_page_reads_20_through_the_index(make_customer) -> None:
    user_id = make_customer()
    _bulk(user_id, 100_000)
    with get_engine().begin() as conn:
        conn.execute(text("ANALYZE ledger_entries"))

    page = list_ledger_page(user_id=user_id, page=2)
    assert (page.total, page.pages, len(page.rows)) == (100_000, 5_000, 20)
    assert page.rows[0].description == "Операция 99980"
    deep = list_ledger_page(user_id=user_id, page=5_000)
    assert deep.rows[-1].description == "Операция 1"

    with session_scope() as session:
        from sqlmodel import select

        query = (select(LedgerEntry).where(LedgerEntry.user_id == user_id)
                 .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()).limit(20))
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in session.exec(text(f"EXPLAIN {compiled}")).all())
    assert "ix_ledger_user_created" in plan and "Sort" not in plan


def test_100k_rows_csv_streams_every_row(make_customer) -> None:
    user_id = make_customer()
    _bulk(user_id, 100_000)
    chunks = list(iter_ledger_csv(user_id=user_id))
    assert len(chunks) > 50  # streamed in batches, not built in one piece
    assert sum(chunk.count("\r\n") for chunk in chunks) == 100_001
