"""Licenses: buying a tariff, renewing, the auto-renewal switch, deleting, the customer's servers.

Every public function is one transaction (or runs inside the caller's, when it takes a
`session`) and checks that the license belongs to the customer: someone else's license is
"Не найдено" and nothing changes. Money moves only through `billing`. Renewals lock the
license, then the customer (the order the auto-renewal pass uses); a paid YooKassa order
arrives with the customer already locked by the payments service.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import lock_row, session_scope
from ispgo_portal.models import (
    LedgerEntry,
    License,
    LicenseActivation,
    Payment,
    PromoRedemption,
    Tariff,
    User,
    pk,
)
from ispgo_portal.models.enums import LedgerKind, LicenseStatus, PaymentPurpose
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.licensing.admin import is_admin_suspension
from ispgo_portal.services.licensing.keys import new_unique_license_key
from ispgo_portal.services.licensing.views import (  # noqa: F401 - list_licenses is re-exported
    DELETABLE_STATUSES,
    effective_status,
    list_licenses,
)
from ispgo_portal.services.mail.notifications import queue_email

if TYPE_CHECKING:
    from ispgo_portal.services.billing.payments import PaymentStart

log = logging.getLogger(__name__)

# Said to the customer when a paid renewal is not delivered because an admin suspended the
# license after the order was placed.
HELD_RENEWAL_NOTE = ("Лицензия приостановлена администратором, поэтому продление не выполнено. "
                     "Оплата зачислена на баланс; чтобы узнать подробности, создайте тикет "
                     "в категории «Лицензия».")

# --- small shared rules ------------------------------------------------------------------

def _lock_license(session: Session, license_id: int) -> License | None:
    return lock_row(session, License, license_id)


def _owned_license(session: Session, *, user_id: int, license_id: int, lock: bool = False) -> License:
    lic = _lock_license(session, license_id) if lock else session.get(License, license_id)
    if lic is None or lic.user_id != user_id:
        raise NotFound()
    return lic


def _tariff_for_sale(session: Session, tariff_id: int) -> Tariff:
    tariff = session.get(Tariff, tariff_id)
    if tariff is None or not tariff.is_active:
        raise DomainError("tariff_not_found", "Тариф не найден или больше не продаётся")
    return tariff


def _tariff_of(session: Session, lic: License) -> Tariff:
    """The license's tariff, on sale or archived (a tariff is never deleted, so it is there)."""
    tariff = session.get(Tariff, lic.tariff_id)
    if tariff is None:
        raise NotFound("Тариф не найден")
    return tariff


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Клиент не найден")
    return user


def _describe(action: str, tariff: Tariff, price: pricing.Quote) -> str:
    text = f"{action} «{tariff.name}», {tariff.period_days} дн."
    return f"{text} ({price.explanation})" if price.discount_source else text


def _create_license(session: Session, *, user_id: int, tariff: Tariff) -> License:
    now = utcnow()
    lic = License(user_id=user_id, tariff_id=pk(tariff), key=new_unique_license_key(session),
                  status=LicenseStatus.ACTIVE, starts_at=now, expires_at=now + timedelta(days=tariff.period_days),
                  created_at=now)
    session.add(lic)
    session.flush()
    return lic


def _extend(session: Session, lic: License, tariff: Tariff) -> None:
    _extend_term(lic, tariff)
    session.add(lic)
    session.flush()


def _extend_term(lic: License, tariff: Tariff) -> None:
    """Manual or automatic renewal: from max(now, expiry), and the license works again —
    unless an admin suspended it: paying must not lift what an admin decided."""
    now = utcnow()
    lic.expires_at = max(now, as_utc(lic.expires_at)) + timedelta(days=tariff.period_days)
    if not is_admin_suspension(lic):
        lic.status = LicenseStatus.ACTIVE
        lic.status_reason = ""
        lic.suspended_by = None


def _renewable_license(session: Session, *, user_id: int, license_id: int, lock: bool = False) -> License:
    """The customer's own license, if the customer may renew it: an admin's suspension is
    not something paying lifts."""
    lic = _owned_license(session, user_id=user_id, license_id=license_id, lock=lock)
    if is_admin_suspension(lic):
        raise DomainError(
            "suspended_by_admin",
            "Лицензия приостановлена администратором — продление недоступно. "
            "Создайте тикет в категории «Лицензия», чтобы узнать подробности.",
        )
    return lic


def _queue_bought(session: Session, *, user: User, tariff: Tariff, lic: License) -> None:
    queue_email(session, template="license_bought", to=user.email,
                context={"name": user.name, "tariff": tariff.name, "key": lic.key,
                         "expires_at": as_utc(lic.expires_at)},
                dedupe_key=f"license_bought:{lic.id}")


# --- buying ------------------------------------------------------------------------------

def quote_purchase(*, user_id: int, tariff_id: int, promo_code: str = "") -> pricing.Quote:
    """The price breakdown shown before buying; an unusable promo code raises (field='promo')."""
    with session_scope() as session:
        return pricing.quote(session, user=_user(session, user_id),
                             tariff=_tariff_for_sale(session, tariff_id), promo_code=promo_code)


def buy_from_balance(*, user_id: int, tariff_id: int, promo_code: str = "") -> int:
    """Charge the price (balance, then credit) and create an active license; its id.
    Too little money raises insufficient_funds and changes nothing."""
    with session_scope() as session:
        user = billing.lock_user(session, user_id)
        tariff = _tariff_for_sale(session, tariff_id)
        price = pricing.quote(session, user=user, tariff=tariff, promo_code=promo_code)
        lic = _create_license(session, user_id=user_id, tariff=tariff)
        billing.charge(session, user_id=user_id, amount=price.final_price, kind=LedgerKind.PURCHASE,
                       description=_describe("Покупка лицензии", tariff, price),
                       reference=f"purchase:license:{lic.id}")
        if price.promo_code_id:
            pricing.redeem_promo(session, promo_code_id=price.promo_code_id, user_id=user_id,
                                 license_id=lic.id)
        _queue_bought(session, user=user, tariff=tariff, lic=lic)
        return pk(lic)


def buy_by_yookassa(*, user_id: int, tariff_id: int, promo_code: str = "") -> str:
    """Start a YooKassa payment for the tariff; the license appears when it succeeds
    (`fulfil_payment`). Returns the URL to send the customer to."""
    return _next_url(order_purchase(user_id=user_id, tariff_id=tariff_id, promo_code=promo_code))


def order_purchase(*, user_id: int, tariff_id: int, promo_code: str = "",
                   return_url: str = "") -> PaymentStart | int:
    """`buy_by_yookassa` for callers that need the payment: the started payment, or the new
    license's id when the purchase is free (100 % discount) and was completed at once."""
    with session_scope() as session:
        user = _user(session, user_id)
        tariff = _tariff_for_sale(session, tariff_id)
        price = pricing.quote(session, user=user, tariff=tariff, promo_code=promo_code)
        description = f"Лицензия ISPGo «{tariff.name}», {tariff.period_days} дн."
    if price.final_price == 0:
        return buy_from_balance(user_id=user_id, tariff_id=tariff_id, promo_code=promo_code)
    return _start_payment(user_id=user_id, amount=price.final_price, purpose=PaymentPurpose.PURCHASE,
                          description=description, tariff_id=tariff_id, license_id=None,
                          promo_code_id=price.promo_code_id, return_url=return_url)


def _next_url(outcome: PaymentStart | int) -> str:
    if isinstance(outcome, int):
        return f"/licenses?highlight={outcome}"
    return outcome.confirmation_url


def _start_payment(*, user_id: int, amount: int, purpose: str, description: str, tariff_id: int,
                   license_id: int | None, promo_code_id: int | None, return_url: str = "") -> PaymentStart:
    from ispgo_portal.services.billing.payments import start_payment

    return start_payment(user_id=user_id, amount=amount, purpose=purpose, description=description,
                         receipt_item=description, tariff_id=tariff_id, license_id=license_id,
                         promo_code_id=promo_code_id, return_url=return_url)


def fulfil_payment(session: Session, payment: Payment) -> int | None:
    """Called by the payments service in its transaction right after it credited the paid
    amount: charge it back as the purchase or renewal and create or renew the license.
    Runs at most once per payment (ledger reference `fulfil:<payment id>`). Returns the
    license id, or None when there is nothing to deliver (the money then stays on the balance)."""
    reference = f"fulfil:{payment.id}"
    user = billing.lock_user(session, payment.user_id)
    if billing.reference_exists(session, reference):
        return payment.license_id
    if payment.purpose == PaymentPurpose.PURCHASE:
        lic, tariff = _fulfil_purchase(session, payment=payment, user=user, reference=reference)
    elif payment.purpose == PaymentPurpose.RENEWAL:
        lic, tariff = _fulfil_renewal(session, payment=payment, user=user, reference=reference)
    else:
        return None
    if lic is None or tariff is None:
        return None
    if payment.promo_code_id:
        _redeem_paid_promo(session, payment=payment, promo_code_id=payment.promo_code_id,
                           license_id=pk(lic))
    return pk(lic)


def _can_pay(user: User, amount: int, payment: Payment) -> bool:
    if billing.funds_of(user).available >= amount:
        return True
    # Only possible if money was taken out of reach since the order (an admin correction):
    # keep the paid money on the balance rather than lose the notification.
    log.warning("payment %s: funds too low to fulfil, money left on the balance", payment.id)
    return False


def _fulfil_purchase(session: Session, *, payment: Payment, user: User,
                     reference: str) -> tuple[License | None, Tariff | None]:
    # An archived tariff is still delivered: the customer paid for it while it was on sale.
    tariff = session.get(Tariff, payment.tariff_id) if payment.tariff_id else None
    if tariff is None or not _can_pay(user, payment.amount, payment):
        return None, None
    lic = _create_license(session, user_id=pk(user), tariff=tariff)
    billing.charge(session, user_id=pk(user), amount=payment.amount, kind=LedgerKind.PURCHASE,
                   description=f"Покупка лицензии «{tariff.name}», {tariff.period_days} дн. (YooKassa)",
                   reference=reference)
    payment.license_id = lic.id  # the return page highlights it
    session.add(payment)
    _queue_bought(session, user=user, tariff=tariff, lic=lic)
    return lic, tariff


def _fulfil_renewal(session: Session, *, payment: Payment, user: User,
                    reference: str) -> tuple[License | None, Tariff | None]:
    lic = _lock_license(session, payment.license_id) if payment.license_id else None
    if lic is None or lic.user_id != user.id or not _can_pay(user, payment.amount, payment):
        return None, None  # deleted meanwhile: the payment simply tops up the balance
    if is_admin_suspension(lic):
        # Suspended by an admin after the order was placed: paying must not extend what an
        # admin stopped. The money stays on the balance and the customer is told why.
        payment.customer_note = HELD_RENEWAL_NOTE
        session.add(payment)
        log.warning("payment %s: license %s is suspended by an admin, renewal held", payment.id, lic.id)
        return None, None
    tariff = _tariff_of(session, lic)
    billing.charge(session, user_id=pk(user), amount=payment.amount, kind=LedgerKind.RENEWAL,
                   description=f"Продление лицензии «{tariff.name}», {tariff.period_days} дн. (YooKassa)",
                   reference=reference)
    _extend(session, lic, tariff)
    return lic, tariff


def _redeem_paid_promo(session: Session, *, payment: Payment, promo_code_id: int,
                       license_id: int) -> None:
    """The order held its use since it was created; that use is now redeemed. An order
    closed as unpaid gave its use back, and if it is paid after all the price is honoured:
    the use is counted again if the code still allows it."""
    if pricing.confirm_reservation(session, payment_id=pk(payment), license_id=license_id):
        return
    try:
        with session.begin_nested():
            pricing.redeem_promo(session, promo_code_id=promo_code_id, user_id=payment.user_id,
                                 license_id=license_id)
    except (DomainError, IntegrityError) as exc:
        log.info("promo %s not counted for user %s: %s", promo_code_id, payment.user_id, exc)


# --- renewing ----------------------------------------------------------------------------

def renewal_quote(session: Session, *, license_id: int) -> pricing.Quote:
    """Auto-renewal price: the tariff price with the customer's individual discount, no promo."""
    lic = session.get(License, license_id)
    if lic is None:
        raise NotFound()
    return pricing.quote(session, user=_user(session, lic.user_id), tariff=_tariff_of(session, lic))


def renew_license(session: Session, *, license_id: int, reference: str) -> LedgerEntry:
    """Auto-renewal inside the caller's transaction: charge the renewal price (balance, then
    credit) under `reference` and extend the term. Short of money: DomainError
    ('insufficient_funds') and nothing changes. A reference already booked returns its entry
    without charging again."""
    lic = _lock_license(session, license_id)
    if lic is None:
        raise NotFound()
    user = billing.lock_user(session, lic.user_id)
    existing = session.exec(select(LedgerEntry).where(LedgerEntry.reference == reference)).first()
    if existing is not None:
        return existing
    entry = _charge_renewal(session, lic=lic, user=user, tariff=_tariff_of(session, lic),
                            reference=reference)
    session.flush()
    return entry


def renew_locked_license(session: Session, *, lic: License, tariff: Tariff, reference: str,
                         owner: User | None = None) -> LedgerEntry:
    """`renew_license` for a license the caller has already locked (FOR UPDATE) in this
    transaction, with its tariff: locks the owner (waiting for it, license → customer as
    everywhere), charges under `reference` and extends the term. Short of money:
    DomainError('insufficient_funds') and nothing changes. The changed rows are written at
    the session's next flush (at the latest the commit), all in one.

    It does not look the reference up first: the ledger's unique `reference` refuses a
    second booking (IntegrityError; the caller's transaction rolls back, nothing is charged).
    For the auto-renewal pass that never happens in normal work — its reference names the
    term end, and booking it moves the term end in the same transaction, so a license still
    due at that term end cannot have it booked.

    `owner`: the license's owner when the caller has locked that row too (the pass locks both
    in one statement); otherwise it is locked here."""
    user = owner if owner is not None and owner.id == lic.user_id else billing.lock_user(session, lic.user_id)
    return _charge_renewal(session, lic=lic, user=user, tariff=tariff, reference=reference)


def _charge_renewal(session: Session, *, lic: License, user: User, tariff: Tariff, reference: str) -> LedgerEntry:
    """License and owner are locked by the caller; nothing is flushed here."""
    price = pricing.quote(session, user=user, tariff=tariff)
    entry = billing.charge_locked(session, user=user, amount=price.final_price, kind=LedgerKind.RENEWAL,
                                  description=_describe("Автопродление лицензии", tariff, price),
                                  reference=reference)
    _extend_term(lic, tariff)
    return entry


def quote_renewal(*, user_id: int, license_id: int, promo_code: str = "") -> pricing.Quote:
    with session_scope() as session:
        lic = _renewable_license(session, user_id=user_id, license_id=license_id)
        return pricing.quote(session, user=_user(session, user_id),
                             tariff=_tariff_of(session, lic), promo_code=promo_code)


def renew_from_balance(*, user_id: int, license_id: int, promo_code: str = "") -> datetime:
    """Manual renewal paid from the balance (then credit); returns the new expiry."""
    with session_scope() as session:
        lic = _renewable_license(session, user_id=user_id, license_id=license_id, lock=True)
        user = billing.lock_user(session, user_id)
        tariff = _tariff_of(session, lic)
        price = pricing.quote(session, user=user, tariff=tariff, promo_code=promo_code)
        reference = f"renewal:manual:{lic.id}:{uuid.uuid4().hex}"
        billing.charge(session, user_id=user_id, amount=price.final_price, kind=LedgerKind.RENEWAL,
                       description=_describe("Продление лицензии", tariff, price), reference=reference)
        _extend(session, lic, tariff)
        if price.promo_code_id:
            pricing.redeem_promo(session, promo_code_id=price.promo_code_id, user_id=user_id,
                                 license_id=lic.id)
        queue_email(session, template="license_renewed", to=user.email,
                    context={"name": user.name, "tariff": tariff.name, "key": lic.key,
                             "amount": price.final_price, "expires_at": as_utc(lic.expires_at),
                             "automatic": False},
                    dedupe_key=f"license_renewed:{reference}")
        return as_utc(lic.expires_at)


def renew_by_yookassa(*, user_id: int, license_id: int, promo_code: str = "") -> str:
    """Start a YooKassa payment renewing this license; the URL to send the customer to."""
    return _next_url(order_renewal(user_id=user_id, license_id=license_id, promo_code=promo_code))


def order_renewal(*, user_id: int, license_id: int, promo_code: str = "",
                  return_url: str = "") -> PaymentStart | int:
    """`renew_by_yookassa` for callers that need the payment: the started payment, or the
    license id when the renewal is free and was completed at once."""
    with session_scope() as session:
        lic = _renewable_license(session, user_id=user_id, license_id=license_id)
        tariff = _tariff_of(session, lic)
        price = pricing.quote(session, user=_user(session, user_id), tariff=tariff, promo_code=promo_code)
        description = f"Продление лицензии ISPGo «{tariff.name}», {tariff.period_days} дн."
    if price.final_price == 0:
        renew_from_balance(user_id=user_id, license_id=license_id, promo_code=promo_code)
        return license_id
    return _start_payment(user_id=user_id, amount=price.final_price, purpose=PaymentPurpose.RENEWAL,
                          description=description, tariff_id=pk(tariff), license_id=license_id,
                          promo_code_id=price.promo_code_id, return_url=return_url)


# --- managing ----------------------------------------------------------------------------

def set_auto_renew(*, user_id: int, license_id: int, enabled: bool) -> None:
    with session_scope() as session:
        lic = _owned_license(session, user_id=user_id, license_id=license_id, lock=True)
        lic.auto_renew = bool(enabled)
        session.add(lic)


def delete_license(*, user_id: int, license_id: int) -> None:
    """Only an expired or suspended license can be deleted, by its owner. Its servers go with
    it; payments and promo uses stay in the history without the link."""
    with session_scope() as session:
        lic = _owned_license(session, user_id=user_id, license_id=license_id, lock=True)
        if effective_status(lic.status, lic.expires_at) not in DELETABLE_STATUSES:
            raise DomainError("license_active",
                              "Удалить можно только истёкшую или приостановленную лицензию")
        session.exec(delete(LicenseActivation).where(col(LicenseActivation.license_id) == lic.id))
        session.exec(update(PromoRedemption).where(col(PromoRedemption.license_id) == lic.id)
                     .values(license_id=None))
        session.exec(update(Payment).where(col(Payment.license_id) == lic.id).values(license_id=None))
        session.delete(lic)


def deactivate_server(*, user_id: int, license_id: int, activation_id: int) -> None:
    """Free a server slot from the portal (the panel on that server stops validating)."""
    with session_scope() as session:
        lic = _owned_license(session, user_id=user_id, license_id=license_id, lock=True)
        activation = session.get(LicenseActivation, activation_id)
        if activation is None or activation.license_id != lic.id:
            raise NotFound()
        session.delete(activation)
