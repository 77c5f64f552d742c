"""Login, registration and the customer's own password change.

Logging in and registering happen in the browser against api/sessions.py (the only place that
may set the HttpOnly session cookie); these handlers only show that route's answer. They are
callable by anyone, and all they can change is the caller's own error text.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from ispgo_portal.services.accounts import auth
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.handler import customer_handler, ok_toast, public_handler
from ispgo_portal.state.session import SessionState, form_post_script

REGISTER_FIELDS = ("name", "email", "password", "password_confirm")
MAX_MESSAGE = 300


def _answer(answer: Any) -> tuple[bool, str, str]:
    """(ok, message, field) of a session route's JSON answer, whatever the client sent."""
    if not isinstance(answer, dict):
        return False, "Не удалось выполнить запрос. Попробуйте ещё раз.", ""
    message, field = answer.get("error", ""), answer.get("field", "")
    return (answer.get("ok") is True, str(message)[:MAX_MESSAGE] if message else "",
            field if isinstance(field, str) else "")


class LoginState(SessionState):
    login_error: str = ""
    # The second step (2FA): the challenge the password step returned. It is the browser's
    # own answer kept for the code form; alone it opens nothing.
    second_step: bool = False
    challenge: str = ""
    code_error: str = ""

    @public_handler(inline=True)
    def login_finished(self, answer: dict):
        """The login route's answer: on success the page is already on its way to `next`;
        an account with 2FA gets the code step."""
        ok, message, _field = _answer(answer)
        if isinstance(answer, dict) and answer.get("need_second_factor") is True:
            challenge = answer.get("challenge")
            self.challenge = challenge[:128] if isinstance(challenge, str) else ""
            self.second_step, self.login_error, self.code_error = True, "", ""
            return
        self.login_error = "" if ok else message or "Неверный email или пароль"

    @public_handler(inline=True)
    def reset_login(self):
        """on_load of /login: the password step first (the tab's state outlives a reload)."""
        self.second_step, self.challenge, self.code_error, self.login_error = False, "", "", ""

    @public_handler(inline=True)
    def code_finished(self, answer: dict):
        ok, message, _field = _answer(answer)
        if ok:
            self.second_step, self.challenge, self.code_error = False, "", ""
            return
        if isinstance(answer, dict) and answer.get("restart") is True:
            self.second_step, self.challenge, self.code_error = False, "", ""
            self.login_error = message
            return
        self.code_error = "" if ok else message or "Неверный код"

    @public_handler(inline=True)
    def back_to_password(self):
        self.second_step, self.challenge, self.code_error = False, "", ""


def submit_login() -> rx.event.EventSpec:
    """The login form's submit: runs in the browser, the password never enters the state."""
    return rx.call_script(form_post_script("/api/session/login", "login-form", with_next=True),
                          callback=LoginState.login_finished)


def submit_code() -> rx.event.EventSpec:
    """The code form's submit: posts the challenge and the code to the second-factor route."""
    return rx.call_script(form_post_script("/api/session/second-factor", "code-form", with_next=True),
                          callback=LoginState.code_finished)


class RegisterState(SessionState):
    err_name: str = ""
    err_email: str = ""
    err_password: str = ""
    err_password_confirm: str = ""
    err_form: str = ""

    @public_handler(inline=True)
    def register_finished(self, answer: dict):
        ok, message, field = _answer(answer)
        for name in REGISTER_FIELDS:
            setattr(self, f"err_{name}", message if not ok and field == name else "")
        self.err_form = "" if ok or field in REGISTER_FIELDS else message


def submit_register() -> rx.event.EventSpec:
    return rx.call_script(form_post_script("/api/session/register", "register-form"),
                          callback=RegisterState.register_finished)


class PasswordState(SessionState):
    err_current: str = ""
    err_new: str = ""
    err_confirm: str = ""

    @customer_handler(fields={"current": "err_current", "password": "err_new", "password_confirm": "err_confirm"})
    def change_password(self, caller: Caller, form: dict):
        auth.change_password(
            user_id=caller.user_id,
            current=str(form.get("current", "")),
            new=str(form.get("password", "")),
            confirm=str(form.get("password_confirm", "")),
            token=self.session_token,
        )
        return [ok_toast("Пароль изменён. Другие сеансы завершены."),
                rx.call_script("document.getElementById('password-form').reset()")]
