"""The handler boundary (ispgo_portal/state/handler.py): how every state handler is called."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.state.harness import make_state, run


def _events(handler: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("ispgo_event_seconds_count", {"handler": handler, "outcome": outcome})
    return value or 0.0


def test_reflex_sees_the_body_signature_without_the_caller() -> None:
    from ispgo_portal.state.balance import BalanceState

    handler = BalanceState.event_handlers["submit_topup"]
    assert list(inspect.signature(handler.fn).parameters) == ["self", "form_data"]
    assert handler._get_type_hints() == {"form_data": dict}
    assert inspect.isasyncgenfunction(handler.fn)  # a body that yields becomes an async generator
    assert inspect.iscoroutinefunction(BalanceState.event_handlers["load_balance"].fn)


def test_body_runs_in_a_worker_thread_with_the_caller_from_the_database(
        monkeypatch: pytest.MonkeyPatch, make_customer, session_token) -> None:
    from ispgo_portal.services.accounts.summary import account_summary
    from ispgo_portal.state import dashboard
    from ispgo_portal.state.dashboard import DashboardState

    seen: dict[str, Any] = {}

    def watched(*, user_id: int) -> Any:
        seen.update(user_id=user_id, on_loop=asyncio._get_running_loop() is not None,
                    thread=threading.current_thread().name)
        return account_summary(user_id=user_id)

    monkeypatch.setattr(dashboard, "account_summary", watched)
    user_id = make_customer(email="who@example.ru")
    state = make_state(DashboardState, session_token(user_id))
    run(state, "load_dashboard")
    assert seen["user_id"] == user_id and seen["on_loop"] is False
    assert state.email == "who@example.ru" and state.loaded is True


def test_a_field_error_goes_under_its_field_and_no_toast(make_customer, session_token) -> None:
    from ispgo_portal.state.balance import BalanceState

    state = make_state(BalanceState, session_token(make_customer()))
    before = _events("BalanceState.submit_topup", "domain_error")
    assert run(state, "submit_topup", {"amount": "abc"}) == [None]
    assert state.topup_error == "Сумма должна быть числом, например 150,50"
    assert _events("BalanceState.submit_topup", "domain_error") == before + 1


def test_a_handler_with_its_own_hook_still_shows_a_field_error_under_the_field(
        make_customer, make_tariff, session_token) -> None:
    from ispgo_portal.state.tariffs import TariffsState

    state = make_state(TariffsState, session_token(make_customer(balance=500_000)))
    run(state, "open_buy", str(make_tariff()))
    run(state, "set_checkout_promo", "NOSUCH")
    state.checkout_promo_error = ""
    events = run(state, "confirm_checkout")  # paying with the code the service refuses
    assert state.checkout_promo_error == "Промокод не найден или отключён"
    assert state.checkout_busy is False  # the hook ran: the spinner stopped
    assert all(event is None for event in events)  # and its toast was not sent


def test_any_other_domain_error_is_a_toast_and_counted(make_customer, session_token) -> None:
    from ispgo_portal.services.errors import DomainError
    from ispgo_portal.services.licensing import licenses
    from ispgo_portal.state.licenses import LicensesState

    user_id = make_customer()
    with pytest.raises(DomainError) as refused:
        licenses.delete_license(user_id=user_id, license_id=999)
    state = make_state(LicensesState, session_token(user_id))
    before = _events("LicensesState.delete_license", "domain_error")
    [toast] = run(state, "delete_license", "999")
    assert refused.value.message in str(toast)
    assert _events("LicensesState.delete_license", "domain_error") == before + 1


def test_an_anonymous_caller_gets_the_login_message_and_the_body_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from ispgo_portal.state import admin_outbox
    from ispgo_portal.state.admin_outbox import AdminOutboxState

    monkeypatch.setattr(admin_outbox, "outbox", None)  # any use of the service would raise
    [toast] = run(make_state(AdminOutboxState), "clear_search")
    assert "Войдите в личный кабинет" in str(toast)


def test_a_customer_calling_an_admin_handler_is_refused(make_customer, session_token) -> None:
    from ispgo_portal.state.admin_outbox import AdminOutboxState

    state = make_state(AdminOutboxState, session_token(make_customer()))
    [toast] = run(state, "clear_search")
    assert "только администраторам" in str(toast)


# --- page loaders (`page=True`): the page's on_load is also its guard ---------------------------

def test_a_page_loader_sends_an_anonymous_visitor_to_the_login_form_and_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from ispgo_portal.state import dashboard
    from ispgo_portal.state.dashboard import DashboardState

    monkeypatch.setattr(dashboard, "account_summary", lambda **_: pytest.fail("the body ran"))
    state = make_state(DashboardState, "forged-token", url="/dashboard")
    [answer] = run(state, "load_dashboard")
    assert "/login?next=/dashboard" in str(answer) and "toast" not in str(answer)
    assert (state.viewer_email, state.auth_checked) == ("", False)


def test_a_page_loader_fills_the_header_from_its_own_session_check(make_customer, session_token) -> None:
    from ispgo_portal.state.dashboard import DashboardState

    state = make_state(DashboardState, session_token(make_customer(email="ivan@example.ru", balance=123_450)))
    run(state, "load_dashboard")
    assert (state.viewer_email, state.viewer_balance, state.auth_checked) == ("ivan@example.ru", "1\xa0234,50\xa0₽", True)
    assert state.loaded


def test_an_admin_page_sends_a_customer_to_the_dashboard_and_says_why(make_customer, session_token) -> None:
    from ispgo_portal.state.admin_overview import AdminOverviewState

    state = make_state(AdminOverviewState, session_token(make_customer()), url="/admin")
    [answer] = run(state, "load_overview")
    assert "/dashboard" in str(answer) and "только администраторам" in str(answer)
    assert state.loaded is False


def test_an_admin_page_sends_an_admin_without_a_second_factor_to_security(make_admin, session_token) -> None:
    from ispgo_portal.state.admin_overview import AdminOverviewState

    state = make_state(AdminOverviewState, session_token(make_admin(two_factor=False)), url="/admin")
    [answer] = run(state, "load_overview")
    assert "/security" in str(answer) and "двухфакторная" in str(answer)
    assert state.loaded is False


def test_a_bug_propagates_to_the_app_handler_and_is_counted(monkeypatch: pytest.MonkeyPatch, make_customer,
                                                            session_token) -> None:
    from ispgo_portal.state import dashboard
    from ispgo_portal.state.dashboard import DashboardState

    def broken(**_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "account_summary", broken)
    state = make_state(DashboardState, session_token(make_customer()))
    before = _events("DashboardState.load_dashboard", "error")
    with pytest.raises(RuntimeError):
        run(state, "load_dashboard")
    assert _events("DashboardState.load_dashboard", "error") == before + 1


def test_backend_exception_handler_logs_the_traceback_and_shows_a_calm_message(
        caplog: pytest.LogCaptureFixture) -> None:
    from ispgo_portal.state.handler import CALM_MESSAGE, backend_exception_handler

    try:
        raise ValueError("secret internals")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR, logger="ispgo_portal.state"):
            spec = backend_exception_handler(exc)
    assert CALM_MESSAGE in str(spec) and "secret internals" not in str(spec)
    assert any(r.name == "ispgo_portal.state" and r.exc_info and "secret internals" in str(r.exc_info[1])
               for r in caplog.records)


def test_the_app_uses_the_calm_exception_handler() -> None:
    from ispgo_portal.ispgo_portal import app
    from ispgo_portal.state.handler import backend_exception_handler

    assert app.backend_exception_handler is backend_exception_handler
