"""Admin «Тарифы»: validation, create, edit, archive; every change leaves an audit row."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, License, Tariff
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import tariffs_admin as admin_tariffs


def _form(**overrides: str) -> dict[str, str]:
    form = {"name": "Про", "price": "990,50", "period_days": "30", "max_servers": "3", "max_sites": "0",
            "description": "Для студий", "features": "3 сервера\n\n  Сайты без ограничений  \n",
            "sort_order": "5"}
    form.update(overrides)
    return form


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def test_create_tariff_stores_kopecks_and_clean_features(make_admin) -> None:
    admin = make_admin()
    tariff_id = admin_tariffs.create_tariff(admin_id=admin, form=_form())
    with session_scope() as session:
        tariff = session.get(Tariff, tariff_id)
    assert (tariff.price, tariff.period_days, tariff.max_servers, tariff.max_sites) == (99_050, 30, 3, 0)
    assert tariff.features == "3 сервера\nСайты без ограничений"
    assert tariff.is_active and tariff.sort_order == 5


def test_create_tariff_leaves_audit_row(make_admin) -> None:
    admin = make_admin()
    tariff_id = admin_tariffs.create_tariff(admin_id=admin, form=_form())
    [row] = _audit("tariff.create")
    assert (row.admin_id, row.target_type, row.target_id) == (admin, "tariff", tariff_id)
    assert json.loads(row.after)["price"] == 99_050


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "x" * 101), ("price", "0"), ("price", "abc"), ("price", "10,005"),
     ("price", "-5"), ("period_days", "0"), ("period_days", "3651"), ("period_days", "1.5"),
     ("max_servers", "-1"), ("max_sites", "много"), ("description", "x" * 2001), ("sort_order", "x")],
)
def test_create_tariff_rejects_bad_field(make_admin, field: str, value: str) -> None:
    admin = make_admin()
    with pytest.raises(DomainError) as err:
        admin_tariffs.create_tariff(admin_id=admin, form=_form(**{field: value}))
    assert err.value.field == field
    with session_scope() as session:
        assert session.exec(select(Tariff)).all() == []
    assert _audit("tariff.create") == []


def test_create_tariff_survives_garbage_form(make_admin) -> None:
    with pytest.raises(DomainError):
        admin_tariffs.create_tariff(admin_id=make_admin(), form={"name": ["x"], "price": {}})


def test_create_tariff_refuses_duplicate_name_in_any_case(make_admin, make_tariff) -> None:
    make_tariff(name="Бизнес")
    with pytest.raises(DomainError) as err:
        admin_tariffs.create_tariff(admin_id=make_admin(), form=_form(name="БИЗНЕС"))
    assert err.value.code == "tariff_name_taken"


def test_update_tariff_audits_only_changed_fields(make_admin, make_tariff) -> None:
    admin = make_admin()
    tariff_id = admin_tariffs.create_tariff(admin_id=admin, form=_form())
    admin_tariffs.update_tariff(admin_id=admin, tariff_id=tariff_id, form=_form(price="1200"))
    [row] = _audit("tariff.update")
    assert json.loads(row.before) == {"price": 99_050}
    assert json.loads(row.after) == {"price": 120_000}


def test_update_tariff_without_changes_writes_nothing(make_admin) -> None:
    admin = make_admin()
    tariff_id = admin_tariffs.create_tariff(admin_id=admin, form=_form())
    admin_tariffs.update_tariff(admin_id=admin, tariff_id=tariff_id, form=_form())
    assert _audit("tariff.update") == []


def test_update_unknown_tariff_is_not_found(make_admin) -> None:
    with pytest.raises(DomainError) as err:
        admin_tariffs.update_tariff(admin_id=make_admin(), tariff_id=999, form=_form())
    assert err.value.code == "not_found"


def test_archive_keeps_tariff_and_its_licenses(make_admin, make_customer, make_tariff) -> None:
    admin = make_admin()
    tariff_id = make_tariff()
    with session_scope() as session:
        session.add(License(user_id=make_customer(), tariff_id=tariff_id, key="ISPG-AAAA-BBBB-CCCC-DDDD",
                            expires_at=utcnow() + timedelta(days=10), auto_renew=True))
    admin_tariffs.set_tariff_archived(admin_id=admin, tariff_id=tariff_id, archived=True)
    with session_scope() as session:
        assert session.get(Tariff, tariff_id).is_active is False
        lic = session.exec(select(License)).one()
    assert (lic.status, lic.auto_renew) == ("active", True)
    [row] = admin_tariffs.list_tariffs()
    assert (row.is_active, row.licenses_total, row.licenses_active) == (False, 1, 1)
    assert len(_audit("tariff.archive")) == 1


def test_archive_twice_is_refused(make_admin, make_tariff) -> None:
    admin = make_admin()
    tariff_id = make_tariff(is_active=False)
    with pytest.raises(DomainError) as err:
        admin_tariffs.set_tariff_archived(admin_id=admin, tariff_id=tariff_id, archived=True)
    assert err.value.code == "tariff_state_unchanged"
    assert _audit("tariff.archive") == []


def test_unarchive_returns_tariff_to_sale(make_admin, make_tariff) -> None:
    admin = make_admin()
    tariff_id = make_tariff(is_active=False)
    admin_tariffs.set_tariff_archived(admin_id=admin, tariff_id=tariff_id, archived=False)
    with session_scope() as session:
        assert session.get(Tariff, tariff_id).is_active is True
    assert len(_audit("tariff.unarchive")) == 1


def test_list_tariffs_puts_archived_last_then_sort_order(make_admin, make_tariff) -> None:
    admin = make_admin()
    admin_tariffs.create_tariff(admin_id=admin, form=_form(name="Б", sort_order="2"))
    admin_tariffs.create_tariff(admin_id=admin, form=_form(name="А", sort_order="1"))
    make_tariff(name="Старый", is_active=False)
    assert [row.name for row in admin_tariffs.list_tariffs()] == ["А", "Б", "Старый"]


def test_archived_tariff_is_not_sold(make_admin, make_customer, make_tariff) -> None:
    from ispgo_portal.services.licensing import licenses

    tariff_id = make_tariff(price=10_000)
    admin_tariffs.set_tariff_archived(admin_id=make_admin(), tariff_id=tariff_id, archived=True)
    with pytest.raises(DomainError) as err:
        licenses.buy_from_balance(user_id=make_customer(balance=50_000), tariff_id=tariff_id)
    assert err.value.code == "tariff_not_found"


def test_license_on_archived_tariff_still_auto_renews(make_admin, make_customer, make_tariff) -> None:
    from ispgo_portal.services.licensing import renewals

    tariff_id = make_tariff(price=10_000, period_days=30)
    customer = make_customer(balance=50_000)
    with session_scope() as session:
        lic = License(user_id=customer, tariff_id=tariff_id, key="ISPG-ARCH-IVED-TARI-FF22",
                      expires_at=utcnow() - timedelta(minutes=5), auto_renew=True)
        session.add(lic)
        session.flush()
        license_id = lic.id
    admin_tariffs.set_tariff_archived(admin_id=make_admin(), tariff_id=tariff_id, archived=True)
    assert renewals.run_renewal_pass().renewed == 1
    with session_scope() as session:
        renewed = session.get(License, license_id)
    assert renewed.status == "active" and renewed.expires_at > utcnow() + timedelta(days=29)
