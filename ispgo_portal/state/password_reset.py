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
from ispgo_portal.state.forms import clear_field_errors, form_text
from ispgo_portal.state.handler import ok_toast, public_handler
from ispgo_portal.state.session import SessionState

# A form error's field -> the var that shows it under that field.
REQUEST_FIELDS = {"email": "err_email"}
RESET_FIELDS = {"password": "err_password", "password_confirm": "err_password_confirm"}


class PasswordResetState(SessionState):
    reset_requested: bool = False
    err_email: str = ""
    reset_link_ok: bool = False
    reset_link_checked: bool = False
    err_password: str = ""
    err_password_confirm: str = ""
    reset_error: str = ""  # a refusal that names no field (a dead link)

    def _token(self, form: Any = None) -> str:
        token = form_text(form, "token")
        if not token and self.router.url:
            token = str(self.router.url.query_parameters.get("token", "") or "")
        return token[:200]

    @public_handler(inline=True)
    def start_request(self):
        """on_load of /password-reset: a fresh form."""
        self.reset_requested = False
        clear_field_errors(self, REQUEST_FIELDS)

    # Only a malformed address is refused (under the field); the answer says nothing of accounts.
    @public_handler(fields=REQUEST_FIELDS)
    def request_reset(self, form: dict):
        password_reset.request_password_reset(email=form_text(form, "email"))
        self.reset_requested = True

    @public_handler
    def check_link(self):
        """on_load of /password-reset/confirm: say at once if the link is dead."""
        clear_field_errors(self, RESET_FIELDS)
        self.reset_error = ""
        self.reset_link_ok = password_reset.reset_link_valid(token=self._token())
        self.reset_link_checked = True

    def _reset_refused(self, exc: DomainError, caller: None) -> None:
        """A refusal of no field is said on the page, not in a toast; a dead link swaps the
        form for the «request a new link» notice."""
        if exc.field in RESET_FIELDS:
            return
        self.reset_error = exc.message
        self.reset_link_ok = exc.code != "reset_link_invalid"

    @public_handler(on_error=_reset_refused, fields=RESET_FIELDS)
    def confirm_reset(self, form: dict):
        self.reset_error = ""
        password_reset.reset_password(token=self._token(form), password=form_text(form, "password"),
                                      password_confirm=form_text(form, "password_confirm"))
        # Every session of the account was revoked, this browser's included (its cookie is dead).
        self._clear_viewer()
        return [rx.redirect("/login"), ok_toast("Пароль изменён. Войдите с новым паролем.")]
