"""Figures for the admin overview: counts and revenue.

Revenue is what customers really paid through YooKassa: succeeded payments, less what was
refunded from them, booked on the day (Moscow time) the payment succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ispgo_portal.clock import MSK, to_msk, utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import ROLE_CUSTOMER, License, Payment, Ticket, User
from ispgo_portal.models.enums import LicenseStatus, PaymentStatus, TicketStatus
from ispgo_portal.services.guard import acting_admin

REVENUE_DAYS = 30
REVENUE_MONTHS = 12
PENDING_PAYMENT_STATUSES = (PaymentStatus.NEW, PaymentStatus.PENDING, PaymentStatus.WAITING_FOR_CAPTURE)
MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


@dataclass(frozen=True)
class Overview:
    customers: int
    new_customers_30d: int
    active_licenses: int
    expiring_7d: int
    open_tickets: int
    pending_payments: int


@dataclass(frozen=True)
class RevenuePoint:
    key: str  # "2026-11-26" for a day, "2026-11" for a month
    label: str  # "26.11" / "ноя 2026"
    amount: int  # kopecks


@dataclass(frozen=True)
class Revenue:
    days: list[RevenuePoint]  # the last 30 days, oldest first, today included
    months: list[RevenuePoint]  # the last 12 months, oldest first, this month included

    @property
    def total_30d(self) -> int:
        return sum(p.amount for p in self.days)

    @property
    def total_12m(self) -> int:
        return sum(p.amount for p in self.months)


def overview(*, admin_id: int) -> Overview:
    now = utcnow()
    with session_scope() as session:
        acting_admin(session, admin_id)

        def count(query: SelectOfScalar[int]) -> int:
            return int(session.exec(query).one())

        return Overview(
            customers=count(select(func.count()).select_from(User).where(User.role == ROLE_CUSTOMER)),
            new_customers_30d=count(
                select(func.count()).select_from(User).where(
                    User.role == ROLE_CUSTOMER, User.created_at >= now - timedelta(days=30)
                )
            ),
            active_licenses=count(select(func.count()).select_from(License).where(License.status == LicenseStatus.ACTIVE)),
            expiring_7d=count(
                select(func.count()).select_from(License).where(
                    License.status == LicenseStatus.ACTIVE, License.expires_at <= now + timedelta(days=7)
                )
            ),
            open_tickets=count(select(func.count()).select_from(Ticket).where(Ticket.status != TicketStatus.CLOSED)),
            pending_payments=count(
                select(func.count()).select_from(Payment).where(
                    col(Payment.status).in_(PENDING_PAYMENT_STATUSES)
                )
            ),
        )


def _paid_at() -> ColumnElement[datetime]:
    # settled_at is set when the payment succeeded; older rows may only have created_at.
    return func.coalesce(Payment.settled_at, Payment.created_at)


def _msk_text(session: Session, pattern_pg: str, pattern_sqlite: str) -> ColumnElement[str]:
    """The payment moment as Moscow-time text ('2026-11-26' or '2026-11'), grouped in SQL."""
    if is_postgres(session):
        return func.to_char(func.timezone("Europe/Moscow", _paid_at()), pattern_pg)
    # SQLite keeps UTC text without an offset; Moscow has been UTC+3 all year since 2014.
    return func.strftime(pattern_sqlite, _paid_at(), "+3 hours")


def _revenue_by(session: Session, bucket: ColumnElement[str], since: datetime) -> dict[str, int]:
    net = func.sum(Payment.amount - Payment.refunded_amount)
    rows = session.exec(
        select(bucket, net)
        .where(Payment.status == PaymentStatus.SUCCEEDED, _paid_at() >= since)
        .group_by(bucket)
    ).all()
    return {str(key): int(total or 0) for key, total in rows}


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def revenue(*, admin_id: int, now: datetime | None = None) -> Revenue:
    """Net revenue per day for the last 30 days and per month for the last 12, gaps as zero."""
    now = now or utcnow()
    today = to_msk(now).date()
    first_day = today - timedelta(days=REVENUE_DAYS - 1)
    first_month = _month_start(today, REVENUE_MONTHS - 1)
    since_days = datetime.combine(first_day, time(), tzinfo=MSK)
    since_months = datetime.combine(first_month, time(), tzinfo=MSK)
    with session_scope() as session:
        acting_admin(session, admin_id)
        by_day = _revenue_by(session, _msk_text(session, "YYYY-MM-DD", "%Y-%m-%d"), since_days)
        by_month = _revenue_by(session, _msk_text(session, "YYYY-MM", "%Y-%m"), since_months)
    days = []
    for offset in range(REVENUE_DAYS):
        day = first_day + timedelta(days=offset)
        key = day.isoformat()
        days.append(RevenuePoint(key=key, label=day.strftime("%d.%m"), amount=by_day.get(key, 0)))
    months = []
    for back in range(REVENUE_MONTHS - 1, -1, -1):
        start = _month_start(today, back)
        key = f"{start.year:04d}-{start.month:02d}"
        label = f"{MONTHS_SHORT[start.month - 1]} {start.year}"
        months.append(RevenuePoint(key=key, label=label, amount=by_month.get(key, 0)))
    return Revenue(days=days, months=months)
