"""Log in, register and log out over HTTP: the session cookie is HttpOnly, SameSite=Lax and
Secure on https, set and cleared only by these routes, which refuse foreign origins."""

from __future__ import annotations

import warnings

import pytest
from sqlmodel import select
from starlette.applications import Starlette

from ispgo_portal.api import sessions as sessions_api
from ispgo_portal.api.app import ROUTE_MODULES
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuthSession, LoginAttempt, User
from ispgo_portal.services.accounts import auth
from ispgo_portal.settings import get_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ORIGIN = {"Origin": "http://localhost:3000"}


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=sessions_api.routes), base_url="http://localhost:3000")


def _login(client: TestClient, email: str = "ivan@example.ru", password: str = "password123",
           headers: dict[str, str] | None = None, **extra: str):
    return client.post("/api/session/login", json={"email": email, "password": password, **extra},
                       headers=ORIGIN if headers is None else headers)


def _set_cookie(answer) -> str:
    return "; ".join(answer.headers.get_list("set-cookie"))


def _sessions() -> int:
    with session_scope() as session:
        return len(session.exec(select(AuthSession)).all())


def test_session_routes_are_mounted_in_the_portal_api() -> None:
    assert sessions_api in ROUTE_MODULES


def test_login_sets_an_httponly_lax_cookie(client: TestClient, make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    answer = _login(client, next="/licenses?highlight=3")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "redirect": "/licenses?highlight=3"}
    cookie = _set_cookie(answer)
    assert cookie.startswith("ispgo_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (the embedded default) would never send it back
    token = cookie.split(";")[0].split("=", 1)[1]
    with session_scope() as session:
        assert auth.user_for_token(session, token).id == user_id


def test_cookie_is_secure_on_https(client: TestClient, make_customer, monkeypatch) -> None:
    make_customer(email="ivan@example.ru")
    monkeypatch.setattr(get_settings(), "base_url", "https://my.ispgo.ru")
    answer = _login(client, headers={"Origin": "https://my.ispgo.ru"})
    assert answer.status_code == 200 and "Secure" in _set_cookie(answer)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x",
                                    ""])
def test_next_may_only_be_a_local_path(target: str, client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    assert _login(client, next=target).json()["redirect"] == "/dashboard"


def test_wrong_password_is_a_russian_message_and_no_cookie(client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    answer = _login(client, password="wrong-password")
    assert answer.status_code == 200 and answer.json()["ok"] is False
    assert answer.json()["error"] == "Неверный email или пароль"
    assert "ispgo_session" not in _set_cookie(answer)


def test_per_email_throttle_says_so(client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    for _ in range(auth.THROTTLE_MAX_FAILURES):
        _login(client, password="wrong-password")
    answer = _login(client)
    assert answer.status_code == 429
    assert answer.json()["error"].startswith("Слишком много неудачных попыток входа")


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Origin": "http://localhost:3000.evil.example"}])
def test_foreign_or_missing_origin_is_refused(headers: dict[str, str], client: TestClient,
                                              make_customer) -> None:
    make_customer(email="ivan@example.ru")
    answer = _login(client, headers=headers)
    assert answer.status_code == 403 and "ispgo_session" not in _set_cookie(answer)
    assert _sessions() == 0


def test_a_cross_site_form_post_is_refused(client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    answer = client.post("/api/session/login", data={"email": "ivan@example.ru", "password": "password123"},
                         headers=ORIGIN)
    assert answer.status_code == 400 and _sessions() == 0


def test_both_loopback_origins_work_in_the_embedded_default(client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    assert _login(client, headers={"Origin": "http://127.0.0.1:3000"}).status_code == 200


def test_login_rotates_this_browsers_old_session(client: TestClient, make_customer, session_token) -> None:
    user_id = make_customer(email="ivan@example.ru")
    client.cookies.set("ispgo_session", session_token(user_id))
    _login(client)
    assert _sessions() == 1


def test_register_shows_field_errors_and_creates_nothing(client: TestClient) -> None:
    answer = client.post("/api/session/register", headers=ORIGIN, json={
        "name": "Иван", "email": "ivan@example.ru", "password": "password123", "password_confirm": "other-one"})
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "Пароли не совпадают", "field": "password_confirm"}
    with session_scope() as session:
        assert session.exec(select(User)).all() == []


def test_register_signs_in_with_an_httponly_cookie(client: TestClient) -> None:
    answer = client.post("/api/session/register", headers=ORIGIN, json={
        "name": "Иван", "email": "Ivan@Example.ru", "password": "password123", "password_confirm": "password123"})
    assert answer.json() == {"ok": True, "redirect": "/dashboard"}
    assert "HttpOnly" in _set_cookie(answer) and _sessions() == 1


def test_logout_ends_the_session_and_clears_the_cookie(client: TestClient, make_customer,
                                                       session_token) -> None:
    token = session_token(make_customer())
    client.cookies.set("ispgo_session", token)
    answer = client.post("/api/session/logout", headers=ORIGIN)
    assert answer.json()["ok"] is True
    cleared = _set_cookie(answer)
    assert cleared.startswith('ispgo_session=""') and "Max-Age=0" in cleared and "HttpOnly" in cleared
    assert _sessions() == 0


def test_logout_from_a_foreign_origin_is_refused(client: TestClient, make_customer, session_token) -> None:
    client.cookies.set("ispgo_session", session_token(make_customer()))
    assert client.post("/api/session/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert _sessions() == 1


def test_login_records_the_client_address(client: TestClient, make_customer) -> None:
    make_customer(email="ivan@example.ru")
    _login(client, password="wrong-password")
    with session_scope() as session:
        assert [a.ip for a in session.exec(select(LoginAttempt)).all()] == ["testclient"]


# --- the second factor ----------------------------------------------------------------------

def test_login_with_2fa_answers_a_challenge_then_the_code_sets_the_cookie(client: TestClient, make_customer) -> None:
    from tests.totp import enrol_totp, totp_code

    user_id = make_customer(email="ivan@example.ru")
    enrol_totp(user_id)
    first = _login(client)
    body = first.json()
    assert body["ok"] is False and body["need_second_factor"] is True and len(body["challenge"]) >= 40
    assert _set_cookie(first) == "" and _sessions() == 0
    wrong = client.post("/api/session/second-factor", json={"challenge": body["challenge"], "code": "000000"
                                                            if totp_code(user_id) != "000000" else "111111"},
                        headers=ORIGIN)
    assert wrong.json()["ok"] is False and wrong.json()["field"] == "code" and _sessions() == 0
    done = client.post("/api/session/second-factor",
                       json={"challenge": body["challenge"], "code": totp_code(user_id), "next": "/admin"},
                       headers=ORIGIN)
    assert done.json() == {"ok": True, "redirect": "/admin"}
    assert _set_cookie(done).startswith("ispgo_session=") and _sessions() == 1


def test_second_factor_without_a_valid_challenge_restarts_the_login(client: TestClient) -> None:
    answer = client.post("/api/session/second-factor", json={"challenge": "made-up", "code": "123456"},
                         headers=ORIGIN)
    assert answer.json()["restart"] is True and _sessions() == 0


def test_second_factor_refuses_a_foreign_origin(client: TestClient) -> None:
    answer = client.post("/api/session/second-factor", json={"challenge": "x", "code": "123456"},
                         headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
