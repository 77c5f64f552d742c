"""The edges of a YooKassa order, each one a way money used to leak: a promo code honoured
on several unpaid orders, a payment closed here and paid there, an amount YooKassa reports
differently, a renewal paid for a license an admin has since suspended, and pages that
poll YooKassa without end."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment, PromoCode, PromoRedemption
from ispgo_portal.services.billing import reconciliation as payment_reconciliation
from ispgo_portal.services.billing.payments import check_payment, settle_payment, start_topup
from ispgo_portal.services.billing.reconciliation import reconcile_payments
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import admin as admin_licenses
from ispgo_portal.services.licensing import licenses
from ispgo_portal.settings import get_settings
from tests.payments.helpers import (
    balance_of,
    emails_to,
    ledger_of,
    payment_row,
    wait_until,
)


def _promo(code: str = "ONCE", *, percent: int = 50, max_uses: int = 1) -> int:
    with session_scope() as session:
        promo = PromoCode(code=code, percent=percent, max_uses=max_uses)
        session.add(promo)
        session.flush()
        return promo.id


def _uses(promo_id: int) -> tuple[int, list[str]]:
    with session_scope() as session:
        count = session.get(PromoCode, promo_id).uses_count
        rows = session.exec(select(PromoRedemption.status).where(PromoRedemption.promo_code_id == promo_id)
                            .order_by(PromoRedemption.id)).all()
        return count, list(rows)


def _payment_of(url: str) -> Payment:
    with session_scope() as session:
        return session.exec(select(Payment).where(Payment.confirmation_url == url)).one()


def _licenses_of(user_id: int) -> list[License]:
    with session_scope() as session:
        return list(session.exec(select(License).where(License.user_id == user_id)).all())


def _age(payment_id: int, minutes: float) -> None:
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        payment.created_at = utcnow() - timedelta(minutes=minutes)
        session.add(payment)


# --- 1. a promo code is held by the unpaid order that quoted it --------------------------

def test_single_use_promo_is_held_by_the_first_unpaid_order(control, make_customer, make_tariff) -> None:
    promo_id = _promo(max_uses=1)
    tariff_id = make_tariff(price=100_000)
    first, second = make_customer(), make_customer()

    url = licenses.buy_by_yookassa(user_id=first, tariff_id=tariff_id, promo_code="once")
    assert _uses(promo_id) == (1, ["reserved"])
    with pytest.raises(DomainError) as other_customer:
        licenses.buy_by_yookassa(user_id=second, tariff_id=tariff_id, promo_code="once")
    assert other_customer.value.code == "promo_exhausted"
    with pytest.raises(DomainError) as same_customer:
        licenses.buy_by_yookassa(user_id=first, tariff_id=tariff_id, promo_code="once")
    assert same_customer.value.code in ("promo_exhausted", "promo_reserved")
    assert len(control.payments()) == 1  # the refused orders never reached YooKassa

    httpx.post(url, data={"action": "pay"})
    wait_until(lambda: len(_licenses_of(first)) == 1, what="the license")
    assert _uses(promo_id) == (1, ["redeemed"])
    assert [e.amount for e in ledger_of(first)] == [50_000, -50_000]


def test_once_per_customer_promo_held_by_an_unpaid_order_says_so(control, make_customer, make_tariff) -> None:
    _promo("MANY", max_uses=0)
    tariff_id = make_tariff()
    user = make_customer()
    licenses.buy_by_yookassa(user_id=user, tariff_id=tariff_id, promo_code="many")
    with pytest.raises(DomainError) as again:
        licenses.buy_by_yookassa(user_id=user, tariff_id=tariff_id, promo_code="many")
    assert again.value.code == "promo_reserved"
    assert "неоплаченному заказу" in again.value.message


def test_canceled_order_gives_the_promo_use_back(control, make_customer, make_tariff) -> None:
    promo_id = _promo(max_uses=1)
    tariff_id = make_tariff()
    first, second = make_customer(), make_customer()
    url = licenses.buy_by_yookassa(user_id=first, tariff_id=tariff_id, promo_code="ONCE")
    payment_id = _payment_of(url).id

    httpx.post(url, data={"action": "cancel"})
    wait_until(lambda: payment_row(payment_id).status == "canceled", what="the cancellation")

    assert _uses(promo_id) == (0, [])
    licenses.buy_by_yookassa(user_id=second, tariff_id=tariff_id, promo_code="ONCE")
    assert _uses(promo_id) == (1, ["reserved"])


def test_order_closed_here_as_unpaid_gives_the_use_back(control, make_customer, make_tariff) -> None:
    promo_id = _promo(max_uses=1)
    url = licenses.buy_by_yookassa(user_id=make_customer(), tariff_id=make_tariff(), promo_code="ONCE")
    _age(_payment_of(url).id, 90)

    assert reconcile_payments().closed_unpaid == 1
    assert _uses(promo_id) == (0, [])


def test_order_failed_at_creation_gives_the_use_back(control, make_customer, make_tariff) -> None:
    promo_id = _promo(max_uses=1)
    control.fail_next("500", target="create_payment", count=10)
    with pytest.raises(DomainError):
        licenses.buy_by_yookassa(user_id=make_customer(), tariff_id=make_tariff(), promo_code="ONCE")
    assert _uses(promo_id) == (0, [])


def test_twenty_customers_racing_for_a_single_use_promo_by_yookassa(control, make_customer, make_tariff) -> None:
    """Twenty orders released at once by a barrier: one holds the code, nineteen are refused;
    every order that exists is paid, and exactly one license carries the discount."""
    promo_id = _promo(max_uses=1)
    tariff_id = make_tariff(price=100_000)
    buyers = [make_customer() for _ in range(20)]
    barrier = threading.Barrier(len(buyers))

    def order(user_id: int) -> str | None:
        barrier.wait()
        try:
            return licenses.buy_by_yookassa(user_id=user_id, tariff_id=tariff_id, promo_code="ONCE")
        except DomainError as exc:
            assert exc.code in ("promo_exhausted", "promo_reserved")
            return None

    with ThreadPoolExecutor(len(buyers)) as pool:
        urls = [u for u in pool.map(order, buyers) if u]
    assert len(urls) == 1
    for url in urls:
        httpx.post(url, data={"action": "pay"})
    wait_until(lambda: sum(len(_licenses_of(b)) for b in buyers) == 1, what="the license")
    assert _uses(promo_id) == (1, ["redeemed"])


# --- 3. reconciliation looks again at what it closed, fairly -------------------------------

def test_payment_closed_here_then_paid_with_the_webhook_lost_is_credited_by_reconciliation(
        control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    _age(started.payment_id, 90)
    assert reconcile_payments().closed_unpaid == 1
    control.webhooks(drop=5)
    control.pay(payment_row(started.payment_id).yookassa_id)
    assert balance_of(user_id) == 0  # the notification was lost

    assert reconcile_payments().checked == 0  # closed rows are asked about less often
    report = reconcile_payments(now=utcnow() + payment_reconciliation.RECHECK_CLOSED_EVERY
                                + timedelta(seconds=5))

    assert (report.late_paid, report.succeeded) == (1, 1)
    assert balance_of(user_id) == 10_000
    assert [e.amount for e in ledger_of(user_id)] == [10_000]
    assert reconcile_payments(now=utcnow() + timedelta(hours=2)).checked == 0  # settled: final


def test_closed_payment_is_asked_about_again_only_after_a_while(control, make_customer) -> None:
    started = start_topup(user_id=make_customer(), amount=10_000)
    _age(started.payment_id, 90)
    reconcile_payments()  # closes it
    assert reconcile_payments().checked == 0
    later = utcnow() + payment_reconciliation.RECHECK_CLOSED_EVERY + timedelta(seconds=5)
    assert reconcile_payments(now=later).checked == 1
    week_on = utcnow() + payment_reconciliation.RECHECK_CLOSED_FOR + timedelta(hours=1)
    assert reconcile_payments(now=week_on).checked == 0


def test_payments_that_keep_failing_do_not_starve_newer_ones(control, make_customer, monkeypatch) -> None:
    """Three old payments YooKassa does not know (each check fails) and a newer paid one, with
    room for two per pass: the newer one is credited by the second pass, not never."""
    monkeypatch.setattr(payment_reconciliation, "BATCH", 2)
    user_id = make_customer()
    with session_scope() as session:
        for n in range(3):
            session.add(Payment(user_id=user_id, amount=5_000, status="pending", idempotence_key=f"lost-{n}",
                                yookassa_id=f"2f000000-000f-5000-8000-00000000000{n}",
                                created_at=utcnow() - timedelta(minutes=30 - n)))
    control.webhooks(drop=5)
    started = start_topup(user_id=user_id, amount=7_000)
    control.pay(payment_row(started.payment_id).yookassa_id)
    _age(started.payment_id, 10)

    first, second = reconcile_payments(), reconcile_payments()

    assert first.errors == 2 and first.succeeded == 0
    assert second.succeeded == 1
    assert balance_of(user_id) == 7_000


# --- amounts YooKassa reports differently are never credited -----------------------------

def test_other_amount_at_yookassa_is_not_credited_and_is_flagged(control, webhook_url, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    with session_scope() as session:  # our order says 50 ₽ more than YooKassa's payment
        payment = session.get(Payment, started.payment_id)
        payment.amount = 15_000
        session.add(payment)
    control.webhooks(hold=True)
    control.pay(payment_row(started.payment_id).yookassa_id)

    with pytest.raises(DomainError) as mismatch:
        settle_payment(payment_id=started.payment_id)

    assert mismatch.value.code == "payment_mismatch"
    assert (balance_of(user_id), ledger_of(user_id)) == (0, [])
    row = payment_row(started.payment_id)
    assert "100.00" in row.review_reason or "10000" in row.review_reason
    assert row.settled_at is None
    _age(started.payment_id, 10)
    assert reconcile_payments().checked == 0  # a person decides; reconciliation keeps off


# --- 6. a paid renewal does not lift an admin's suspension ---------------------------------

def test_renewal_paid_after_an_admin_suspension_is_held_on_the_balance(control, make_customer, make_admin,
                                                                       make_tariff) -> None:
    user = make_customer(balance=30_000, email="held@example.ru")
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=30_000))
    with session_scope() as session:
        expires_before = as_utc(session.get(License, license_id).expires_at)
    url = licenses.renew_by_yookassa(user_id=user, license_id=license_id)
    payment_id = _payment_of(url).id
    admin_licenses.suspend_license(admin_id=make_admin(), license_id=license_id, reason="Жалоба на спам")

    httpx.post(url, data={"action": "pay"})
    wait_until(lambda: payment_row(payment_id).status == "succeeded", what="the payment")

    with session_scope() as session:
        lic = session.get(License, license_id)
        assert (lic.status, as_utc(lic.expires_at)) == ("suspended", expires_before)
    assert balance_of(user) == 30_000  # the money waits on the balance
    assert [e.kind for e in ledger_of(user)] == ["adjustment", "purchase", "topup"]
    outcome = check_payment(user_id=user, payment_id=payment_id)
    assert outcome.license_id is None and "приостановлена администратором" in outcome.note
    [email] = emails_to("held@example.ru", "topup_received")
    assert "приостановлена администратором" in email.body_text


# --- 12. polling and payment limits ----------------------------------------------------------

def test_fifty_watchers_of_one_payment_ask_yookassa_once_per_interval(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=10_000)
    before = control.calls().get("get_payment", 0)

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: check_payment(user_id=user_id, payment_id=started.payment_id),
                                 range(50)))

    assert {o.status for o in outcomes} == {"pending"}
    assert control.calls().get("get_payment", 0) - before <= 2


def test_open_payments_per_customer_are_limited_with_a_clear_message(control, make_customer) -> None:
    user_id = make_customer()
    limit = get_settings().max_open_payments
    for _ in range(limit):
        start_topup(user_id=user_id, amount=10_000)
    with pytest.raises(DomainError) as limited:
        start_topup(user_id=user_id, amount=10_000)
    assert limited.value.code == "too_many_open_payments"
    assert "неоплаченных платежей" in limited.value.message
    assert len(control.payments()) == limit
    make_other = make_customer()
    start_topup(user_id=make_other, amount=10_000)  # another customer is not affected


def test_parallel_top_ups_cannot_overrun_the_open_payment_limit(control, make_customer, monkeypatch) -> None:
    """Ten top-ups released at once by a barrier with room for two: the customer's row lock
    makes them count one at a time."""
    monkeypatch.setenv("MAX_OPEN_PAYMENTS", "2")
    get_settings.cache_clear()
    user_id = make_customer()
    barrier = threading.Barrier(10)

    def top_up(_: int) -> str:
        barrier.wait()
        try:
            start_topup(user_id=user_id, amount=10_000)
            return "started"
        except DomainError as exc:
            return exc.code

    try:
        with ThreadPoolExecutor(10) as pool:
            outcomes = list(pool.map(top_up, range(10)))
    finally:
        monkeypatch.delenv("MAX_OPEN_PAYMENTS")
        get_settings.cache_clear()
    assert outcomes.count("started") == 2
    assert set(outcomes) == {"started", "too_many_open_payments"}
