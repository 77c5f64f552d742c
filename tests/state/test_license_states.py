"""«Тарифы» and «Мои лицензии» handlers without a browser: the promo check as you type, the
missing-sum message, buying and renewing through the one checkout, the highlight, and garbage
arguments."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, PromoCode
from ispgo_portal.money import format_rub
from ispgo_portal.services.licensing import licenses
from ispgo_portal.state.dashboard import DashboardState
from ispgo_portal.state.licenses import LicensesState
from ispgo_portal.state.tariffs import TariffsState
from tests.state.harness import make_state, run


def _licenses(user_id: int) -> list[License]:
    with session_scope() as session:
        return list(session.exec(select(License).where(License.user_id == user_id)).all())


def test_promo_is_checked_as_typed(make_customer, make_tariff, session_token) -> None:
    with session_scope() as session:
        session.add(PromoCode(code="SPRING25", percent=25))
    user = make_customer(balance=1_000_000, discount=10)
    state = make_state(TariffsState, session_token(user))
    run(state, "open_buy", str(make_tariff(price=100_000)))
    assert (state.checkout_open, state.checkout_price.final, state.checkout_price.source) == (True, "900,00\u00a0₽", "Индивидуальная скидка: −10%")
    run(state, "set_checkout_promo", "spring25")
    assert (state.checkout_price.final, state.checkout_price.promo_applied, state.checkout_promo_error) == ("750,00\u00a0₽", True, "")
    run(state, "set_checkout_promo", "spring2")
    assert state.checkout_promo_error == "Промокод не найден или отключён"
    assert state.checkout_price.final == "900,00\u00a0₽"  # priced without the code, with the discount


def test_short_balance_names_the_missing_sum_and_buys_nothing(make_customer, make_tariff,
                                                              session_token) -> None:
    user = make_customer(balance=30_000, credit_limit=20_000)
    state = make_state(TariffsState, session_token(user))
    run(state, "open_buy", str(make_tariff(price=100_000)))
    assert state.checkout_shortfall == "Недостаточно средств: не хватает 500,00\u00a0₽"
    run(state, "set_checkout_method", "yookassa")
    assert state.checkout_shortfall == ""  # paying by card needs no balance
    run(state, "set_checkout_method", "balance")
    run(state, "confirm_checkout")
    assert _licenses(user) == []
    assert state.checkout_shortfall.endswith("500,00\u00a0₽")


def test_buying_from_balance_goes_to_the_new_license(make_customer, make_tariff, session_token) -> None:
    user = make_customer(balance=200_000)
    state = make_state(TariffsState, session_token(user))
    run(state, "open_buy", str(make_tariff(price=100_000)))
    events = run(state, "confirm_checkout")
    [lic] = _licenses(user)
    assert f"/licenses?highlight={lic.id}" in str(events[-1])
    assert state.checkout_open is False


@pytest.mark.parametrize("garbage", ["", "x", "-1", "1.5", "{}", "99999999999999999999"])
def test_garbage_tariff_id_opens_nothing(garbage: str, make_customer, session_token) -> None:
    state = make_state(TariffsState, session_token(make_customer()))
    run(state, "open_buy", garbage)
    assert state.checkout_open is False


def test_renewal_uses_the_same_checkout(make_customer, make_tariff, session_token) -> None:
    with session_scope() as session:
        session.add(PromoCode(code="SPRING25", percent=25))
    user = make_customer(balance=300_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    state = make_state(LicensesState, session_token(user))
    run(state, "load_licenses")
    run(state, "open_renew", str(license_id))
    assert (state.checkout_open, state.checkout_price.final) == (True, format_rub(100_000))
    assert state.licenses[0].key in state.renew_title
    assert state.checkout_funds == format_rub(200_000)
    run(state, "set_checkout_promo", "spring25")
    assert (state.checkout_price.final, state.checkout_promo_error) == (format_rub(75_000), "")
    events = run(state, "confirm_checkout")
    assert "Лицензия продлена до" in str(events[-1])
    assert state.checkout_open is False and state.licenses[0].highlighted is True
    with session_scope() as session:
        renewal = session.exec(select(LedgerEntry.amount).where(LedgerEntry.user_id == user,
                                                                LedgerEntry.kind == "renewal")).one()
    assert renewal == -75_000


@pytest.mark.parametrize("garbage", ["", "x", "-1", "{}", "99999999999999999999"])
def test_garbage_or_foreign_license_opens_no_renewal(garbage: str, make_customer, make_tariff,
                                                     session_token) -> None:
    foreign = licenses.buy_from_balance(user_id=make_customer(balance=500_000), tariff_id=make_tariff())
    state = make_state(LicensesState, session_token(make_customer(email="other@example.ru")))
    for license_id in (garbage, str(foreign)):
        run(state, "open_renew", license_id)
        assert state.checkout_open is False
        run(state, "set_checkout_open", True)
        assert state.checkout_open is False  # nothing to pay for: the dialog cannot be forced open


def test_licenses_page_highlights_the_given_license(make_customer, make_tariff, session_token) -> None:
    user = make_customer(balance=500_000)
    tariff = make_tariff()
    first = licenses.buy_from_balance(user_id=user, tariff_id=tariff)
    second = licenses.buy_from_balance(user_id=user, tariff_id=tariff)
    state = make_state(LicensesState, session_token(user), url=f"/licenses?highlight={first}")
    run(state, "load_licenses")
    assert {c.id: c.highlighted for c in state.licenses} == {first: True, second: False}


def test_switch_and_garbage_ids(make_customer, make_tariff, session_token) -> None:
    user = make_customer(balance=500_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    state = make_state(LicensesState, session_token(user))
    run(state, "load_licenses")
    run(state, "set_auto_renew", str(license_id), True)
    assert state.licenses[0].auto_renew is True
    for garbage in ("x", "", "0", "{}", "99999999999999999999"):
        run(state, "set_auto_renew", garbage, False)
        run(state, "delete_license", garbage)
    assert [lic.auto_renew for lic in _licenses(user)] == [True]


def test_dashboard_block_counts_own_licenses(make_customer, make_tariff, session_token) -> None:
    user = make_customer(balance=500_000)
    licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(period_days=5))
    licenses.buy_from_balance(user_id=make_customer(balance=500_000), tariff_id=make_tariff())
    state = make_state(DashboardState, session_token(user))
    run(state, "load_dashboard")
    assert (state.licenses_active, len(state.expiring), state.expiring[0].days_left) == (1, 1, "5 дней")
