"""Throughput of the panel license API's `validate` against `/api/health` on the same server.

Creates a throwaway PostgreSQL database with 10,000 licenses (each activated on one server),
starts the portal's HTTP API (the Starlette app the portal mounts, alone under uvicorn, with
Redis rate limiting on), then drives it with 32 concurrent keep-alive clients: first
/api/health (the baseline: one `SELECT 1` per request), then validate with random keys.
Prints requests/s, p50/p99 latency and the validate/health throughput ratio (target ≥ 50 %).

    python bench/license_api.py [--licenses 10000] [--clients 32] [--seconds 10] [--workers 1]

The load generator is a minimal asyncio HTTP/1.1 client in this process, so what is measured
is the server, not an HTTP library; the server runs in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from _common import (
    create_database,
    drop_database,
    free_port,
    percentile_ms,
    read_response,
    start_api_server,
    stop_server,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _seed(count: int) -> list[tuple[str, str]]:
    """`count` active licenses, each activated on one server: [(key, fingerprint)]."""
    from sqlalchemy import insert, select

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import get_engine
    from ispgo_portal.models import License, LicenseActivation, Tariff, User
    from ispgo_portal.services.licensing.keys import generate_license_key

    now = utcnow()
    keys = set()
    while len(keys) < count:
        keys.add(generate_license_key())
    pairs = [(key, uuid.uuid4().hex) for key in keys]
    with get_engine().begin() as conn:
        tariff_id = conn.execute(insert(Tariff).values(
            name="Бизнес", price=149_000, period_days=30, max_servers=5, max_sites=100, is_active=True,
            sort_order=1, description="", features="", created_at=now).returning(Tariff.id)).scalar_one()
        conn.execute(insert(User), [
            {"email": f"client{i}@bench.local", "name": f"Клиент {i}", "password_hash": "x", "role": "customer",
             "is_blocked": False, "balance": 0, "credit_limit": 0, "discount_percent": 0, "created_at": now,
             "updated_at": now}
            for i in range(count)
        ])
        user_ids = conn.execute(select(User.id).order_by(User.id)).scalars().all()
        conn.execute(insert(License), [
            {"user_id": user_ids[i], "tariff_id": tariff_id, "key": key, "status": "active", "status_reason": "",
             "auto_renew": False, "starts_at": now, "expires_at": now + timedelta(days=30), "reminded_for": "",
             "created_at": now, "updated_at": now}
            for i, (key, _fp) in enumerate(pairs)
        ])
        ids = dict(conn.execute(select(License.key, License.id)).all())
        conn.execute(insert(LicenseActivation), [
            {"license_id": ids[key], "fingerprint": fp, "hostname": f"srv-{n}.bench.local",
             "activated_at": now, "last_seen_at": now}
            for n, (key, fp) in enumerate(pairs)
        ])
        conn.exec_driver_sql("ANALYZE")
    return pairs


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    error_kinds: set[str] = field(default_factory=set)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        return percentile_ms(self.latencies, q)

    def line(self) -> str:
        return (f"{self.name:<10} {self.rps:>9.0f} req/s   p50 {self.pct(0.50):6.2f} ms   "
                f"p99 {self.pct(0.99):6.2f} ms   ({self.requests} requests, {self.errors} errors"
                f"{': ' + ', '.join(sorted(self.error_kinds)) if self.error_kinds else ''})")


async def _client(port: int, make_request, until: float, warmup_until: float, out: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            started = time.perf_counter()
            if started >= until:
                return
            try:
                writer.write(make_request())
                status = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                # Counted as an error, then a fresh connection, as a real client would do.
                out.errors += 1
                out.error_kinds.add(type(exc).__name__)
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if started < warmup_until:
                continue
            out.latencies.append(time.perf_counter() - started)
            out.requests += 1
            if status != 200:
                out.errors += 1
                out.error_kinds.add(f"HTTP {status}")
    finally:
        writer.close()


async def _run(name: str, port: int, make_request, clients: int, seconds: float, warmup: float) -> Result:
    result = Result(name, 0, 0, seconds, [])
    now = time.perf_counter()
    await asyncio.gather(*[_client(port, make_request, now + warmup + seconds, now + warmup, result)
                           for _ in range(clients)])
    return result


def _health_request() -> bytes:
    return b"GET /api/health HTTP/1.1\r\nHost: bench\r\n\r\n"


def _validate_request(pairs: list[tuple[str, str]]):
    def make() -> bytes:
        key, fingerprint = random.choice(pairs)
        body = json.dumps({"key": key, "fingerprint": fingerprint}).encode()
        return (b"POST /api/v1/licenses/validate HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    return make


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--licenses", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    db_name, db_url = create_database()
    data_dir = tempfile.mkdtemp(prefix="ispgo-bench-")
    os.environ.update({"DATABASE_URL": db_url, "DATA_DIR": data_dir})
    server = None
    try:
        from ispgo_portal.migrations import upgrade_to_head

        upgrade_to_head()
        started = time.perf_counter()
        pairs = _seed(args.licenses)
        print(f"seeded {len(pairs)} activated licenses in {time.perf_counter() - started:.1f} s")
        from ispgo_portal.db import get_engine

        get_engine().dispose()

        port = free_port()
        env = {**os.environ, "REDIS_URL": REDIS_URL,
               # every request comes from 127.0.0.1: count per key only, as for real panels
               "LICENSE_API_RATE_PER_ADDRESS": "0", "LICENSE_API_RATE_PER_KEY": os.environ.get("BENCH_RATE_PER_KEY", "100000")}
        server = start_api_server(port, env, workers=args.workers)
        print(f"uvicorn, {args.workers} worker(s), {args.clients} concurrent keep-alive clients, "
              f"{args.seconds:.0f} s per run after {args.warmup:.0f} s warm-up, CPUs: {os.cpu_count()}")
        health = asyncio.run(_run("health", port, _health_request, args.clients, args.seconds, args.warmup))
        validate = asyncio.run(_run("validate", port, _validate_request(pairs), args.clients, args.seconds,
                                    args.warmup))
        health_again = asyncio.run(_run("health", port, _health_request, args.clients, args.seconds, args.warmup))
        for result in (health, validate, health_again):
            print(result.line())
        baseline = statistics.mean([health.rps, health_again.rps])
        ratio = validate.rps / baseline
        print(f"validate / health throughput: {ratio:.0%} (target ≥ 50 %) -> {'OK' if ratio >= 0.5 else 'BELOW TARGET'}")
        return 0 if validate.errors == 0 and health.errors == 0 else 1
    finally:
        stop_server(server)
        from ispgo_portal.db import get_engine

        get_engine().dispose()
        drop_database(db_name)


if __name__ == "__main__":
    sys.exit(main())
