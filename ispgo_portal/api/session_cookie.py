"""The session cookie: written and cleared only by HTTP responses, so it can be HttpOnly and
no script on the page can read it. The websocket carries it in its handshake, where the
state reads it (state/session.py); the name lives in services/accounts/cookie.py."""

from __future__ import annotations

from starlette.responses import Response

from ispgo_portal.services.accounts.cookie import SESSION_COOKIE
from ispgo_portal.settings import get_settings


def _secure() -> bool:
    # Behind a TLS-terminating proxy the request itself is plain http: BASE_URL says what users see.
    return get_settings().base_url.startswith("https://")


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=get_settings().session_days * 86400, path="/",
                        httponly=True, samesite="lax", secure=_secure())


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure())
