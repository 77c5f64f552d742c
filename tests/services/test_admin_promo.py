"""Admin «Промокоды»: validation, create, edit, deactivate; the codes work as configured."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import format_date, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, PromoCode, Tariff, User
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.billing import promo_admin as admin_promo
from ispgo_portal.services.errors import DomainError


def _form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {"code": " spring-25 ", "percent": "25", "valid_from": "", "valid_until": "",
                               "max_uses": "0", "tariff_ids": ""}
    form.update(overrides)
    return form


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def _promo(promo_id: int) -> PromoCode:
    with session_scope() as session:
        return session.get(PromoCode, promo_id)


def _quote(user_id: int, tariff_id: int, code: str) -> pricing.Quote:
    with session_scope() as session:
        return pricing.quote(session, user=session.get(User, user_id), tariff=session.get(Tariff, tariff_id),
                             promo_code=code)


def test_create_promo_stores_code_upper_case(make_admin) -> None:
    promo_id = admin_promo.create_promo(admin_id=make_admin(), form=_form())
    assert _promo(promo_id).code == "SPRING-25"


def test_create_promo_leaves_audit_row(make_admin) -> None:
    admin = make_admin()
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form())
    [row] = _audit("promo.create")
    assert (row.admin_id, row.target_id, json.loads(row.after)["percent"]) == (admin, promo_id, 25)


def test_created_promo_applies_in_quote_in_any_case(make_admin, make_customer, make_tariff) -> None:
    tariff = make_tariff(price=100_000)
    admin_promo.create_promo(admin_id=make_admin(), form=_form())
    assert _quote(make_customer(), tariff, "Spring-25").final_price == 75_000


def test_duplicate_code_in_other_case_is_refused(make_admin) -> None:
    admin = make_admin()
    admin_promo.create_promo(admin_id=admin, form=_form(code="SALE"))
    with pytest.raises(DomainError) as err:
        admin_promo.create_promo(admin_id=admin, form=_form(code="sale"))
    assert err.value.code == "promo_code_taken"


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", ""), ("code", "ab"), ("code", "two words"), ("code", "x" * 41), ("percent", "0"),
     ("percent", "101"), ("percent", "ten"), ("valid_from", "31.02.2026"), ("valid_until", "завтра"),
     ("max_uses", "-1"), ("tariff_ids", "1,x"), ("tariff_ids", "999")],
)
def test_create_promo_rejects_bad_field(make_admin, field: str, value: str) -> None:
    with pytest.raises(DomainError) as err:
        admin_promo.create_promo(admin_id=make_admin(), form=_form(**{field: value}))
    assert err.value.field == field
    with session_scope() as session:
        assert session.exec(select(PromoCode)).all() == []


def test_window_ending_before_it_starts_is_refused(make_admin) -> None:
    with pytest.raises(DomainError) as err:
        admin_promo.create_promo(admin_id=make_admin(), form=_form(valid_from="2026-12-10",
                                                                  valid_until="2026-12-01"))
    assert err.value.code == "invalid_window"


def test_validity_window_covers_whole_moscow_days(make_admin) -> None:
    promo_id = admin_promo.create_promo(admin_id=make_admin(), form=_form(valid_from="01.12.2026",
                                                                          valid_until="2026-12-31"))
    promo = _promo(promo_id)
    assert (format_date(promo.valid_from), format_date(promo.valid_until)) == ("01.12.2026", "31.12.2026")
    assert promo.valid_until - promo.valid_from > timedelta(days=30, hours=23)


def test_promo_limited_to_tariffs_refused_for_others(make_admin, make_customer, make_tariff) -> None:
    allowed, other = make_tariff(name="А"), make_tariff(name="Б")
    admin_promo.create_promo(admin_id=make_admin(), form=_form(tariff_ids=[str(allowed)]))
    customer = make_customer()
    assert _quote(customer, allowed, "SPRING-25").discount_source == "promo"
    with pytest.raises(DomainError) as err:
        _quote(customer, other, "SPRING-25")
    assert err.value.code == "promo_wrong_tariff"


def test_deactivated_promo_is_refused_to_customers(make_admin, make_customer, make_tariff) -> None:
    admin = make_admin()
    tariff = make_tariff()
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form())
    admin_promo.set_promo_active(admin_id=admin, promo_id=promo_id, active=False)
    with pytest.raises(DomainError) as err:
        _quote(make_customer(), tariff, "SPRING-25")
    assert err.value.code == "promo_not_found"
    assert len(_audit("promo.deactivate")) == 1


def test_deactivate_twice_is_refused_without_audit(make_admin) -> None:
    admin = make_admin()
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form())
    admin_promo.set_promo_active(admin_id=admin, promo_id=promo_id, active=False)
    with pytest.raises(DomainError):
        admin_promo.set_promo_active(admin_id=admin, promo_id=promo_id, active=False)
    assert len(_audit("promo.deactivate")) == 1


def test_update_promo_audits_changed_fields(make_admin) -> None:
    admin = make_admin()
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form())
    admin_promo.update_promo(admin_id=admin, promo_id=promo_id, form=_form(percent="30", max_uses="10"))
    [row] = _audit("promo.update")
    assert json.loads(row.before) == {"percent": 25, "max_uses": 0}
    assert json.loads(row.after) == {"percent": 30, "max_uses": 10}


def test_update_refuses_limit_below_uses_made(make_admin) -> None:
    admin = make_admin()
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form())
    with session_scope() as session:
        promo = session.get(PromoCode, promo_id)
        promo.uses_count = 5
        session.add(promo)
    with pytest.raises(DomainError) as err:
        admin_promo.update_promo(admin_id=admin, promo_id=promo_id, form=_form(max_uses="4"))
    assert err.value.code == "max_uses_below_used"


def test_list_promos_shows_uses_and_status(make_admin, make_tariff) -> None:
    admin = make_admin()
    tariff = make_tariff(name="Старт")
    promo_id = admin_promo.create_promo(admin_id=admin, form=_form(max_uses="2", tariff_ids=str(tariff)))
    with session_scope() as session:
        promo = session.get(PromoCode, promo_id)
        promo.uses_count = 2
        session.add(promo)
    [row] = admin_promo.list_promos()
    assert (row.uses_count, row.max_uses, row.status, row.tariff_names) == (2, 2, "Исчерпан", ["Старт"])


def test_expired_promo_is_listed_as_expired(make_admin) -> None:
    yesterday = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%d")
    admin_promo.create_promo(admin_id=make_admin(), form=_form(valid_until=yesterday))
    assert admin_promo.list_promos()[0].status == "Истёк"


def test_customer_id_as_admin_is_refused(make_customer) -> None:
    with pytest.raises(DomainError) as err:
        admin_promo.create_promo(admin_id=make_customer(), form=_form())
    assert err.value.code == "forbidden"
    assert admin_promo.list_promos() == []
