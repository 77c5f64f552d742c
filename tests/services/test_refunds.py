"""Refunds through the YooKassa emulator over HTTP with the real SDK: the money leaves the
customer's balance once `refund.succeeded` is applied, never twice, never beyond what was paid."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, LedgerEntry, Payment, Refund
from ispgo_portal.services import payments, refunds
from ispgo_portal.services.errors import DomainError
from tests.payments.conftest import control, emulator, portal_api  # noqa: F401 - fixtures
from tests.payments.helpers import balance_of, ledger_of, payment_row, wait_until


@pytest.fixture
def paid_topup(control, make_customer) -> Iterator[Callable[[int], tuple[int, int]]]:  # noqa: ANN001, F811
    """paid_topup(amount) -> (customer id, payment id): a top-up paid at the emulator and
    booked through the webhook."""
    def factory(amount: int = 100_000) -> tuple[int, int]:
        customer = make_customer()
        start = payments.start_topup(user_id=customer, amount=amount)
        control.pay(payment_row(start.payment_id).yookassa_id)
        wait_until(lambda: payment_row(start.payment_id).status == "succeeded", what="payment webhook")
        return customer, start.payment_id

    yield factory
    # A notification still being processed would hold locks while the next test empties the
    # tables: let every refund's notification reach its end first.
    wait_until(lambda: _notifications_done(control), what="refund notifications to finish")


def _notifications_done(control) -> bool:  # noqa: ANN001, F811
    final = {d["object_id"] for d in control.deliveries() if d["outcome"] in ("200", "dropped", "held")}
    return all(r["id"] in final for r in control._get("payments")["refunds"])


def _refund_rows(payment_id: int) -> list[Refund]:
    with session_scope() as session:
        return list(session.exec(select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.id)).all())


def _refund_ledger(user_id: int) -> list[LedgerEntry]:
    return [e for e in ledger_of(user_id) if e.kind == "refund"]


def _refund_webhooks_answered(control, count: int = 1) -> bool:  # noqa: ANN001, F811
    delivered = [d for d in control.deliveries() if d.get("event") == "refund.succeeded" and d.get("outcome") == "200"]
    return len(delivered) >= count


def test_full_refund_debits_balance_with_ledger_row(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    result = refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000,
                                    reason="Клиент передумал")
    wait_until(lambda: _refund_webhooks_answered(control), what="refund.succeeded delivered")
    assert result.status == "succeeded"
    [entry] = _refund_ledger(customer)
    assert (entry.amount, entry.reference) == (-100_000, f"refund:{result.refund_id}")
    assert balance_of(customer) == 0
    assert payment_row(payment_id).refunded_amount == 100_000


def test_refund_leaves_audit_row_with_reason(paid_topup, make_admin) -> None:  # noqa: ANN001
    customer, payment_id = paid_topup(50_000)
    admin = make_admin()
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=20_000, reason="Ошибка в заказе")
    with session_scope() as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == "payment.refund")).all()
    assert (row.admin_id, row.target_id, row.target_user_id, row.reason) == (
        admin, payment_id, customer, "Ошибка в заказе")


def test_refund_stores_our_idempotence_key_and_yookassa_id(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    _customer, payment_id = paid_topup()
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=10_000, reason="Частичный")
    [row] = _refund_rows(payment_id)
    remote = control._get("payments")["refunds"]
    assert [r["id"] for r in remote] == [row.yookassa_id]
    assert len(row.idempotence_key) == 32 and row.status == "succeeded"


def test_partial_refunds_add_up_to_paid_amount(paid_topup, make_admin) -> None:  # noqa: ANN001
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=30_000, reason="Первая часть")
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=70_000, reason="Вторая часть")
    assert payment_row(payment_id).refunded_amount == 100_000
    assert [e.amount for e in _refund_ledger(customer)] == [-30_000, -70_000]


def test_refund_beyond_paid_is_refused_and_nothing_sent(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=60_000, reason="Первая часть")
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=40_001, reason="Слишком много")
    assert err.value.code == "refund_exceeds_paid"
    assert "доступно к возврату 400,00" in err.value.message
    assert len(_refund_rows(payment_id)) == 1
    assert len(control._get("payments")["refunds"]) == 1
    assert [e.amount for e in _refund_ledger(customer)] == [-60_000]


def test_unconfirmed_refund_counts_against_refundable(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    _customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=80_000, reason="Сбой сети")
    assert err.value.code == "refund_unconfirmed"
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=30_000, reason="Ещё раз")
    assert err.value.code == "refund_exceeds_paid"


def test_lost_answer_is_settled_once_by_the_webhook(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    control.webhooks(hold=True)  # the notification comes only after we gave up
    control.fail_next("500_after", target="create_refund", count=3)  # YooKassa refunds, we never hear
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=25_000, reason="Возврат")
    assert _refund_rows(payment_id)[0].status == "new"
    assert control.release() == 1
    wait_until(lambda: _refund_rows(payment_id)[0].status == "succeeded", what="refund settled by webhook")
    assert [e.amount for e in _refund_ledger(customer)] == [-25_000]
    assert len(control._get("payments")["refunds"]) == 1  # the same key never refunds twice


def test_retry_after_outage_uses_same_key(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=25_000, reason="Возврат")
    [row] = _refund_rows(payment_id)
    result = refunds.retry_refund(admin_id=admin, refund_id=row.id)
    assert (result.status, result.applied) == ("succeeded", True)
    assert [e.amount for e in _refund_ledger(customer)] == [-25_000]


def test_duplicated_refund_notifications_book_once(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    control.webhooks(duplicate=3)
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000,
                           reason="Дубли уведомлений")
    wait_until(lambda: _refund_webhooks_answered(control, 3), what="duplicated refund.succeeded")
    assert refunds.settle_refund(yookassa_refund_id=_refund_rows(payment_id)[0].yookassa_id).applied is False
    assert len(_refund_ledger(customer)) == 1
    assert payment_row(payment_id).refunded_amount == 100_000


def test_refund_may_take_balance_below_zero(paid_topup, make_admin) -> None:  # noqa: ANN001
    """The money already left the shop: the debit ignores the credit limit."""
    customer, payment_id = paid_topup(100_000)
    from ispgo_portal.services import billing

    with session_scope() as session:
        billing.charge(session, user_id=customer, amount=90_000, kind="purchase", description="Покупка",
                       reference=f"test-purchase:{customer}")
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000, reason="Возврат")
    assert balance_of(customer) == -90_000


def test_refund_of_unpaid_payment_is_refused(make_customer, make_admin, control) -> None:  # noqa: ANN001, F811
    start = payments.start_topup(user_id=make_customer(), amount=10_000)
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=make_admin(), payment_id=start.payment_id, amount=10_000, reason="Возврат")
    assert err.value.code == "payment_not_refundable"
    assert _refund_rows(start.payment_id) == []


@pytest.mark.parametrize(("amount", "reason", "field"), [(0, "Причина", "amount"), (-5, "Причина", "amount"),
                                                         (100, "", "reason"), (100, "ok", "reason")])
def test_refund_rejects_bad_input(paid_topup, make_admin, amount: int, reason: str, field: str) -> None:  # noqa: ANN001
    _customer, payment_id = paid_topup()
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=amount, reason=reason)
    assert err.value.field == field
    assert _refund_rows(payment_id) == []


def test_refund_by_customer_is_refused(paid_topup, make_customer) -> None:  # noqa: ANN001
    customer, payment_id = paid_topup()
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=customer, payment_id=payment_id, amount=1_000, reason="Сам себе")
    assert err.value.code == "forbidden"
    assert _refund_rows(payment_id) == []


def test_settle_unknown_refund_is_not_found(control) -> None:  # noqa: ANN001, F811
    with pytest.raises(DomainError) as err:
        refunds.settle_refund(yookassa_refund_id=str(uuid.uuid4()))
    assert err.value.code == "refund_not_found"


def test_reconcile_resends_refund_whose_answer_was_lost(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    customer, payment_id = paid_topup(100_000)
    control.webhooks(drop=100)  # no notification will help
    control.fail_next("500_after", target="create_refund", count=3)
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=40_000, reason="Возврат")
    assert refunds.reconcile_refunds(resend_after=refunds.RESEND_AFTER * 0) == 1
    with session_scope() as session:
        assert session.get(Payment, payment_id).refunded_amount == 40_000
    assert [e.amount for e in _refund_ledger(customer)] == [-40_000]
    assert len(control._get("payments")["refunds"]) == 1


def test_parallel_full_refunds_only_one_goes_through(paid_topup, make_admin, control) -> None:  # noqa: ANN001, F811
    from concurrent.futures import ThreadPoolExecutor

    customer, payment_id = paid_topup(100_000)
    admins = [make_admin(), make_admin()]

    def attempt(admin_id: int) -> str:
        try:
            return refunds.request_refund(admin_id=admin_id, payment_id=payment_id, amount=100_000,
                                          reason="Одновременно").status
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, admins))
    assert outcomes == ["refund_exceeds_paid", "succeeded"]
    assert [e.amount for e in _refund_ledger(customer)] == [-100_000]
    assert len(control._get("payments")["refunds"]) == 1
