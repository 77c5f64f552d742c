"""Bulk data for the large renewal tests: many customers, each with one license that is due.

Rows are inserted in bulk (hashing a password per customer would take minutes); every
starting balance is booked in the ledger like any other money.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, Tariff, User


def seed_due_licenses(count: int, *, price: int, balance: int) -> list[int]:
    """`count` customers with `balance` each and one auto-renewing license that expired a
    minute ago on a tariff costing `price`. Returns the license ids."""
    now = utcnow()
    with session_scope() as session:
        tariff = Tariff(name="Нагрузка", price=price, period_days=30)
        session.add(tariff)
        session.flush()
        tag = f"{now.timestamp():.6f}"
        session.execute(insert(User), [
            {"email": f"load{i}-{tag}@example.ru", "name": f"Клиент {i}", "password_hash": "!",
             "role": "customer", "balance": balance, "credit_limit": 0, "discount_percent": 0,
             "is_blocked": False, "created_at": now, "updated_at": now}
            for i in range(count)
        ])
        user_ids = list(session.execute(
            select(User.id).where(User.email.like(f"load%-{tag}@example.ru")).order_by(User.id)
        ).scalars())
        session.execute(insert(LedgerEntry), [
            {"user_id": uid, "kind": "adjustment", "amount": balance, "balance_after": balance,
             "description": "Начальный баланс (тест)", "reference": f"seed:{uid}", "created_at": now}
            for uid in user_ids
        ])
        expires = now - timedelta(minutes=1)
        session.execute(insert(License), [
            {"user_id": uid, "tariff_id": tariff.id, "key": f"LOAD-{uid:08d}-{tag}", "status": "active",
             "status_reason": "", "auto_renew": True, "starts_at": expires - timedelta(days=30),
             "expires_at": expires, "reminded_for": "", "created_at": now, "updated_at": now}
            for uid in user_ids
        ])
        return list(session.execute(
            select(License.id).where(License.tariff_id == tariff.id).order_by(License.id)
        ).scalars())


def renewal_counts() -> dict[int, int]:
    """Renewal ledger rows per customer (customers without one are absent)."""
    with session_scope() as session:
        rows = session.execute(
            select(LedgerEntry.user_id, func.count()).where(LedgerEntry.kind == "renewal")
            .group_by(LedgerEntry.user_id)
        ).all()
        return {uid: n for uid, n in rows}


def due_count() -> int:
    with session_scope() as session:
        return session.execute(
            select(func.count()).select_from(License)
            .where(License.status == "active", License.expires_at <= utcnow())
        ).scalar_one()
