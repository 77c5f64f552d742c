"""The state knows the session only from the cookie header of its websocket's handshake: no
state var holds it, so it never reaches the browser and a crafted event cannot set it."""

from __future__ import annotations

from ispgo_portal.state.auth import LoginState, RegisterState
from ispgo_portal.state.session import SessionState
from tests.state.harness import call, make_state


def test_the_session_is_read_from_the_handshake_cookie(make_customer, session_token) -> None:
    state = make_state(SessionState, session_token(make_customer(email="ivan@example.ru")))
    assert call(state, "require_login") is None
    assert state.viewer_email == "ivan@example.ru"


def test_no_cookie_means_anonymous() -> None:
    state = make_state(SessionState)
    assert state.session_token == ""
    assert call(state, "require_login") is not None  # the redirect to /login


def test_no_state_var_carries_the_session() -> None:
    names = {name for cls in (SessionState, LoginState, RegisterState) for name in cls.vars}
    assert not {n for n in names if "session" in n and not n.startswith("rx_router")}


def test_login_answer_shows_the_routes_message() -> None:
    state = make_state(LoginState)
    call(state, "login_finished", {"ok": False, "error": "Неверный email или пароль", "field": ""})
    assert state.login_error == "Неверный email или пароль"
    call(state, "login_finished", {"ok": True, "redirect": "/dashboard"})
    assert state.login_error == ""


def test_garbage_answers_show_a_generic_message() -> None:
    state = make_state(RegisterState)
    for garbage in (None, 42, "x", ["ok"], {"ok": "yes", "error": {"a": 1}, "field": 5}):
        call(state, "register_finished", garbage)
        assert state.err_form and not state.err_email


def test_register_answer_lands_under_its_field() -> None:
    state = make_state(RegisterState)
    call(state, "register_finished", {"ok": False, "error": "Этот email уже зарегистрирован", "field": "email"})
    assert (state.err_email, state.err_form) == ("Этот email уже зарегистрирован", "")
