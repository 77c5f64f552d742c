"""Log in, register and log out over plain HTTP, so the session cookie is set and cleared by
the server (HttpOnly; SameSite=Lax; Secure on https) and never touched by page scripts.

    POST /api/session/login     {"email", "password", "next"?}
    POST /api/session/second-factor  {"challenge", "code", "next"?}
    POST /api/session/register  {"name", "email", "password", "password_confirm"}
    POST /api/session/logout

JSON in and out: `{"ok": true, "redirect": "/dashboard"}` or `{"ok": false, "error": "…",
"field": "email"|…|""}`; for an account with two-factor sign-in the password step answers
`{"ok": false, "need_second_factor": true, "challenge": "…"}` (no cookie yet) and the code step
finishes the login with that challenge within five minutes (status 200 for a refused form, 429 when throttled, 403 for a foreign
origin, 400 for a malformed request). The page reloads on success, and the new websocket brings the cookie.

CSRF: besides SameSite=Lax, a POST must carry an `Origin` that is one of the portal's own
and a JSON body (which a cross-site form cannot send without a preflight we never allow).
Failed logins from one client address slow that address down (services/accounts/auth.py).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ispgo_portal.api.client_address import client_address
from ispgo_portal.api.session_cookie import clear_session_cookie, set_session_cookie
from ispgo_portal.services.accounts import auth
from ispgo_portal.services.accounts.cookie import token_from_cookie_header
from ispgo_portal.services.errors import DomainError
from ispgo_portal.settings import get_settings

MAX_BODY_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store"}
STATUS_BY_CODE = {"login_throttled": 429}
MAX_CODE_LENGTH = 64


class BadRequest(Exception):
    pass


def _refusal(message: str, status: int, field: str = "") -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, "field": field}, status_code=status, headers=NO_STORE)


def _domain_refusal(exc: DomainError) -> JSONResponse:
    # A form's answer, not a failed request: 200 with ok=false (only throttling is a 429).
    return _refusal(exc.message, STATUS_BY_CODE.get(exc.code, 200), exc.field or "")


def _same_origin(request: Request) -> bool:
    return request.headers.get("origin", "").rstrip("/") in get_settings().allowed_origins


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest
    try:
        data: Any = json.loads(body or b"{}")
    except ValueError as exc:
        raise BadRequest from exc
    if not isinstance(data, dict):
        raise BadRequest
    return {k: v if isinstance(v, str) else "" for k, v in data.items() if isinstance(k, str)}


def _safe_next(target: str) -> str:
    """Only a path on this site: no other host, no `//host`, no `/\\host`, no scheme."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\\\r\n\t"):
        return "/dashboard"
    return target


async def _guarded(request: Request) -> dict[str, str] | JSONResponse:
    if not _same_origin(request):
        return _refusal("Запрос отклонён: откройте портал по его адресу и повторите.", 403)
    try:
        return await _form(request)
    except BadRequest:
        return _refusal("Некорректный запрос", 400)


def _signed_in(token: str, redirect: str) -> JSONResponse:
    response = JSONResponse({"ok": True, "redirect": redirect}, headers=NO_STORE)
    set_session_cookie(response, token)
    return response


async def login(request: Request) -> Response:
    form = await _guarded(request)
    if isinstance(form, Response):
        return form
    ip = client_address(request)
    delay = await anyio.to_thread.run_sync(lambda: auth.address_slowdown(ip=ip))
    if delay:
        await anyio.sleep(delay)  # held here, on the event loop: no worker thread is tied up
    old_token = token_from_cookie_header(request.headers.get("cookie", ""))
    try:
        result = await anyio.to_thread.run_sync(lambda: auth.login(
            email=form.get("email", ""), password=form.get("password", ""), ip=ip, old_token=old_token))
    except DomainError as exc:
        return _domain_refusal(exc)
    if result.needs_second_factor:
        return JSONResponse({"ok": False, "need_second_factor": True, "challenge": result.challenge,
                             "error": "", "field": ""}, headers=NO_STORE)
    return _signed_in(result.token, _safe_next(form.get("next", "")))


async def second_factor(request: Request) -> Response:
    form = await _guarded(request)
    if isinstance(form, Response):
        return form
    ip = client_address(request)
    delay = await anyio.to_thread.run_sync(lambda: auth.address_slowdown(ip=ip))
    if delay:
        await anyio.sleep(delay)
    old_token = token_from_cookie_header(request.headers.get("cookie", ""))
    try:
        result = await anyio.to_thread.run_sync(lambda: auth.complete_login(
            challenge=form.get("challenge", ""), code=form.get("code", "")[:MAX_CODE_LENGTH], ip=ip,
            old_token=old_token))
    except DomainError as exc:
        response = _domain_refusal(exc)
        if exc.code == "challenge_expired":  # the form goes back to the password step
            response = JSONResponse({"ok": False, "error": exc.message, "field": "", "restart": True},
                                    headers=NO_STORE)
        return response
    return _signed_in(result.token, _safe_next(form.get("next", "")))


def _register_and_login(form: dict[str, str], ip: str) -> auth.LoginResult:
    auth.register_user(email=form.get("email", ""), name=form.get("name", ""), password=form.get("password", ""),
                       password_confirm=form.get("password_confirm", ""))
    return auth.login(email=form.get("email", ""), password=form.get("password", ""), ip=ip)


async def register(request: Request) -> Response:
    form = await _guarded(request)
    if isinstance(form, Response):
        return form
    ip = client_address(request)
    try:
        result = await anyio.to_thread.run_sync(_register_and_login, form, ip)
    except DomainError as exc:
        return _domain_refusal(exc)
    return _signed_in(result.token, "/dashboard")


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return _refusal("Запрос отклонён: откройте портал по его адресу и повторите.", 403)
    token = token_from_cookie_header(request.headers.get("cookie", ""))
    await anyio.to_thread.run_sync(lambda: auth.logout(token=token))
    response = JSONResponse({"ok": True, "redirect": "/login"}, headers=NO_STORE)
    clear_session_cookie(response)
    return response


routes = [
    Route("/api/session/login", login, methods=["POST"]),
    Route("/api/session/second-factor", second_factor, methods=["POST"]),
    Route("/api/session/register", register, methods=["POST"]),
    Route("/api/session/logout", logout, methods=["POST"]),
]
