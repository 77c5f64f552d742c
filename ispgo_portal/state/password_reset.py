"""«Забыли пароль?»: asking for a reset link, and setting the new password with it.

Both handlers are open to any visitor. The request answers the same whether or not the
email is registered; the token comes from the link (the page URL) and is checked by the
service on every call.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from ispgo_portal.services.accounts import password_reset
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.forms import form_text
from ispgo_portal.state.handler import ok_toast, public_handler
from ispgo_portal.state.session import SessionState


class PasswordResetState(SessionState):
    reset_requested: bool = False
    reset_request_error: str = ""
    reset_link_ok: bool = False
    reset_link_checked: bool = False
    reset_err_password: str = ""
    reset_err_confirm: str = ""
    reset_error: str = ""

    def _token(self, form: Any = None) -> str:
        token = form_text(form, "token")
        if not token and self.router.url:
            token = str(self.router.url.query_parameters.get("token", "") or "")
        return token[:200]

    @public_handler(inline=True)
    def start_request(self):
        """on_load of /password-reset: a fresh form."""
        self.reset_requested = False
        self.reset_request_error = ""

    def _request_refused(self, exc: DomainError, caller: None) -> None:
        self.reset_request_error = exc.message  # a malformed address only; says nothing of accounts

    @public_handler(on_error=_request_refused)
    def request_reset(self, form: dict):
        self.reset_request_error = ""
        password_reset.request_password_reset(email=form_text(form, "email"))
        self.reset_requested = True

    @public_handler
    def check_link(self):
        """on_load of /password-reset/confirm: say at once if the link is dead."""
        self.reset_err_password = self.reset_err_confirm = self.reset_error = ""
        self.reset_link_ok = password_reset.reset_link_valid(token=self._token())
        self.reset_link_checked = True

    def _reset_refused(self, exc: DomainError, caller: None) -> None:
        if exc.field == "password":
            self.reset_err_password = exc.message
        elif exc.field == "password_confirm":
            self.reset_err_confirm = exc.message
        else:
            self.reset_error = exc.message
            self.reset_link_ok = exc.code != "reset_link_invalid"

    @public_handler(on_error=_reset_refused)
    def confirm_reset(self, form: dict):
        self.reset_err_password = self.reset_err_confirm = self.reset_error = ""
        password_reset.reset_password(token=self._token(form), password=form_text(form, "password"),
                                      password_confirm=form_text(form, "password_confirm"))
        # Every session of the account was revoked, this browser's included (its cookie is dead).
        self._clear_viewer()
        return [rx.redirect("/login"), ok_toast("Пароль изменён. Войдите с новым паролем.")]
