"""A top-up end to end: the real SDK creates the payment at the emulator, the customer
pays on the checkout page, the emulator's webhook reaches the portal, the money lands."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.services.billing.payments import check_payment, start_topup
from ispgo_portal.services.errors import DomainError
from tests.payments.helpers import (
    balance_of,
    emails_to,
    emulator_payment,
    ledger_of,
    payment_row,
    wait_until,
)


def test_topup_end_to_end_through_checkout(control, make_customer) -> None:
    user_id = make_customer(email="pay@example.ru")
    started = start_topup(user_id=user_id, amount=15_050)

    page = httpx.get(started.confirmation_url)
    assert "Оплатить" in page.text and "150,50" in page.text
    answer = httpx.post(started.confirmation_url, data={"action": "pay"})
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"/payments/return?payment={started.payment_id}")

    wait_until(lambda: balance_of(user_id) == 15_050, what="the webhook to credit the balance")
    [entry] = ledger_of(user_id)
    assert (entry.kind, entry.amount, entry.balance_after) == ("topup", 15_050, 15_050)
    assert entry.reference == f"payment:{started.payment_id}"
    payment = payment_row(started.payment_id)
    assert payment.status == "succeeded" and payment.settled_at is not None
    assert len(emails_to("pay@example.ru", "topup_received")) == 1


def test_payment_is_created_with_receipt_metadata_and_return_url(control, make_customer) -> None:
    user_id = make_customer(email="receipt@example.ru")
    started = start_topup(user_id=user_id, amount=10_000)
    payment = payment_row(started.payment_id)
    remote = emulator_payment(control, payment.yookassa_id)

    assert len(payment.yookassa_id) == 36
    assert {k: remote["metadata"][k] for k in ("payment_id", "user_id", "purpose")} == {
        "payment_id": str(started.payment_id), "user_id": str(user_id), "purpose": "topup"}
    assert remote["confirmation"]["return_url"] == (
        f"http://localhost:3000/payments/return?payment={started.payment_id}")
    receipt = remote["_receipt"]
    assert receipt["customer"] == {"email": "receipt@example.ru"}
    [item] = receipt["items"]
    assert item["description"] == "Пополнение баланса"
    assert item["amount"] == {"value": "100.00", "currency": "RUB"}
    assert (item["vat_code"], item["payment_mode"], item["payment_subject"]) == (1, "advance", "payment")


def test_payment_row_exists_with_key_before_yookassa_answers(control, make_customer) -> None:
    control.fail_next("500", target="create_payment", count=3)  # YooKassa never answers well
    user_id = make_customer()
    with pytest.raises(DomainError):
        start_topup(user_id=user_id, amount=10_000)

    with session_scope() as session:
        [payment] = session.exec(select(Payment).where(Payment.user_id == user_id)).all()
        assert len(payment.idempotence_key) == 32
        assert payment.status == "failed" and payment.yookassa_id is None


def test_return_page_check_settles_without_webhook(control, make_customer) -> None:
    control.webhooks(drop=1)  # the notification is lost
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=20_000)
    control.pay(payment_row(started.payment_id).yookassa_id)

    outcome = check_payment(user_id=user_id, payment_id=started.payment_id)

    assert (outcome.status, outcome.balance) == ("succeeded", 20_000)
    assert balance_of(user_id) == 20_000


def test_create_answered_500_then_200_makes_one_payment(control, make_customer) -> None:
    """YooKassa created the payment but answered 500; the retry with our key gets the same one."""
    control.fail_next("500_after", target="create_payment")
    user_id = make_customer()

    started = start_topup(user_id=user_id, amount=10_000)

    with session_scope() as session:
        [payment] = session.exec(select(Payment).where(Payment.user_id == user_id)).all()
    assert [p["id"] for p in control.payments()] == [payment.yookassa_id]
    assert control.calls()["create_payment"] == 2
    assert payment.status == "pending" and started.confirmation_url.endswith(payment.yookassa_id)
