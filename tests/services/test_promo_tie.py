"""A promo code exactly as large as the individual discount: the individual discount is
applied, and the code is not spent (no use counted, no redemption row), so the customer can
still use it where it is worth more."""

from __future__ import annotations

from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, PromoCode, PromoRedemption
from ispgo_portal.services.licensing import licenses
from tests.services.test_pricing import make_promo, quote


def _uses(promo_id: int) -> tuple[int, int]:
    """(uses_count, redemption rows) of the promo."""
    with session_scope() as session:
        rows = session.exec(select(PromoRedemption).where(PromoRedemption.promo_code_id == promo_id)).all()
        return session.get(PromoCode, promo_id).uses_count, len(rows)


def test_tie_quotes_the_individual_discount_without_the_code(make_customer, make_tariff) -> None:
    make_promo(percent=20)
    result = quote(make_customer(discount=20), make_tariff(price=100_000), "spring")
    assert (result.final_price, result.discount_source, result.promo_code_id) == (80_000, "individual", None)


def test_tie_purchase_does_not_consume_the_promo(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=20, max_uses=1)
    user_id = make_customer(balance=100_000, discount=20)
    licenses.buy_from_balance(user_id=user_id, tariff_id=make_tariff(price=100_000), promo_code="spring")
    assert _uses(promo_id) == (0, 0)
    with session_scope() as session:
        [entry] = session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id,
                                                         LedgerEntry.kind == "purchase")).all()
    assert entry.amount == -80_000


def test_tie_renewal_does_not_consume_the_promo(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=20, max_uses=1)
    user_id = make_customer(balance=200_000, discount=20)
    license_id = licenses.buy_from_balance(user_id=user_id, tariff_id=make_tariff(price=100_000))
    licenses.renew_from_balance(user_id=user_id, license_id=license_id, promo_code="SPRING")
    assert _uses(promo_id) == (0, 0)


def test_code_still_usable_by_another_customer_after_a_tie(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=20, max_uses=1)
    tariff_id = make_tariff(price=100_000)
    tied = make_customer(balance=100_000, discount=20)
    licenses.buy_from_balance(user_id=tied, tariff_id=tariff_id, promo_code="spring")
    other = make_customer(balance=100_000)
    licenses.buy_from_balance(user_id=other, tariff_id=tariff_id, promo_code="spring")
    assert _uses(promo_id) == (1, 1)
