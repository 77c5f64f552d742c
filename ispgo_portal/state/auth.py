"""Login, registration and the customer's own password change."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.services import auth
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.session import SessionState, error_toast, ok_toast


class LoginState(SessionState):
    login_error: str = ""
    login_busy: bool = False

    @rx.event
    def submit_login(self, form: dict):
        self.login_error = ""
        try:
            result = auth.login(
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                ip=self._client_ip(),
                old_token=self.session_token,
            )
        except DomainError as exc:
            self.login_error = exc.message
            return None
        self.session_token = result.token
        target = self.router.url.query_parameters.get("next", "") if self.router.url else ""
        if not target.startswith("/") or target.startswith("//"):
            target = "/dashboard"
        return [rx.redirect(target), ok_toast("Вы вошли в личный кабинет")]


class RegisterState(SessionState):
    err_name: str = ""
    err_email: str = ""
    err_password: str = ""
    err_password_confirm: str = ""
    err_form: str = ""

    def _show_error(self, exc: DomainError) -> None:
        for field in ("name", "email", "password", "password_confirm"):
            setattr(self, f"err_{field}", exc.message if exc.field == field else "")
        self.err_form = "" if exc.field in {"name", "email", "password", "password_confirm"} else exc.message

    @rx.event
    def submit_register(self, form: dict):
        self.err_name = self.err_email = self.err_password = self.err_password_confirm = ""
        self.err_form = ""
        try:
            auth.register_user(
                email=str(form.get("email", "")),
                name=str(form.get("name", "")),
                password=str(form.get("password", "")),
                password_confirm=str(form.get("password_confirm", "")),
            )
            result = auth.login(
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                ip=self._client_ip(),
            )
        except DomainError as exc:
            self._show_error(exc)
            return None
        self.session_token = result.token
        return [rx.redirect("/dashboard"), ok_toast("Добро пожаловать! Учётная запись создана.")]


class PasswordState(SessionState):
    err_current: str = ""
    err_new: str = ""
    err_confirm: str = ""

    @rx.event
    def change_password(self, form: dict):
        self.err_current = self.err_new = self.err_confirm = ""
        try:
            caller = self._caller()
            auth.change_password(
                user_id=caller.user_id,
                current=str(form.get("current", "")),
                new=str(form.get("password", "")),
                confirm=str(form.get("password_confirm", "")),
                token=self.session_token,
            )
        except DomainError as exc:
            if exc.field == "current":
                self.err_current = exc.message
            elif exc.field == "password":
                self.err_new = exc.message
            elif exc.field == "password_confirm":
                self.err_confirm = exc.message
            else:
                return error_toast(exc)
            return None
        return [ok_toast("Пароль изменён. Другие сеансы завершены."), rx.call_script("document.getElementById('password-form').reset()")]
