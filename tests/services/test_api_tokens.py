"""API tokens: format and storage, scopes, expiry, revocation, and what blocking an account
or changing its password does to them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.cli import main as cli_main
from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ApiToken
from ispgo_portal.services.accounts import admin as admin_customers
from ispgo_portal.services.accounts import auth
from ispgo_portal.services.errors import AccessDenied, DomainError, NotFound
from ispgo_portal.services.rest import tokens as api_tokens


def _unauthorized(token: str) -> str:
    with pytest.raises(AccessDenied) as exc:
        api_tokens.authenticate(token)
    assert exc.value.code == "unauthorized"
    return exc.value.message


def test_token_is_random_urlsafe_and_stored_only_as_its_hash(make_customer) -> None:
    user = make_customer()
    created = api_tokens.create_token(user_id=user, name="Биллинг", scopes="read,write")
    assert re.fullmatch(r"ispgo_[A-Za-z0-9_-]{32,}", created.token)
    with session_scope() as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash == api_tokens.hash_api_token(created.token)
    assert created.token not in (row.token_hash, row.prefix) and created.token.startswith(row.prefix)
    caller = api_tokens.authenticate(created.token, address="203.0.113.7")
    assert caller.user_id == user and caller.scopes == {"read", "write"}
    view = api_tokens.list_tokens(user_id=user)[0]
    assert view.last_used_ip == "203.0.113.7" and view.last_used_at is not None


def test_unknown_scope_and_empty_name_are_refused(make_customer) -> None:
    user = make_customer()
    with pytest.raises(DomainError, match="Права токена"):
        api_tokens.create_token(user_id=user, name="x", scopes="read,admin")
    with pytest.raises(DomainError, match="название"):
        api_tokens.create_token(user_id=user, name="  ", scopes="read")


def test_revoked_token_is_refused_and_only_its_owner_can_revoke_it(make_customer) -> None:
    owner, other = make_customer(), make_customer()
    created = api_tokens.create_token(user_id=owner, name="t", scopes="read")
    with pytest.raises(NotFound):
        api_tokens.revoke_token(user_id=other, token_id=created.id)
    api_tokens.authenticate(created.token)
    assert api_tokens.revoke_token(user_id=owner, token_id=created.id) is True
    assert "отозван" in _unauthorized(created.token)


def test_expired_token_is_refused(make_customer) -> None:
    user = make_customer()
    created = api_tokens.create_token(user_id=user, name="t", scopes="read",
                                      expires_at=utcnow() + timedelta(hours=1))
    with session_scope() as session:
        row = session.get(ApiToken, created.id)
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert "истёк" in _unauthorized(created.token)
    assert api_tokens.list_tokens(user_id=user)[0].status == "expired"


def test_expiry_date_is_the_end_of_that_moscow_day() -> None:
    from datetime import date

    expires = api_tokens.parse_expiry("31.01.2027", today=date(2027, 1, 1))
    assert expires.isoformat() == "2027-01-31T21:00:00+00:00"
    with pytest.raises(DomainError):
        api_tokens.parse_expiry("01.12.2026", today=date(2027, 1, 1))


def test_blocking_the_customer_revokes_tokens_for_good(make_customer, make_admin) -> None:
    admin, user = make_admin(), make_customer()
    created = api_tokens.create_token(user_id=user, name="t", scopes="read")
    admin_customers.set_blocked(admin_id=admin, customer_id=user, blocked=True)
    assert "заблокирована" in _unauthorized(created.token)
    admin_customers.set_blocked(admin_id=admin, customer_id=user, blocked=False)
    assert "заблокирована" in _unauthorized(created.token)
    assert api_tokens.list_tokens(user_id=user)[0].status_label == "Отозван: учётная запись заблокирована"


def test_changing_the_password_revokes_tokens(make_customer, session_token) -> None:
    user = make_customer(password="password123")
    created = api_tokens.create_token(user_id=user, name="t", scopes="read")
    auth.change_password(user_id=user, current="password123", new="newpassword456",
                         confirm="newpassword456", token=session_token(user))
    assert "пароль изменён" in _unauthorized(created.token)
    after = api_tokens.create_token(user_id=user, name="new", scopes="read")
    assert api_tokens.authenticate(after.token).token_id == after.id


def test_cli_create_token_prints_a_working_token(make_customer, capsys) -> None:
    user = make_customer(email="reseller@example.ru")
    assert cli_main(["create-token", "reseller@example.ru", "--name", "script", "--scopes", "read,write"]) == 0
    token = capsys.readouterr().out.strip()
    caller = api_tokens.authenticate(token)
    assert caller.user_id == user and caller.name == "script" and caller.allows("write")
