"""The base state every page area extends: the session and the server-side guard.

The session token is issued by the server and only its hash is stored. The browser holds it in
an HttpOnly cookie that only the HTTP routes in api/sessions.py set and clear; the state reads
it from the cookie header of the websocket's handshake, so no script (and no crafted event)
can read or set it. Logging in or out therefore reloads the page: the new websocket carries
the new cookie. Every handler that reads or changes private data resolves the caller again
from the database through `services.guard`; the public vars here are for display only.
"""

from __future__ import annotations

import reflex as rx

from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.cookie import SESSION_COOKIE, token_from_cookie_header
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import Caller, resolve_caller
from ispgo_portal.state.handler import error_toast, ok_toast, public_handler

# Runs in the browser: POST to a session route, then a full page load so the websocket
# reconnects with the cookie the answer set or cleared. Resolves to the route's JSON answer.
SESSION_POST_JS = """
(async (path, body) => {
  try {
    const answer = await fetch(path, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const result = await answer.json();
    if (result.ok) { window.location.assign(result.redirect); }
    return result;
  } catch (e) {
    return {ok: false, error: "Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.", field: ""};
  }
})"""


def session_post_script(path: str, body_js: str) -> str:
    """JavaScript that POSTs `body_js` (a JS expression) to the session route `path`."""
    return f"{SESSION_POST_JS}({path!r}, {body_js})"


def form_post_script(path: str, form_id: str, *, with_next: bool = False) -> str:
    """POST the fields of the form `form_id` to `path`; `next` from the page URL when asked."""
    body = f"Object.fromEntries(new FormData(document.getElementById({form_id!r})))"
    if with_next:
        body = f"Object.assign({body}, {{next: new URLSearchParams(window.location.search).get('next') || ''}})"
    return session_post_script(path, body)


LOGOUT_SCRIPT = session_post_script("/api/session/logout", "{}")


class SessionState(rx.State):
    # Display only (header): filled from the database by `load_header`.
    viewer_email: str = ""
    viewer_is_admin: bool = False
    viewer_balance: str = ""
    auth_checked: bool = False

    # --- helpers (underscore: not callable from the browser) ---
    @property
    def session_token(self) -> str:
        """The token in the websocket handshake's cookie header (HttpOnly: never in page JS)."""
        return token_from_cookie_header(self.router.headers.cookie)

    def _fill_header(self, caller: Caller) -> None:
        self.viewer_email = caller.email
        self.viewer_is_admin = caller.is_admin
        self.viewer_balance = format_rub(caller.balance)
        self.auth_checked = True

    def _page_refused(self, exc: AccessDenied) -> list[rx.event.EventSpec]:
        """Where a page loader (`page=True`) sends a visitor whose session check refused."""
        if exc.code == "forbidden":
            return [rx.redirect("/dashboard"), rx.toast.error(exc.message)]
        if exc.code == "second_factor_required":
            return [rx.redirect("/security"), rx.toast.error(exc.message)]
        return [self._to_login()]

    def _to_login(self) -> rx.event.EventSpec:
        """An anonymous visitor of a private page: to the login form, and back here after it."""
        self._clear_viewer()
        return rx.redirect(f"/login?next={self.router.url.path}")

    def _clear_viewer(self) -> None:
        self.viewer_email = ""
        self.viewer_is_admin = False
        self.viewer_balance = ""
        self.auth_checked = False

    # --- events (public: they look the session up themselves and only redirect) ---
    @public_handler
    def require_login(self):
        """on_load of a private page whose loader is not a page loader (the payment return page
        watches in the background): comfort redirect; data is guarded per handler."""
        caller = resolve_caller(self.session_token)
        if caller is None:
            return self._to_login()
        self._fill_header(caller)
        return None

    @public_handler
    def redirect_if_logged_in(self):
        caller = resolve_caller(self.session_token)
        if caller is not None:
            return rx.redirect("/admin" if caller.is_admin else "/dashboard")
        return None

    @public_handler
    def refresh_header(self):
        caller = resolve_caller(self.session_token)
        if caller is not None:
            self._fill_header(caller)


__all__ = ["SESSION_COOKIE", "AccessDenied", "DomainError", "SessionState", "error_toast", "ok_toast"]
