"""Input at the edges that used to end in a 500: a clear 4xx or Russian message instead."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette

from ispgo_portal.api import attachments as attachments_api
from ispgo_portal.api import payments as payments_api
from ispgo_portal.db import session_scope
from ispgo_portal.services.accounts import auth
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import resolve_caller

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EXTREME_DATES = ["31.12.9999", "9999-12-31", "01.01.0001", "0001-01-01"]


@pytest.fixture
def client() -> TestClient:
    app = Starlette(routes=[*attachments_api.routes, *payments_api.routes])
    return TestClient(app, base_url="http://localhost:3000")


@pytest.mark.parametrize("attachment_id", ["99999999999999999999999", str(2**31), str(2**63)])
def test_huge_attachment_id_is_not_found(attachment_id: str, client: TestClient, make_customer,
                                         session_token) -> None:
    client.cookies.set("ispgo_session", session_token(make_customer()))
    assert client.get(f"/api/attachments/{attachment_id}").status_code == 404


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("day", EXTREME_DATES)
def test_export_with_an_extreme_year_is_a_clear_400(day: str, field: str, client: TestClient, make_customer,
                                                    session_token) -> None:
    user_id = make_customer()
    with session_scope() as session:
        billing.credit(session, user_id=user_id, amount=100, kind="topup", description="x", reference="r1")
    client.cookies.set("ispgo_session", session_token(user_id))
    answer = client.get("/api/ledger/export.csv", params={field: day})
    assert answer.status_code == 400
    assert "Укажите дату между 01.01.2000 и 31.12.2099" in answer.json()["error"]


@pytest.mark.parametrize("token", [123, ["a", "b"], {"x": 1}, None, 1.5, True])
def test_non_string_session_tokens_are_anonymous(token: object) -> None:
    assert resolve_caller(token) is None  # type: ignore[arg-type]
    auth.logout(token=token)  # type: ignore[arg-type]  # nothing to end, nothing raised


@pytest.mark.parametrize(("typed", "stored"), [
    ("ＩＶＡＮ＠ＥＸＡＭＰＬＥ．ＲＵ", "ivan@example.ru"),  # full-width look-alikes
    ("  Ivan@Example.RU ", "ivan@example.ru"),
])
def test_emails_are_nfkc_normalised(typed: str, stored: str) -> None:
    assert auth.validate_email(typed) == stored


def test_login_finds_the_account_by_its_normalised_email(make_customer) -> None:
    make_customer(email="ivan@example.ru", password="password123")
    assert auth.login(email="ＩＶＡＮ＠example.ru", password="password123").token


@pytest.mark.parametrize("email", ["iv\x00an@example.ru", "ivan\x07@example.ru", "iv\x1ban@example.ru",
                                   "ivan\u202e@example.ru"])
def test_emails_with_control_characters_are_refused(email: str) -> None:
    with pytest.raises(DomainError) as err:
        auth.validate_email(email)
    assert (err.value.code, err.value.field) == ("email_invalid", "email")


@pytest.mark.parametrize(("name", "code"), [
    ("Иван\x00", "name_invalid"), ("Ив\x1b[2Jан", "name_invalid"), ("\u202eнавИ", "name_invalid"),
    ("\u2067\u2069", "name_invalid"), ("\u200b\u200d\u2060", "name_required"), ("  \u200b ", "name_required"),
])
def test_names_with_control_or_only_invisible_characters_are_refused(name: str, code: str) -> None:
    with pytest.raises(DomainError) as err:
        auth.register_user(email="ivan@example.ru", name=name, password="password123",
                           password_confirm="password123")
    assert (err.value.code, err.value.field) == (code, "name")


def test_an_ordinary_name_is_kept() -> None:
    user = auth.register_user(email="ivan@example.ru", name="  Иван Петров-Водкин ", password="password123",
                              password_confirm="password123")
    assert user.name == "Иван Петров-Водкин"
