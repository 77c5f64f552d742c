"""The session cookie's name and how to read it from a raw `Cookie:` header. HTTP routes set
and clear it (api/session_cookie.py, HttpOnly); the websocket state reads it from the
handshake (state/session.py). Both sides take the name from here."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

SESSION_COOKIE = "ispgo_session"


def token_from_cookie_header(header: str) -> str:
    """The session token in a raw `Cookie:` header, or ""."""
    if not isinstance(header, str) or SESSION_COOKIE not in header:
        return ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return ""
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else ""
