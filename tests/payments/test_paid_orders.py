"""Payments that are more than a top-up: a license bought by YooKassa, a two-stage payment
captured on settlement, and a refund notification handed to the refunds service."""

from __future__ import annotations

import uuid

import httpx
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment
from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from ispgo_portal.services.billing.payments import check_payment, start_topup
from ispgo_portal.services.licensing import licenses
from tests.payments.helpers import (
    balance_of,
    emulator_payment,
    ledger_of,
    notification,
    payment_row,
    wait_until,
)


def _only_payment(user_id: int) -> Payment:
    with session_scope() as session:
        [payment] = session.exec(select(Payment).where(Payment.user_id == user_id)).all()
        return payment


def test_license_bought_by_yookassa_appears_once_paid(control, make_customer, make_tariff) -> None:
    user_id = make_customer(email="buyer@example.ru")
    tariff_id = make_tariff(name="Бизнес", price=149_000)
    url = licenses.buy_by_yookassa(user_id=user_id, tariff_id=tariff_id)
    payment = _only_payment(user_id)
    assert payment.purpose == "purchase" and url == payment.confirmation_url

    httpx.post(url, data={"action": "pay"})
    wait_until(lambda: payment_row(payment.id).license_id is not None, what="the license")

    assert balance_of(user_id) == 0  # paid in, then charged for the license
    assert [(e.kind, e.amount) for e in ledger_of(user_id)] == [("topup", 149_000), ("purchase", -149_000)]
    outcome = check_payment(user_id=user_id, payment_id=payment.id)
    with session_scope() as session:
        lic = session.get(License, outcome.license_id)
        assert (lic.user_id, lic.tariff_id, lic.status) == (user_id, tariff_id, "active")
    remote = emulator_payment(control, payment.yookassa_id)
    [item] = remote["_receipt"]["items"]
    assert (item["payment_mode"], item["payment_subject"]) == ("full_payment", "service")


def test_two_stage_payment_is_captured_then_credited(control, webhook_url, make_customer) -> None:
    """A payment waiting for capture (made outside our gateway, naming our order) is captured
    with our key and credited once."""
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    control.webhooks(hold=True)
    answer = httpx.post(
        f"{control.base_url}/v3/payments", auth=(EMULATOR_SHOP_ID, EMULATOR_SECRET_KEY),
        headers={"Idempotence-Key": uuid.uuid4().hex},
        json={"amount": {"value": "100.00", "currency": "RUB"}, "capture": False,
              "confirmation": {"type": "redirect", "return_url": "http://localhost:3000/x"},
              "metadata": {"payment_id": str(started.payment_id), "user_id": str(user_id)},
              "receipt": {"customer": {"email": "c@example.ru"}, "items": [{
                  "description": "Пополнение", "quantity": "1", "amount": {"value": "100.00", "currency": "RUB"},
                  "vat_code": 1, "payment_mode": "advance", "payment_subject": "payment"}]}})
    two_stage = answer.json()["id"]
    with session_scope() as session:  # pretend this is the payment our order knows
        payment = session.get(Payment, started.payment_id)
        payment.yookassa_id = two_stage
        session.add(payment)
    assert control.pay(two_stage)["status"] == "waiting_for_capture"

    reply = httpx.post(webhook_url, json=notification("payment.waiting_for_capture",
                                                      emulator_payment(control, two_stage)))

    assert reply.status_code == 200 and reply.json()["status"] == "succeeded"
    assert emulator_payment(control, two_stage)["status"] == "succeeded"
    assert balance_of(user_id) == 10_000


def test_refund_notification_goes_to_the_refunds_service(control, webhook_url, make_customer,
                                                         make_admin) -> None:
    from ispgo_portal.services.billing.refunds import request_refund

    user_id = make_customer()
    admin_id = make_admin()
    started = start_topup(user_id=user_id, amount=30_000)
    control.pay(payment_row(started.payment_id).yookassa_id)
    wait_until(lambda: balance_of(user_id) == 30_000, what="the top-up")

    request_refund(admin_id=admin_id, payment_id=started.payment_id, amount=10_000, reason="Ошибочная оплата")
    wait_until(lambda: any(d["event"] == "refund.succeeded" and d["outcome"] == "200"
                           for d in control.deliveries()), what="the refund notification")

    assert balance_of(user_id) == 20_000
    assert [e.kind for e in ledger_of(user_id)] == ["topup", "refund"]
    bogus = httpx.post(webhook_url, json={"type": "notification", "event": "refund.succeeded",
                                          "object": {"id": str(uuid.uuid4()), "payment_id": "x",
                                                     "status": "succeeded",
                                                     "amount": {"value": "1.00", "currency": "RUB"}}})
    assert bogus.status_code == 404
