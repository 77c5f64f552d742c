"""«Забыли пароль?» and «Исходящие письма» handlers, called as the browser would call them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import OutboxEmail
from ispgo_portal.services.accounts import auth
from tests.state.harness import call, log_in, make_state


@pytest.fixture
def reset_state() -> Any:
    from ispgo_portal.state.password_reset import PasswordResetState

    return make_state(PasswordResetState)


@pytest.fixture
def outbox_state() -> Any:
    from ispgo_portal.state.admin_outbox import AdminOutboxState

    return make_state(AdminOutboxState)


def _visible(state: Any) -> dict[str, Any]:
    return {k: getattr(state, k) for k in ("reset_requested", "err_email")}


def test_request_answers_the_same_for_known_and_unknown_email(make_customer) -> None:
    from ispgo_portal.state.password_reset import PasswordResetState

    make_customer(email="ivan@example.ru")
    known, unknown = make_state(PasswordResetState), make_state(PasswordResetState)
    assert call(known, "request_reset", {"email": "ivan@example.ru"}) == call(
        unknown, "request_reset", {"email": "nobody@example.ru"})
    assert _visible(known) == _visible(unknown) == {"reset_requested": True, "err_email": ""}


@pytest.mark.parametrize("form", [{}, "x", {"email": 1}, {"email": "x" * 5000}])
def test_request_survives_garbage(reset_state, form) -> None:
    call(reset_state, "request_reset", form)
    assert reset_state.reset_requested is False
    assert reset_state.err_email


def test_confirm_with_a_link_sets_the_password(reset_state, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    from ispgo_portal.services.accounts.password_reset import request_password_reset

    request_password_reset(email="ivan@example.ru")
    with session_scope() as session:
        body = session.exec(select(OutboxEmail.body_text)).one()
    token = re.search(r"token=([\w-]+)", body).group(1)
    call(reset_state, "confirm_reset", {"token": token, "password": "brand-new-pass",
                                        "password_confirm": "brand-new-pass"})
    assert reset_state.reset_error == ""
    assert auth.login(email="ivan@example.ru", password="brand-new-pass").token


@pytest.mark.parametrize("form", [{}, "x", {"password": 5}])
def test_confirm_with_garbage_asks_for_a_password(reset_state, form) -> None:
    call(reset_state, "confirm_reset", form)
    assert reset_state.err_password


def test_confirm_with_a_dead_link_says_so(reset_state) -> None:
    reset_state.reset_link_ok = True
    call(reset_state, "confirm_reset", {"token": "1", "password": "long-enough-1",
                                        "password_confirm": "long-enough-1"})
    assert reset_state.reset_link_ok is False
    assert "недействительна" in reset_state.reset_error


def test_outbox_lists_for_an_admin(outbox_state, make_admin, session_token, make_customer) -> None:
    auth.register_user(email="new@example.ru", name="Новый", password="password123",
                       password_confirm="password123")
    log_in(outbox_state, session_token(make_admin()))
    call(outbox_state, "load_outbox")
    assert [r["recipient"] for r in outbox_state.rows] == ["new@example.ru"]
    assert outbox_state.pending == 1
    call(outbox_state, "open_email", outbox_state.rows[0]["id"])
    assert "Здравствуйте, Новый!" in outbox_state.detail["body_text"]


@pytest.mark.parametrize("value", ["", "x", "-1", "9" * 40, "1.5"])
def test_outbox_handlers_survive_garbage_ids(outbox_state, make_admin, session_token, value) -> None:
    log_in(outbox_state, session_token(make_admin()))
    call(outbox_state, "open_email", value)
    call(outbox_state, "resend_email", value)
    call(outbox_state, "show_status", value)
    assert outbox_state.detail_open is False
