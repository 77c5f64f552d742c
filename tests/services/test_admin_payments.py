"""Admin «Платежи»: the list, its filters and what is still refundable."""

from __future__ import annotations

import uuid

import pytest

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment, Refund
from ispgo_portal.services.billing import admin as admin_payments


@pytest.fixture
def make_payment():
    def factory(user_id: int, *, amount: int = 100_000, status: str = "succeeded", purpose: str = "topup",
                refunded: int = 0) -> int:
        with session_scope() as session:
            payment = Payment(user_id=user_id, amount=amount, status=status, purpose=purpose,
                              idempotence_key=uuid.uuid4().hex, yookassa_id=str(uuid.uuid4()),
                              refunded_amount=refunded)
            session.add(payment)
            session.flush()
            return payment.id

    return factory


def test_list_shows_customer_purpose_and_yookassa_id(make_customer, make_payment) -> None:
    customer = make_customer(email="payer@example.ru", name="Плательщик")
    payment_id = make_payment(customer, purpose="purchase")
    [row] = admin_payments.list_payments().rows
    assert (row.id, row.customer_email, row.customer_name, row.purpose) == (
        payment_id, "payer@example.ru", "Плательщик", "Покупка лицензии")
    assert len(row.yookassa_id) == 36 and row.status_label == "Оплачен"


def test_list_filters_by_status_purpose_and_refunds(make_customer, make_payment) -> None:
    customer = make_customer()
    paid = make_payment(customer)
    pending = make_payment(customer, status="pending")
    refunded = make_payment(customer, refunded=5_000, purpose="renewal")
    assert [r.id for r in admin_payments.list_payments(status="pending").rows] == [pending]
    assert [r.id for r in admin_payments.list_payments(status="refunded").rows] == [refunded]
    assert [r.id for r in admin_payments.list_payments(purpose="topup").rows] == [pending, paid]


def test_list_finds_by_email_number_and_yookassa_id(make_customer, make_payment) -> None:
    wanted = make_payment(make_customer(email="needle@example.ru"))
    make_payment(make_customer(email="hay@example.ru"))
    with session_scope() as session:
        yookassa_id = session.get(Payment, wanted).yookassa_id
    for query in ("NEEDLE@", f"№{wanted}", yookassa_id):
        assert [r.id for r in admin_payments.list_payments(query=query).rows] == [wanted], query


def test_refundable_is_paid_less_refunded_and_in_flight(make_customer, make_payment) -> None:
    payment_id = make_payment(make_customer(), amount=100_000, refunded=20_000)
    with session_scope() as session:
        for amount, status in ((30_000, "pending"), (10_000, "canceled"), (5_000, "new")):
            session.add(Refund(payment_id=payment_id, amount=amount, status=status,
                               idempotence_key=uuid.uuid4().hex))
    row, _balance = admin_payments.get_payment(payment_id=payment_id)
    assert (row.refunded_amount, row.refunds_in_flight, row.refundable) == (20_000, 35_000, 45_000)
    assert [r.status_label for r in admin_payments.list_refunds(payment_id=payment_id)] == [
        "В обработке", "Отклонён", "Не подтверждён ЮKassa"]


def test_unpaid_payment_has_nothing_refundable(make_customer, make_payment) -> None:
    payment_id = make_payment(make_customer(), status="canceled")
    row, _balance = admin_payments.get_payment(payment_id=payment_id)
    assert row.refundable == 0


def test_unknown_payment_is_not_found() -> None:
    from ispgo_portal.services.errors import DomainError

    with pytest.raises(DomainError) as err:
        admin_payments.get_payment(payment_id=404)
    assert err.value.code == "not_found"


def test_flagged_refunds_are_shown_and_filtered(make_customer, make_payment) -> None:
    customer = make_customer()
    flagged = make_payment(customer)
    make_payment(customer)
    with session_scope() as session:
        session.add(Refund(payment_id=flagged, amount=1_000, status="new", idempotence_key=uuid.uuid4().hex,
                           attention="Проверьте возврат в личном кабинете ЮKassa"))
        session.add(Refund(payment_id=flagged, amount=2_000, status="canceled", idempotence_key=uuid.uuid4().hex,
                           cancellation_reason="rejected_by_payee"))
    [row] = admin_payments.list_payments(status=admin_payments.ATTENTION).rows
    assert (row.id, row.attention) == (flagged, 1)
    waiting, canceled = admin_payments.list_refunds(payment_id=flagged)
    assert waiting.attention == "Проверьте возврат в личном кабинете ЮKassa" and waiting.cancellation == ""
    assert canceled.cancellation == "банк или кошелёк покупателя отклонил возврат"


def test_payments_yookassa_disagrees_with_are_shown_and_filtered(make_customer, make_payment) -> None:
    customer = make_customer()
    flagged = make_payment(customer, status="pending")
    make_payment(customer)
    with session_scope() as session:
        payment = session.get(Payment, flagged)
        payment.review_reason = "ЮKassa сообщает другие данные платежа: amount 10000 RUB != 15000 RUB"
        session.add(payment)
    [row] = admin_payments.list_payments(status=admin_payments.ATTENTION).rows
    assert row.id == flagged and row.review_reason.startswith("ЮKassa сообщает")
    assert admin_payments.get_payment(payment_id=flagged)[0].review_reason == row.review_reason
