"""How fast the support queue is on a busy portal.

Creates a throwaway PostgreSQL database with customers, tickets and conversations, then times
the queue (oldest waiting first, computed in SQL), the queue with a text search through every
message, the queue counts, and a customer's own list. The baseline is the obvious alternative
for the queue order: load every active ticket and its messages and sort in Python.

    python bench/ticket_queue.py [--tickets 20000] [--messages 5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

from _common import create_database, drop_database, enrol_admin, time_median

CUSTOMERS = 2_000


def _seed(tickets: int, messages: int) -> tuple[int, int]:
    from sqlalchemy import insert

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import get_engine
    from ispgo_portal.models import Ticket, TicketMessage, User

    now = utcnow()
    engine = get_engine()
    with engine.begin() as conn:
        admin_id = conn.execute(insert(User).values(email="admin@bench.local", name="Админ", password_hash="x",
                                                    role="admin", created_at=now, updated_at=now)
                                .returning(User.id)).scalar_one()
        conn.execute(insert(User), [
            {"email": f"client{i}@bench.local", "name": f"Клиент {i}", "password_hash": "x", "role": "customer",
             "is_blocked": False, "balance": 0, "credit_limit": 0, "discount_percent": 0,
             "created_at": now, "updated_at": now}
            for i in range(CUSTOMERS)
        ])
        first_customer = admin_id + 1
        statuses = ("open", "in_progress", "in_progress", "closed")
        conn.execute(insert(Ticket), [
            {"user_id": first_customer + i % CUSTOMERS, "category": "technical", "subject": f"Вопрос номер {i}",
             "priority": "medium", "status": statuses[i % 4], "replies_count": messages - 1,
             "created_at": now - timedelta(minutes=i), "updated_at": now, "last_activity_at": now - timedelta(minutes=i)}
            for i in range(tickets)
        ])
        for start in range(0, tickets, 5_000):
            rows = []
            for i in range(start, min(tickets, start + 5_000)):
                for m in range(messages):
                    staff = m % 2 == 1 and not (i % 3 == 0 and m == messages - 1)
                    rows.append({"ticket_id": i + 1, "author_id": admin_id if staff else first_customer + i % CUSTOMERS,
                                 "is_staff": staff, "body": f"Сообщение {m} в тикете {i}: панель, домен, DNS",
                                 "created_at": now - timedelta(minutes=i) + timedelta(seconds=m)})
            conn.execute(insert(TicketMessage), rows)
    enrol_admin(admin_id)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return admin_id, first_customer


def _python_queue() -> int:
    """Baseline: every active ticket and its messages to Python, ordered there."""
    from sqlmodel import select

    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Ticket, TicketMessage

    with session_scope() as session:
        active = session.exec(select(Ticket).where(Ticket.status.in_(("open", "in_progress")))).all()
        ids = [t.id for t in active]
        by_ticket: dict[int, list[TicketMessage]] = {}
        for msg in session.exec(select(TicketMessage).where(TicketMessage.ticket_id.in_(ids))).all():
            by_ticket.setdefault(msg.ticket_id, []).append(msg)

    def waiting_since(ticket: Ticket):
        msgs = sorted(by_ticket.get(ticket.id, []), key=lambda m: m.created_at)
        unanswered = []
        for msg in msgs:
            unanswered = [] if msg.is_staff else unanswered + [msg.created_at]
        return unanswered[0] if unanswered else None

    ordered = sorted(active, key=lambda t: (waiting_since(t) is None, waiting_since(t) or t.last_activity_at))
    return len(ordered[:300])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    db_name, os.environ["DATABASE_URL"] = create_database()
    try:
        from ispgo_portal.db import get_engine
        from ispgo_portal.migrations import upgrade_to_head
        from ispgo_portal.services.support import queue as ticket_queue
        from ispgo_portal.services.support import tickets
        from ispgo_portal.services.support.queue import QueueFilters

        upgrade_to_head()
        started = time.perf_counter()
        admin_id, first_customer = _seed(args.tickets, args.messages)
        print(f"seeded {args.tickets} tickets with {args.tickets * args.messages} messages "
              f"in {time.perf_counter() - started:.1f} s")
        r = args.repeat
        time_median("baseline: queue ordered in Python", _python_queue, r)
        time_median("queue, oldest waiting first (SQL)", lambda: ticket_queue.list_queue(admin_id=admin_id), r)
        time_median("queue, text search in every message", lambda: ticket_queue.list_queue(
            admin_id=admin_id, filters=QueueFilters(search="тикете 1999:")), r)
        time_median("queue, customer filter", lambda: ticket_queue.list_queue(
            admin_id=admin_id, filters=QueueFilters(customer="client77@")), r)
        time_median("queue counts (dashboard)", lambda: ticket_queue.queue_counts(admin_id=admin_id), r)
        time_median("customer's own list", lambda: tickets.list_tickets(user_id=first_customer + 7), r)
        get_engine().dispose()
    finally:
        drop_database(db_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
