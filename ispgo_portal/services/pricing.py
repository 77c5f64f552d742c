"""Prices: the tariff price less the larger of the individual discount and a promo code.

Discount and promo code never add up; the result is rounded half-up to the kopeck.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.models import PromoCode, PromoRedemption, Tariff, User
from ispgo_portal.money import apply_percent_off
from ispgo_portal.services.errors import DomainError


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
    used = session.exec(
        select(PromoRedemption.id).where(
            PromoRedemption.promo_code_id == promo.id, PromoRedemption.user_id == user_id
        )
    ).first()
    if used is not None:
        raise DomainError("promo_already_used", "Вы уже использовали этот промокод", field="promo")
    return promo


def quote(session: Session, *, user: User, tariff: Tariff, promo_code: str = "") -> Quote:
    """Price for this customer; an invalid promo code raises DomainError (field='promo')."""
    promo = (
        find_valid_promo(session, code=promo_code, user_id=user.id, tariff_id=tariff.id)
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


def redeem_promo(session: Session, *, promo_code_id: int, user_id: int, license_id: int | None) -> None:
    """Record the use (unique per customer) and count it, atomically with the purchase.
    Raises DomainError if the limit was reached by a concurrent purchase."""
    promo = session.exec(
        select(PromoCode).where(PromoCode.id == promo_code_id).with_for_update()
    ).one()
    if promo.max_uses and promo.uses_count >= promo.max_uses:
        raise DomainError("promo_exhausted", "Промокод больше не действует: исчерпан лимит использований",
                          field="promo")
    promo.uses_count += 1
    session.add(promo)
    session.add(PromoRedemption(promo_code_id=promo_code_id, user_id=user_id, license_id=license_id))
    session.flush()
