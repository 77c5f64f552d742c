"""Edges of services/billing/pricing.py that the mutation run found untested: a promo inside its
window (both ends included) or on an allowed tariff works, a missing code is no code, and
out-of-range percents stored by hand are clamped to 0–100."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import User
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from tests.services.test_pricing import make_promo, quote


def test_promo_inside_its_window_applies(make_customer, make_tariff) -> None:
    promo_id = make_promo(percent=30, valid_from=utcnow() - timedelta(days=1),
                          valid_until=utcnow() + timedelta(days=1))
    result = quote(make_customer(), make_tariff(price=100_000), "spring")
    assert (result.final_price, result.promo_code_id) == (70_000, promo_id)


@pytest.mark.parametrize("end", ["valid_from", "valid_until"])
def test_promo_applies_at_the_very_instant_its_window_ends(make_customer, make_tariff, monkeypatch,
                                                           end: str) -> None:
    now = utcnow()
    monkeypatch.setattr(pricing, "utcnow", lambda: now)  # the clock stands still at the boundary
    promo_id = make_promo(percent=30, **{end: now})
    assert quote(make_customer(), make_tariff(price=100_000), "spring").promo_code_id == promo_id


def test_promo_applies_on_a_tariff_it_names(make_customer, make_tariff) -> None:
    tariff = make_tariff(price=100_000)
    promo_id = make_promo(percent=30, tariff_ids=f"{make_tariff(price=5_000)},{tariff}")
    assert quote(make_customer(), tariff, "spring").promo_code_id == promo_id


def test_missing_code_is_no_code() -> None:
    assert pricing.normalize_code(None) == ""  # type: ignore[arg-type] - forms may send nothing


def _discount(user_id: int, percent: int) -> None:
    with session_scope() as session:  # out of the admin form's range: only a hand-made row
        user = session.get(User, user_id)
        user.discount_percent = percent
        session.add(user)


def test_individual_discount_above_100_is_clamped(make_customer, make_tariff) -> None:
    user_id = make_customer()
    _discount(user_id, 150)
    assert quote(user_id, make_tariff(price=100_000)).final_price == 0


@pytest.mark.parametrize(("percent", "price"), [(0, 100_000), (150, 0)])
def test_promo_percent_out_of_range_is_clamped(make_customer, make_tariff, percent: int,
                                               price: int) -> None:
    make_promo(percent=percent)
    assert quote(make_customer(), make_tariff(price=100_000), "spring").final_price == price


def test_individual_discount_without_a_code_mentions_no_promo(make_customer, make_tariff) -> None:
    result = quote(make_customer(discount=10), make_tariff(price=100_000))
    assert (result.promo_percent, result.explanation) == (0, "Индивидуальная скидка: −10%")


def test_smallest_individual_discount_applies(make_customer, make_tariff) -> None:
    result = quote(make_customer(discount=1), make_tariff(price=100_000))
    assert (result.final_price, result.discount_source) == (99_000, "individual")


def test_redeem_refuses_the_use_a_parallel_purchase_took(make_customer) -> None:
    """The price was quoted while one use was left; by the time this purchase redeems it,
    another one has taken it: the limit is checked again under the promo's lock."""
    promo_id = make_promo(max_uses=1, uses_count=1)
    user_id = make_customer()
    with session_scope() as session, pytest.raises(DomainError) as refused:
        pricing.redeem_promo(session, promo_code_id=promo_id, user_id=user_id, license_id=None)
    assert refused.value.code == "promo_exhausted"
