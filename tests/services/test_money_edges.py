"""Money rules at their edges: a free charge for a customer in debt, a promo row read stale
from the session, parallel buyers of a single-use code, a negative debit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, PromoCode, PromoRedemption, Tariff, User
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing.renewals import run_renewal_pass


def _promo(code: str, *, percent: int, max_uses: int = 0) -> int:
    with session_scope() as session:
        promo = PromoCode(code=code, percent=percent, max_uses=max_uses)
        session.add(promo)
        session.flush()
        return promo.id


def _lower_credit_limit(user_id: int, limit: int) -> None:
    with session_scope() as session:
        session.exec(update(User).where(User.id == user_id).values(credit_limit=limit))


def test_free_purchase_needs_no_funds_even_in_debt(make_customer, make_tariff) -> None:
    user = make_customer(credit_limit=10_000)
    billing_debt = 5_000
    with session_scope() as session:
        billing.charge(session, user_id=user, amount=billing_debt, kind="purchase", description="долг",
                       reference="debt")
    _lower_credit_limit(user, 0)  # −50 ₽ with no credit left
    _promo("FREE", percent=100)

    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000),
                                           promo_code="free")

    with session_scope() as session:
        assert session.get(License, license_id).status == "active"
        assert session.get(User, user).balance == -billing_debt


def test_paid_charge_under_debt_is_still_refused(make_customer, make_tariff) -> None:
    user = make_customer(balance=-5_000)
    with pytest.raises(DomainError) as short:
        licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100))
    assert short.value.code == "insufficient_funds"


def test_auto_renewal_at_a_full_discount_renews_a_customer_in_debt(make_customer, make_tariff) -> None:
    user = make_customer(balance=100_000, discount=100)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    with session_scope() as session:
        billing.debit_unchecked(session, user_id=user, amount=105_000, kind="adjustment",
                                description="долг", reference="debt")
        lic = session.get(License, license_id)
        lic.auto_renew, lic.expires_at = True, utcnow() - timedelta(minutes=1)
        session.add(lic)

    result = run_renewal_pass()

    assert (result.renewed, result.suspended) == (1, 0)
    with session_scope() as session:
        assert session.get(License, license_id).status == "active"


def test_debit_refuses_a_negative_amount(make_customer) -> None:
    user = make_customer(balance=1_000)
    with session_scope() as session, pytest.raises(ValueError):
        billing.debit_unchecked(session, user_id=user, amount=-500, kind="adjustment",
                                description="минус на минус", reference="neg")
    with session_scope() as session:
        assert session.get(User, user).balance == 1_000


def test_redeem_reads_the_promo_afresh_under_its_lock(make_customer, make_tariff) -> None:
    """A promo object kept in the session (read before the lock); a use counted meanwhile by
    another transaction must be seen when the use is taken, not the copy in the session."""
    promo_id = _promo("ONE", percent=30, max_uses=1)
    tariff_id = make_tariff()
    buyer, other = make_customer(), make_customer()
    with session_scope() as session:
        user = session.get(User, buyer)
        quote = pricing.quote(session, user=user, tariff=session.get(Tariff, tariff_id),
                              promo_code="one")
        assert quote.promo_code_id == promo_id
        held = session.get(PromoCode, promo_id)  # kept in the session, as read: uses_count 0
        assert held.uses_count == 0
        with session_scope() as elsewhere:
            pricing.redeem_promo(elsewhere, promo_code_id=promo_id, user_id=other, license_id=None)
        with pytest.raises(DomainError) as exhausted:
            pricing.redeem_promo(session, promo_code_id=promo_id, user_id=buyer, license_id=None)
        assert exhausted.value.code == "promo_exhausted"
        session.rollback()
    with session_scope() as session:
        assert session.get(PromoCode, promo_id).uses_count == 1


def test_twenty_buyers_from_balance_race_for_a_single_use_promo(make_customer, make_tariff) -> None:
    promo_id = _promo("RACE", percent=40, max_uses=1)
    tariff_id = make_tariff(price=100_000)
    buyers = [make_customer(balance=100_000) for _ in range(20)]
    barrier = threading.Barrier(len(buyers))

    def buy(user_id: int) -> str:
        barrier.wait()
        try:
            licenses.buy_from_balance(user_id=user_id, tariff_id=tariff_id, promo_code="race")
            return "bought"
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(len(buyers)) as pool:
        outcomes = list(pool.map(buy, buyers))

    assert outcomes.count("bought") == 1
    assert set(outcomes) <= {"bought", "promo_exhausted"}
    with session_scope() as session:
        assert session.get(PromoCode, promo_id).uses_count == 1
        assert len(session.exec(select(PromoRedemption).where(PromoRedemption.promo_code_id == promo_id)).all()) == 1
        balances = sorted(session.get(User, b).balance for b in buyers)
    assert balances == [40_000] + [100_000] * 19  # one paid 600 ₽, nobody else was charged
