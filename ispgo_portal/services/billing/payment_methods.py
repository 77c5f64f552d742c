"""Saved cards («Способы оплаты») and the autopayment that renews a license from one.

A card is saved only when YooKassa's answer to a paid payment says `payment_method.saved`
(the customer ticked «Запомнить карту»); we keep what YooKassa reports and nothing else.

The autopayment is an ordinary top-up by `payment_method_id`, credited by
`payments.settle_payment` like any other (the ledger reference `payment:<id>` books it once).
Its idempotence key is built from the license and its term end, so one term can charge the
card at most once, whichever worker, retry or restart asks: the second ask reuses our payment
row and YooKassa answers the same key with the same payment. No lock is held during the HTTP
call: the renewal pass releases the license, charges, then takes the license again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment, PaymentMethod, User, pk
from ispgo_portal.payments import gateway
from ispgo_portal.services.errors import NotFound

log = logging.getLogger(__name__)

DECLINE_PAUSE = timedelta(days=1)  # a declined card is not charged again sooner
MIN_CHARGE = 100  # kopecks: YooKassa's smallest payment
AUTOPAY_DESCRIPTION = "Автоплатёж: продление лицензии"
CARD_TYPES_RU = {"bank_card": "Банковская карта", "yoo_money": "ЮMoney", "sbp": "СБП"}


@dataclass(frozen=True)
class MethodView:
    id: int
    type_label: str
    card_type: str
    last4: str
    expiry: str  # "12/2030", as YooKassa reports it
    is_autopay: bool
    declined_at: datetime | None
    decline_reason: str


def label_of(method: PaymentMethod) -> str:
    """How a card is named to its owner: «MasterCard *4477»."""
    name = method.card_type or CARD_TYPES_RU.get(method.method_type, method.method_type)
    return f"{name} *{method.last4}" if method.last4 else name


def remember_method(session: Session, *, user_id: int, method: gateway.SavedMethod) -> PaymentMethod | None:
    """Store a method YooKassa saved, in the settling transaction; the customer's first card
    becomes the autopay one. A method already stored is left as it is."""
    if not method.saved or not method.method_id:
        return None
    if session.exec(select(PaymentMethod.id).where(
            PaymentMethod.yookassa_method_id == method.method_id)).first() is not None:
        return None
    has_autopay = session.exec(select(PaymentMethod.id).where(
        PaymentMethod.user_id == user_id, col(PaymentMethod.is_autopay).is_(True))).first() is not None
    row = PaymentMethod(user_id=user_id, yookassa_method_id=method.method_id[:64],
                        method_type=method.type[:32] or "bank_card", card_type=method.card_type[:32],
                        last4=method.last4[-4:], expiry_month=method.expiry_month[:2],
                        expiry_year=method.expiry_year[:4], title=method.title[:120],
                        is_autopay=not has_autopay)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # the webhook and the return page settled it at once; one row is enough
    return row


def list_methods(*, user_id: int) -> list[MethodView]:
    with session_scope() as session:
        rows = session.exec(select(PaymentMethod).where(PaymentMethod.user_id == user_id)
                            .order_by(col(PaymentMethod.created_at), col(PaymentMethod.id))).all()
        return [MethodView(id=pk(r), type_label=CARD_TYPES_RU.get(r.method_type, r.method_type),
                           card_type=r.card_type, last4=r.last4,
                           expiry=f"{r.expiry_month}/{r.expiry_year}" if r.expiry_year else "",
                           is_autopay=r.is_autopay, declined_at=r.declined_at,
                           decline_reason=gateway.describe_cancellation(r.decline_reason)
                           if r.decline_reason else "")
                for r in rows]


def _own(session: Session, user_id: int, method_id: int) -> PaymentMethod:
    row = session.get(PaymentMethod, method_id) if isinstance(method_id, int) and method_id > 0 else None
    if row is None or row.user_id != user_id:
        raise NotFound("Карта не найдена")
    return row


def choose_autopay(*, user_id: int, method_id: int) -> None:
    """This card pays auto-renewals when the balance and credit are not enough."""
    with session_scope() as session:
        row = _own(session, user_id, method_id)
        session.exec(update(PaymentMethod).where(col(PaymentMethod.user_id) == user_id)
                     .values(is_autopay=False))
        row.is_autopay = True
        session.add(row)


def stop_autopay(*, user_id: int) -> None:
    """No card pays auto-renewals (the cards stay saved)."""
    with session_scope() as session:
        session.exec(update(PaymentMethod).where(col(PaymentMethod.user_id) == user_id)
                     .values(is_autopay=False))


def delete_method(*, user_id: int, method_id: int) -> None:
    """Forget a card: it is never charged again."""
    with session_scope() as session:
        session.delete(_own(session, user_id, method_id))


def autopay_card(session: Session, *, user_id: int, now: datetime) -> PaymentMethod | None:
    """The card auto-renewal may charge now: the chosen one, unless declined within a day."""
    row = session.exec(select(PaymentMethod).where(
        PaymentMethod.user_id == user_id, col(PaymentMethod.is_autopay).is_(True))).first()
    if row is None or (row.declined_at is not None and as_utc(row.declined_at) > now - DECLINE_PAUSE):
        return None
    return row


# --- the autopayment ---------------------------------------------------------------------

@dataclass(frozen=True)
class CardCharge:
    """What the renewal pass asks for: charge `amount` for this license's term."""

    license_id: int
    term_end: datetime
    user_id: int
    method_id: int
    amount: int


@dataclass(frozen=True)
class CardOutcome:
    paid: bool
    card: str  # «MasterCard *4477»
    reason: str = ""  # YooKassa's cancellation reason code, when declined
    removed: bool = False  # permission_revoked: the card is forgotten

    @property
    def reason_ru(self) -> str:
        return gateway.describe_cancellation(self.reason) if self.reason else ""


def charge_key(license_id: int, term_end: datetime) -> str:
    return f"autopay-{license_id}-{int(as_utc(term_end).timestamp())}"


def _claim_payment(charge: CardCharge) -> tuple[Payment, PaymentMethod, str] | None:
    """Our payment row for this term (made now, or the one an earlier attempt made), the
    card and the customer's email; None if the card is gone."""
    key = charge_key(charge.license_id, charge.term_end)
    with session_scope() as session:
        method = session.get(PaymentMethod, charge.method_id)
        user = session.get(User, charge.user_id)
        if method is None or user is None:
            return None
        payment = session.exec(select(Payment).where(Payment.idempotence_key == key)).first()
        if payment is None:
            payment = Payment(user_id=charge.user_id, purpose="autopay", amount=charge.amount, status="new",
                              idempotence_key=key, description=AUTOPAY_DESCRIPTION,
                              license_id=charge.license_id)
            try:
                with session.begin_nested():
                    session.add(payment)
                    session.flush()
            except IntegrityError:  # another worker made it a moment ago: use theirs
                payment = session.exec(select(Payment).where(Payment.idempotence_key == key)).one()
        session.expunge(payment)
        session.expunge(method)
        return payment, method, user.email


def charge_for_renewal(charge: CardCharge) -> CardOutcome | None:
    """Charge the card once for this license term and credit the money (exactly once).
    None if the card disappeared meanwhile. Raises gateway.GatewayError when YooKassa cannot
    be reached: nothing is decided, the next pass asks again with the same key."""
    from ispgo_portal.services.billing.payments import settle_answer  # payments imports us

    claimed = _claim_payment(charge)
    if claimed is None:
        return None
    payment, method, email = claimed
    card = label_of(method)
    if payment.settled_at is None:
        try:
            created = gateway.charge_saved_method(
                payment_id=pk(payment), user_id=payment.user_id, purpose="autopay",
                idempotence_key=payment.idempotence_key, amount=payment.amount,
                description=AUTOPAY_DESCRIPTION, customer_email=email, receipt_item="Пополнение баланса",
                payment_method_id=method.yookassa_method_id)
        except gateway.GatewayRejected as exc:
            # YooKassa refused the request itself (4xx): this term's charge is over. A method
            # it does not know any more is forgotten.
            gone = exc.parameter == "payment_method_id"
            _close_refused(pk(payment))
            reason = "permission_revoked" if gone else "payment_method_restricted"
            return CardOutcome(paid=False, card=card, reason=reason, removed=_record_decline(pk(method), reason))
        result = settle_answer(payment_id=pk(payment), remote=created)
        status, reason = result.status, ""
        if status == "canceled":
            reason = created.cancellation_reason
    else:
        status = payment.status
        reason = payment.cancellation_reason and _reason_code(payment.cancellation_reason)
    if status == "succeeded":
        return CardOutcome(paid=True, card=card)
    if status == "failed":
        return CardOutcome(paid=False, card=card, reason="payment_method_restricted")
    if status != "canceled":
        raise gateway.GatewayUnavailable("autopay_pending", f"payment {payment.id} is {status}")
    return CardOutcome(paid=False, card=card, reason=reason or "general_decline",
                       removed=_record_decline(pk(method), reason or "general_decline"))


def _close_refused(payment_id: int) -> None:
    with session_scope() as session:
        row = session.get(Payment, payment_id)
        if row is None:  # claimed a moment ago, and payments are never deleted
            raise NotFound("Платёж не найден")
        if row.settled_at is None:
            row.status, row.settled_at, row.updated_at = "failed", utcnow(), utcnow()
            session.add(row)


def _reason_code(described: str) -> str:
    """Our payment row keeps the Russian text; the code back for the outcome."""
    for code, text in gateway.CANCELLATION_REASONS_RU.items():
        if text[:64] == described:
            return code
    return "general_decline"


def _record_decline(method_id: int, reason: str) -> bool:
    """The card rests a day; after permission_revoked it is forgotten. True if removed."""
    with session_scope() as session:
        row = session.get(PaymentMethod, method_id)
        if row is None:
            return reason == "permission_revoked"
        if reason == "permission_revoked":
            session.delete(row)
            return True
        row.declined_at = utcnow()
        row.decline_reason = reason[:64]
        session.add(row)
        return False

