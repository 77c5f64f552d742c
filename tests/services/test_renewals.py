"""The auto-renewal/expiry pass and the expiry reminders, run in this process."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, OutboxEmail, User
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.licensing import licenses, renewals

NBSP = "\u00a0"


@pytest.fixture
def make_license(make_tariff):
    """make_license(user_id, expires_in=timedelta(minutes=-1), auto_renew=True, price=100_000)."""

    def factory(user_id: int, *, expires_in: timedelta = timedelta(minutes=-1), auto_renew: bool = True,
                price: int = 100_000, status: str = "active", tariff_id: int | None = None) -> int:
        tariff_id = tariff_id or make_tariff(name="Бизнес", price=price, period_days=30)
        with session_scope() as session:
            lic = License(user_id=user_id, tariff_id=tariff_id, key=f"ISPG-{user_id:04d}-{utcnow().timestamp()}",
                          status=status, auto_renew=auto_renew, expires_at=utcnow() + expires_in)
            session.add(lic)
            session.flush()
            return lic.id

    return factory


def _license(license_id: int) -> License:
    with session_scope() as session:
        return session.get(License, license_id)


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return session.get(User, user_id).balance


def _renewal_entries(user_id: int) -> list[LedgerEntry]:
    with session_scope() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id,
                                                            LedgerEntry.kind == "renewal")).all())


def _emails(template: str) -> list[OutboxEmail]:
    with session_scope() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id)).all())


# --- the pass ------------------------------------------------------------------------------

def test_pass_renews_from_balance_and_emails(make_customer, make_license) -> None:
    user_id = make_customer(balance=150_000, email="ivan@example.ru")
    license_id = make_license(user_id)
    before = _license(license_id).expires_at
    result = renewals.run_renewal_pass()
    assert (result.renewed, result.charged) == (1, 100_000)
    assert _balance(user_id) == 50_000
    lic = _license(license_id)
    assert lic.status == "active"
    assert as_utc(lic.expires_at) >= as_utc(before) + timedelta(days=30)
    [entry] = _renewal_entries(user_id)
    assert entry.reference == renewals.autorenew_reference(license_id, before)
    [email] = _emails("license_renewed")
    assert email.recipient == "ivan@example.ru"
    assert f"1{NBSP}000,00{NBSP}₽" in email.body_text


def test_pass_charges_the_customer_discount(make_customer, make_license) -> None:
    user_id = make_customer(balance=150_000, discount=20)
    make_license(user_id)
    assert renewals.run_renewal_pass().charged == 80_000
    assert _balance(user_id) == 70_000


def test_pass_takes_credit_after_the_balance(make_customer, make_license) -> None:
    user_id = make_customer(balance=30_000, credit_limit=100_000)
    make_license(user_id)
    assert renewals.run_renewal_pass().renewed == 1
    assert _balance(user_id) == -70_000


def test_pass_suspends_when_short_and_charges_nothing(make_customer, make_license) -> None:
    user_id = make_customer(balance=10_000, credit_limit=20_000)
    license_id = make_license(user_id)
    result = renewals.run_renewal_pass()
    assert (result.renewed, result.suspended, result.charged) == (0, 1, 0)
    assert _balance(user_id) == 10_000
    assert _renewal_entries(user_id) == []
    lic = _license(license_id)
    assert (lic.status, lic.suspended_by) == ("suspended", "billing")
    assert f"700,00{NBSP}₽" in lic.status_reason
    [email] = _emails("renewal_failed")
    assert f"Не хватает: 700,00{NBSP}₽" in email.body_text


def test_pass_expires_license_without_auto_renew(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    license_id = make_license(user_id, auto_renew=False)
    assert renewals.run_renewal_pass().expired == 1
    lic = _license(license_id)
    assert (lic.status, lic.status_reason) == ("expired", renewals.EXPIRED_REASON)
    assert _balance(user_id) == 500_000
    assert len(_emails("license_expired")) == 1


def test_pass_leaves_licenses_not_yet_due(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    license_id = make_license(user_id, expires_in=timedelta(minutes=1))
    assert renewals.run_renewal_pass().processed == 0
    assert _license(license_id).status == "active"


def test_pass_leaves_suspended_and_expired_licenses_alone(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    make_license(user_id, status="suspended")
    make_license(user_id, status="expired")
    assert renewals.run_renewal_pass().processed == 0
    assert _balance(user_id) == 500_000


def test_pass_run_twice_charges_once(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    make_license(user_id)
    renewals.run_renewal_pass()
    assert renewals.run_renewal_pass().processed == 0
    assert len(_renewal_entries(user_id)) == 1
    assert len(_emails("license_renewed")) == 1


def test_pass_goes_on_after_one_license_fails(make_customer, make_license, make_tariff) -> None:
    user_id = make_customer(balance=500_000)
    broken = make_license(user_id, tariff_id=make_tariff(price=-100))  # billing refuses a negative charge
    fine = make_license(user_id)
    result = renewals.run_renewal_pass()
    assert (result.failed, result.renewed) == (1, 1)
    assert _license(broken).status == "active"  # rolled back, tried again next pass
    assert as_utc(_license(fine).expires_at) > utcnow()


def test_pass_stops_at_the_limit(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    for _ in range(3):
        make_license(user_id)
    assert renewals.run_renewal_pass(limit=2).renewed == 2
    assert renewals.run_renewal_pass().renewed == 1


def test_summary_names_every_outcome(make_customer, make_license) -> None:
    make_license(make_customer(balance=500_000))
    make_license(make_customer(), auto_renew=True)
    make_license(make_customer(), auto_renew=False)
    summary = renewals.run_renewal_pass().summary()
    assert summary.startswith("Продлено: 1 (списано 1")
    assert "приостановлено из-за нехватки средств: 1" in summary
    assert "истекло без автопродления: 1" in summary


# --- reminders -----------------------------------------------------------------------------

def _remind_at(when: datetime) -> int:
    return renewals.send_expiry_reminders(now=when).sent


def test_reminder_seven_days_before_is_sent_once(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    make_license(user_id, expires_in=timedelta(days=6, hours=20))
    assert _remind_at(utcnow()) == 1
    assert _remind_at(utcnow() + timedelta(hours=1)) == 0
    [email] = _emails("license_expiring")
    assert "осталось дней: 7" in email.body_text


def test_reminder_one_day_before_follows_the_seven_day_one(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    make_license(user_id, expires_in=timedelta(days=6, hours=20))
    assert _remind_at(utcnow()) == 1
    assert _remind_at(utcnow() + timedelta(days=6)) == 1
    assert _remind_at(utcnow() + timedelta(days=6, hours=2)) == 0
    assert [e.body_text.count("осталось дней: 1") for e in _emails("license_expiring")] == [0, 1]


def test_no_reminder_long_before_expiry(make_customer, make_license) -> None:
    make_license(make_customer(), expires_in=timedelta(days=20))
    assert _remind_at(utcnow()) == 0


def test_reminder_tells_auto_renewing_customer_how_much_to_top_up(make_customer, make_license) -> None:
    user_id = make_customer(balance=25_000, credit_limit=5_000)
    make_license(user_id, expires_in=timedelta(hours=20), auto_renew=True)
    _remind_at(utcnow())
    [email] = _emails("license_expiring")
    assert f"Пополните баланс на 700,00{NBSP}₽" in email.body_text


def test_reminder_for_funded_auto_renewal_promises_the_renewal(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    make_license(user_id, expires_in=timedelta(hours=20), auto_renew=True)
    _remind_at(utcnow())
    [email] = _emails("license_expiring")
    assert "Автопродление включено: в день окончания срока" in email.body_text


def test_reminder_without_auto_renew_asks_to_renew(make_customer, make_license) -> None:
    make_license(make_customer(), expires_in=timedelta(days=3), auto_renew=False)
    _remind_at(utcnow())
    [email] = _emails("license_expiring")
    assert "Автопродление выключено" in email.body_text


def test_renewed_term_gets_its_own_reminders(make_customer, make_license) -> None:
    user_id = make_customer(balance=500_000)
    license_id = make_license(user_id, expires_in=timedelta(hours=20))
    assert _remind_at(utcnow()) == 1
    with session_scope() as session:
        session.get(License, license_id).expires_at = utcnow() + timedelta(days=5)
    assert _remind_at(utcnow()) == 1


def test_pass_reports_the_emails_it_wrote(make_customer, make_license) -> None:
    make_license(make_customer(balance=500_000))
    make_license(make_customer(), auto_renew=False)
    result = renewals.run_renewal_pass()
    with session_scope() as session:
        written = session.exec(select(OutboxEmail.id).order_by(OutboxEmail.id)).all()
    assert sorted(result.email_ids) == list(written)
    assert len(written) == 2


def test_cli_renew_due_runs_one_pass_and_prints_it(make_customer, make_license, capsys) -> None:
    from ispgo_portal.cli import main

    user_id = make_customer(balance=150_000)
    make_license(user_id)
    assert main(["renew-due"]) == 0
    assert capsys.readouterr().out.startswith("Продлено: 1 (списано 1")
    assert _balance(user_id) == 50_000


def test_paid_renewal_lifts_a_billing_suspension(make_customer, make_license) -> None:
    user_id = make_customer(balance=10_000)
    license_id = make_license(user_id)
    renewals.run_renewal_pass()
    with session_scope() as session:
        billing.credit(session, user_id=user_id, amount=100_000, kind="topup", description="Пополнение",
                       reference=f"test-topup:{user_id}")
    licenses.renew_from_balance(user_id=user_id, license_id=license_id)
    lic = _license(license_id)
    assert (lic.status, lic.status_reason, lic.suspended_by) == ("active", "", None)
