"""GET /metrics: Prometheus text for a scraper on this machine (or one holding the token),
404 for everyone else; the numbers come from the database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.settings import get_settings


@pytest.fixture
def api(monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("TRUSTED_PROXY_HEADER", "X-Real-IP")
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret-123")
    get_settings.cache_clear()
    from ispgo_portal.api.app import create_api

    server = ThreadedServer(create_api()).start()
    yield server.url
    server.stop()
    for var in ("TRUSTED_PROXY_HEADER", "METRICS_TOKEN"):
        os.environ.pop(var, None)
    get_settings.cache_clear()


def test_loopback_scraper_reads_the_portal_numbers(api: str, make_customer) -> None:
    user = make_customer()
    with session_scope() as session:
        session.add(Payment(user_id=user, amount=1_000, status="pending", idempotence_key="m1"))
        session.add(Payment(user_id=user, amount=1_000, status="canceled", idempotence_key="m2",
                            review_reason="ЮKassa сообщает другую сумму"))

    answer = httpx.get(f"{api}/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    lines = answer.text.splitlines()
    assert "ispgo_payments_open 1.0" in lines
    assert "ispgo_payments_needing_review 1.0" in lines
    assert any(line.startswith("process_resident_memory_bytes") for line in lines)


def test_a_client_behind_the_proxy_gets_nothing_without_the_token(api: str) -> None:
    outside = {"X-Real-IP": "203.0.113.9"}
    assert httpx.get(f"{api}/metrics", headers=outside).status_code == 404
    wrong = {**outside, "Authorization": "Bearer nope"}
    assert httpx.get(f"{api}/metrics", headers=wrong).status_code == 404
    right = {**outside, "Authorization": "Bearer scrape-secret-123"}
    assert httpx.get(f"{api}/metrics", headers=right).status_code == 200
