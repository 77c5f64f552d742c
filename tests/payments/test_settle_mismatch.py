"""YooKassa reports a payment whose amount differs from our order: nothing is credited.

The payment is created at the emulator through the real SDK with our metadata (so it names
our order and customer) but another amount, as a tampered or mis-built request would; the
customer pays it. Settling it — by hand or through the webhook —
must refuse with `payment_mismatch` and book no money."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing.payments import settle_payment
from ispgo_portal.services.errors import DomainError
from tests.payments.helpers import balance_of, ledger_of, notification

ORDER = 10_000


def _order_paid_with_amount(user_id: int, remote_amount: int) -> tuple[int, str]:
    """Our order of ORDER kopecks, linked to a paid YooKassa payment of `remote_amount`."""
    with session_scope() as session:
        payment = Payment(user_id=user_id, purpose="topup", amount=ORDER, status="new",
                          idempotence_key=uuid.uuid4().hex, description="Пополнение баланса")
        session.add(payment)
        session.flush()
        payment_id, key = payment.id, payment.idempotence_key
    remote = gateway.create_payment(payment_id=payment_id, user_id=user_id, purpose="topup",
                                    idempotence_key=key, amount=remote_amount,
                                    description="Пополнение баланса", customer_email="m@example.ru",
                                    receipt_item="Пополнение баланса")
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        payment.yookassa_id, payment.status = remote.id, remote.status
        session.add(payment)
    return payment_id, remote.id


@pytest.mark.parametrize("remote_amount", [ORDER - 1, ORDER + 1, 100 * ORDER])
def test_settle_refuses_a_different_amount_and_credits_nothing(control, make_customer,
                                                               remote_amount: int) -> None:
    control.webhooks(drop=100)  # only our own call settles here
    user_id = make_customer(balance=5_000)
    payment_id, yookassa_id = _order_paid_with_amount(user_id, remote_amount)
    control.pay(yookassa_id)

    with pytest.raises(DomainError) as refused:
        settle_payment(payment_id=payment_id)
    assert refused.value.code == "payment_mismatch"
    assert balance_of(user_id) == 5_000
    assert [e.reference for e in ledger_of(user_id)] == [f"test-seed:{user_id}"]


def test_webhook_for_a_different_amount_credits_nothing(control, webhook_url, make_customer) -> None:
    control.webhooks(hold=True)  # we deliver the notification ourselves, and wait for the answer
    user_id = make_customer()
    _payment_id, yookassa_id = _order_paid_with_amount(user_id, ORDER + 5_000)
    control.pay(yookassa_id)
    remote = next(p for p in control.payments() if p["id"] == yookassa_id)

    answer = httpx.post(webhook_url, json=notification("payment.succeeded", remote), timeout=30)
    assert answer.status_code != 503  # decided, not deferred
    assert balance_of(user_id) == 0
    assert ledger_of(user_id) == []
