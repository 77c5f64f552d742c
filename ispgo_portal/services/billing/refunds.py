"""Refunds of YooKassa payments, full or partial, started by an admin.

1. `request_refund` checks the amount against what is still refundable (paid, less what is
   refunded or on its way back), stores a Refund row with OUR idempotence key, the exact
   JSON body for YooKassa and an audit row, commits, and only then calls YooKassa. A retry
   after a timeout re-sends the same body with the same key, so YooKassa never refunds
   twice; after 23 h (keys live 24 h) or a 4xx to a re-send the refund is looked up among
   the payment's refunds instead, and if it is not there a person is asked in «Платежи».
   A re-sent refund is never marked canceled on a 4xx: YooKassa may well have made it.
2. `settle_refund` (the webhook on `refund.succeeded`, reconciliation, and the answer to
   our own request) fetches the refund back from YooKassa and applies it once: the money
   leaves the customer's balance with a ledger row "refund" (reference `refund:<id>`) and
   Payment.refunded_amount grows.

Lock order is the one settling payments uses: payment, then customer, then refund.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import lock_row, session_scope
from ispgo_portal.limits import REFUND_REASON_MAX
from ispgo_portal.models import Payment, Refund, User, id_col, pk
from ispgo_portal.models.enums import LedgerKind, PaymentStatus, RefundStatus
from ispgo_portal.money import format_rub
from ispgo_portal.payments import gateway
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import acting_admin

log = logging.getLogger(__name__)

# A refund that is neither succeeded nor canceled still holds its part of the payment.
OPEN_REFUND_STATUSES = (RefundStatus.NEW, RefundStatus.PENDING)
MAX_REASON = REFUND_REASON_MAX
# Reconciliation re-sends a refund still "new" after this (its answer was lost).
RESEND_AFTER = timedelta(minutes=2)
# YooKassa forgets an idempotence key after 24 h, and the same key is then a new refund:
# re-sends stop well before that, and the refund is looked up by listing instead.
RESEND_WINDOW = timedelta(hours=23)
PAYMENT_CURRENCY = "RUB"  # every payment of the portal is in rubles

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    status: str  # new (YooKassa did not answer yet) | pending | succeeded | canceled
    amount: int
    applied: bool = False  # this call moved the money


def refundable_amount(session: Session, payment: Payment) -> int:
    """Paid, less what is refunded and what is on its way back."""
    in_flight = session.exec(
        select(func.coalesce(func.sum(Refund.amount), 0))
        .where(col(Refund.payment_id) == payment.id, col(Refund.status).in_(OPEN_REFUND_STATUSES))
    ).one()
    return max(0, payment.amount - payment.refunded_amount - int(in_flight))


def _check_reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < 3:
        raise DomainError("reason_required", "Укажите причину возврата (не короче 3 символов)", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError("reason_too_long", f"Причина: не длиннее {MAX_REASON} символов", field="reason")
    return text


def _check_amount(session: Session, payment: Payment, amount: int) -> str:
    """Returns the payment's YooKassa id, which the refund names."""
    yookassa_id = payment.yookassa_id
    if payment.status != PaymentStatus.SUCCEEDED or not yookassa_id:
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
    return yookassa_id


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


def _stored(row: _Row | None, missing: str) -> _Row:
    """A row read back by the id this module stored or a foreign key names: refunds,
    payments and customers are never deleted, so None here means broken data."""
    if row is None:
        raise NotFound(missing)
    return row


def request_description(refund_id: int, payment_id: int) -> str:
    """Our refund's number travels in YooKassa's description: listing a payment's refunds
    finds it again without a YooKassa id."""
    return f"Возврат №{refund_id} по платежу №{payment_id}"


def _record_request(*, admin_id: int, payment_id: int, amount: int, reason: str) -> int:
    """Transaction 1: the Refund row, the exact body YooKassa will get and the audit row
    exist before YooKassa hears of it."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        payment = lock_row(session, Payment, payment_id) if isinstance(payment_id, int) else None
        if payment is None:
            raise NotFound("Платёж не найден")
        yookassa_id = _check_amount(session, payment, amount)
        refund = Refund(payment_id=pk(payment), amount=amount, status=RefundStatus.NEW, reason=reason,
                        idempotence_key=uuid.uuid4().hex, admin_id=admin_id)
        session.add(refund)
        session.flush()
        refund_id = pk(refund)
        body = gateway.build_refund_request(
            payment_yookassa_id=yookassa_id, amount=amount, purpose=payment.purpose,
            description=request_description(refund_id, pk(payment)),
            customer_email=_stored(session.get(User, payment.user_id), "Клиент не найден").email,
            receipt_item=payment.description or "Возврат оплаты")
        refund.request_body = json.dumps(body, ensure_ascii=False)
        session.add(refund)
        audit.record(session, admin_id=admin_id, action="payment.refund", target_type="payment",
                     target_id=payment.id, target_user_id=payment.user_id,
                     before={"refunded_amount": payment.refunded_amount},
                     after={"refund_id": refund_id, "amount": amount, "full": amount == payment.amount},
                     reason=reason)
        return refund_id


@dataclass(frozen=True)
class _Sent:
    """What was sent to YooKassa for one refund, read back from its row."""

    body: dict[str, Any] | None  # None: a row from before bodies were stored
    idempotence_key: str
    payment_yookassa_id: str
    description: str
    amount: int
    age: timedelta
    flagged: bool


def _sent(refund_id: int) -> _Sent:
    with session_scope() as session:
        refund = _stored(session.get(Refund, refund_id), "Возврат не найден")
        payment = _stored(session.get(Payment, refund.payment_id), "Платёж не найден")
        body = json.loads(refund.request_body) if refund.request_body else None
        legacy = f"Возврат по платежу №{payment.id}"  # how rows without a body were described
        return _Sent(body=body, idempotence_key=refund.idempotence_key,
                     payment_yookassa_id=payment.yookassa_id or "",
                     description=str(body["description"]) if body else legacy, amount=refund.amount,
                     age=utcnow() - refund.created_at, flagged=bool(refund.attention))


def _send(refund_id: int) -> gateway.GatewayRefund:
    """Send the stored body with the row's own key, byte for byte what was sent first."""
    sent = _sent(refund_id)
    if sent.body is None:
        raise DomainError("refund_body_missing", "Запрос возврата не сохранён: повторять его нельзя")
    return gateway.send_refund(sent.body, idempotence_key=sent.idempotence_key)


def _find_listed(refund_id: int) -> gateway.GatewayRefund | None:
    """Our refund among the payment's refunds at YooKassa, by the number in its description."""
    sent = _sent(refund_id)
    for remote in gateway.list_refunds(sent.payment_yookassa_id):
        if remote.description == sent.description and remote.amount == sent.amount:
            return remote
    return None


def _flag(refund_id: int, why: str) -> None:
    """Leave the refund open (its money may be gone) and ask a person in «Платежи»."""
    log.error("refund %s needs a person: %s", refund_id, why)
    with session_scope() as session:
        refund = lock_row(session, Refund, refund_id)
        if refund is not None and refund.status in OPEN_REFUND_STATUSES:
            refund.attention = why[:250]
            session.add(refund)


def _resend(refund_id: int) -> gateway.GatewayRefund | None:
    """YooKassa's answer to a refund was lost: get it without ever refunding twice.

    Within RESEND_WINDOW the stored body goes again with the same key (YooKassa answers
    with the refund it made, or makes it now). Later the key is about to expire and a
    re-send could be a second refund, so the payment's refunds are only listed; so are
    they after a 4xx to a re-send, or when a person was already asked. None: not found,
    and the refund is flagged for a person. Gateway errors mean "try later"."""
    sent = _sent(refund_id)
    if sent.body is not None and sent.age < RESEND_WINDOW and not sent.flagged:
        try:
            return gateway.send_refund(sent.body, idempotence_key=sent.idempotence_key)
        except gateway.GatewayRejected as exc:
            why = f"ЮKassa отклонила повторную отправку ({exc.detail or exc.code})"
    elif sent.flagged:
        why = ""
    else:
        why = "ЮKassa не ответила на возврат почти сутки; повтор мог бы вернуть деньги дважды"
    remote = _find_listed(refund_id)
    if remote is None and why:
        _flag(refund_id, f"{why}, а в списке возвратов платежа его нет. "
                         "Проверьте возврат в личном кабинете ЮKassa.")
    return remote


def _mark_rejected(refund_id: int, exc: gateway.GatewayError) -> None:
    log.warning("refund %s rejected by YooKassa: %s", refund_id, exc)
    with session_scope() as session:
        refund = lock_row(session, Refund, refund_id)
        if refund is not None and refund.status == RefundStatus.NEW:
            refund.status = RefundStatus.CANCELED
            refund.cancellation_reason = exc.code[:64]
            refund.settled_at = utcnow()
            session.add(refund)


def _check_matches(refund: Refund, payment: Payment, remote: gateway.GatewayRefund) -> str:
    """Why YooKassa's refund cannot be ours as recorded (empty: it matches)."""
    if remote.payment_id != payment.yookassa_id:
        return f"другой платёж ({remote.payment_id})"
    if remote.amount != refund.amount:
        return f"другая сумма ({format_rub(remote.amount)} вместо {format_rub(refund.amount)})"
    if remote.currency != PAYMENT_CURRENCY:
        return f"другая валюта ({remote.currency})"
    return ""


def _apply(refund_id: int, remote: gateway.GatewayRefund) -> RefundResult:
    """Bring our row in line with YooKassa's refund; on success move the money, once."""
    with session_scope() as session:
        refund = _stored(session.get(Refund, refund_id), "Возврат не найден")
        payment_id = refund.payment_id
        payment = _stored(session.get(Payment, payment_id), "Платёж не найден")
        mismatch = _check_matches(refund, payment, remote)
    if mismatch:
        log.error("refund %s does not match YooKassa's %s", refund_id, remote)
        _flag(refund_id, f"Возврат {remote.id} в ЮKassa не совпадает с нашим: {mismatch}")
        raise DomainError("refund_mismatch", "Данные возврата не совпадают с ЮKassa")
    with session_scope() as session:
        payment = _stored(lock_row(session, Payment, payment_id), "Платёж не найден")
        user = billing.lock_user(session, payment.user_id)
        refund = _stored(lock_row(session, Refund, refund_id), "Возврат не найден")
        refund.yookassa_id = refund.yookassa_id or remote.id
        applied = False
        if refund.status in OPEN_REFUND_STATUSES:
            if remote.status == RefundStatus.SUCCEEDED:
                entry = billing.debit_unchecked(
                    session, user_id=pk(user), amount=refund.amount, kind=LedgerKind.REFUND,
                    description=f"Возврат по платежу №{payment.id} через ЮKassa",
                    reference=f"refund:{refund.id}")
                if entry is not None:
                    payment.refunded_amount += refund.amount
                    session.add(payment)
                    applied = True
                refund.status = RefundStatus.SUCCEEDED
                refund.settled_at = utcnow()
            elif remote.status == RefundStatus.CANCELED:
                refund.status = RefundStatus.CANCELED
                refund.cancellation_reason = remote.cancellation_reason[:64]
                refund.settled_at = utcnow()
            elif remote.status == RefundStatus.PENDING:
                refund.status = RefundStatus.PENDING
            if refund.status not in OPEN_REFUND_STATUSES:
                refund.attention = ""  # settled: nothing left for a person
        session.add(refund)
        session.flush()
        return RefundResult(refund_id=pk(refund), status=refund.status, amount=refund.amount, applied=applied)


def request_refund(*, admin_id: int, payment_id: int, amount: int, reason: str) -> RefundResult:
    """Refund `amount` kopecks of a succeeded payment (all of it or a part)."""
    reason = _check_reason(reason)
    if not isinstance(amount, int) or amount <= 0:
        raise DomainError("invalid_amount", "Сумма возврата должна быть больше нуля", field="amount")
    refund_id = _record_request(admin_id=admin_id, payment_id=payment_id, amount=amount, reason=reason)
    remote: gateway.GatewayRefund | None
    try:
        try:
            remote = _send(refund_id)
        except gateway.GatewayRejected as exc:
            # A refusal of the first send is final, unless YooKassa made the refund anyway.
            try:
                remote = _find_listed(refund_id)
            except gateway.GatewayRejected:
                remote = None
            if remote is None:
                _mark_rejected(refund_id, exc)
                raise DomainError("refund_rejected", f"ЮKassa отклонила возврат: {exc.detail or exc.code}. "
                                                     "Деньги не списаны.") from exc
    except gateway.GatewayUnavailable as exc:
        log.warning("refund %s: YooKassa did not answer (%s); it will be re-sent with the same key",
                    refund_id, exc)
        raise DomainError(
            "refund_unconfirmed",
            "ЮKassa не ответила. Возврат сохранён и будет отправлен повторно с тем же ключом — "
            "дважды деньги не вернутся.") from exc
    return _apply(refund_id, remote)


def retry_refund(*, admin_id: int, refund_id: int) -> RefundResult:
    """Ask YooKassa again about a refund it never answered (see `_resend`)."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        refund = session.get(Refund, refund_id) if isinstance(refund_id, int) else None
        if refund is None:
            raise NotFound("Возврат не найден")
        if refund.status != RefundStatus.NEW:
            raise DomainError("refund_not_unconfirmed", "Этот возврат уже обработан ЮKassa")
        payment = _stored(session.get(Payment, refund.payment_id), "Платёж не найден")
        audit.record(session, admin_id=admin_id, action="payment.refund_retry", target_type="payment",
                     target_id=payment.id, target_user_id=payment.user_id,
                     after={"refund_id": refund.id, "amount": refund.amount})
    try:
        remote = _resend(refund_id)
    except gateway.GatewayError as exc:
        raise DomainError("refund_unconfirmed", exc.message) from exc
    if remote is None:
        with session_scope() as session:
            why = _stored(session.get(Refund, refund_id), "Возврат не найден").attention
        raise DomainError("refund_needs_attention", why or "Возврат не найден в ЮKassa")
    return _apply(refund_id, remote)


def _match_unlinked(remote: gateway.GatewayRefund) -> int | None:
    """Our refund whose answer was lost: same payment and amount, no YooKassa id yet, and
    our number in YooKassa's description. Nothing is re-sent to find it."""
    with session_scope() as session:
        candidates = session.exec(
            select(id_col(Refund)).join(Payment, col(Payment.id) == Refund.payment_id)
            .where(Payment.yookassa_id == remote.payment_id, Refund.amount == remote.amount,
                   col(Refund.yookassa_id).is_(None), col(Refund.status).in_(OPEN_REFUND_STATUSES))
            .order_by(col(Refund.id))
        ).all()
    for refund_id in candidates:
        if _sent(refund_id).description == remote.description:
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
    """Ask again about refunds whose answer was lost (`_resend`: never a second refund) and
    re-check pending ones; returns how many were settled. Each refund is its own transaction; one failure never stops the rest."""
    cutoff = utcnow() - resend_after
    with session_scope() as session:
        rows = session.exec(
            select(id_col(Refund), Refund.status, Refund.yookassa_id)
            .where(col(Refund.status).in_(OPEN_REFUND_STATUSES), col(Refund.created_at) <= cutoff)
            .order_by(col(Refund.id)).limit(500)
        ).all()
    settled = 0
    for refund_id, status, yookassa_id in rows:
        try:
            remote = gateway.get_refund(yookassa_id) if yookassa_id else _resend(refund_id)
            if remote is None:
                continue  # flagged for a person; listed again on the next run
            result = _apply(refund_id, remote)
        except (gateway.GatewayError, DomainError) as exc:
            log.warning("reconcile refund %s (%s): %s", refund_id, status, exc)
            continue
        settled += int(result.applied)
    return settled
