"""The gateway over the real SDK against the emulator: retries with our own key, errors
told apart, our data classes out."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from ispgo_portal.payments import gateway
from ispgo_portal.settings import get_settings


def _create(key: str, *, payment_id: int = 1, amount: int = 10_000) -> gateway.GatewayPayment:
    return gateway.create_payment(payment_id=payment_id, user_id=7, purpose="topup", idempotence_key=key,
                                  amount=amount, description="Пополнение баланса",
                                  customer_email="c@example.ru", receipt_item="Пополнение баланса")


def test_create_returns_our_dataclass(control) -> None:
    created = _create(uuid.uuid4().hex)
    assert isinstance(created, gateway.GatewayPayment)
    assert (created.status, created.amount, created.currency, created.paid) == ("pending", 10_000, "RUB", False)
    assert len(created.id) == 36 and created.confirmation_url.endswith(f"/checkout/{created.id}")


def test_500_after_processing_is_retried_with_same_key_one_payment(control) -> None:
    control.fail_next("500_after", target="create_payment")
    created = _create(uuid.uuid4().hex)
    assert control.calls()["create_payment"] == 2
    assert [p["id"] for p in control.payments()] == [created.id]


def test_429_is_retried(control) -> None:
    control.fail_next("429", target="create_payment")
    _create(uuid.uuid4().hex)
    assert control.calls()["create_payment"] == 2
    assert len(control.payments()) == 1


def test_timeout_is_retried_with_same_key(control) -> None:
    control.fail_next("hang", target="create_payment", seconds=4)  # longer than the 2 s timeout
    created = _create(uuid.uuid4().hex)
    assert [p["id"] for p in control.payments()] == [created.id]


def test_persistent_500_gives_up_as_unavailable(control) -> None:
    control.fail_next("500", target="create_payment", count=10)
    with pytest.raises(gateway.GatewayUnavailable) as failure:
        _create(uuid.uuid4().hex)
    assert failure.value.retryable and failure.value.status == 500
    assert control.calls()["create_payment"] == len(gateway.RETRY_DELAYS) + 1


def test_4xx_is_not_repeated(control) -> None:
    key = uuid.uuid4().hex
    _create(key, amount=10_000)
    with pytest.raises(gateway.GatewayRejected) as failure:
        _create(key, amount=20_000)  # same key, other request: YooKassa answers 400
    assert failure.value.status == 400 and not failure.value.retryable
    assert control.calls()["create_payment"] == 2


def test_unknown_payment_is_not_found(control) -> None:
    with pytest.raises(gateway.GatewayNotFound):
        gateway.fetch_payment(str(uuid.uuid4()))
    assert control.calls()["get_payment"] == 1


def test_network_failure_is_unavailable_not_attribute_error(control, monkeypatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("YOOKASSA_API_URL", f"http://127.0.0.1:{port}/v3")
    get_settings.cache_clear()
    monkeypatch.setattr(gateway, "RETRY_DELAYS", (0.01,))
    try:
        with pytest.raises(gateway.GatewayUnavailable) as failure:
            gateway.fetch_payment(str(uuid.uuid4()))
        assert failure.value.code == "network"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert os.environ["YOOKASSA_API_URL"].endswith("/v3")


def test_refund_create_and_get(control) -> None:
    created = _create(uuid.uuid4().hex, amount=50_000)
    control.pay(created.id)
    key = uuid.uuid4().hex
    refund = gateway.create_refund(payment_yookassa_id=created.id, amount=20_000, idempotence_key=key,
                                   description="Возврат по заявке", customer_email="c@example.ru",
                                   purpose="topup")
    again = gateway.create_refund(payment_yookassa_id=created.id, amount=20_000, idempotence_key=key,
                                  description="Возврат по заявке", customer_email="c@example.ru",
                                  purpose="topup")
    assert again.id == refund.id and len(refund.id) == 36
    assert (refund.status, refund.amount, refund.payment_id) == ("succeeded", 20_000, created.id)
    assert gateway.get_refund(refund.id) == refund
    assert gateway.fetch_payment(created.id).refunded_amount == 20_000
    assert gateway.list_refunds(created.id) == [refund]


def test_refund_above_paid_amount_is_rejected(control) -> None:
    created = _create(uuid.uuid4().hex, amount=10_000)
    control.pay(created.id)
    with pytest.raises(gateway.GatewayRejected):
        gateway.create_refund(payment_yookassa_id=created.id, amount=10_001,
                              idempotence_key=uuid.uuid4().hex, description="Слишком много")


def test_canceled_payment_carries_reason(control) -> None:
    created = _create(uuid.uuid4().hex)
    control.decline(created.id, "insufficient_funds")
    fetched = gateway.fetch_payment(created.id)
    assert (fetched.status, fetched.cancellation_reason) == ("canceled", "insufficient_funds")
    assert gateway.describe_cancellation(fetched.cancellation_reason) == "Недостаточно средств для оплаты"


@pytest.mark.parametrize("body", [None, [], {}, {"type": "notification"},
                                  {"type": "x", "event": "payment.succeeded", "object": {"id": "1"}},
                                  {"type": "notification", "event": "payment.succeeded", "object": {}}])
def test_parse_notification_rejects_garbage(body) -> None:
    with pytest.raises(gateway.InvalidNotification):
        gateway.parse_notification(body)
