"""Admin overview figures: revenue by day and month, counts, admin-only access."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment, Ticket
from ispgo_portal.services.billing import reports
from ispgo_portal.services.errors import AccessDenied

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def _payment(user_id: int, amount: int, *, status: str = "succeeded", paid_at: datetime = NOW,
             refunded: int = 0) -> None:
    with session_scope() as session:
        session.add(Payment(user_id=user_id, amount=amount, status=status, refunded_amount=refunded,
                            idempotence_key=uuid.uuid4().hex, created_at=paid_at,
                            settled_at=paid_at if status == "succeeded" else None))


def _by_key(points: list[reports.RevenuePoint]) -> dict[str, int]:
    return {p.key: p.amount for p in points}


def test_revenue_is_succeeded_payments_less_refunds(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    _payment(customer, 100_000, refunded=30_000)
    _payment(customer, 50_000)

    result = reports.revenue(admin_id=admin, now=NOW)

    assert _by_key(result.days)["2026-11-15"] == 120_000
    assert _by_key(result.months)["2026-11"] == 120_000


def test_revenue_ignores_pending_canceled_and_failed(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    for status in ("new", "pending", "waiting_for_capture", "canceled", "failed"):
        _payment(customer, 70_000, status=status)

    result = reports.revenue(admin_id=admin, now=NOW)

    assert result.total_30d == 0
    assert result.total_12m == 0


def test_revenue_has_every_day_and_month_with_gaps_as_zero(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    _payment(customer, 10_000, paid_at=NOW - timedelta(days=29))

    result = reports.revenue(admin_id=admin, now=NOW)

    assert [p.key for p in result.days][0] == "2026-10-17"
    assert [p.key for p in result.days][-1] == "2026-11-15"
    assert len(result.days) == 30
    assert [p.key for p in result.months] == [f"2025-{m}" for m in ("12",)] + [
        f"2026-{m:02d}" for m in range(1, 12)
    ]
    assert _by_key(result.days)["2026-10-17"] == 10_000
    assert sum(1 for p in result.days if p.amount) == 1
    assert result.months[-1].label == "ноя 2026"


def test_revenue_leaves_out_what_is_older_than_the_window(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    _payment(customer, 10_000, paid_at=NOW - timedelta(days=31))
    _payment(customer, 20_000, paid_at=datetime(2025, 11, 30, 12, 0, tzinfo=UTC))

    result = reports.revenue(admin_id=admin, now=NOW)

    assert result.total_30d == 0
    assert result.total_12m == 10_000


def test_revenue_books_by_moscow_date(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    # 22:30 UTC on 31 October is 01:30 on 1 November in Moscow.
    _payment(customer, 40_000, paid_at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC))

    result = reports.revenue(admin_id=admin, now=NOW)

    assert _by_key(result.days)["2026-11-01"] == 40_000
    assert _by_key(result.days)["2026-10-31"] == 0
    assert _by_key(result.months)["2026-11"] == 40_000
    assert _by_key(result.months)["2026-10"] == 0


def test_overview_counts_licenses_tickets_payments_and_new_customers(
    make_admin, make_customer, make_tariff
) -> None:
    admin, customer = make_admin(), make_customer()
    tariff = make_tariff()
    now = utcnow()
    with session_scope() as session:
        for key, status, expires in (("K-1", "active", now + timedelta(days=3)),
                                     ("K-2", "active", now + timedelta(days=20)),
                                     ("K-3", "suspended", now + timedelta(days=2))):
            session.add(License(user_id=customer, tariff_id=tariff, key=key, status=status, expires_at=expires))
        session.add(Ticket(user_id=customer, category="general", subject="Вопрос", status="open"))
        session.add(Ticket(user_id=customer, category="general", subject="Решено", status="closed"))
    _payment(customer, 1_000, status="pending", paid_at=now)

    ov = reports.overview(admin_id=admin)

    assert (ov.customers, ov.new_customers_30d) == (1, 1)
    assert (ov.active_licenses, ov.expiring_7d) == (2, 1)
    assert (ov.open_tickets, ov.pending_payments) == (1, 1)


def test_reports_refuse_a_customer(make_customer) -> None:
    customer = make_customer()
    with pytest.raises(AccessDenied):
        reports.revenue(admin_id=customer)
    with pytest.raises(AccessDenied):
        reports.overview(admin_id=customer)
