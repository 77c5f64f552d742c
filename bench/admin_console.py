"""How fast the admin console's reads are on a sizeable portal.

Creates a throwaway PostgreSQL database, fills it with customers, licenses, payments and audit
rows, then times the overview counts, revenue (grouped in SQL), customer search (email, name,
license key), a customer card and an audit page. The baseline is the obvious alternative for
revenue: fetch every succeeded payment and bucket it in Python.

    python bench/admin_console.py [--customers 20000] [--payments 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import timedelta

from _common import create_database, drop_database, enrol_admin, time_median


def _seed(customers: int, payments: int) -> tuple[int, int]:
    from sqlalchemy import insert

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import get_engine
    from ispgo_portal.models import AuditLog, License, Payment, Tariff, User

    now = utcnow()
    engine = get_engine()
    with engine.begin() as conn:
        tariff_id = conn.execute(insert(Tariff).values(name="Бизнес", price=149_000, period_days=30,
                                                       max_servers=5, max_sites=100, is_active=True,
                                                       sort_order=1, description="", features="",
                                                       created_at=now).returning(Tariff.id)).scalar_one()
        admin_id = conn.execute(insert(User).values(email="admin@bench.local", name="Админ", password_hash="x",
                                                    role="admin", created_at=now, updated_at=now)
                                .returning(User.id)).scalar_one()
        conn.execute(insert(User), [
            {"email": f"client{i}@bench.local", "name": f"Клиент {i}", "password_hash": "x", "role": "customer",
             "is_blocked": False, "balance": 0, "credit_limit": 0, "discount_percent": 0,
             "created_at": now - timedelta(minutes=i), "updated_at": now}
            for i in range(customers)
        ])
        first_id = admin_id + 1
        conn.execute(insert(License), [
            {"user_id": first_id + i, "tariff_id": tariff_id, "key": f"ISPG-{i:04X}-BNCH-{uuid.uuid4().hex[:4]}",
             "status": "active" if i % 3 else "expired", "status_reason": "", "auto_renew": False,
             "starts_at": now, "expires_at": now + timedelta(days=i % 40), "reminded_for": "",
             "created_at": now, "updated_at": now}
            for i in range(customers)
        ])
        for start in range(0, payments, 20_000):
            conn.execute(insert(Payment), [
                {"user_id": first_id + (i % customers), "purpose": "topup", "amount": 10_000 + i % 50_000,
                 "currency": "RUB", "status": "succeeded" if i % 10 else "canceled",
                 "idempotence_key": uuid.uuid4().hex, "confirmation_url": "", "description": "",
                 "cancellation_reason": "", "refunded_amount": 0, "created_at": now - timedelta(hours=i % 8760),
                 "updated_at": now, "settled_at": now - timedelta(hours=i % 8760)}
                for i in range(start, min(payments, start + 20_000))
            ])
        conn.execute(insert(AuditLog), [
            {"admin_id": admin_id, "action": "customer.discount", "target_type": "user",
             "target_id": first_id + i, "target_user_id": first_id + i, "before": '{"discount_percent": 0}',
             "after": '{"discount_percent": 5}', "reason": "", "created_at": now - timedelta(minutes=i)}
            for i in range(customers)
        ])
    enrol_admin(admin_id)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return admin_id, first_id


def _python_revenue() -> int:
    """Baseline: every succeeded payment of the year to Python, bucketed by Moscow day."""
    from collections import Counter

    from sqlmodel import select

    from ispgo_portal.clock import to_msk, utcnow
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Payment

    since = utcnow() - timedelta(days=366)
    buckets: Counter[str] = Counter()
    with session_scope() as session:
        rows = session.exec(select(Payment.settled_at, Payment.amount, Payment.refunded_amount)
                            .where(Payment.status == "succeeded", Payment.settled_at >= since)).all()
    for at, amount, refunded in rows:
        buckets[to_msk(at).strftime("%Y-%m")] += amount - refunded
    return len(buckets)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    db_name, os.environ["DATABASE_URL"] = create_database()
    try:
        from ispgo_portal.db import get_engine
        from ispgo_portal.migrations import upgrade_to_head
        from ispgo_portal.services.accounts import admin as admin_customers
        from ispgo_portal.services.audit import log as audit_log
        from ispgo_portal.services.billing import reports

        upgrade_to_head()
        started = time.perf_counter()
        admin_id, first_customer = _seed(args.customers, args.payments)
        print(f"seeded {args.customers} customers, {args.customers} licenses, {args.payments} payments, "
              f"{args.customers} audit rows in {time.perf_counter() - started:.1f} s")
        r = args.repeat
        time_median("baseline: revenue bucketed in Python", _python_revenue, r)
        time_median("revenue, 30 days + 12 months (SQL)", lambda: reports.revenue(admin_id=admin_id), r)
        time_median("overview counts", lambda: reports.overview(admin_id=admin_id), r)
        time_median("customer list, first page", lambda: admin_customers.search_customers(admin_id=admin_id), r)
        time_median("search by email fragment", lambda: admin_customers.search_customers(
            admin_id=admin_id, query="client1999"), r)
        time_median("search by license key fragment", lambda: admin_customers.search_customers(
            admin_id=admin_id, query="-0ABC-"), r)
        time_median("customer card", lambda: admin_customers.customer_card(
            admin_id=admin_id, customer_id=first_customer + 7), r)
        time_median("audit, first page", lambda: audit_log.list_audit(admin_id=admin_id), r)
        time_median("audit, one customer", lambda: audit_log.list_audit(
            admin_id=admin_id, filters=audit_log.AuditFilter(customer=str(first_customer + 5))), r)
        get_engine().dispose()
    finally:
        drop_database(db_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
