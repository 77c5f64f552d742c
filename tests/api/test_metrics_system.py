"""GET /metrics beyond the stored-status gauges: HTTP requests by route template, payments
credited and their lag, renewals done and failed (counted from the database, whichever process
did the work), the Celery queue in Redis; and X-Request-ID on every answer."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import redis

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.services.licensing import renewals
from ispgo_portal.settings import get_settings

QUEUE_REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def api() -> Iterator[str]:
    get_settings.cache_clear()
    from ispgo_portal.api.app import create_api

    server = ThreadedServer(create_api()).start()
    yield server.url
    server.stop()
    get_settings.cache_clear()


def _metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample (labels in any order), or None when it is absent."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        found = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?", sample)
        if not found or found.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', found.group(2) or ""))
        if have == labels:
            return float(value)
    return None


def _grew(before: str, after: str, name: str, **labels: str) -> float:
    """How much a process-wide counter grew between two scrapes (other tests count too)."""
    return (_metric(after, name, **labels) or 0.0) - (_metric(before, name, **labels) or 0.0)


def test_requests_are_counted_by_route_template_not_raw_path(api: str) -> None:
    before = httpx.get(f"{api}/metrics").text
    for license_id in (101, 202, 303):
        assert httpx.get(f"{api}/api/v1/licenses/{license_id}").status_code == 401
    httpx.get(f"{api}/api/health")

    after = httpx.get(f"{api}/metrics").text

    template = "/api/v1/licenses/{license_id}"
    assert _grew(before, after, "ispgo_http_requests_total", route=template, method="GET", status="4xx") == 3
    assert _grew(before, after, "ispgo_http_requests_total", route="/api/health", method="GET", status="2xx") == 1
    assert _grew(before, after, "ispgo_http_request_duration_seconds_count", route=template, method="GET") == 3
    assert "/api/v1/licenses/101" not in after


def test_unknown_paths_share_one_label(api: str) -> None:
    before = httpx.get(f"{api}/metrics").text
    httpx.get(f"{api}/api/no-such-thing/1")
    httpx.get(f"{api}/api/no-such-thing/2")
    after = httpx.get(f"{api}/metrics").text
    assert _grew(before, after, "ispgo_http_requests_total", route="(unmatched)", method="GET", status="4xx") == 2
    assert "no-such-thing" not in after


def test_credited_payments_and_their_lag(api: str, make_customer) -> None:
    user = make_customer()
    created = utcnow() - timedelta(minutes=10)
    with session_scope() as session:
        session.add(Payment(user_id=user, amount=150_000, status="succeeded", idempotence_key="c1",
                            created_at=created, settled_at=created + timedelta(seconds=3)))
        session.add(Payment(user_id=user, amount=50_000, status="succeeded", idempotence_key="c2",
                            created_at=created, settled_at=created + timedelta(seconds=600)))
        # Canceled and still-open payments are not credits.
        session.add(Payment(user_id=user, amount=9_000, status="canceled", idempotence_key="c3",
                            created_at=created, settled_at=created + timedelta(seconds=1)))
        session.add(Payment(user_id=user, amount=9_000, status="pending", idempotence_key="c4"))

    text = httpx.get(f"{api}/metrics").text

    assert _metric(text, "ispgo_payments_credited_total") == 2.0
    assert _metric(text, "ispgo_payments_credited_kopecks_total") == 200_000.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_bucket", le="2.0") == 0.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_bucket", le="5.0") == 1.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_bucket", le="300.0") == 1.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_bucket", le="900.0") == 2.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_bucket", le="+Inf") == 2.0
    assert _metric(text, "ispgo_payment_credit_lag_seconds_sum") == pytest.approx(603.0, abs=0.01)


def test_renewals_done_and_failed_come_from_the_renewal_pass(api: str, make_customer,
                                                             make_tariff) -> None:
    tariff = make_tariff(price=100_000, period_days=30)
    rich, poor = make_customer(balance=500_000), make_customer(balance=0)
    with session_scope() as session:
        for n, user in enumerate((rich, rich, poor)):
            session.add(License(user_id=user, tariff_id=tariff, key=f"ISPG-METR-{n}", auto_renew=True,
                                expires_at=utcnow() - timedelta(minutes=1)))
    result = renewals.run_renewal_pass()
    assert (result.renewed, result.suspended) == (2, 1)

    text = httpx.get(f"{api}/metrics").text

    assert _metric(text, "ispgo_renewals_total", outcome="done") == 2.0
    assert _metric(text, "ispgo_renewals_total", outcome="failed") == 1.0


def test_celery_queue_length_is_read_from_redis(api: str, monkeypatch) -> None:
    client = redis.Redis.from_url(QUEUE_REDIS_URL)
    client.delete("celery")
    client.rpush("celery", "a", "b", "c")
    monkeypatch.setenv("REDIS_URL", QUEUE_REDIS_URL)
    get_settings.cache_clear()
    try:
        text = httpx.get(f"{api}/metrics").text
    finally:
        client.delete("celery")
        client.close()
        os.environ.pop("REDIS_URL", None)
    assert _metric(text, "ispgo_celery_queue_length") == 3.0


def test_every_answer_carries_a_request_id(api: str) -> None:
    made = httpx.get(f"{api}/api/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert httpx.get(f"{api}/api/health").headers["x-request-id"] != made
    given = httpx.get(f"{api}/api/health", headers={"X-Request-ID": "nginx-abc.123"})
    assert given.headers["x-request-id"] == "nginx-abc.123"
    hostile = httpx.get(f"{api}/api/health", headers={"X-Request-ID": "a b\tc<script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", hostile.headers["x-request-id"])
