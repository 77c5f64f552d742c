"""Prices: the tariff price less the larger of the individual discount and a promo code.

Discount and promo code never add up; the result is rounded half-up to the kopeck.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlalchemy.exc import NoResultFound
from sqlmodel import Session, col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import lock_row
from ispgo_portal.models import PromoCode, PromoRedemption, Tariff, User, pk
from ispgo_portal.money import apply_percent_off
from ispgo_portal.services.errors import DomainError

RESERVED = "reserved"  # held by an unpaid YooKassa order
REDEEMED = "redeemed"


@dataclass(frozen=True)
class Quote:
    base_price: int
    discount_percent: int  # the one applied (0 if none)
    discount_source: str  # "" | "individual" | "promo"
    final_price: int
    promo_code_id: int | None  # set only when the promo code is what gets applied
    promo_percent: int = 0  # the promo's own percent, when a valid code was given
    individual_percent: int = 0

    @property
    def discount_amount(self) -> int:
        return self.base_price - self.final_price

    @property
    def explanation(self) -> str:
        if self.discount_source == "promo":
            return f"Промокод: −{self.discount_percent}%"
        if self.discount_source == "individual":
            if self.promo_percent:
                return (f"Индивидуальная скидка −{self.discount_percent}% больше промокода "
                        f"(−{self.promo_percent}%); скидки не суммируются")
            return f"Индивидуальная скидка: −{self.discount_percent}%"
        return "Без скидки"


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


def find_valid_promo(session: Session, *, code: str, user_id: int, tariff_id: int) -> PromoCode:
    """The promo code if this customer may use it on this tariff now; DomainError otherwise."""
    code = normalize_code(code)
    promo = session.exec(select(PromoCode).where(func.upper(PromoCode.code) == code)).first()
    if promo is None or not promo.is_active:
        raise DomainError("promo_not_found", "Промокод не найден или отключён", field="promo")
    now = utcnow()
    if promo.valid_from and as_utc(promo.valid_from) > now:
        raise DomainError("promo_not_started", "Промокод ещё не действует", field="promo")
    if promo.valid_until and as_utc(promo.valid_until) < now:
        raise DomainError("promo_expired", "Срок действия промокода истёк", field="promo")
    if promo.max_uses and promo.uses_count >= promo.max_uses:
        raise DomainError("promo_exhausted", "Промокод больше не действует: исчерпан лимит использований",
                          field="promo")
    allowed = {int(x) for x in promo.tariff_ids.split(",") if x.strip()}
    if allowed and tariff_id not in allowed:
        raise DomainError("promo_wrong_tariff", "Промокод не действует для этого тарифа", field="promo")
    _check_not_used(_use_of(session, promo_code_id=pk(promo), user_id=user_id))
    return promo


def _use_of(session: Session, *, promo_code_id: int, user_id: int) -> PromoRedemption | None:
    return session.exec(
        select(PromoRedemption).where(
            PromoRedemption.promo_code_id == promo_code_id, PromoRedemption.user_id == user_id
        )
    ).first()


def _check_not_used(use: PromoRedemption | None) -> None:
    if use is None:
        return
    if use.status == RESERVED:
        raise DomainError("promo_reserved",
                          "Промокод уже применён к неоплаченному заказу: оплатите его или дождитесь "
                          "его отмены (неоплаченный заказ отменяется через час)", field="promo")
    raise DomainError("promo_already_used", "Вы уже использовали этот промокод", field="promo")


def quote(session: Session, *, user: User, tariff: Tariff, promo_code: str = "") -> Quote:
    """Price for this customer; an invalid promo code raises DomainError (field='promo')."""
    promo = (
        find_valid_promo(session, code=promo_code, user_id=pk(user), tariff_id=pk(tariff))
        if normalize_code(promo_code)
        else None
    )
    individual = max(0, min(100, user.discount_percent))
    promo_pct = max(0, min(100, promo.percent)) if promo else 0
    if promo is not None and promo_pct > individual:
        percent, source, promo_id = promo_pct, "promo", promo.id
    elif individual > 0:
        percent, source, promo_id = individual, "individual", None
    else:
        percent, source, promo_id = 0, "", None
    return Quote(
        base_price=tariff.price,
        discount_percent=percent,
        discount_source=source,
        final_price=apply_percent_off(tariff.price, percent),
        promo_code_id=promo_id,
        promo_percent=promo_pct,
        individual_percent=individual,
    )


def _lock_promo(session: Session, promo_code_id: int) -> PromoCode:
    """The promo row locked for the rest of the transaction, read afresh: a copy loaded
    earlier in this session (the quote loads it) would carry a stale `uses_count`.

    FOR NO KEY UPDATE: an order row that names the promo (a foreign key) holds a key-share
    lock on it until its transaction ends; a plain FOR UPDATE would wait for that, and two
    orders of the same code would wait for each other."""
    promo = lock_row(session, PromoCode, promo_code_id, key_share=True)
    if promo is None:
        raise NoResultFound(f"promo code {promo_code_id}")
    return promo


def _take_use(session: Session, *, promo_code_id: int, user_id: int, license_id: int | None,
              payment_id: int | None, status: str) -> None:
    """Count one use under the promo's lock: the total limit and one use per customer are
    checked by whoever holds the lock, so parallel orders cannot both pass."""
    promo = _lock_promo(session, promo_code_id)
    if promo.max_uses and promo.uses_count >= promo.max_uses:
        raise DomainError("promo_exhausted", "Промокод больше не действует: исчерпан лимит использований",
                          field="promo")
    _check_not_used(_use_of(session, promo_code_id=promo_code_id, user_id=user_id))
    promo.uses_count += 1
    session.add(promo)
    session.add(PromoRedemption(promo_code_id=promo_code_id, user_id=user_id, license_id=license_id,
                                payment_id=payment_id, status=status))
    session.flush()


def redeem_promo(session: Session, *, promo_code_id: int, user_id: int, license_id: int | None) -> None:
    """Record the use (unique per customer) and count it, atomically with the purchase.
    Raises DomainError if the limit was reached by a concurrent purchase."""
    _take_use(session, promo_code_id=promo_code_id, user_id=user_id, license_id=license_id,
              payment_id=None, status=REDEEMED)


def reserve_promo(session: Session, *, promo_code_id: int, user_id: int, payment_id: int) -> None:
    """Hold a use for a YooKassa order from the moment it is created: the price is quoted
    with the code, so the code must still be ours when the money arrives. Raises DomainError
    when the limit is reached or the customer has used (or holds) it already."""
    _take_use(session, promo_code_id=promo_code_id, user_id=user_id, license_id=None,
              payment_id=payment_id, status=RESERVED)


def _reservation(session: Session, payment_id: int) -> PromoRedemption | None:
    return session.exec(
        select(PromoRedemption).where(PromoRedemption.payment_id == payment_id,
                                      PromoRedemption.status == RESERVED)
    ).first()


def confirm_reservation(session: Session, *, payment_id: int, license_id: int) -> bool:
    """The order was paid and delivered: its held use becomes a redemption. False if the
    order holds none (released when it was closed as unpaid)."""
    use = _reservation(session, payment_id)
    if use is None:
        return False
    use.status = REDEEMED
    use.license_id = license_id
    session.add(use)
    session.flush()
    return True


def release_reservation(session: Session, *, payment_id: int) -> bool:
    """The order will not be delivered (canceled, expired, failed): give its use back.
    Idempotent; False if it held none."""
    use = _reservation(session, payment_id)
    if use is None:
        return False
    promo = _lock_promo(session, use.promo_code_id)
    # Whoever releases the same order in parallel waited on the promo's lock: only the
    # one whose DELETE finds the row gives the use back.
    gone = session.exec(delete(PromoRedemption).where(col(PromoRedemption.id) == use.id,
                                                      col(PromoRedemption.status) == RESERVED))
    session.expunge(use)
    if not gone.rowcount:
        return False
    promo.uses_count = max(0, promo.uses_count - 1)
    session.add(promo)
    session.flush()
    return True
