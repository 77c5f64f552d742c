"""«Тарифы» and «Мои лицензии» handlers without a browser: the promo check as you type, the
missing-sum message, buying, the highlight, and garbage arguments."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import License, PromoCode
from ispgo_portal.services.licensing import licenses
from ispgo_portal.state.licenses import LicenseDashboardState, LicensesState
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
    assert (state.buy_open, state.price.final, state.price.source) == (True, "900,00\u00a0₽", "Индивидуальная скидка: −10%")
    run(state, "set_buy_promo", "spring25")
    assert (state.price.final, state.price.promo_applied, state.promo_error) == ("750,00\u00a0₽", True, "")
    run(state, "set_buy_promo", "spring2")
    assert state.promo_error == "Промокод не найден или отключён"
    assert state.price.final == "900,00\u00a0₽"  # priced without the code, with the discount


def test_short_balance_names_the_missing_sum_and_buys_nothing(make_customer, make_tariff,
                                                              session_token) -> None:
    user = make_customer(balance=30_000, credit_limit=20_000)
    state = make_state(TariffsState, session_token(user))
    run(state, "open_buy", str(make_tariff(price=100_000)))
    assert state.shortfall == "Недостаточно средств: не хватает 500,00\u00a0₽"
    run(state, "set_buy_method", "yookassa")
    assert state.shortfall == ""  # paying by card needs no balance
    run(state, "set_buy_method", "balance")
    run(state, "confirm_buy")
    assert _licenses(user) == []
    assert state.shortfall.endswith("500,00\u00a0₽")


def test_buying_from_balance_goes_to_the_new_license(make_customer, make_tariff, session_token) -> None:
    user = make_customer(balance=200_000)
    state = make_state(TariffsState, session_token(user))
    run(state, "open_buy", str(make_tariff(price=100_000)))
    events = run(state, "confirm_buy")
    [lic] = _licenses(user)
    assert f"/licenses?highlight={lic.id}" in str(events[-1])
    assert state.buy_open is False


@pytest.mark.parametrize("garbage", ["", "x", "-1", "1.5", "{}", "99999999999999999999"])
def test_garbage_tariff_id_opens_nothing(garbage: str, make_customer, session_token) -> None:
    state = make_state(TariffsState, session_token(make_customer()))
    run(state, "open_buy", garbage)
    assert state.buy_open is False


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
    state = make_state(LicenseDashboardState, session_token(user))
    run(state, "load_license_block")
    assert (state.active, len(state.expiring), state.expiring[0].days_left) == (1, 1, "5 дней")
