"""The reconciliation task in a real Celery worker process: a payment whose notification
was lost is settled from YooKassa's (the emulator's) own answer."""

from __future__ import annotations

from datetime import timedelta

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment, User
from ispgo_portal.services.billing.payments import start_topup
from tests.payments.conftest import control, emulator, portal_api  # noqa: F401 - fixtures
from tests.tasks.conftest import wait_until


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return session.get(User, user_id).balance


def test_worker_settles_payment_with_lost_webhook(control, start_worker, make_customer) -> None:  # noqa: F811
    control.webhooks(drop=1)
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=12_345)
    with session_scope() as session:
        payment = session.get(Payment, started.payment_id)
        control.pay(payment.yookassa_id)
        payment.created_at = utcnow() - timedelta(minutes=5)  # past the webhook's grace period
        session.add(payment)
    assert [d["outcome"] for d in control.deliveries()] == ["dropped"]
    start_worker(name="reconcile")

    from ispgo_portal.tasks.payments import reconcile_payments

    reconcile_payments.delay()

    wait_until(lambda: _balance(user_id) == 12_345, what="the worker to settle the payment")
    with session_scope() as session:
        assert session.get(Payment, started.payment_id).status == "succeeded"
