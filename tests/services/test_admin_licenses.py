"""Admin «Лицензии»: search, suspend / resume with a reason, extend, deactivate a server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, License, LicenseActivation
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import admin as admin_licenses


@pytest.fixture
def make_license(make_customer, make_tariff):
    def factory(*, user_id: int | None = None, key: str = "ISPG-AAAA-BBBB-CCCC-DDDD", status: str = "active",
                expires_in_days: float = 10, status_reason: str = "") -> int:
        with session_scope() as session:
            lic = License(user_id=user_id or make_customer(), tariff_id=make_tariff(name=key), key=key,
                          status=status, status_reason=status_reason,
                          expires_at=utcnow() + timedelta(days=expires_in_days))
            session.add(lic)
            session.flush()
            return lic.id

    return factory


def _license(license_id: int) -> License:
    with session_scope() as session:
        return session.get(License, license_id)


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def test_search_finds_license_by_part_of_key_in_any_case(make_license) -> None:
    wanted = make_license(key="ISPG-AAAA-BBBB-CCCC-DDDD")
    make_license(key="ISPG-EEEE-FFFF-GGGG-HHHH")
    result = admin_licenses.search_licenses(query=" bbbb-cccc ")
    assert [row.id for row in result.rows] == [wanted]
    assert result.total == 1


def test_search_finds_license_by_customer_email(make_customer, make_license) -> None:
    owner = make_customer(email="ivan@example.ru")
    wanted = make_license(user_id=owner, key="ISPG-AAAA-BBBB-CCCC-DDDD")
    make_license(key="ISPG-EEEE-FFFF-GGGG-HHHH")
    rows = admin_licenses.search_licenses(query="IVAN@").rows
    assert [(row.id, row.customer_email) for row in rows] == [(wanted, "ivan@example.ru")]


def test_search_filters_expiring_this_week(make_license) -> None:
    soon = make_license(key="ISPG-AAAA-BBBB-CCCC-DDDD", expires_in_days=3)
    make_license(key="ISPG-EEEE-FFFF-GGGG-HHHH", expires_in_days=30)
    assert [row.id for row in admin_licenses.search_licenses(status="expiring").rows] == [soon]


def test_suspend_shows_reason_to_customer_and_audits(make_admin, make_license) -> None:
    admin, license_id = make_admin(), make_license()
    admin_licenses.suspend_license(admin_id=admin, license_id=license_id, reason="Жалоба на спам")
    lic = _license(license_id)
    assert lic.status == "suspended"
    assert lic.status_reason == "Приостановлена администратором: Жалоба на спам"
    [row] = _audit("license.suspend")
    assert (row.admin_id, row.target_id, row.target_user_id, row.reason) == (
        admin, license_id, lic.user_id, "Жалоба на спам")


@pytest.mark.parametrize("reason", ["", "  ", "ab", "x" * 251])
def test_suspend_requires_sensible_reason(make_admin, make_license, reason: str) -> None:
    admin, license_id = make_admin(), make_license()
    with pytest.raises(DomainError) as err:
        admin_licenses.suspend_license(admin_id=admin, license_id=license_id, reason=reason)
    assert err.value.field == "reason"
    assert _license(license_id).status == "active"
    assert _audit("license.suspend") == []


def test_suspend_by_customer_is_refused(make_customer, make_license) -> None:
    license_id = make_license()
    with pytest.raises(DomainError) as err:
        admin_licenses.suspend_license(admin_id=make_customer(), license_id=license_id, reason="Просто так")
    assert err.value.code == "forbidden"
    assert _license(license_id).status == "active"


def test_resume_running_term_makes_license_active(make_admin, make_license) -> None:
    admin, license_id = make_admin(), make_license()
    admin_licenses.suspend_license(admin_id=admin, license_id=license_id, reason="Проверка оплаты")
    assert admin_licenses.resume_license(admin_id=admin, license_id=license_id, reason="Оплата найдена") == "active"
    lic = _license(license_id)
    assert (lic.status, lic.status_reason) == ("active", "")
    assert len(_audit("license.resume")) == 1


def test_resume_after_term_ended_leaves_license_expired(make_admin, make_license) -> None:
    admin = make_admin()
    license_id = make_license(status="suspended", status_reason="Недостаточно средств", expires_in_days=-2)
    assert admin_licenses.resume_license(admin_id=admin, license_id=license_id, reason="Снята блокировка") == "expired"


def test_resume_active_license_is_refused(make_admin, make_license) -> None:
    with pytest.raises(DomainError) as err:
        admin_licenses.resume_license(admin_id=make_admin(), license_id=make_license(), reason="Без причины")
    assert err.value.code == "not_suspended"
    assert _audit("license.resume") == []


def test_extend_adds_days_to_running_term(make_admin, make_license) -> None:
    license_id = make_license(expires_in_days=10)
    old_expiry = as_utc(_license(license_id).expires_at)
    new_expiry = admin_licenses.extend_license(admin_id=make_admin(), license_id=license_id, days="5",
                                               reason="Компенсация простоя")
    assert new_expiry - old_expiry == timedelta(days=5)
    assert as_utc(_license(license_id).expires_at) == new_expiry


def test_extend_expired_license_counts_from_now_and_activates(make_admin, make_license) -> None:
    license_id = make_license(status="expired", expires_in_days=-20)
    before = utcnow()
    new_expiry = admin_licenses.extend_license(admin_id=make_admin(), license_id=license_id, days=7,
                                               reason="Подарок")
    assert new_expiry >= before + timedelta(days=7)
    assert _license(license_id).status == "active"
    [row] = _audit("license.extend")
    assert row.reason == "Подарок"


def test_extend_keeps_admin_suspension(make_admin, make_license) -> None:
    admin, license_id = make_admin(), make_license()
    admin_licenses.suspend_license(admin_id=admin, license_id=license_id, reason="Жалоба")
    admin_licenses.extend_license(admin_id=admin, license_id=license_id, days=30, reason="Продление")
    assert _license(license_id).status == "suspended"


@pytest.mark.parametrize("days", ["0", "-3", "3651", "x", "1.5", ""])
def test_extend_rejects_bad_days(make_admin, make_license, days: str) -> None:
    license_id = make_license()
    before: datetime = _license(license_id).expires_at
    with pytest.raises(DomainError) as err:
        admin_licenses.extend_license(admin_id=make_admin(), license_id=license_id, days=days, reason="Подарок")
    assert err.value.field == "days"
    assert _license(license_id).expires_at == before


def test_deactivate_server_frees_slot_and_audits(make_admin, make_license) -> None:
    license_id = make_license()
    with session_scope() as session:
        session.add(LicenseActivation(license_id=license_id, fingerprint="fp-1", hostname="web1.example.ru"))
        session.add(LicenseActivation(license_id=license_id, fingerprint="fp-2", hostname="web2.example.ru"))
    servers = admin_licenses.list_servers(license_id=license_id)
    assert [s.hostname for s in servers] == ["web1.example.ru", "web2.example.ru"]
    admin_licenses.deactivate_server(admin_id=make_admin(), activation_id=servers[0].id, reason="Сервер продан")
    assert [s.hostname for s in admin_licenses.list_servers(license_id=license_id)] == ["web2.example.ru"]
    [row] = _audit("license.server_deactivate")
    assert "web1.example.ru" in row.before and row.target_id == license_id


def test_deactivate_unknown_server_is_not_found(make_admin) -> None:
    with pytest.raises(DomainError) as err:
        admin_licenses.deactivate_server(admin_id=make_admin(), activation_id=12345)
    assert err.value.code == "not_found"
