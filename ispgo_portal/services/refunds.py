"""Refunds of YooKassa payments, full or partial, started by an admin.

1. `request_refund` checks the amount against what is still refundable (paid, less what is
   refunded or on its way back), stores a Refund row with OUR idempotence key and an audit
   row, commits, and only then calls YooKassa. A retry after a timeout re-sends the same
   key, so YooKassa never refunds twice.
2. `settle_refund` (the webhook on `refund.succeeded`, reconciliation, and the answer to
   our own request) fetches the refund back from YooKassa and applies it once: the money
   leaves the customer's balance with a ledger row "refund" (reference `refund:<id>`) and
   Payment.refunded_amount grows.

Lock order is the one settling payments uses: payment, then customer, then refund.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import Payment, Refund, User
from ispgo_portal.money import format_rub
from ispgo_portal.payments import gateway
from ispgo_portal.services import audit, billing
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import acting_admin

log = logging.getLogger(__name__)

# A refund that is neither succeeded nor canceled still holds its part of the payment.
OPEN_REFUND_STATUSES = ("new", "pending")
MAX_REASON = 250
# Reconciliation re-sends a refund still "new" after this (its answer was lost).
RESEND_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    status: str  # new (YooKassa did not answer yet) | pending | succeeded | canceled
    amount: int
    applied: bool = False  # this call moved the money


def _lock(session: Session, model: type, row_id: int):  # noqa: ANN202 - the model's instance
    query = select(model).where(model.id == row_id)
    if is_postgres(session):
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def refundable_amount(session: Session, payment: Payment) -> int:
    """Paid, less what is refunded and what is on its way back."""
    in_flight = session.exec(
        select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.payment_id == payment.id, Refund.status.in_(OPEN_REFUND_STATUSES))  # type: ignore[attr-defined]
    ).one()
    return max(0, payment.amount - payment.refunded_amount - int(in_flight))


def _check_reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < 3:
        raise DomainError("reason_required", "Укажите причину возврата (не короче 3 символов)", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError("reason_too_long", f"Причина: не длиннее {MAX_REASON} символов", field="reason")
    return text


def _check_amount(session: Session, payment: Payment, amount: int) -> None:
    if payment.status != "succeeded" or not payment.yookassa_id:
        raise DomainError("payment_not_refundable", "Вернуть можно только успешный платёж ЮKassa")
    if not isinstance(amount, int) or amount <= 0:
        raise DomainError("invalid_amount", "Сумма возврата должна быть больше нуля", field="amount")
    available = refundable_amount(session, payment)
    if amount > available:
        raise DomainError(
            "refund_exceeds_paid",
            f"Нельзя вернуть {format_rub(amount)}: по платежу оплачено {format_rub(payment.amount)}, "
            f"уже возвращено или в обработке {format_rub(payment.amount - available)}, "
            f"доступно к возврату {format_rub(available)}",
            field="amount",
        )


def check_refund(*, payment_id: int, amount: int, reason: str) -> str:
    """The checks of `request_refund` without doing anything (before asking for confirmation).
    Returns the cleaned reason."""
    reason = _check_reason(reason)
    with session_scope() as session:
        payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
        if payment is None:
            raise NotFound("Платёж не найден")
        _check_amount(session, payment, amount)
    return reason


def _record_request(*, admin_id: int, payment_id: int, amount: int, reason: str) -> int:
    """Transaction 1: the Refund row and its audit row exist before YooKassa hears of it."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        payment = _lock(session, Payment, payment_id) if isinstance(payment_id, int) else None
        if payment is None:
            raise NotFound("Платёж не найден")
        _check_amount(session, payment, amount)
        refund = Refund(payment_id=payment.id, amount=amount, status="new", reason=reason,
                        idempotence_key=uuid.uuid4().hex, admin_id=admin_id)
        session.add(refund)
        session.flush()
        audit.record(session, admin_id=admin_id, action="payment.refund", target_type="payment",
                     target_id=payment.id, target_user_id=payment.user_id,
                     before={"refunded_amount": payment.refunded_amount},
                     after={"refund_id": refund.id, "amount": amount, "full": amount == payment.amount},
                     reason=reason)
        return refund.id


def _send(refund_id: int) -> gateway.GatewayRefund:
    """Create the refund at YooKassa with the row's own key (a re-send gets the same refund)."""
    with session_scope() as session:
        refund = session.get(Refund, refund_id)
        payment = session.get(Payment, refund.payment_id)
        email = session.get(User, payment.user_id).email
        params = dict(payment_yookassa_id=payment.yookassa_id, amount=refund.amount,
                      idempotence_key=refund.idempotence_key,
                      description=f"Возврат по платежу №{payment.id}",
                      customer_email=email, receipt_item=payment.description or "Возврат оплаты")
    return gateway.create_refund(**params)


def _mark_rejected(refund_id: int, exc: gateway.GatewayError) -> None:
    log.warning("refund %s rejected by YooKassa: %s", refund_id, exc)
    with session_scope() as session:
        refund = _lock(session, Refund, refund_id)
        if refund is not None and refund.status == "new":
            refund.status = "canceled"
            refund.settled_at = utcnow()
            session.add(refund)


def _apply(refund_id: int, remote: gateway.GatewayRefund) -> RefundResult:
    """Bring our row in line with YooKassa's refund; on success move the money, once."""
    with session_scope() as session:
        refund = session.get(Refund, refund_id)
        payment = _lock(session, Payment, refund.payment_id)
        if remote.payment_id != payment.yookassa_id or remote.amount != refund.amount:
            log.error("refund %s does not match YooKassa's %s", refund_id, remote)
            raise DomainError("refund_mismatch", "Данные возврата не совпадают с ЮKassa")
        user = billing.lock_user(session, payment.user_id)
        refund = _lock(session, Refund, refund_id)
        refund.yookassa_id = refund.yookassa_id or remote.id
        applied = False
        if refund.status in OPEN_REFUND_STATUSES:
            if remote.status == "succeeded":
                entry = billing.debit_unchecked(
                    session, user_id=user.id, amount=refund.amount, kind="refund",
                    description=f"Возврат по платежу №{payment.id} через ЮKassa",
                    reference=f"refund:{refund.id}")
                if entry is not None:
                    payment.refunded_amount += refund.amount
                    payment.updated_at = utcnow()
                    session.add(payment)
                    applied = True
                refund.status = "succeeded"
                refund.settled_at = utcnow()
            elif remote.status == "canceled":
                refund.status = "canceled"
                refund.settled_at = utcnow()
            elif remote.status == "pending":
                refund.status = "pending"
        session.add(refund)
        session.flush()
        return RefundResult(refund_id=refund.id, status=refund.status, amount=refund.amount, applied=applied)


def request_refund(*, admin_id: int, payment_id: int, amount: int, reason: str) -> RefundResult:
    """Refund `amount` kopecks of a succeeded payment (all of it or a part)."""
    reason = _check_reason(reason)
    if not isinstance(amount, int) or amount <= 0:
        raise DomainError("invalid_amount", "Сумма возврата должна быть больше нуля", field="amount")
    refund_id = _record_request(admin_id=admin_id, payment_id=payment_id, amount=amount, reason=reason)
    try:
        remote = _send(refund_id)
    except gateway.GatewayRejected as exc:
        _mark_rejected(refund_id, exc)
        raise DomainError("refund_rejected",
                          f"ЮKassa отклонила возврат: {exc.detail or exc.code}. Деньги не списаны.") from exc
    except gateway.GatewayUnavailable as exc:
        log.warning("refund %s: YooKassa did not answer (%s); it will be re-sent with the same key",
                    refund_id, exc)
        raise DomainError(
            "refund_unconfirmed",
            "ЮKassa не ответила. Возврат сохранён и будет отправлен повторно с тем же ключом — "
            "дважды деньги не вернутся.") from exc
    return _apply(refund_id, remote)


def retry_refund(*, admin_id: int, refund_id: int) -> RefundResult:
    """Re-send a refund YooKassa never answered, with its original idempotence key."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        refund = session.get(Refund, refund_id) if isinstance(refund_id, int) else None
        if refund is None:
            raise NotFound("Возврат не найден")
        if refund.status != "new":
            raise DomainError("refund_not_unconfirmed", "Этот возврат уже обработан ЮKassa")
        payment = session.get(Payment, refund.payment_id)
        audit.record(session, admin_id=admin_id, action="payment.refund_retry", target_type="payment",
                     target_id=payment.id, target_user_id=payment.user_id,
                     after={"refund_id": refund.id, "amount": refund.amount})
    try:
        remote = _send(refund_id)
    except gateway.GatewayRejected as exc:
        _mark_rejected(refund_id, exc)
        raise DomainError("refund_rejected", f"ЮKassa отклонила возврат: {exc.detail or exc.code}") from exc
    except gateway.GatewayUnavailable as exc:
        raise DomainError("refund_unconfirmed", exc.message) from exc
    return _apply(refund_id, remote)


def _match_unlinked(remote: gateway.GatewayRefund) -> int | None:
    """Our refund whose answer was lost: same payment and amount, no YooKassa id yet. Re-sending
    with its key returns YooKassa's refund for that key, which proves (or rules out) the match."""
    with session_scope() as session:
        candidates = session.exec(
            select(Refund.id).join(Payment, Payment.id == Refund.payment_id)
            .where(Payment.yookassa_id == remote.payment_id, Refund.amount == remote.amount,
                   Refund.yookassa_id.is_(None), Refund.status == "new")  # type: ignore[union-attr]
            .order_by(Refund.id)
        ).all()
    for refund_id in candidates:
        if _send(refund_id).id == remote.id:
            return refund_id
    return None


def settle_refund(*, yookassa_refund_id: str) -> RefundResult:
    """Apply YooKassa's refund (fetched back from the API, never taken from a notification)
    once. DomainError `refund_not_found` if it is not ours; gateway errors mean "try later"."""
    try:
        remote = gateway.get_refund(yookassa_refund_id)
    except gateway.GatewayNotFound as exc:
        raise DomainError("refund_not_found", "Возврат не найден") from exc
    with session_scope() as session:
        refund_id = session.exec(select(Refund.id).where(Refund.yookassa_id == remote.id)).first()
    if refund_id is None:
        refund_id = _match_unlinked(remote)
    if refund_id is None:
        log.warning("YooKassa refund %s (payment %s) is not one of ours", remote.id, remote.payment_id)
        raise DomainError("refund_not_found", "Возврат не найден")
    return _apply(refund_id, remote)


def reconcile_refunds(*, resend_after: timedelta = RESEND_AFTER) -> int:
    """Re-send refunds whose answer was lost and re-check pending ones; returns how many
    were settled. Each refund is its own transaction; one failure never stops the rest."""
    cutoff = utcnow() - resend_after
    with session_scope() as session:
        rows = session.exec(
            select(Refund.id, Refund.status, Refund.yookassa_id)
            .where(Refund.status.in_(OPEN_REFUND_STATUSES), Refund.created_at <= cutoff)  # type: ignore[attr-defined]
            .order_by(Refund.id).limit(500)
        ).all()
    settled = 0
    for refund_id, status, yookassa_id in rows:
        try:
            remote = gateway.get_refund(yookassa_id) if yookassa_id else _send(refund_id)
            result = _apply(refund_id, remote)
        except gateway.GatewayRejected as exc:
            if not yookassa_id:
                _mark_rejected(refund_id, exc)
            continue
        except (gateway.GatewayError, DomainError) as exc:
            log.warning("reconcile refund %s (%s): %s", refund_id, status, exc)
            continue
        settled += int(result.applied)
    return settled
