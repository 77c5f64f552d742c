"""POST /api/yookassa/webhook: trusted sources only, act on the API's answer, apply once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ispgo_portal.api.payments import is_trusted_source, source_address
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing.payments import start_topup
from ispgo_portal.settings import get_settings
from tests.payments.helpers import (
    balance_of,
    emulator_payment,
    ledger_of,
    notification,
    payment_row,
    wait_until,
)


def _paid_topup(control, user_id: int, amount: int = 15_050) -> tuple[int, dict]:
    """A top-up paid at the emulator whose own notification is held back."""
    control.webhooks(hold=True)
    started = start_topup(user_id=user_id, amount=amount)
    yookassa_id = payment_row(started.payment_id).yookassa_id
    control.pay(yookassa_id)
    return started.payment_id, emulator_payment(control, yookassa_id)


def test_same_notification_20_times_concurrently_credits_once(control, webhook_url, make_customer) -> None:
    user_id = make_customer()
    payment_id, remote = _paid_topup(control, user_id)
    body = notification("payment.succeeded", remote)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: httpx.post(webhook_url, json=body, timeout=30), range(20)))

    assert [a.status_code for a in answers] == [200] * 20
    assert sorted(a.json()["result"] for a in answers).count("processed") == 1
    assert balance_of(user_id) == 15_050
    assert [e.reference for e in ledger_of(user_id)] == [f"payment:{payment_id}"]


def test_emulator_duplicates_and_reordering_credit_once(control, make_customer) -> None:
    user_id = make_customer()
    control.webhooks(duplicate=5, hold=True)
    first = start_topup(user_id=user_id, amount=10_000)
    second = start_topup(user_id=user_id, amount=20_000)
    for started in (first, second):
        control.pay(payment_row(started.payment_id).yookassa_id)
    assert control.release(order="reverse") == 2

    wait_until(lambda: sum(d["outcome"] == "200" for d in control.deliveries()) == 10,
               what="ten deliveries")
    assert balance_of(user_id) == 30_000
    assert len(ledger_of(user_id)) == 2


def test_unknown_payment_credits_nothing(control, webhook_url, make_customer) -> None:
    user_id = make_customer()
    _payment_id, remote = _paid_topup(control, user_id)
    forged = {**remote, "id": str(uuid.uuid4())}
    answer = httpx.post(webhook_url, json=notification("payment.succeeded", forged))
    assert answer.status_code == 404
    assert balance_of(user_id) == 0


def test_notification_for_payment_not_succeeded_at_api_credits_nothing(control, webhook_url, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    remote = emulator_payment(control, payment_row(started.payment_id).yookassa_id)
    claimed = {**remote, "status": "succeeded", "paid": True}  # the body lies; the API says pending

    answer = httpx.post(webhook_url, json=notification("payment.succeeded", claimed))

    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert balance_of(user_id) == 0
    assert payment_row(started.payment_id).status == "pending"


def test_payment_with_changed_amount_credits_nothing(control, webhook_url, make_customer) -> None:
    """YooKassa holds a payment naming our order but for another sum: refused."""
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    control.webhooks(hold=True)
    other = gateway.create_payment(payment_id=started.payment_id, user_id=user_id, purpose="topup",
                                   idempotence_key=uuid.uuid4().hex, amount=100, description="x",
                                   customer_email="c@example.ru", receipt_item="x")
    control.pay(other.id)

    answer = httpx.post(webhook_url, json=notification("payment.succeeded",
                                                       emulator_payment(control, other.id)))

    assert answer.status_code == 422
    assert balance_of(user_id) == 0
    assert payment_row(started.payment_id).status == "pending"


def test_amount_in_body_is_ignored_api_amount_is_credited(control, webhook_url, make_customer) -> None:
    user_id = make_customer()
    _payment_id, remote = _paid_topup(control, user_id, amount=10_000)
    inflated = {**remote, "amount": {"value": "99999.00", "currency": "RUB"}}
    answer = httpx.post(webhook_url, json=notification("payment.succeeded", inflated))
    assert answer.status_code == 200
    assert balance_of(user_id) == 10_000


def test_untrusted_source_credits_nothing(control, webhook_url, make_customer, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "trusted_proxy_header", "X-Real-IP")
    user_id = make_customer()
    _payment_id, remote = _paid_topup(control, user_id)
    body = notification("payment.succeeded", remote)

    refused = httpx.post(webhook_url, json=body, headers={"X-Real-IP": "203.0.113.9"})
    assert refused.status_code == 403
    assert balance_of(user_id) == 0

    accepted = httpx.post(webhook_url, json=body, headers={"X-Real-IP": "185.71.76.7"})
    assert accepted.status_code == 200
    assert balance_of(user_id) == 15_050


def test_invalid_body_is_400(control, webhook_url) -> None:
    assert httpx.post(webhook_url, content=b"{not json").status_code == 400
    assert httpx.post(webhook_url, json={"type": "notification"}).status_code == 400


def test_canceled_payment_stores_russian_reason(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    answer = httpx.post(started.confirmation_url, data={"action": "cancel", "reason": "insufficient_funds"})
    assert answer.status_code == 303

    wait_until(lambda: payment_row(started.payment_id).status == "canceled", what="the cancel webhook")
    assert payment_row(started.payment_id).cancellation_reason == "Недостаточно средств для оплаты"
    assert balance_of(user_id) == 0


def test_webhook_retried_by_emulator_until_portal_answers(control, make_customer, monkeypatch) -> None:
    """The first deliveries hit a database hiccup (503); the emulator retries; one credit."""
    from ispgo_portal.api import payments as api

    real = api.settle_payment
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise gateway.GatewayUnavailable("api_unavailable", "injected")
        return real(**kwargs)

    monkeypatch.setattr(api, "settle_payment", flaky)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    control.pay(payment_row(started.payment_id).yookassa_id)

    wait_until(lambda: balance_of(user_id) == 10_000, what="the retried webhook")
    outcomes = [d["outcome"] for d in control.deliveries() if d["event"] == "payment.succeeded"]
    assert outcomes[:3] == ["503", "503", "200"]


@pytest.mark.parametrize(("header", "peer", "value", "expected"), [
    ("", "185.71.76.5", "", "185.71.76.5"),
    ("", "10.0.0.1", "185.71.76.5", "10.0.0.1"),  # a client-chosen header is ignored
    ("X-Forwarded-For", "10.0.0.1", "1.2.3.4, 185.71.76.5", "185.71.76.5"),  # our proxy's entry
])
def test_source_address(header: str, peer: str, value: str, expected: str, monkeypatch) -> None:
    from starlette.requests import Request

    monkeypatch.setattr(get_settings(), "trusted_proxy_header", header)
    scope = {"type": "http", "client": (peer, 1234),
             "headers": [(b"x-forwarded-for", value.encode())] if value else []}
    assert source_address(Request(scope), get_settings()) == expected


@pytest.mark.parametrize(("address", "trusted"), [
    ("185.71.76.5", True), ("77.75.156.11", True), ("2a02:5180::1", True), ("::ffff:185.71.76.5", True),
    ("77.75.156.12", False), ("8.8.8.8", False), ("not-an-ip", False), ("", False),
])
def test_yookassa_networks(address: str, trusted: bool) -> None:
    networks = [n for n in get_settings().trusted_networks if not n.is_loopback]
    assert is_trusted_source(address, networks) is trusted
