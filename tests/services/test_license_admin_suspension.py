"""An admin's suspension is not lifted by the customer paying for a renewal."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, User
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import admin as admin_licenses
from ispgo_portal.services.licensing import licenses


def _suspended_license(make_customer, make_admin, make_tariff) -> tuple[int, int]:
    customer = make_customer(balance=1_000_000)
    admin = make_admin()
    tariff = make_tariff(price=10_000)
    license_id = licenses.buy_from_balance(user_id=customer, tariff_id=tariff)
    admin_licenses.suspend_license(admin_id=admin, license_id=license_id, reason="Нарушение условий")
    return customer, license_id


def test_manual_renewal_of_admin_suspended_license_is_refused(make_customer, make_admin, make_tariff) -> None:
    customer, license_id = _suspended_license(make_customer, make_admin, make_tariff)
    with session_scope() as session:
        balance_before = session.get(User, customer).balance
        expires_before = session.get(License, license_id).expires_at
    with pytest.raises(DomainError) as err:
        licenses.renew_from_balance(user_id=customer, license_id=license_id)
    assert err.value.code == "suspended_by_admin"
    with session_scope() as session:
        lic = session.get(License, license_id)
        assert lic.status == "suspended"
        assert lic.expires_at == expires_before
        assert session.get(User, customer).balance == balance_before


def test_renewal_quote_and_yookassa_renewal_are_refused_too(make_customer, make_admin, make_tariff) -> None:
    customer, license_id = _suspended_license(make_customer, make_admin, make_tariff)
    with pytest.raises(DomainError):
        licenses.quote_renewal(user_id=customer, license_id=license_id)
    with pytest.raises(DomainError):
        licenses.renew_by_yookassa(user_id=customer, license_id=license_id)


def test_paid_renewal_extends_but_keeps_admin_suspension(make_customer, make_admin, make_tariff) -> None:
    customer, license_id = _suspended_license(make_customer, make_admin, make_tariff)
    with session_scope() as session:
        before = session.get(License, license_id).expires_at
        licenses.renew_license(session, license_id=license_id, reference="autorenew:test")
    with session_scope() as session:
        lic = session.get(License, license_id)
        assert (lic.status, lic.suspended_by) == ("suspended", "admin")
        assert lic.status_reason.startswith(admin_licenses.ADMIN_SUSPENSION_PREFIX)
        assert lic.expires_at > before
        assert session.exec(select(LedgerEntry).where(LedgerEntry.reference == "autorenew:test")).one()


def test_admin_suspension_is_told_by_suspended_by_not_by_the_wording(make_customer, make_admin, make_tariff) -> None:
    """A billing suspension whose reason happens to read like an admin's is still billing's."""
    customer, license_id = _suspended_license(make_customer, make_admin, make_tariff)
    with session_scope() as session:
        lic = session.get(License, license_id)
        lic.suspended_by = "billing"
        session.add(lic)
    licenses.renew_from_balance(user_id=customer, license_id=license_id)
    with session_scope() as session:
        lic = session.get(License, license_id)
        assert (lic.status, lic.status_reason, lic.suspended_by) == ("active", "", None)


def test_resume_clears_suspended_by_and_updated_at_moves(make_customer, make_admin, make_tariff) -> None:
    customer, license_id = _suspended_license(make_customer, make_admin, make_tariff)
    with session_scope() as session:
        suspended_at = session.get(License, license_id).updated_at
    admin = make_admin()
    assert admin_licenses.resume_license(admin_id=admin, license_id=license_id, reason="Разобрались") == "active"
    with session_scope() as session:
        lic = session.get(License, license_id)
        assert (lic.status, lic.status_reason, lic.suspended_by) == ("active", "", None)
        assert lic.updated_at > suspended_at


def test_manual_renewal_emails_the_customer(make_customer, make_tariff) -> None:
    from ispgo_portal.models import OutboxEmail

    customer = make_customer(balance=1_000_000)
    license_id = licenses.buy_from_balance(user_id=customer, tariff_id=make_tariff(price=10_000))
    licenses.renew_from_balance(user_id=customer, license_id=license_id)
    with session_scope() as session:
        renewed = session.exec(select(OutboxEmail).where(OutboxEmail.template == "license_renewed")).one()
    assert "продлена." in renewed.body_text
    assert "автоматически" not in renewed.body_text
