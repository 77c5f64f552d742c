"""Admin «Платежи»: every YooKassa payment with its customer, purpose, status, YooKassa id
and what was refunded, with filters; and one payment's refunds for the refund dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import PAYMENT_PURPOSES, Payment, Refund, User, pk
from ispgo_portal.models.enums import PaymentStatus, RefundStatus
from ispgo_portal.payments.gateway_models import describe_refund_cancellation
from ispgo_portal.services.billing.refunds import OPEN_REFUND_STATUSES
from ispgo_portal.services.errors import NotFound
from ispgo_portal.services.paging import page_slice

PAGE_SIZE = 30
PAYMENT_STATUSES = {
    PaymentStatus.NEW.value: "Создаётся",
    PaymentStatus.PENDING.value: "Ожидает оплаты",
    PaymentStatus.WAITING_FOR_CAPTURE.value: "Ожидает подтверждения",
    PaymentStatus.SUCCEEDED.value: "Оплачен",
    PaymentStatus.CANCELED.value: "Отменён",
    PaymentStatus.FAILED.value: "Не создан",
}
REFUND_STATUSES = {
    RefundStatus.NEW.value: "Не подтверждён ЮKassa",
    RefundStatus.PENDING.value: "В обработке",
    RefundStatus.SUCCEEDED.value: "Выполнен",
    RefundStatus.CANCELED.value: "Отклонён",
}
# Filter values besides the plain statuses.
REFUNDED = "refunded"
ATTENTION = "attention"  # payments (or their refunds) a person must check


@dataclass(frozen=True)
class PaymentRow:
    id: int
    created_at: datetime
    user_id: int
    customer_email: str
    customer_name: str
    purpose: str  # Russian
    description: str
    amount: int
    status: str  # stored value
    status_label: str
    cancellation_reason: str
    yookassa_id: str
    refunded_amount: int
    refunds_in_flight: int
    refundable: int
    attention: int = 0  # refunds a person must check (see RefundRow.attention)
    review_reason: str = ""  # why the payment itself was not credited (YooKassa disagrees)


@dataclass(frozen=True)
class RefundRow:
    id: int
    created_at: datetime
    amount: int
    status: str
    status_label: str
    reason: str
    admin_email: str
    yookassa_id: str
    attention: str = ""  # why a person must check it at YooKassa; empty: nothing to do
    cancellation: str = ""  # why YooKassa canceled it, in Russian


@dataclass(frozen=True)
class PaymentPage:
    rows: list[PaymentRow]
    total: int
    page: int = 1
    pages: int = 1


def _in_flight_by_payment(session: Session, payment_ids: list[int]) -> dict[int, int]:
    if not payment_ids:
        return {}
    found = session.exec(
        select(Refund.payment_id, func.sum(Refund.amount))
        .where(col(Refund.payment_id).in_(payment_ids), col(Refund.status).in_(OPEN_REFUND_STATUSES))
        .group_by(col(Refund.payment_id))
    ).all()
    return {pid: int(total) for pid, total in found}


def _attention_by_payment(session: Session, payment_ids: list[int]) -> dict[int, int]:
    if not payment_ids:
        return {}
    found = session.exec(
        select(Refund.payment_id, func.count())
        .where(col(Refund.payment_id).in_(payment_ids), col(Refund.attention) != "")
        .group_by(col(Refund.payment_id))
    ).all()
    return {pid: int(count) for pid, count in found}


def _row(payment: Payment, email: str, name: str, in_flight: int, attention: int = 0) -> PaymentRow:
    refundable = (max(0, payment.amount - payment.refunded_amount - in_flight)
                  if payment.status == PaymentStatus.SUCCEEDED and payment.yookassa_id else 0)
    return PaymentRow(
        id=pk(payment), created_at=payment.created_at, user_id=payment.user_id, customer_email=email,
        customer_name=name, purpose=PAYMENT_PURPOSES.get(payment.purpose, payment.purpose),
        description=payment.description, amount=payment.amount, status=payment.status,
        status_label=PAYMENT_STATUSES.get(payment.status, payment.status),
        cancellation_reason=payment.cancellation_reason, yookassa_id=payment.yookassa_id or "",
        refunded_amount=payment.refunded_amount, refunds_in_flight=in_flight, refundable=refundable,
        attention=attention, review_reason=payment.review_reason,
    )


def list_payments(*, query: str = "", status: str = "", purpose: str = "", page: int = 1) -> PaymentPage:
    """Newest first. `query`: customer email or name (any part), a YooKassa id, or «№12» / «12»."""
    base = select(Payment, User.email, User.name).join(User, col(User.id) == Payment.user_id)
    text = query.strip() if isinstance(query, str) else ""
    if text:
        like = f"%{text.lower()}%"
        conditions: list[ColumnElement[bool]] = [
            func.lower(User.email).like(like), func.lower(User.name).like(like),
            col(Payment.yookassa_id) == text]
        number = text.lstrip("№#").strip()
        if number.isdigit() and len(number) < 12:
            conditions.append(col(Payment.id) == int(number))
        base = base.where(or_(*conditions))
    if status == REFUNDED:
        base = base.where(Payment.refunded_amount > 0)
    elif status == ATTENTION:
        flagged_refunds = select(Refund.payment_id).where(col(Refund.attention) != "")
        base = base.where(or_(col(Payment.review_reason) != "", col(Payment.id).in_(flagged_refunds)))
    elif status in PAYMENT_STATUSES:
        base = base.where(Payment.status == status)
    if purpose in PAYMENT_PURPOSES:
        base = base.where(Payment.purpose == purpose)
    with session_scope() as session:
        total = int(session.exec(select(func.count()).select_from(base.subquery())).one())
        window = page_slice(total=total, page=page, page_size=PAGE_SIZE)
        found = session.exec(
            base.order_by(col(Payment.created_at).desc(), col(Payment.id).desc())
            .offset(window.offset).limit(window.limit)
        ).all()
        ids = [pk(p) for p, _e, _n in found]
        in_flight = _in_flight_by_payment(session, ids)
        attention = _attention_by_payment(session, ids)
        return PaymentPage(rows=[_row(p, email, name, in_flight.get(pk(p), 0), attention.get(pk(p), 0))
                                 for p, email, name in found], total=total, page=window.page, pages=window.pages)


def get_payment(*, payment_id: int) -> tuple[PaymentRow, int]:
    """One payment and its customer's current balance (the refund dialog shows what it becomes)."""
    if not isinstance(payment_id, int):
        raise NotFound("Платёж не найден")
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("Платёж не найден")
        user = session.get(User, payment.user_id)
        if user is None:  # the payment's customer (a foreign key): never missing
            raise NotFound("Клиент не найден")
        in_flight = _in_flight_by_payment(session, [payment_id]).get(payment_id, 0)
        attention = _attention_by_payment(session, [payment_id]).get(payment_id, 0)
        return _row(payment, user.email, user.name, in_flight, attention), user.balance


def list_refunds(*, payment_id: int) -> list[RefundRow]:
    with session_scope() as session:
        found = session.exec(
            select(Refund, User.email).outerjoin(User, col(User.id) == Refund.admin_id)
            .where(Refund.payment_id == payment_id).order_by(col(Refund.id))
        ).all()
        return [
            RefundRow(id=pk(r), created_at=r.created_at, amount=r.amount, status=r.status,
                      status_label=REFUND_STATUSES.get(r.status, r.status), reason=r.reason,
                      admin_email=email or "", yookassa_id=r.yookassa_id or "", attention=r.attention,
                      cancellation=describe_refund_cancellation(r.cancellation_reason)
                      if r.status == RefundStatus.CANCELED else "")
            for r, email in found
        ]
