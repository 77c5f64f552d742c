"""YooKassa payments: starting one, and settling it.

`settle_payment` is the one way money paid through YooKassa reaches a balance: the
webhook, the return page and reconciliation all call it. It acts only on the payment as
fetched back from the API, checks it against our record, and applies it exactly once
(the payment row is locked, and the ledger reference `payment:<id>` is unique).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import NoResultFound
from sqlmodel import Session, col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import lock_row, session_scope
from ispgo_portal.limits import MIN_PAYMENT
from ispgo_portal.models import PAYMENT_PURPOSES, Payment, User, pk
from ispgo_portal.models.enums import LedgerKind, PaymentPurpose, PaymentStatus
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import payment_methods, pricing
from ispgo_portal.services.billing.fulfilment import fulfiller_for
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.mail.notifications import queue_email
from ispgo_portal.settings import get_settings

log = logging.getLogger(__name__)

OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.WAITING_FOR_CAPTURE)
TOPUP_DESCRIPTION = "Пополнение баланса"
# YooKassa cancels an unconfirmed payment after an hour: older open rows do not count.
OPEN_PAYMENT_WINDOW = timedelta(hours=2)
# However many pages watch one payment, YooKassa is asked about it at most this often.
CHECK_INTERVAL = timedelta(seconds=1.5)


@dataclass(frozen=True)
class PaymentStart:
    payment_id: int
    confirmation_url: str


@dataclass(frozen=True)
class SettleResult:
    payment_id: int
    status: str  # our status after this call
    applied: bool  # True only for the call that booked the money
    purpose: str
    amount: int
    license_id: int | None
    cancellation_reason: str = ""


@dataclass(frozen=True)
class _Snapshot:
    """Our record, read without a lock, to decide what to ask YooKassa."""

    id: int
    user_id: int
    yookassa_id: str | None
    idempotence_key: str
    amount: int
    currency: str
    status: str
    purpose: str
    license_id: int | None
    cancellation_reason: str
    settled: bool

    @classmethod
    def of(cls, p: Payment) -> _Snapshot:
        return cls(id=pk(p), user_id=p.user_id, yookassa_id=p.yookassa_id, idempotence_key=p.idempotence_key,
                   amount=p.amount, currency=p.currency, status=p.status, purpose=p.purpose,
                   license_id=p.license_id, cancellation_reason=p.cancellation_reason,
                   settled=p.settled_at is not None)

    def result(self, *, applied: bool = False) -> SettleResult:
        return SettleResult(payment_id=self.id, status=self.status, applied=applied, purpose=self.purpose,
                            amount=self.amount, license_id=self.license_id,
                            cancellation_reason=self.cancellation_reason)


def gateway_failure(exc: gateway.GatewayError) -> DomainError:
    """A gateway failure as the customer should read it. A return address YooKassa refuses
    is the caller's input (the REST API takes one), so it is a field error, not an outage."""
    if isinstance(exc, gateway.GatewayRejected) and exc.parameter.endswith("return_url"):
        return DomainError("return_url_rejected",
                           "ЮKassa не приняла адрес возврата: укажите http(s)-адрес вашего сайта",
                           field="return_url")
    return DomainError("payment_gateway_unavailable" if exc.retryable else "payment_gateway_rejected",
                       exc.message)


# --- starting ----------------------------------------------------------------------------

def start_topup(*, user_id: int, amount: int, return_url: str = "", save_method: bool = False) -> PaymentStart:
    """A balance top-up of `amount` kopecks through YooKassa. `save_method` («Запомнить
    карту»): YooKassa is asked to keep the card for autopay (see payment_methods)."""
    if not MIN_PAYMENT <= amount <= get_settings().max_topup_kopecks:
        raise DomainError("invalid_amount", "Недопустимая сумма пополнения", field="amount")
    return start_payment(user_id=user_id, amount=amount, purpose=PaymentPurpose.TOPUP,
                         description=TOPUP_DESCRIPTION, receipt_item=TOPUP_DESCRIPTION, return_url=return_url,
                         save_payment_method=save_method)


def start_payment(
    *, user_id: int, amount: int, purpose: str, description: str, receipt_item: str,
    tariff_id: int | None = None, license_id: int | None = None, promo_code_id: int | None = None,
    return_url: str = "", save_payment_method: bool = False,
) -> PaymentStart:
    """Record the payment with our idempotence key, then create it at YooKassa (retries
    reuse the key, so a lost answer never becomes a second payment). `return_url`: where
    YooKassa sends the payer back (default: our return page)."""
    if purpose not in PAYMENT_PURPOSES:
        raise ValueError(f"unknown payment purpose {purpose!r}")
    if amount <= 0:
        raise DomainError("invalid_amount", "Сумма платежа должна быть больше нуля", field="amount")
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None or user.is_blocked:
            raise NotFound("Клиент не найден")
        billing.lock_user(session, user_id)  # the limits below are counted one order at a time
        _check_payment_limits(session, user_id)
        payment = Payment(user_id=user_id, purpose=purpose, amount=amount, status=PaymentStatus.NEW,
                          idempotence_key=uuid.uuid4().hex, description=description[:128],
                          tariff_id=tariff_id, license_id=license_id, promo_code_id=promo_code_id)
        session.add(payment)
        session.flush()
        payment_id = pk(payment)
        if promo_code_id is not None:
            # The code is held from now on: parallel unpaid orders cannot all get the price.
            pricing.reserve_promo(session, promo_code_id=promo_code_id, user_id=user_id,
                                  payment_id=payment_id)
        key, email = payment.idempotence_key, user.email
    try:
        created = gateway.create_payment(
            payment_id=payment_id, user_id=user_id, purpose=purpose, idempotence_key=key,
            amount=amount, description=description, customer_email=email, receipt_item=receipt_item,
            return_url=return_url, save_payment_method=save_payment_method)
    except gateway.GatewayError as exc:
        _mark_failed(payment_id, exc)
        raise gateway_failure(exc) from exc
    with session_scope() as session:
        stored = session.get(Payment, payment_id)
        if stored is None:  # recorded above, and payments are never deleted
            raise NotFound("Платёж не найден")
        stored.yookassa_id = created.id
        stored.status = created.status
        stored.confirmation_url = created.confirmation_url[:2000]
        session.add(stored)
    return PaymentStart(payment_id=payment_id, confirmation_url=created.confirmation_url)


def _check_payment_limits(session: Session, user_id: int) -> None:
    """Unpaid orders at once and orders per hour, per customer (settings): a customer needs
    a few; a script opening hundreds only loads YooKassa and our reconciliation."""
    settings = get_settings()
    now = utcnow()
    recent = select(func.count(col(Payment.id))).where(Payment.user_id == user_id)
    open_now = session.exec(recent.where(col(Payment.status).in_((PaymentStatus.NEW, *OPEN_STATUSES)),
                                         Payment.created_at >= now - OPEN_PAYMENT_WINDOW)).one()
    if open_now >= settings.max_open_payments:
        raise DomainError("too_many_open_payments",
                          f"У вас уже {open_now} неоплаченных платежей. Оплатите один из них или "
                          "подождите: неоплаченный платёж отменяется через час.", field="amount")
    last_hour = session.exec(recent.where(Payment.created_at >= now - timedelta(hours=1))).one()
    if last_hour >= settings.max_payments_per_hour:
        raise DomainError("too_many_payments",
                          f"За последний час создано {last_hour} платежей — это предел. "
                          "Попробуйте позже.", field="amount")


def _mark_failed(payment_id: int, exc: gateway.GatewayError) -> None:
    log.warning("payment %s could not be created at YooKassa: %s", payment_id, exc)
    with session_scope() as session:
        payment = lock_payment(session, payment_id)
        if payment.status == PaymentStatus.NEW:
            payment.status = PaymentStatus.FAILED
            session.add(payment)
            pricing.release_reservation(session, payment_id=payment_id)


# --- settling ----------------------------------------------------------------------------

def _snapshot(*, payment_id: int | None = None, yookassa_id: str | None = None) -> _Snapshot | None:
    with session_scope() as session:
        if payment_id is not None:
            payment = session.get(Payment, payment_id)
        elif yookassa_id:
            payment = session.exec(select(Payment).where(Payment.yookassa_id == yookassa_id)).first()
        else:
            payment = None
        return _Snapshot.of(payment) if payment is not None else None


def _fetch(yookassa_id: str) -> gateway.GatewayPayment:
    try:
        return gateway.fetch_payment(yookassa_id)
    except gateway.GatewayNotFound as exc:
        raise DomainError("payment_not_found", "Платёж не найден") from exc


def _our_id(remote: gateway.GatewayPayment) -> int | None:
    raw = remote.metadata.get("payment_id", "")
    return int(raw) if raw.isdigit() else None


def _check_matches(local: _Snapshot, remote: gateway.GatewayPayment) -> None:
    problems = []
    if local.yookassa_id and local.yookassa_id != remote.id:
        problems.append(f"id {remote.id} != {local.yookassa_id}")
    if _our_id(remote) != local.id or remote.metadata.get("user_id") != str(local.user_id):
        problems.append(f"metadata {dict(remote.metadata)}")
    if remote.amount != local.amount or remote.currency != local.currency:
        problems.append(f"amount {remote.amount} {remote.currency} != {local.amount} {local.currency}")
    if problems:
        log.error("payment %s does not match YooKassa's %s: %s", local.id, remote.id, "; ".join(problems))
        flag_for_review(local.id, f"ЮKassa сообщает другие данные платежа {remote.id}: "
                                  + "; ".join(problems))
        raise DomainError("payment_mismatch", "Данные платежа не совпадают с заказом")


def flag_for_review(payment_id: int, reason: str) -> None:
    """Nothing is credited; a person looks at it in «Платежи» (reconciliation skips it)."""
    with session_scope() as session:
        payment = lock_payment(session, payment_id)
        if payment.settled_at is None and not payment.review_reason:
            payment.review_reason = reason[:300]
            session.add(payment)


def settle_payment(*, payment_id: int | None = None, yookassa_id: str | None = None) -> SettleResult:
    """Bring our payment in line with YooKassa and apply it once. Raises DomainError
    (`payment_not_found`, `payment_mismatch`) or gateway.GatewayError (try again later)."""
    local = _snapshot(payment_id=payment_id, yookassa_id=yookassa_id)
    remote = None
    if local is None:
        if not yookassa_id:
            raise DomainError("payment_not_found", "Платёж не найден")
        # Not yet linked on our side (or not ours): the metadata names our record.
        remote = _fetch(yookassa_id)
        our_id = _our_id(remote)
        local = _snapshot(payment_id=our_id) if our_id is not None else None
        if local is None:
            raise DomainError("payment_not_found", "Платёж не найден")
    if local.settled:
        return local.result()
    if remote is None:
        known_id = local.yookassa_id or yookassa_id
        if not known_id:
            return local.result()  # never reached YooKassa: nothing to ask about
        remote = _fetch(known_id)
    _check_matches(local, remote)
    if remote.status == PaymentStatus.WAITING_FOR_CAPTURE:
        remote = gateway.capture_payment(remote.id, amount=local.amount,
                                         idempotence_key=f"capture-{local.idempotence_key}")
        _check_matches(local, remote)
    return _apply(local.id, remote)


def settle_answer(*, payment_id: int, remote: gateway.GatewayPayment) -> SettleResult:
    """Apply YooKassa's own answer to our create call (an autopayment is final at once:
    succeeded or canceled), without asking again. A webhook is untrusted and is re-fetched;
    this answer came back on our own authenticated request, so it is what YooKassa says."""
    local = _snapshot(payment_id=payment_id)
    if local is None:
        raise DomainError("payment_not_found", "Платёж не найден")
    if local.settled:
        return local.result()
    _check_matches(local, remote)
    if remote.status not in ("succeeded", "canceled"):
        return settle_payment(payment_id=payment_id, yookassa_id=remote.id)
    return _apply(local.id, remote)


def lock_payment(session: Session, payment_id: int) -> Payment:
    payment = lock_row(session, Payment, payment_id)
    if payment is None:
        raise NoResultFound(f"payment {payment_id}")
    return payment


def _apply(payment_id: int, remote: gateway.GatewayPayment) -> SettleResult:
    with session_scope() as session:
        payment = lock_payment(session, payment_id)
        if payment.settled_at is not None:
            return _Snapshot.of(payment).result()
        payment.yookassa_id = payment.yookassa_id or remote.id
        applied = False
        if remote.status == PaymentStatus.SUCCEEDED:
            applied = _book_success(session, payment)
            if remote.method is not None and remote.method.saved:
                payment_methods.remember_method(session, user_id=payment.user_id, method=remote.method)
        elif remote.status == PaymentStatus.CANCELED:
            payment.status = PaymentStatus.CANCELED
            payment.cancellation_reason = gateway.describe_cancellation(remote.cancellation_reason)[:64]
            payment.settled_at = utcnow()
            pricing.release_reservation(session, payment_id=pk(payment))
        elif remote.status in OPEN_STATUSES and payment.status not in (PaymentStatus.CANCELED, PaymentStatus.FAILED):
            # A payment we closed stays closed until YooKassa says it is paid or canceled.
            payment.status = remote.status
        session.add(payment)
        session.flush()
        return _Snapshot.of(payment).result(applied=applied)


def _book_success(session: Session, payment: Payment) -> bool:
    what = "Пополнение баланса" if payment.purpose == PaymentPurpose.TOPUP else payment.description
    entry = billing.credit(session, user_id=payment.user_id, amount=payment.amount, kind=LedgerKind.TOPUP,
                           description=f"{what} через YooKassa (платёж №{payment.id})",
                           reference=f"payment:{payment.id}")
    payment.status = PaymentStatus.SUCCEEDED
    payment.cancellation_reason = ""
    payment.settled_at = utcnow()
    session.add(payment)
    if entry is None:  # booked before: the lock makes this a backstop only
        return False
    delivered = _fulfil(session, payment)
    if not delivered and payment.purpose != "autopay":  # an autopayment's renewal email says it
        pricing.release_reservation(session, payment_id=pk(payment))  # no discounted delivery
        user = session.get(User, payment.user_id)
        if user is None:  # the payment's customer (a foreign key), locked by the credit above
            raise NotFound("Клиент не найден")
        queue_email(session, template="topup_received", to=user.email,
                    context={"name": user.name, "amount": payment.amount, "balance": user.balance,
                             "note": payment.customer_note},
                    dedupe_key=f"topup_received:{payment.id}")
    return True


def _fulfil(session: Session, payment: Payment) -> bool:
    """Buy or renew what was paid for, in this transaction. If that is impossible the
    money simply stays on the balance (a savepoint undoes the partial work)."""
    fulfil = fulfiller_for(payment.purpose)
    if fulfil is None:
        return False
    try:
        with session.begin_nested():
            license_id = fulfil(session, payment)
    except DomainError as exc:
        log.warning("payment %s could not be fulfilled (%s); money left on the balance", payment.id, exc)
        return False
    if license_id is None:
        return False
    payment.license_id = license_id
    session.add(payment)
    return True


# --- the return page ---------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: int
    status: str  # new | pending | waiting_for_capture | succeeded | canceled | failed
    purpose: str
    amount: int
    balance: int
    license_id: int | None
    cancellation_reason: str
    note: str = ""  # what happened beyond the money (a held renewal)


def _delivered_license_id(payment: Payment) -> int | None:
    """The license this payment bought or renewed; none when the renewal was held (a note
    says why) — the order still names the license it was for."""
    return payment.license_id if not payment.customer_note else None


def _claim_check(payment_id: int) -> bool:
    """True for the one caller allowed to ask YooKassa about this payment now; pages
    that watch the same payment meanwhile read our record only."""
    now = utcnow()
    with session_scope() as session:
        claimed = session.exec(
            update(Payment)
            .where(col(Payment.id) == payment_id,
                   or_(col(Payment.last_checked_at).is_(None),
                       col(Payment.last_checked_at) <= now - CHECK_INTERVAL))
            .values(last_checked_at=now)
        )
        return claimed.rowcount == 1


def check_payment(*, user_id: int, payment_id: int) -> PaymentOutcome:
    """The customer's own payment, asked about at YooKassa if still open, so a late
    webhook does not leave them waiting. Someone else's payment is "Не найдено"."""
    local = _snapshot(payment_id=payment_id)
    if local is None or local.user_id != user_id:
        raise NotFound("Платёж не найден")
    if not local.settled and local.status in (*OPEN_STATUSES, PaymentStatus.CANCELED) and _claim_check(payment_id):
        try:
            settle_payment(payment_id=payment_id)
        except gateway.GatewayError as exc:
            log.info("payment %s: YooKassa unavailable, still waiting (%s)", payment_id, exc)
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        user = session.get(User, user_id)
        if payment is None or user is None:  # read above; payments and customers are never deleted
            raise NotFound("Платёж не найден")
        return PaymentOutcome(payment_id=pk(payment), status=payment.status, purpose=payment.purpose,
                              amount=payment.amount, balance=user.balance,
                              license_id=_delivered_license_id(payment),
                              cancellation_reason=payment.cancellation_reason, note=payment.customer_note)


@dataclass(frozen=True)
class PaymentInfo:
    id: int
    status: str
    amount: int
    purpose: str
    created_at: datetime
    confirmation_url: str
    license_id: int | None


def payment_info(*, user_id: int, payment_id: int, refresh: bool = False) -> PaymentInfo:
    """The customer's own payment as the REST API shows it; `refresh` first asks YooKassa
    about an open one, like the return page does (`check_payment`)."""
    if refresh:
        check_payment(user_id=user_id, payment_id=payment_id)
    with session_scope() as session:
        p = session.get(Payment, payment_id)
        if p is None or p.user_id != user_id:
            raise NotFound("Платёж не найден")
        return PaymentInfo(id=pk(p), status=p.status, amount=p.amount, purpose=p.purpose,
                           created_at=as_utc(p.created_at), confirmation_url=p.confirmation_url,
                           license_id=_delivered_license_id(p))
