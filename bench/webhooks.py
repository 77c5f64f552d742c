"""YooKassa webhook throughput against `/api/health` on the same server.

Creates a throwaway PostgreSQL database, starts the portal's HTTP app (the Starlette app
the portal mounts: webhook, health and the embedded YooKassa emulator at /emulator) alone
under uvicorn in its own process, then:
  1. creates N top-ups through the real SDK against that emulator and pays them there
     (the emulator's own notifications are held back);
  2. measures /api/health with C concurrent keep-alive clients (the baseline);
  3. sends the N distinct `payment.succeeded` notifications with C concurrent clients; each
     one makes the portal fetch the payment back from the API, lock it, credit the balance
     and commit before answering 200, so "notification → balance visible" is measured as
     send → 200 (and every balance is checked afterwards);
  4. sends the same N notifications again (the already-processed path);
  5. measures /api/health again.
Prints notifications/s, p50/p99, and the ratio to the health baseline from the same run.

    python bench/webhooks.py [--payments 2000] [--clients 32] [--customers 200]

One server process: the embedded emulator keeps its payments in memory, so several
workers would each have their own YooKassa.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from _common import (
    create_database,
    drop_database,
    free_port,
    percentile_ms,
    read_response,
    start_api_server,
    stop_server,
)

# The Celery broker the "balance topped up" emails are queued on (no worker runs: emptied after).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
AMOUNT = 15_050  # kopecks per top-up


def _seed_customers(count: int) -> list[int]:
    from sqlalchemy import insert, select

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import get_engine
    from ispgo_portal.models import User

    now = utcnow()
    with get_engine().begin() as conn:
        conn.execute(insert(User), [
            {"email": f"payer{i}@bench.local", "name": f"Плательщик {i}", "password_hash": "x",
             "role": "customer", "is_blocked": False, "balance": 0, "credit_limit": 0,
             "discount_percent": 0, "created_at": now, "updated_at": now}
            for i in range(count)
        ])
        return list(conn.execute(select(User.id).order_by(User.id)).scalars().all())


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile_ms(self.latencies, q)

    def line(self) -> str:
        return (f"{self.name:<22} {self.rate:>8.0f} /s   p50 {self.pct(0.50):7.2f} ms   "
                f"p99 {self.pct(0.99):7.2f} ms   ({self.count} requests, statuses {self.statuses})")


def _post(path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _drive(port: int, run: Run, requests: asyncio.Queue, clients: int) -> None:
    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                try:
                    request = requests.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                writer.write(request)
                status = await read_response(reader)
                run.latencies.append(time.perf_counter() - started)
                run.statuses[status] = run.statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*[client() for _ in range(clients)])
    run.seconds = time.perf_counter() - started


def _run(name: str, port: int, payloads: list[bytes], clients: int) -> Run:
    run = Run(name)
    queue: asyncio.Queue = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    asyncio.run(_drive(port, run, queue, clients))
    return run


def _health(port: int, count: int, clients: int) -> Run:
    request = b"GET /api/health HTTP/1.1\r\nHost: bench\r\n\r\n"
    return _run("health", port, [request] * count, clients)


def _prepare_paid_payments(customers: list[int], count: int, emulator_url: str) -> list[bytes]:
    """N top-ups created through the SDK and paid at the emulator; their notification bodies."""
    from ispgo_portal.payments.emulator_control import EmulatorControl
    from ispgo_portal.services.billing.payments import start_topup

    control = EmulatorControl(emulator_url)
    control.webhooks(hold=True)  # we send the notifications ourselves
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda i: start_topup(user_id=customers[i % len(customers)], amount=AMOUNT),
                      range(count)))
        paid_ids = [p["id"] for p in control.payments()]
        list(pool.map(control.pay, paid_ids))
    bodies = []
    for payment in control.payments():
        public = {k: v for k, v in payment.items() if not k.startswith("_")}
        bodies.append(json.dumps({"type": "notification", "event": "payment.succeeded",
                                  "object": public}).encode())
    control.close()
    return bodies


def _check_money(expected_total: int, count: int) -> str:
    from sqlalchemy import func, select

    from ispgo_portal.db import session_scope
    from ispgo_portal.models import LedgerEntry, User
    from ispgo_portal.services.billing.ledger import ledger_mismatches

    with session_scope() as session:
        total = session.exec(select(func.sum(User.balance))).one()[0]
        rows = session.exec(select(func.count()).select_from(LedgerEntry)).one()[0]
        mismatches = ledger_mismatches(session)
    ok = total == expected_total and rows == count and not mismatches
    return (f"balances total {total} (expected {expected_total}), ledger rows {rows} (expected {count}), "
            f"ledger mismatches {len(mismatches)} -> {'OK' if ok else 'WRONG'}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--customers", type=int, default=200)
    args = parser.parse_args()

    db_name, db_url = create_database()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env_changes = {"DATABASE_URL": db_url,
                   "DATA_DIR": tempfile.mkdtemp(prefix="ispgo-bench-"), "BASE_URL": base_url,
                   "REDIS_URL": REDIS_URL}
    os.environ.update(env_changes)
    for var in ("YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY", "YOOKASSA_API_URL"):
        os.environ.pop(var, None)  # the embedded emulator is the provider
    server = None
    try:
        from ispgo_portal.migrations import upgrade_to_head

        upgrade_to_head()
        customers = _seed_customers(args.customers)
        server = start_api_server(port, dict(os.environ))
        started = time.perf_counter()
        bodies = _prepare_paid_payments(customers, args.payments, f"{base_url}/emulator")
        print(f"{len(bodies)} payments created through the SDK and paid at the emulator "
              f"in {time.perf_counter() - started:.1f} s")
        print(f"uvicorn, 1 worker, {args.clients} concurrent keep-alive clients, "
              f"{args.customers} customers, PostgreSQL, CPUs: {os.cpu_count()}")

        health = _health(port, len(bodies) * 5, args.clients)
        requests = [_post("/api/yookassa/webhook", body) for body in bodies]
        fresh = _run("notifications (new)", port, requests, args.clients)
        repeat = _run("notifications (repeat)", port, requests, args.clients)
        health_again = _health(port, len(bodies) * 5, args.clients)
        for run in (health, fresh, repeat, health_again):
            print(run.line())
        baseline = (health.rate + health_again.rate) / 2
        print(f"new notifications / health throughput: {fresh.rate / baseline:.1%}; "
              f"repeated: {repeat.rate / baseline:.1%} (health baseline {baseline:.0f} req/s)")
        print(_check_money(AMOUNT * len(bodies), len(bodies)))
        ok = fresh.statuses == {200: len(bodies)} and repeat.statuses == {200: len(bodies)}
        return 0 if ok else 1
    finally:
        stop_server(server)
        from ispgo_portal.db import get_engine

        get_engine().dispose()
        drop_database(db_name)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    sys.exit(main())
