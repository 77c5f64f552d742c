"""Throughput of the customer REST API against `/api/health` on the same server.

Creates a throwaway PostgreSQL database with one customer who has 1,000 licenses (each on one
server) and 100,000 ledger rows, starts the portal's HTTP API alone under uvicorn (Redis on),
and drives it with concurrent keep-alive clients: /api/health (baseline), then
`GET /api/v1/licenses?limit=100` and `GET /api/v1/ledger?limit=100` with the customer's token.
Prints requests/s and p50/p99 of each, and the same reads done the cabinet's way in-process
(all licenses; one ledger page with its total) beside the API's keyset pages.

    python bench/rest_api.py [--licenses 1000] [--ledger 100000] [--clients 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

import license_api as bench
from _common import (
    create_database,
    drop_database,
    free_port,
    start_api_server,
    stop_server,
    time_median,
)


def _seed(licenses: int, ledger: int) -> tuple[int, str]:
    """(user id, API token) of a customer with `licenses` licenses and `ledger` ledger rows."""
    from sqlalchemy import insert, select

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import get_engine
    from ispgo_portal.models import LedgerEntry, License, LicenseActivation, Tariff, User
    from ispgo_portal.services.licensing.keys import generate_license_key
    from ispgo_portal.services.rest import tokens as api_tokens

    now = utcnow()
    with get_engine().begin() as conn:
        tariff_id = conn.execute(insert(Tariff).values(
            name="Бизнес", price=149_000, period_days=30, max_servers=5, max_sites=100, is_active=True,
            sort_order=1, description="", features="", created_at=now).returning(Tariff.id)).scalar_one()
        user_id = conn.execute(insert(User).values(
            email="reseller@bench.local", name="Реселлер", password_hash="x", role="customer", is_blocked=False,
            balance=ledger * 100, credit_limit=0, discount_percent=0, created_at=now, updated_at=now,
        ).returning(User.id)).scalar_one()
        keys = set()
        while len(keys) < licenses:
            keys.add(generate_license_key())
        conn.execute(insert(License), [
            {"user_id": user_id, "tariff_id": tariff_id, "key": key, "status": "active", "status_reason": "",
             "auto_renew": False, "starts_at": now, "expires_at": now + timedelta(days=30), "reminded_for": "",
             "created_at": now - timedelta(seconds=n), "updated_at": now}
            for n, key in enumerate(keys)
        ])
        ids = conn.execute(select(License.id)).scalars().all()
        conn.execute(insert(LicenseActivation), [
            {"license_id": lid, "fingerprint": f"fp-{lid}", "hostname": f"srv-{lid}.bench.local",
             "activated_at": now, "last_seen_at": now} for lid in ids
        ])
        for start in range(0, ledger, 10_000):
            conn.execute(insert(LedgerEntry), [
                {"user_id": user_id, "kind": "topup", "amount": 100, "balance_after": (n + 1) * 100,
                 "description": "Пополнение баланса", "reference": f"bench:{n}",
                 "created_at": now - timedelta(seconds=ledger - n)}
                for n in range(start, min(start + 10_000, ledger))
            ])
        conn.exec_driver_sql("ANALYZE")
    token = api_tokens.create_token(user_id=user_id, name="bench", scopes="read").token
    return user_id, token


def _get(path: str, token: str):
    request = (f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    return lambda: request


def _cabinet_vs_api(user_id: int) -> None:
    from ispgo_portal.services.billing import history as ledger_history
    from ispgo_portal.services.licensing import views as license_views

    time_median("cabinet: all licenses (list_licenses)", lambda: license_views.list_licenses(user_id=user_id), 5)
    time_median("API: licenses page of 100 (licenses_after)",
                lambda: license_views.licenses_after(user_id=user_id, limit=100), 5)
    time_median("cabinet: ledger page of 20 with total", lambda: ledger_history.list_ledger_page(user_id=user_id), 5)
    time_median("API: ledger page of 100 (ledger_after)",
                lambda: ledger_history.ledger_after(user_id=user_id, limit=100), 5)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--licenses", type=int, default=1_000)
    parser.add_argument("--ledger", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    args = parser.parse_args()

    db_name, db_url = create_database()
    os.environ.update({"DATABASE_URL": db_url, "DATA_DIR": tempfile.mkdtemp(prefix="ispgo-bench-")})
    server = None
    try:
        from ispgo_portal.migrations import upgrade_to_head

        upgrade_to_head()
        started = time.perf_counter()
        user_id, token = _seed(args.licenses, args.ledger)
        print(f"seeded {args.licenses} licenses and {args.ledger} ledger rows in "
              f"{time.perf_counter() - started:.1f} s")
        _cabinet_vs_api(user_id)
        from ispgo_portal.db import get_engine

        get_engine().dispose()
        port = free_port()
        env = {**os.environ, "REDIS_URL": bench.REDIS_URL, "API_RATE_PER_TOKEN": "0"}
        server = start_api_server(port, env)
        print(f"uvicorn, 1 worker, {args.clients} concurrent keep-alive clients, {args.seconds:.0f} s per run "
              f"after {args.warmup:.0f} s warm-up, CPUs: {os.cpu_count()}")
        runs = [("health", bench._health_request),
                ("licenses", _get("/api/v1/licenses?limit=100", token)),
                ("ledger", _get("/api/v1/ledger?limit=100", token)),
                ("health", bench._health_request)]
        results = [asyncio.run(bench._run(name, port, make, args.clients, args.seconds, args.warmup))
                   for name, make in runs]
        for result in results:
            print(result.line())
        baseline = statistics.mean([results[0].rps, results[3].rps])
        for result in results[1:3]:
            print(f"{result.name} / health throughput: {result.rps / baseline:.0%}")
        return 0 if all(r.errors == 0 for r in results) else 1
    finally:
        stop_server(server)
        from ispgo_portal.db import get_engine

        get_engine().dispose()
        drop_database(db_name)


if __name__ == "__main__":
    sys.exit(main())
