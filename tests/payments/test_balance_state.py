"""BalanceState handlers without a browser: the top-up form's field errors and the history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.state.balance import BalanceState
from ispgo_portal.state.dashboard import DashboardState
from tests.state.harness import make_state, run


def _payments(user_id: int) -> list[Payment]:
    with session_scope() as session:
        return list(session.exec(select(Payment).where(Payment.user_id == user_id)).all())


@pytest.mark.parametrize(("typed", "message"), [
    ("0", "Сумма должна быть больше нуля"),
    ("-5", "Сумма должна быть числом, например 150,50"),
    ("abc", "Сумма должна быть числом, например 150,50"),
    ("1,005", "Не больше двух знаков после запятой"),
    ("1e3", "Сумма должна быть числом, например 150,50"),
    ("", "Введите сумму"),
    ("0,50", "Минимальная сумма: 1,00\u00a0₽"),
    ("99999999999", "Максимальная сумма: 1\u00a0000\u00a0000,00\u00a0₽"),
])
def test_bad_amount_gets_a_message_and_creates_nothing(typed: str, message: str, make_customer,
                                                       session_token) -> None:
    user_id = make_customer()
    state = make_state(BalanceState, session_token(user_id))
    run(state, "submit_topup", {"amount": typed})
    assert state.topup_error == message
    assert _payments(user_id) == []


@pytest.mark.parametrize("form", [{}, "1", [], {"amount": {"x": 1}}, {"amount": None}])
def test_garbage_form_is_refused_quietly(form: Any, make_customer, session_token) -> None:
    user_id = make_customer()
    state = make_state(BalanceState, session_token(user_id))
    run(state, "submit_topup", form)
    assert state.topup_error == "Введите сумму"
    assert _payments(user_id) == []


def test_top_up_sends_the_customer_to_the_checkout(control, make_customer, session_token) -> None:
    user_id = make_customer()
    state = make_state(BalanceState, session_token(user_id))
    events = run(state, "submit_topup", {"amount": " 150,50 ", "method": "yookassa"})
    [payment] = _payments(user_id)
    assert (payment.amount, payment.status) == (15_050, "pending")
    assert state.topup_error == ""
    assert payment.confirmation_url in str(events[-1])


def test_load_balance_shows_funds_and_first_page(make_customer, session_token) -> None:
    user_id = make_customer(balance=0, credit_limit=100_000)
    with session_scope() as session:
        billing.charge(session, user_id=user_id, amount=30_000, kind="purchase", description="Покупка",
                       reference="p1")
    state = make_state(BalanceState, session_token(user_id))
    run(state, "load_balance")
    assert (state.balance, state.credit_used, state.available) == (
        "−300,00\u00a0₽", "300,00\u00a0₽", "700,00\u00a0₽")
    assert state.balance_negative and state.total == 1
    assert state.rows[0].amount == "−300,00\u00a0₽" and not state.rows[0].positive


def test_history_pages_and_filters(make_customer, session_token) -> None:
    user_id = make_customer()
    with session_scope() as session:
        for i in range(45):
            billing.credit(session, user_id=user_id, amount=100, kind="topup", description=f"t{i}",
                           reference=f"t{i}")
    state = make_state(BalanceState, session_token(user_id))
    run(state, "load_balance")
    run(state, "change_page", 1)
    run(state, "change_page", 1)
    assert (state.page, state.pages, len(state.rows)) == (3, 3, 5)
    run(state, "change_page", 1)  # past the end: the last page stays
    assert state.page == 3
    run(state, "change_page", "x")  # garbage: one page back
    assert state.page == 2
    run(state, "set_history_kind", "purchase")
    assert (state.kind, state.total) == ("purchase", 0)
    run(state, "apply_history_filter", {"kind": "all", "date_from": "31.02.2026", "date_to": ""})
    assert state.date_from_error == "Дата в формате ДД.ММ.ГГГГ" and state.kind == "purchase"
    run(state, "reset_history_filter")
    assert (state.kind, state.total) == ("all", 45)


def test_export_points_at_the_csv_route_with_the_filters(make_customer, session_token) -> None:
    user_id = make_customer()
    state = make_state(BalanceState, session_token(user_id))
    run(state, "load_balance")
    run(state, "apply_history_filter", {"kind": "topup", "date_from": "2026-03-01", "date_to": ""})
    [event] = run(state, "export_history")
    assert "/api/ledger/export.csv?kind=topup&from=2026-03-01&to=" in str(event)


def test_recent_operations_are_own_last_five(make_customer, session_token) -> None:
    user_id, other = make_customer(), make_customer()
    with session_scope() as session:
        for i in range(6):
            billing.credit(session, user_id=user_id, amount=100 + i, kind="topup", description=f"t{i}",
                           reference=f"t{i}")
        billing.credit(session, user_id=other, amount=999, kind="topup", description="чужое",
                       reference="other")
    state = make_state(DashboardState, session_token(user_id))
    run(state, "load_dashboard")
    assert [r.description for r in state.recent_rows] == ["t5", "t4", "t3", "t2", "t1"]
