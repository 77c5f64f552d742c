"""Licenses: buying from balance and credit, renewals, fulfilment of paid orders, the
auto-renew switch, deletion, servers, keys, and that nobody reaches another customer's license."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import (
    LedgerEntry,
    License,
    LicenseActivation,
    OutboxEmail,
    Payment,
    PromoCode,
    PromoRedemption,
    User,
)
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing import views as license_views
from ispgo_portal.services.licensing.keys import (
    KEY_ALPHABET,
    generate_license_key,
    normalize_license_key,
)

KEY_RE = re.compile(r"^ISPG(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){4}$")


def _license(license_id: int) -> License:
    with session_scope() as session:
        return session.get(License, license_id)


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return session.get(User, user_id).balance


def _ledger(user_id: int, kind: str | None = None) -> list[LedgerEntry]:
    with session_scope() as session:
        query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
        if kind:
            query = query.where(LedgerEntry.kind == kind)
        return list(session.exec(query.order_by(LedgerEntry.id)).all())


def _set(license_id: int, **fields: object) -> None:
    with session_scope() as session:
        lic = session.get(License, license_id)
        for name, value in fields.items():
            setattr(lic, name, value)
        session.add(lic)


def _count(model: type) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _activate(license_id: int, fingerprint: str = "fp-1") -> int:
    with session_scope() as session:
        act = LicenseActivation(license_id=license_id, fingerprint=fingerprint, hostname=f"{fingerprint}.example.ru")
        session.add(act)
        session.flush()
        return act.id


# --- buying ------------------------------------------------------------------------------

def test_buy_from_balance_creates_an_active_license_and_charges(make_customer, make_tariff) -> None:
    user, tariff = make_customer(balance=200_000), make_tariff(price=149_000, period_days=30)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=tariff)
    lic = _license(license_id)
    assert (lic.user_id, lic.status, lic.auto_renew) == (user, "active", False)
    assert KEY_RE.match(lic.key)
    assert abs(as_utc(lic.expires_at) - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    assert [(e.kind, e.amount) for e in _ledger(user, "purchase")] == [("purchase", -149_000)]
    assert _balance(user) == 51_000


def test_buy_from_balance_queues_the_license_email(make_customer, make_tariff) -> None:
    user = make_customer(balance=200_000, email="buyer@example.ru")
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(name="Бизнес"))
    with session_scope() as session:
        emails = session.exec(select(OutboxEmail).where(OutboxEmail.recipient == "buyer@example.ru")).all()
    assert [e.template for e in emails] == ["license_bought"]
    assert _license(license_id).key in emails[0].body_text


def test_buy_takes_the_balance_then_the_credit(make_customer, make_tariff) -> None:
    user = make_customer(balance=30_000, credit_limit=100_000)
    licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    assert _balance(user) == -70_000


def test_buy_with_too_little_money_says_what_is_missing_and_changes_nothing(make_customer, make_tariff) -> None:
    user = make_customer(balance=30_000, credit_limit=50_000)
    with pytest.raises(DomainError) as err:
        licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    assert err.value.code == "insufficient_funds"
    assert err.value.message.endswith("не хватает 200,00\u00a0₽")
    assert (_balance(user), _count(License), _count(OutboxEmail)) == (30_000, 0, 0)
    assert _ledger(user, "purchase") == []


def test_archived_tariff_is_not_sold(make_customer, make_tariff) -> None:
    user = make_customer(balance=500_000)
    with pytest.raises(DomainError) as err:
        licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(is_active=False))
    assert err.value.code == "tariff_not_found"
    assert _balance(user) == 500_000


def test_second_purchase_creates_a_second_working_license(make_customer, make_tariff) -> None:
    user = make_customer(balance=1_000_000)
    first = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(name="Старт"))
    second = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(name="Бизнес"))
    views = licenses.list_licenses(user_id=user)
    assert {v.id for v in views} == {first, second}
    assert {v.status for v in views} == {"active"}
    assert len({v.key for v in views}) == 2


@pytest.mark.pg
def test_fifty_concurrent_purchases_with_money_for_ten_make_exactly_ten(make_customer, make_tariff) -> None:
    user, tariff = make_customer(balance=1_000_000), make_tariff(price=100_000)
    start = threading.Barrier(50)
    outcomes: list[str] = []

    def buy() -> None:
        start.wait()
        try:
            licenses.buy_from_balance(user_id=user, tariff_id=tariff)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=buy) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(outcomes)) == ["insufficient_funds", "ok"]
    assert outcomes.count("ok") == 10
    assert _count(License) == 10
    assert len(_ledger(user, "purchase")) == 10
    assert _balance(user) == 0


# --- renewal -----------------------------------------------------------------------------

def test_manual_renewal_extends_from_a_future_expiry(make_customer, make_tariff) -> None:
    user = make_customer(balance=500_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000, period_days=30))
    before = as_utc(_license(license_id).expires_at)
    new_expiry = licenses.renew_from_balance(user_id=user, license_id=license_id)
    assert new_expiry == before + timedelta(days=30)
    assert [e.amount for e in _ledger(user, "renewal")] == [-100_000]


@pytest.mark.parametrize("status", ["active", "expired", "suspended"])
def test_manual_renewal_of_a_lapsed_license_starts_now_and_reactivates(status: str, make_customer,
                                                                        make_tariff) -> None:
    user = make_customer(balance=500_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(period_days=30))
    _set(license_id, status=status, status_reason="Недостаточно средств", expires_at=utcnow() - timedelta(days=10))
    new_expiry = licenses.renew_from_balance(user_id=user, license_id=license_id)
    assert abs(new_expiry - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    lic = _license(license_id)
    assert (lic.status, lic.status_reason) == ("active", "")


def test_manual_renewal_short_of_money_changes_nothing(make_customer, make_tariff) -> None:
    user = make_customer(balance=100_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    expiry = _license(license_id).expires_at
    with pytest.raises(DomainError) as err:
        licenses.renew_from_balance(user_id=user, license_id=license_id)
    assert err.value.code == "insufficient_funds"
    assert (_license(license_id).expires_at, _balance(user)) == (expiry, 0)


def test_renew_license_charges_the_discounted_price_and_extends(make_customer, make_tariff) -> None:
    user = make_customer(balance=300_000, discount=10)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000, period_days=30))
    _set(license_id, status="suspended", status_reason="Недостаточно средств")
    expiry = as_utc(_license(license_id).expires_at)
    with session_scope() as session:
        assert licenses.renewal_quote(session, license_id=license_id).final_price == 90_000
        entry = licenses.renew_license(session, license_id=license_id, reference=f"auto:{license_id}:1")
        assert (entry.kind, entry.amount) == ("renewal", -90_000)
    lic = _license(license_id)
    assert (as_utc(lic.expires_at), lic.status, lic.status_reason) == (expiry + timedelta(days=30), "active", "")


def test_renew_license_uses_the_credit_after_the_balance(make_customer, make_tariff) -> None:
    user = make_customer(balance=150_000, credit_limit=100_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    with session_scope() as session:
        licenses.renew_license(session, license_id=license_id, reference="auto:credit")
    assert _balance(user) == -50_000


def test_renew_license_short_of_money_raises_and_changes_nothing(make_customer, make_tariff) -> None:
    user = make_customer(balance=150_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000))
    expiry = _license(license_id).expires_at
    with pytest.raises(DomainError) as err, session_scope() as session:
        licenses.renew_license(session, license_id=license_id, reference="auto:short")
    assert err.value.code == "insufficient_funds"
    assert (_license(license_id).expires_at, _balance(user), len(_ledger(user, "renewal"))) == (expiry, 50_000, 0)


def test_renew_license_with_a_booked_reference_charges_once(make_customer, make_tariff) -> None:
    user = make_customer(balance=500_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000, period_days=30))
    for _ in range(2):
        with session_scope() as session:
            licenses.renew_license(session, license_id=license_id, reference="auto:same")
    assert len(_ledger(user, "renewal")) == 1
    assert _balance(user) == 300_000


# --- paid orders (called by the payments service after it credited the money) ------------

def _paid_order(user_id: int, *, amount: int, purpose: str, tariff_id: int | None = None,
                license_id: int | None = None, promo_code_id: int | None = None) -> int:
    """What the payments service has when YooKassa reports success."""
    with session_scope() as session:
        payment = Payment(user_id=user_id, purpose=purpose, amount=amount, status="pending",
                          idempotence_key=f"idem-{purpose}-{utcnow().timestamp()}", tariff_id=tariff_id,
                          license_id=license_id, promo_code_id=promo_code_id)
        session.add(payment)
        session.flush()
        return payment.id


def _settle(payment_id: int) -> int | None:
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        billing.credit(session, user_id=payment.user_id, amount=payment.amount, kind="topup",
                       description="Пополнение через YooKassa", reference=f"topup:{payment_id}")
        return licenses.fulfil_payment(session, payment)


def test_fulfil_purchase_creates_the_license_once(make_customer, make_tariff) -> None:
    user, tariff = make_customer(), make_tariff(price=149_000)
    payment_id = _paid_order(user, amount=149_000, purpose="purchase", tariff_id=tariff)
    license_id = _settle(payment_id)
    assert _settle(payment_id) == license_id  # a duplicated notification
    assert [v.id for v in licenses.list_licenses(user_id=user)] == [license_id]
    assert [(e.kind, e.amount) for e in _ledger(user)] == [("topup", 149_000), ("purchase", -149_000)]
    with session_scope() as session:
        assert session.get(Payment, payment_id).license_id == license_id


def test_fulfil_purchase_counts_the_promo_code(make_customer, make_tariff) -> None:
    with session_scope() as session:
        promo = PromoCode(code="HALF", percent=50)
        session.add(promo)
        session.flush()
        promo_id = promo.id
    user, tariff = make_customer(), make_tariff(price=100_000)
    license_id = _settle(_paid_order(user, amount=50_000, purpose="purchase", tariff_id=tariff, promo_code_id=promo_id))
    with session_scope() as session:
        assert session.get(PromoCode, promo_id).uses_count == 1
        assert session.exec(select(PromoRedemption.license_id)).all() == [license_id]


def test_fulfil_renewal_extends_the_license(make_customer, make_tariff) -> None:
    user = make_customer(balance=100_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=100_000, period_days=30))
    _set(license_id, status="expired", expires_at=utcnow() - timedelta(days=1))
    payment_id = _paid_order(user, amount=100_000, purpose="renewal", license_id=license_id)
    assert _settle(payment_id) == license_id
    _settle(payment_id)
    lic = _license(license_id)
    assert lic.status == "active"
    assert abs(as_utc(lic.expires_at) - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    assert len(_ledger(user, "renewal")) == 1


def test_fulfil_renewal_of_a_deleted_license_leaves_the_money_on_the_balance(make_customer) -> None:
    user = make_customer()
    payment_id = _paid_order(user, amount=100_000, purpose="renewal", license_id=None)
    assert _settle(payment_id) is None
    assert _balance(user) == 100_000


# --- managing ----------------------------------------------------------------------------

def test_auto_renew_switch(make_customer, make_tariff) -> None:
    user = make_customer(balance=200_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    licenses.set_auto_renew(user_id=user, license_id=license_id, enabled=True)
    assert _license(license_id).auto_renew is True
    licenses.set_auto_renew(user_id=user, license_id=license_id, enabled=False)
    assert _license(license_id).auto_renew is False


def test_active_license_cannot_be_deleted(make_customer, make_tariff) -> None:
    user = make_customer(balance=200_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    with pytest.raises(DomainError) as err:
        licenses.delete_license(user_id=user, license_id=license_id)
    assert err.value.code == "license_active"
    assert _license(license_id) is not None


@pytest.mark.parametrize("status", ["expired", "suspended"])
def test_expired_or_suspended_license_is_deleted_with_its_servers(status: str, make_customer,
                                                                   make_tariff) -> None:
    user = make_customer(balance=200_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    _activate(license_id)
    _set(license_id, status=status)
    licenses.delete_license(user_id=user, license_id=license_id)
    assert (_license(license_id), _count(LicenseActivation)) == (None, 0)


def test_active_license_past_its_term_counts_as_expired(make_customer, make_tariff) -> None:
    user = make_customer(balance=200_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    _set(license_id, expires_at=utcnow() - timedelta(minutes=1))
    assert [(v.status, v.can_delete, v.days_left) for v in licenses.list_licenses(user_id=user)] == [
        ("expired", True, 0)]


def test_deactivate_server_frees_the_slot(make_customer, make_tariff) -> None:
    user = make_customer(balance=200_000)
    license_id = licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(max_servers=2))
    keep, drop = _activate(license_id, "fp-keep"), _activate(license_id, "fp-drop")
    licenses.deactivate_server(user_id=user, license_id=license_id, activation_id=drop)
    assert [s.id for s in licenses.list_licenses(user_id=user)[0].servers] == [keep]


def test_dashboard_summary_counts_active_and_expiring(make_customer, make_tariff) -> None:
    user = make_customer(balance=1_000_000)
    tariff = make_tariff()
    soon, later, lapsed = (licenses.buy_from_balance(user_id=user, tariff_id=tariff) for _ in range(3))
    _set(soon, expires_at=utcnow() + timedelta(days=3))
    _set(lapsed, status="suspended")
    summary = license_views.license_summary(user_id=user)
    assert summary.active == 2
    assert [item[0] for item in summary.expiring] == [soon]


# --- ownership ---------------------------------------------------------------------------

@pytest.fixture
def victim_license(make_customer, make_tariff) -> tuple[int, int]:
    owner = make_customer(balance=500_000)
    license_id = licenses.buy_from_balance(user_id=owner, tariff_id=make_tariff(max_servers=2))
    _activate(license_id, "fp-victim")
    _set(license_id, status="suspended", status_reason="Недостаточно средств")
    return owner, license_id


def _victim_state(owner: int, license_id: int) -> tuple:
    lic = _license(license_id)
    return (lic.status, lic.auto_renew, lic.expires_at, _balance(owner), _count(LicenseActivation))


@pytest.mark.parametrize("operation", [
    lambda u, lic, act: licenses.renew_from_balance(user_id=u, license_id=lic),
    lambda u, lic, act: licenses.quote_renewal(user_id=u, license_id=lic),
    lambda u, lic, act: licenses.set_auto_renew(user_id=u, license_id=lic, enabled=True),
    lambda u, lic, act: licenses.delete_license(user_id=u, license_id=lic),
    lambda u, lic, act: licenses.deactivate_server(user_id=u, license_id=lic, activation_id=act),
    lambda u, lic, act: licenses.renew_by_yookassa(user_id=u, license_id=lic),
], ids=["renew", "quote", "auto_renew", "delete", "deactivate_server", "renew_by_yookassa"])
def test_other_customer_cannot_touch_a_license(operation, victim_license, make_customer) -> None:
    owner, license_id = victim_license
    attacker = make_customer(balance=5_000_000)
    with session_scope() as session:
        activation_id = session.exec(select(LicenseActivation.id)).one()
    before = _victim_state(owner, license_id)
    with pytest.raises(DomainError) as err:
        operation(attacker, license_id, activation_id)
    assert (err.value.code, err.value.message) == ("not_found", "Не найдено")
    assert _victim_state(owner, license_id) == before
    assert _ledger(attacker, "renewal") == []


def test_other_customer_sees_none_of_the_licenses(victim_license, make_customer) -> None:
    attacker = make_customer()
    assert licenses.list_licenses(user_id=attacker) == []
    assert license_views.license_summary(user_id=attacker).active == 0


def test_server_of_another_license_cannot_be_deactivated_through_own_license(victim_license, make_customer,
                                                                              make_tariff) -> None:
    attacker = make_customer(balance=500_000)
    own = licenses.buy_from_balance(user_id=attacker, tariff_id=make_tariff())
    with session_scope() as session:
        victim_activation = session.exec(select(LicenseActivation.id)).one()
    with pytest.raises(DomainError):
        licenses.deactivate_server(user_id=attacker, license_id=own, activation_id=victim_activation)
    assert _count(LicenseActivation) == 1


# --- keys --------------------------------------------------------------------------------

def test_keys_are_grouped_unambiguous_and_unique() -> None:
    keys = {generate_license_key() for _ in range(5_000)}
    assert len(keys) == 5_000
    assert all(KEY_RE.match(key) for key in keys)
    assert not set("01ILO") & set(KEY_ALPHABET)


def test_typed_key_is_normalised() -> None:
    assert normalize_license_key(" ispg-abcd-efgh -jkmn-pqrs\n") == "ISPG-ABCD-EFGH-JKMN-PQRS"
