"""Tariffs on sale for the landing page and the «first step» check of the dashboard."""

from __future__ import annotations

from ispgo_portal.db import session_scope
from ispgo_portal.models import License
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.licensing.catalog import has_started, list_active_tariffs


def test_list_active_tariffs_hides_archived(make_tariff) -> None:
    make_tariff(name="Старт", price=49_000)
    make_tariff(name="Архивный", price=1_000, is_active=False)
    assert [t["name"] for t in list_active_tariffs()] == ["Старт"]


def test_list_active_tariffs_returns_plain_values(make_tariff) -> None:
    make_tariff(name="Безлимит", price=499_000, period_days=30, max_servers=0, max_sites=0)
    (tariff,) = list_active_tariffs()
    assert tariff["price"] == 499_000
    assert (tariff["max_servers"], tariff["max_sites"], tariff["period_days"]) == (0, 0, 30)
    assert isinstance(tariff["features"], list)


def test_has_started_false_for_new_customer(make_customer) -> None:
    assert has_started(user_id=make_customer()) is False


def test_has_started_after_a_top_up(make_customer) -> None:
    assert has_started(user_id=make_customer(balance=10_000)) is True


def test_has_started_with_a_license_only(make_customer, make_tariff) -> None:
    from ispgo_portal.clock import utcnow

    user_id = make_customer()
    tariff_id = make_tariff()
    with session_scope() as session:
        session.add(License(user_id=user_id, tariff_id=tariff_id, key="ISPG-TEST-CATA-LOG2-0001",
                            expires_at=utcnow()))
    assert has_started(user_id=user_id) is True


def test_has_started_is_per_customer(make_customer) -> None:
    other = make_customer()
    with session_scope() as session:
        billing.credit(session, user_id=other, amount=500, kind="topup", description="Пополнение",
                       reference="catalog-test-topup")
    assert has_started(user_id=make_customer()) is False
