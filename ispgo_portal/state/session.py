"""The base state every page area extends: the session cookie and the server-side guard.

The session token is issued by the server and only its hash is stored. Every handler that
reads or changes private data resolves the caller again from the database through
`services.guard`; the public vars here are for display only and are never trusted.
"""

from __future__ import annotations

import reflex as rx

from ispgo_portal.db import session_scope
from ispgo_portal.models import User
from ispgo_portal.money import format_rub
from ispgo_portal.services import auth
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import Caller, require_admin, require_user, resolve_caller
from ispgo_portal.settings import get_settings

SESSION_COOKIE = "ispgo_session"


def error_toast(exc: DomainError) -> rx.event.EventSpec:
    """The one mapping from domain errors to what the user sees."""
    return rx.toast.error(exc.message, close_button=True)


def ok_toast(message: str) -> rx.event.EventSpec:
    return rx.toast.success(message, close_button=True)


class SessionState(rx.State):
    session_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        path="/",
        max_age=get_settings().session_days * 86400,
        same_site="strict",
        secure=get_settings().base_url.startswith("https://"),
    )
    # Display only (header): filled from the database by `load_header`.
    viewer_email: str = ""
    viewer_name: str = ""
    viewer_is_admin: bool = False
    viewer_balance: str = ""
    auth_checked: bool = False

    # --- helpers (underscore: not callable from the browser) ---
    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _caller(self) -> Caller:
        return require_user(self.session_token)

    def _admin(self) -> Caller:
        return require_admin(self.session_token)

    def _fill_header(self, caller: Caller) -> None:
        with session_scope() as session:
            user = session.get(User, caller.user_id)
            balance = user.balance if user else 0
        self.viewer_email = caller.email
        self.viewer_name = caller.name
        self.viewer_is_admin = caller.is_admin
        self.viewer_balance = format_rub(balance)
        self.auth_checked = True

    def _clear_viewer(self) -> None:
        self.viewer_email = ""
        self.viewer_name = ""
        self.viewer_is_admin = False
        self.viewer_balance = ""
        self.auth_checked = False

    # --- events ---
    @rx.event
    def require_login(self):
        """on_load of every private page: comfort redirect; data is guarded per handler."""
        caller = resolve_caller(self.session_token)
        if caller is None:
            self._clear_viewer()
            return rx.redirect(f"/login?next={self.router.url.path}")
        self._fill_header(caller)
        return None

    @rx.event
    def require_admin_page(self):
        caller = resolve_caller(self.session_token)
        if caller is None:
            self._clear_viewer()
            return rx.redirect("/login")
        self._fill_header(caller)
        if not caller.is_admin:
            return [rx.redirect("/dashboard"), rx.toast.error("Раздел доступен только администраторам")]
        return None

    @rx.event
    def redirect_if_logged_in(self):
        caller = resolve_caller(self.session_token)
        if caller is not None:
            return rx.redirect("/admin" if caller.is_admin else "/dashboard")
        return None

    @rx.event
    def refresh_header(self):
        caller = resolve_caller(self.session_token)
        if caller is not None:
            self._fill_header(caller)

    @rx.event
    def logout(self):
        auth.logout(token=self.session_token)
        self.session_token = ""
        self._clear_viewer()
        return [rx.remove_cookie(SESSION_COOKIE, {"path": "/"}), rx.redirect("/login")]


__all__ = ["AccessDenied", "DomainError", "SessionState", "error_toast", "ok_toast"]
