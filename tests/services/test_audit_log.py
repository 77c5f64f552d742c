"""Reading the audit trail: filters, paging, readable before → after."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ispgo_portal.db import session_scope
from ispgo_portal.services.accounts import admin as ac
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.audit.log import (
    AuditFilter,
    describe_changes,
    filter_options,
    list_audit,
)
from ispgo_portal.services.errors import AccessDenied


def _actions(admin: int, **filters) -> list[str]:
    return [r.action for r in list_audit(admin_id=admin, filters=AuditFilter(**filters)).rows]


def test_filters_by_admin_action_and_customer(make_admin, make_customer) -> None:
    first, second = make_admin(), make_admin()
    anna = make_customer(email="anna@example.ru")
    boris = make_customer(email="boris@example.ru")
    ac.set_discount(admin_id=first, customer_id=anna, percent=10)
    ac.set_credit_limit(admin_id=second, customer_id=boris, credit_limit=1_000)
    ac.set_discount(admin_id=second, customer_id=boris, percent=5)

    assert _actions(first, admin_id=second) == ["customer.discount", "customer.credit_limit"]
    assert _actions(first, action="customer.discount") == ["customer.discount", "customer.discount"]
    assert _actions(first, customer="ANNA@") == ["customer.discount"]
    assert _actions(first, customer=str(boris)) == ["customer.discount", "customer.credit_limit"]


def test_filters_by_moscow_date_range(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    with session_scope() as session:
        for action, at in (("a.old", datetime(2026, 11, 1, 12, 0, tzinfo=UTC)),
                           # 22:00 UTC on 2 November is already 3 November in Moscow
                           ("a.late", datetime(2026, 11, 2, 22, 0, tzinfo=UTC)),
                           ("a.new", datetime(2026, 11, 5, 12, 0, tzinfo=UTC))):
            row = audit.record(session, admin_id=admin, action=action, target_user_id=customer)
            row.created_at = at

    assert _actions(admin, date_from=date(2026, 11, 3), date_to=date(2026, 11, 4)) == ["a.late"]
    assert _actions(admin, date_to=date(2026, 11, 2)) == ["a.old"]
    assert _actions(admin, date_from=date(2026, 11, 5)) == ["a.new"]


def test_pages_newest_first(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    for percent in range(1, 6):
        ac.set_discount(admin_id=admin, customer_id=customer, percent=percent)

    first = list_audit(admin_id=admin, page=1, page_size=2)
    last = list_audit(admin_id=admin, page=3, page_size=2)

    assert (first.total, first.pages) == (5, 3)
    assert first.rows[0].changes == ["скидка: 4% → 5%"]
    assert last.rows[0].changes == ["скидка: 0% → 1%"]


def test_rows_name_admin_and_customer_and_show_money(make_admin, make_customer) -> None:
    admin = make_admin(email="boss@example.ru")
    customer = make_customer(email="client@example.ru")
    ac.set_credit_limit(admin_id=admin, customer_id=customer, credit_limit=100_000, reason="договор")

    [row] = list_audit(admin_id=admin).rows

    assert (row.admin_email, row.target_email, row.action_label, row.reason) == (
        "boss@example.ru", "client@example.ru", "Кредитный лимит", "договор")
    assert row.changes == ["кредитный лимит: 0,00\u00a0₽ → 1\u00a0000,00\u00a0₽"]


def test_describe_changes_survives_odd_json() -> None:
    assert describe_changes("not json", "") == ["значение: было not json"]
    assert describe_changes("", '{"title": "Новый"}') == ["title: Новый"]


def test_filter_options_list_admins_and_actions(make_admin, make_customer) -> None:
    admin = make_admin(email="boss@example.ru")
    make_customer()
    admins, actions = filter_options(admin_id=admin)
    assert admins == [(admin, "boss@example.ru")]
    assert ("customer.block", "Блокировка") in actions


def test_customer_cannot_read_the_audit(make_customer) -> None:
    with pytest.raises(AccessDenied):
        list_audit(admin_id=make_customer())
