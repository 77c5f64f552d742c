"""Figures for the admin overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ROLE_CUSTOMER, License, Payment, Ticket, User


@dataclass(frozen=True)
class Overview:
    customers: int
    new_customers_30d: int
    active_licenses: int
    expiring_7d: int
    open_tickets: int
    pending_payments: int


def overview() -> Overview:
    now = utcnow()
    with session_scope() as session:
        def count(query) -> int:  # noqa: ANN001
            return int(session.exec(query).one())

        return Overview(
            customers=count(select(func.count()).select_from(User).where(User.role == ROLE_CUSTOMER)),
            new_customers_30d=count(
                select(func.count()).select_from(User).where(
                    User.role == ROLE_CUSTOMER, User.created_at >= now - timedelta(days=30)
                )
            ),
            active_licenses=count(select(func.count()).select_from(License).where(License.status == "active")),
            expiring_7d=count(
                select(func.count()).select_from(License).where(
                    License.status == "active", License.expires_at <= now + timedelta(days=7)
                )
            ),
            open_tickets=count(select(func.count()).select_from(Ticket).where(Ticket.status != "closed")),
            pending_payments=count(
                select(func.count()).select_from(Payment).where(
                    Payment.status.in_(["new", "pending", "waiting_for_capture"])
                )
            ),
        )
