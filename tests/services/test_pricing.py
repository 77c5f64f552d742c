"""Prices: the larger of individual discount and promo code (never the sum), half-up rounding,
promo code validity (window, total limit, once per customer, case-insensitive), 100 % off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import PromoCode, Tariff, User
from ispgo_portal.money import apply_percent_off
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import licenses


def make_promo(code: str = "SPRING", percent: int = 20, **fields: object) -> int:
    with session_scope() as session:
        promo = PromoCode(code=code, percent=percent, **fields)
        session.add(promo)
        session.flush()
        return promo.id


def quote(user_id: int, tariff_id: int, code: str = "") -> pricing.Quote:
    with session_scope() as session:
        return pricing.quote(session, user=session.get(User, user_id), tariff=session.get(Tariff, tariff_id),
                             promo_code=code)


def test_no_discount_charges_the_tariff_price(make_customer, make_tariff) -> None:
    result = quote(make_customer(), make_tariff(price=149_000))
    assert (result.final_price, result.discount_source, result.explanation) == (149_000, "", "Без скидки")


def test_individual_discount_applies_without_a_code(make_customer, make_tariff) -> None:
    result = quote(make_customer(discount=10), make_tariff(price=149_000))
    assert (result.final_price, result.discount_source, result.discount_amount) == (134_100, "individual", 14_900)


def test_larger_promo_beats_individual_discount(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=25)
    result = quote(make_customer(discount=10), make_tariff(price=100_000), "spring")
    assert (result.final_price, result.discount_source, result.promo_code_id) == (75_000, "promo", promo_id)


def test_larger_individual_discount_beats_promo_and_says_so(make_customer, make_tariff) -> None:
    make_promo(percent=15)
    result = quote(make_customer(discount=30), make_tariff(price=100_000), "SPRING")
    assert (result.final_price, result.discount_source, result.promo_code_id) == (70_000, "individual", None)
    assert "не суммируются" in result.explanation


def test_discount_and_promo_never_add_up(make_customer, make_tariff) -> None:
    make_promo(percent=20)
    result = quote(make_customer(discount=20), make_tariff(price=100_000), "spring")
    assert result.final_price == 80_000  # 20 %, not 40 %


@pytest.mark.parametrize(("price", "percent", "expected"), [
    (49_950, 15, 42_458),  # 42 457.5 -> 42 458 (half up)
    (1, 50, 1),  # 0.5 kopeck -> 1
    (3, 50, 2),  # 1.5 -> 2
    (99_999, 33, 66_999),  # 66 999.33 -> 66 999
])
def test_rounding_is_half_up_to_the_kopeck(price: int, percent: int, expected: int, make_customer,
                                           make_tariff) -> None:
    assert apply_percent_off(price, percent) == expected
    assert quote(make_customer(discount=percent), make_tariff(price=price)).final_price == expected


def test_promo_code_is_case_insensitive(make_customer, make_tariff) -> None:
    make_promo(code="WELCOME10", percent=10)
    assert quote(make_customer(), make_tariff(price=10_000), "  welcome10 ").final_price == 9_000


def test_expired_promo_is_refused(make_customer, make_tariff) -> None:
    make_promo(valid_until=utcnow() - timedelta(minutes=1))
    with pytest.raises(DomainError) as err:
        quote(make_customer(), make_tariff(), "SPRING")
    assert (err.value.code, err.value.field) == ("promo_expired", "promo")


def test_promo_before_its_window_is_refused(make_customer, make_tariff) -> None:
    make_promo(valid_from=utcnow() + timedelta(days=1))
    with pytest.raises(DomainError) as err:
        quote(make_customer(), make_tariff(), "SPRING")
    assert err.value.code == "promo_not_started"


def test_exhausted_promo_is_refused(make_customer, make_tariff) -> None:
    make_promo(max_uses=3, uses_count=3)
    with pytest.raises(DomainError) as err:
        quote(make_customer(), make_tariff(), "SPRING")
    assert err.value.code == "promo_exhausted"


def test_inactive_or_unknown_promo_is_refused(make_customer, make_tariff) -> None:
    make_promo(is_active=False)
    user, tariff = make_customer(), make_tariff()
    for code in ("SPRING", "NOSUCHCODE"):
        with pytest.raises(DomainError) as err:
            quote(user, tariff, code)
        assert err.value.code == "promo_not_found"


def test_promo_works_once_per_customer(make_customer, make_tariff) -> None:
    make_promo(percent=50)
    user, tariff = make_customer(balance=1_000_000), make_tariff(price=100_000)
    licenses.buy_from_balance(user_id=user, tariff_id=tariff, promo_code="spring")
    with pytest.raises(DomainError) as err:
        quote(user, tariff, "SPRING")
    assert err.value.code == "promo_already_used"
    assert quote(make_customer(), tariff, "SPRING").final_price == 50_000  # another customer still may


def test_last_use_of_a_limited_promo_goes_to_one_customer(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=50, max_uses=1)
    tariff = make_tariff(price=100_000)
    first, second = make_customer(balance=500_000), make_customer(balance=500_000)
    licenses.buy_from_balance(user_id=first, tariff_id=tariff, promo_code="SPRING")
    with pytest.raises(DomainError) as err:
        licenses.buy_from_balance(user_id=second, tariff_id=tariff, promo_code="SPRING")
    assert err.value.code == "promo_exhausted"
    with session_scope() as session:
        assert session.get(PromoCode, promo_id).uses_count == 1
        assert session.get(User, second).balance == 500_000


def test_promo_limited_to_other_tariffs_is_refused(make_customer, make_tariff) -> None:
    other = make_tariff(name="Другой")
    make_promo(tariff_ids=str(other))
    with pytest.raises(DomainError) as err:
        quote(make_customer(), make_tariff(), "SPRING")
    assert err.value.code == "promo_wrong_tariff"


def test_full_discount_makes_the_license_free(make_customer, make_tariff) -> None:
    make_promo(percent=100)
    user, tariff = make_customer(), make_tariff(price=149_000)
    assert quote(user, tariff, "SPRING").final_price == 0
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=tariff, promo_code="SPRING")
    assert [v.id for v in licenses.list_licenses(user_id=user)] == [license_id]
    with session_scope() as session:
        assert session.get(User, user).balance == 0
