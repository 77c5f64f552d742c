"""Refunds through the YooKassa emulator over HTTP with the real SDK: the money leaves the
customer's balance once `refund.succeeded` is applied, never twice, never beyond what was paid."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, LedgerEntry, Payment, Refund, User
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing import payments, refunds
from ispgo_portal.services.errors import DomainError
from tests.payments.conftest import control, emulator, portal_api  # noqa: F401 - fixtures
from tests.payments.helpers import balance_of, ledger_of, payment_row, wait_until


@pytest.fixture
def paid_topup(control, make_customer) -> Iterator[Callable[[int], tuple[int, int]]]:  # noqa: F811
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


def _notifications_done(control) -> bool:  # noqa: F811
    final = {d["object_id"] for d in control.deliveries() if d["outcome"] in ("200", "dropped", "held")}
    return all(r["id"] in final for r in control.refunds() if r["status"] == "succeeded")


def _refund_rows(payment_id: int) -> list[Refund]:
    with session_scope() as session:
        return list(session.exec(select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.id)).all())


def _refund_ledger(user_id: int) -> list[LedgerEntry]:
    return [e for e in ledger_of(user_id) if e.kind == "refund"]


def _refund_webhooks_answered(control, count: int = 1) -> bool:  # noqa: F811
    delivered = [d for d in control.deliveries() if d.get("event") == "refund.succeeded" and d.get("outcome") == "200"]
    return len(delivered) >= count


def test_full_refund_debits_balance_with_ledger_row(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    result = refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000,
                                    reason="Клиент передумал")
    wait_until(lambda: _refund_webhooks_answered(control), what="refund.succeeded delivered")
    assert result.status == "succeeded"
    [entry] = _refund_ledger(customer)
    assert (entry.amount, entry.reference) == (-100_000, f"refund:{result.refund_id}")
    assert balance_of(customer) == 0
    assert payment_row(payment_id).refunded_amount == 100_000


def test_refund_leaves_audit_row_with_reason(paid_topup, make_admin) -> None:
    customer, payment_id = paid_topup(50_000)
    admin = make_admin()
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=20_000, reason="Ошибка в заказе")
    with session_scope() as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == "payment.refund")).all()
    assert (row.admin_id, row.target_id, row.target_user_id, row.reason) == (
        admin, payment_id, customer, "Ошибка в заказе")


def test_refund_stores_our_idempotence_key_and_yookassa_id(paid_topup, make_admin, control) -> None:  # noqa: F811
    _customer, payment_id = paid_topup()
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=10_000, reason="Частичный")
    [row] = _refund_rows(payment_id)
    remote = control._get("payments")["refunds"]
    assert [r["id"] for r in remote] == [row.yookassa_id]
    assert len(row.idempotence_key) == 32 and row.status == "succeeded"


def test_partial_refunds_add_up_to_paid_amount(paid_topup, make_admin) -> None:
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=30_000, reason="Первая часть")
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=70_000, reason="Вторая часть")
    assert payment_row(payment_id).refunded_amount == 100_000
    assert [e.amount for e in _refund_ledger(customer)] == [-30_000, -70_000]


def test_refund_beyond_paid_is_refused_and_nothing_sent(paid_topup, make_admin, control) -> None:  # noqa: F811
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


def test_unconfirmed_refund_counts_against_refundable(paid_topup, make_admin, control) -> None:  # noqa: F811
    _customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=80_000, reason="Сбой сети")
    assert err.value.code == "refund_unconfirmed"
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=30_000, reason="Ещё раз")
    assert err.value.code == "refund_exceeds_paid"


def test_lost_answer_is_settled_once_by_the_webhook(paid_topup, make_admin, control) -> None:  # noqa: F811
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


def test_retry_after_outage_uses_same_key(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=25_000, reason="Возврат")
    [row] = _refund_rows(payment_id)
    result = refunds.retry_refund(admin_id=admin, refund_id=row.id)
    assert (result.status, result.applied) == ("succeeded", True)
    assert [e.amount for e in _refund_ledger(customer)] == [-25_000]


def test_duplicated_refund_notifications_book_once(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    control.webhooks(duplicate=3)
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000,
                           reason="Дубли уведомлений")
    wait_until(lambda: _refund_webhooks_answered(control, 3), what="duplicated refund.succeeded")
    assert refunds.settle_refund(yookassa_refund_id=_refund_rows(payment_id)[0].yookassa_id).applied is False
    assert len(_refund_ledger(customer)) == 1
    assert payment_row(payment_id).refunded_amount == 100_000


def test_refund_may_take_balance_below_zero(paid_topup, make_admin) -> None:
    """The money already left the shop: the debit ignores the credit limit."""
    customer, payment_id = paid_topup(100_000)
    from ispgo_portal.services.billing import ledger as billing

    with session_scope() as session:
        billing.charge(session, user_id=customer, amount=90_000, kind="purchase", description="Покупка",
                       reference=f"test-purchase:{customer}")
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000, reason="Возврат")
    assert balance_of(customer) == -90_000


def test_refund_of_unpaid_payment_is_refused(make_customer, make_admin, control) -> None:  # noqa: F811
    start = payments.start_topup(user_id=make_customer(), amount=10_000)
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=make_admin(), payment_id=start.payment_id, amount=10_000, reason="Возврат")
    assert err.value.code == "payment_not_refundable"
    assert _refund_rows(start.payment_id) == []


@pytest.mark.parametrize(("amount", "reason", "field"), [(0, "Причина", "amount"), (-5, "Причина", "amount"),
                                                         (100, "", "reason"), (100, "ok", "reason")])
def test_refund_rejects_bad_input(paid_topup, make_admin, amount: int, reason: str, field: str) -> None:
    _customer, payment_id = paid_topup()
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=amount, reason=reason)
    assert err.value.field == field
    assert _refund_rows(payment_id) == []


def test_refund_by_customer_is_refused(paid_topup, make_customer) -> None:
    customer, payment_id = paid_topup()
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=customer, payment_id=payment_id, amount=1_000, reason="Сам себе")
    assert err.value.code == "forbidden"
    assert _refund_rows(payment_id) == []


def test_settle_unknown_refund_is_not_found(control) -> None:  # noqa: F811
    with pytest.raises(DomainError) as err:
        refunds.settle_refund(yookassa_refund_id=str(uuid.uuid4()))
    assert err.value.code == "refund_not_found"


def test_reconcile_resends_refund_whose_answer_was_lost(paid_topup, make_admin, control) -> None:  # noqa: F811
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


def test_parallel_full_refunds_only_one_goes_through(paid_topup, make_admin, control) -> None:  # noqa: F811
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


# --- re-sends: the stored body, never a second refund, never a false "canceled" ----------------

def _lose_the_answer(control, admin: int, payment_id: int, amount: int) -> Refund:  # noqa: F811
    """YooKassa makes the refund, but neither its answer nor its notification reaches us."""
    control.webhooks(drop=100)
    control.fail_next("500_after", target="create_refund", count=3)
    with pytest.raises(DomainError) as err:
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=amount, reason="Ответ потерян")
    assert err.value.code == "refund_unconfirmed"
    [row] = _refund_rows(payment_id)
    return row


def _age(refund_id: int, hours: float) -> None:
    with session_scope() as session:
        refund = session.get(Refund, refund_id)
        refund.created_at = utcnow() - timedelta(hours=hours)
        session.add(refund)


def test_resend_sends_the_stored_body_even_after_the_email_changed(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    row = _lose_the_answer(control, admin, payment_id, 30_000)
    with session_scope() as session:
        user = session.get(User, customer)
        old_email, user.email = user.email, f"new-{uuid.uuid4().hex[:6]}@example.ru"
        session.add(user)
    result = refunds.retry_refund(admin_id=admin, refund_id=row.id)
    assert (result.status, result.applied) == ("succeeded", True)
    [remote] = control.refunds()
    assert remote["_receipt"]["customer"]["email"] == old_email
    assert [e.amount for e in _refund_ledger(customer)] == [-30_000]


def test_partial_refund_past_23_hours_is_found_by_listing_not_paid_twice(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    row = _lose_the_answer(control, make_admin(), payment_id, 40_000)
    _age(row.id, 23.5)
    control.advance(25 * 3600)  # at YooKassa the key has expired: the same key is a new refund
    assert refunds.reconcile_refunds(resend_after=timedelta(0)) == 1
    assert len(control.refunds()) == 1
    assert [e.amount for e in _refund_ledger(customer)] == [-40_000]
    assert payment_row(payment_id).refunded_amount == 40_000


def test_full_refund_past_23_hours_is_debited_not_marked_canceled(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    row = _lose_the_answer(control, make_admin(), payment_id, 100_000)
    _age(row.id, 23.5)
    control.advance(25 * 3600)
    refunds.reconcile_refunds(resend_after=timedelta(0))
    assert _refund_rows(payment_id)[0].status == "succeeded"
    assert balance_of(customer) == 0 and [e.amount for e in _refund_ledger(customer)] == [-100_000]


def test_old_refund_missing_at_yookassa_is_flagged_not_recreated(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)  # YooKassa never got it
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=10_000, reason="Не дошёл")
    [row] = _refund_rows(payment_id)
    _age(row.id, 23.5)
    with pytest.raises(DomainError) as err:
        refunds.retry_refund(admin_id=admin, refund_id=row.id)
    assert err.value.code == "refund_needs_attention"
    assert control.refunds() == []
    [row] = _refund_rows(payment_id)
    assert row.status == "new" and "личном кабинете ЮKassa" in row.attention
    assert _refund_ledger(customer) == []


def test_4xx_to_a_resend_flags_for_a_person_never_cancels(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=50_000, reason="Сбой")
    # Meanwhile someone refunded the whole payment in YooKassa's own dashboard (not ours:
    # its notification would be refused, so it is not sent).
    control.webhooks(drop=100)
    yookassa_id = payment_row(payment_id).yookassa_id
    gateway.create_refund(payment_yookassa_id=yookassa_id, amount=100_000, idempotence_key=uuid.uuid4().hex,
                          description="Из личного кабинета")
    [row] = _refund_rows(payment_id)
    with pytest.raises(DomainError) as err:
        refunds.retry_refund(admin_id=admin, refund_id=row.id)
    assert err.value.code == "refund_needs_attention"
    [row] = _refund_rows(payment_id)
    assert row.status == "new" and "отклонила повторную отправку" in row.attention
    assert _refund_ledger(customer) == []
    from ispgo_portal.services.billing import admin as admin_payments

    [listed] = admin_payments.list_refunds(payment_id=payment_id)
    assert listed.attention == row.attention
    assert admin_payments.get_payment(payment_id=payment_id)[0].attention == 1


def test_refund_body_is_stored_before_sending(paid_topup, make_admin, control) -> None:  # noqa: F811
    import json

    _customer, payment_id = paid_topup(100_000)
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=10_000, reason="Частичный")
    [row] = _refund_rows(payment_id)
    body = json.loads(row.request_body)
    [remote] = control.refunds()
    assert body["description"] == remote["description"] == refunds.request_description(row.id, payment_id)
    assert body["receipt"]["customer"] == remote["_receipt"]["customer"]
    assert [(i["payment_mode"], i["payment_subject"], i["amount"]) for i in body["receipt"]["items"]] == [
        (i["payment_mode"], i["payment_subject"], i["amount"]) for i in remote["_receipt"]["items"]]


# --- refunds end as YooKassa ends them -----------------------------------------------------------

def test_pending_then_succeeded_is_settled_once(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    control.webhooks(duplicate=2)
    control.next_refunds("pending")
    result = refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=60_000, reason="Ждём")
    assert (result.status, result.applied) == ("pending", False)
    assert _refund_ledger(customer) == []
    control.resolve_refund(_refund_rows(payment_id)[0].yookassa_id, "succeeded")
    wait_until(lambda: _refund_rows(payment_id)[0].status == "succeeded", what="refund.succeeded applied")
    wait_until(lambda: _refund_webhooks_answered(control, 2), what="both copies answered")
    assert [e.amount for e in _refund_ledger(customer)] == [-60_000]
    assert payment_row(payment_id).refunded_amount == 60_000


def test_pending_then_canceled_frees_the_amount(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    admin = make_admin()
    control.next_refunds("pending")
    refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=100_000, reason="Ждём")
    control.resolve_refund(_refund_rows(payment_id)[0].yookassa_id, "canceled", "rejected_by_payee")
    assert refunds.reconcile_refunds(resend_after=timedelta(0)) == 0
    [row] = _refund_rows(payment_id)
    assert (row.status, row.cancellation_reason) == ("canceled", "rejected_by_payee")
    assert _refund_ledger(customer) == [] and balance_of(customer) == 100_000
    again = refunds.request_refund(admin_id=admin, payment_id=payment_id, amount=100_000, reason="Ещё раз")
    assert again.status == "succeeded" and [e.amount for e in _refund_ledger(customer)] == [-100_000]


def test_canceled_refund_keeps_the_reason_and_the_money(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    control.next_refunds("canceled", reason="insufficient_funds")
    result = refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=100_000, reason="Нет денег")
    assert (result.status, result.applied) == ("canceled", False)
    assert _refund_rows(payment_id)[0].cancellation_reason == "insufficient_funds"
    assert balance_of(customer) == 100_000


def test_succeeded_notification_with_a_pending_object_moves_no_money(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    control.next_refunds("pending", notify_pending=True)
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=20_000, reason="Ждём")
    wait_until(lambda: _refund_webhooks_answered(control), what="early refund.succeeded answered")
    assert _refund_rows(payment_id)[0].status == "pending" and _refund_ledger(customer) == []
    control.resolve_refund(_refund_rows(payment_id)[0].yookassa_id, "succeeded")
    wait_until(lambda: _refund_rows(payment_id)[0].status == "succeeded", what="real refund.succeeded")
    assert [e.amount for e in _refund_ledger(customer)] == [-20_000]


# --- receipts and currency ----------------------------------------------------------------------

def test_refund_receipt_of_a_topup_is_an_advance(paid_topup, make_admin, control) -> None:  # noqa: F811
    _customer, payment_id = paid_topup(100_000)
    refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=25_000, reason="Частичный")
    [remote] = control.refunds()
    [item] = remote["_receipt"]["items"]
    assert (item["payment_mode"], item["payment_subject"]) == ("advance", "payment")
    assert item["amount"] == {"value": "250.00", "currency": "RUB"}


def test_refund_in_another_currency_is_never_applied(paid_topup, make_admin, control) -> None:  # noqa: F811
    customer, payment_id = paid_topup(100_000)
    control.fail_next("500", target="create_refund", count=3)
    with pytest.raises(DomainError):
        refunds.request_refund(admin_id=make_admin(), payment_id=payment_id, amount=10_000, reason="Валюта")
    [row] = _refund_rows(payment_id)
    remote = gateway.GatewayRefund(id=str(uuid.uuid4()), payment_id=payment_row(payment_id).yookassa_id,
                                   status="succeeded", amount=10_000, currency="USD")
    with pytest.raises(DomainError) as err:
        refunds._apply(row.id, remote)
    assert err.value.code == "refund_mismatch"
    [row] = _refund_rows(payment_id)
    assert row.status == "new" and "валюта" in row.attention
    assert _refund_ledger(customer) == []


# --- two admins at once ----------------------------------------------------------------------------

def _race(payment_id: int, admins: list[int], amount: int) -> list[str]:
    """Each admin refunds `amount` from its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(len(admins))
    outcomes: list[str] = []

    def attempt(admin_id: int) -> None:
        barrier.wait()
        try:
            outcomes.append(refunds.request_refund(admin_id=admin_id, payment_id=payment_id, amount=amount,
                                                   reason="Одновременно").status)
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(admin,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_refunds_released_by_a_barrier_never_exceed_the_payment(paid_topup, make_admin, control) -> None:  # noqa: F811
    """Both admins pass the barrier together; the payment row lock makes the second see the
    first's refund, so it is refused here and never reaches YooKassa."""
    for _round in range(3):
        customer, payment_id = paid_topup(100_000)
        sent_before = control.calls().get("create_refund", 0)
        outcomes = _race(payment_id, [make_admin(), make_admin()], 60_000)
        assert sorted(outcomes) == ["refund_exceeds_paid", "succeeded"]
        assert len(_refund_rows(payment_id)) == 1
        assert control.calls().get("create_refund", 0) - sent_before == 1
        assert [e.amount for e in _refund_ledger(customer)] == [-60_000]
        assert payment_row(payment_id).refunded_amount == 60_000
