"""Buying and renewing a license by YooKassa, end to end: the real SDK creates the payment at
the emulator, the customer pays on its checkout page, the (duplicated) webhooks reach the
portal, and the license appears — or is renewed — exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlmodel import func, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, PromoCode
from ispgo_portal.services.licensing import licenses
from tests.payments.helpers import (
    balance_of,
    emails_to,
    emulator_payment,
    ledger_of,
    notification,
    payment_row,
    wait_until,
)


def _licenses_of(user_id: int) -> list[License]:
    with session_scope() as session:
        return list(session.exec(select(License).where(License.user_id == user_id)).all())


def _payment_id_of(confirmation_url: str) -> int:
    from ispgo_portal.models import Payment

    with session_scope() as session:
        return session.exec(select(Payment.id).where(Payment.confirmation_url == confirmation_url)).one()


def _pay(confirmation_url: str) -> httpx.Response:
    answer = httpx.post(confirmation_url, data={"action": "pay"})
    assert answer.status_code == 303
    return answer


def test_license_bought_by_yookassa_appears_once_despite_duplicated_webhooks(control, make_customer,
                                                                             make_tariff) -> None:
    user = make_customer(email="yk-buyer@example.ru")
    tariff = make_tariff(name="Бизнес", price=149_000, period_days=30)
    control.webhooks(duplicate=5)
    url = licenses.buy_by_yookassa(user_id=user, tariff_id=tariff)
    payment_id = _payment_id_of(url)
    assert _licenses_of(user) == []  # a pending order, nothing delivered yet

    _pay(url)
    wait_until(lambda: sum(d["outcome"] == "200" for d in control.deliveries()) == 5, what="five deliveries")
    [lic] = _licenses_of(user)
    assert (lic.tariff_id, lic.status) == (tariff, "active")
    assert [(e.kind, e.amount) for e in ledger_of(user)] == [("topup", 149_000), ("purchase", -149_000)]
    assert balance_of(user) == 0
    assert payment_row(payment_id).license_id == lic.id
    assert len(emails_to("yk-buyer@example.ru", "license_bought")) == 1


def test_twenty_concurrent_notifications_deliver_one_license(control, webhook_url, make_customer,
                                                             make_tariff) -> None:
    user = make_customer()
    tariff = make_tariff(price=49_000)
    control.webhooks(hold=True)
    url = licenses.buy_by_yookassa(user_id=user, tariff_id=tariff)
    _pay(url)
    remote = emulator_payment(control, payment_row(_payment_id_of(url)).yookassa_id)
    body = notification("payment.succeeded", remote)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: httpx.post(webhook_url, json=body, timeout=30), range(20)))

    assert [a.status_code for a in answers] == [200] * 20
    assert len(_licenses_of(user)) == 1
    assert [e.kind for e in ledger_of(user)] == ["topup", "purchase"]


def test_promo_price_is_paid_and_the_code_counted_once(control, make_customer, make_tariff) -> None:
    with session_scope() as session:
        promo = PromoCode(code="HALF", percent=50)
        session.add(promo)
        session.flush()
        promo_id = promo.id
    user = make_customer(discount=10)
    control.webhooks(duplicate=3)
    url = licenses.buy_by_yookassa(user_id=user, tariff_id=make_tariff(price=100_000), promo_code="half")
    assert payment_row(_payment_id_of(url)).amount == 50_000  # the promo beats the 10 % discount
    _pay(url)
    wait_until(lambda: len(_licenses_of(user)) == 1, what="the license")
    wait_until(lambda: sum(d["outcome"] == "200" for d in control.deliveries()) == 3, what="three deliveries")
    with session_scope() as session:
        assert session.get(PromoCode, promo_id).uses_count == 1
        assert session.exec(select(func.count()).select_from(License)).one() == 1


def test_expired_license_renewed_by_yookassa_is_active_again(control, make_customer, make_tariff) -> None:
    user = make_customer(balance=49_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=49_000, period_days=30))
    with session_scope() as session:
        lic = session.get(License, license_id)
        lic.status, lic.expires_at = "expired", utcnow() - timedelta(days=3)
        session.add(lic)
    control.webhooks(duplicate=2)
    url = licenses.renew_by_yookassa(user_id=user, license_id=license_id)
    _pay(url)
    wait_until(lambda: any(e.kind == "renewal" for e in ledger_of(user)), what="the renewal")
    wait_until(lambda: sum(d["outcome"] == "200" for d in control.deliveries()) == 2, what="two deliveries")
    [lic] = _licenses_of(user)
    assert lic.status == "active"
    assert abs(as_utc(lic.expires_at) - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    assert [e.kind for e in ledger_of(user)] == ["adjustment", "purchase", "topup", "renewal"]
    assert balance_of(user) == 0


def test_canceled_purchase_delivers_nothing(control, make_customer, make_tariff) -> None:
    user = make_customer()
    url = licenses.buy_by_yookassa(user_id=user, tariff_id=make_tariff())
    payment_id = _payment_id_of(url)
    httpx.post(url, data={"action": "cancel"})
    wait_until(lambda: payment_row(payment_id).status == "canceled", what="the cancellation")
    assert (_licenses_of(user), ledger_of(user)) == ([], [])
