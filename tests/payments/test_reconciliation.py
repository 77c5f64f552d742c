"""Lost webhooks are settled by reconciliation; unpaid payments are closed after the timeout."""

from __future__ import annotations

from datetime import timedelta

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.services.billing.payments import settle_payment, start_topup
from ispgo_portal.services.billing.reconciliation import reconcile_payments
from tests.payments.helpers import balance_of, ledger_of, payment_row


def _age(payment_id: int, minutes: float) -> None:
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        payment.created_at = utcnow() - timedelta(minutes=minutes)
        session.add(payment)


def test_lost_webhook_is_settled_by_reconciliation(control, make_customer) -> None:
    control.webhooks(drop=1)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=25_000)
    control.pay(payment_row(started.payment_id).yookassa_id)
    assert [d["outcome"] for d in control.deliveries()] == ["dropped"]
    _age(started.payment_id, 5)

    report = reconcile_payments()

    assert (report.checked, report.succeeded) == (1, 1)
    assert balance_of(user_id) == 25_000
    assert reconcile_payments().checked == 0  # settled payments are not looked at again


def test_recent_pending_payment_is_left_alone(control, make_customer) -> None:
    control.webhooks(drop=1)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=25_000)
    control.pay(payment_row(started.payment_id).yookassa_id)

    assert reconcile_payments().checked == 0  # its webhook may still be on the way
    assert balance_of(user_id) == 0


def test_unpaid_payment_is_closed_after_yookassa_timeout(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    _age(started.payment_id, 90)

    report = reconcile_payments()

    assert report.closed_unpaid == 1
    payment = payment_row(started.payment_id)
    assert (payment.status, payment.cancellation_reason) == ("canceled", "Истёк срок оплаты")
    assert payment.settled_at is None


def test_payment_paid_after_local_close_is_still_credited(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    _age(started.payment_id, 90)
    reconcile_payments()
    control.webhooks(hold=True)
    control.pay(payment_row(started.payment_id).yookassa_id)

    result = settle_payment(payment_id=started.payment_id)

    assert (result.status, result.applied) == ("succeeded", True)
    assert balance_of(user_id) == 10_000


def test_payment_expired_at_yookassa_gets_its_reason(control, make_customer) -> None:
    control.configure(confirmation_timeout=0)
    control.webhooks(hold=True)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    _age(started.payment_id, 5)

    report = reconcile_payments()

    assert report.canceled == 1
    assert payment_row(started.payment_id).cancellation_reason == "Истёк срок оплаты"
    control.configure(confirmation_timeout=3600)


def test_stale_new_payment_is_marked_failed(make_customer) -> None:
    user_id = make_customer()
    with session_scope() as session:
        payment = Payment(user_id=user_id, amount=10_000, idempotence_key="stale-new",
                          created_at=utcnow() - timedelta(hours=1))
        session.add(payment)
        session.flush()
        payment_id = payment.id

    assert reconcile_payments().failed_new == 1
    assert payment_row(payment_id).status == "failed"
    assert ledger_of(user_id) == []


def test_reconcile_task_runs_the_pass(control, make_customer) -> None:
    """The Celery task body, called in-process: it returns the report as plain data."""
    from ispgo_portal.tasks.payments import reconcile_payments as task

    control.webhooks(drop=1)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    control.pay(payment_row(started.payment_id).yookassa_id)
    _age(started.payment_id, 5)

    assert task.run()["succeeded"] == 1
    assert balance_of(user_id) == 10_000
