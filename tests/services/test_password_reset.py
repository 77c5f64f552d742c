"""Self-service password reset: one-time links, expiry, revoked sessions, no enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuthSession, LoginAttempt, OutboxEmail, PasswordResetToken, User
from ispgo_portal.services.accounts import auth, password_reset
from ispgo_portal.services.errors import DomainError

NEW_PASSWORD = "new-password-42"


def _reset_emails() -> list[OutboxEmail]:
    with session_scope() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.template == "password_reset")
                                 .order_by(OutboxEmail.id)).all())


def _token_from_last_email() -> str:
    match = re.search(r"/password-reset/confirm\?token=([A-Za-z0-9_-]+)", _reset_emails()[-1].body_text)
    assert match, "the email carries the reset link"
    return match.group(1)


def _request_link(email: str = "ivan@example.ru") -> str:
    password_reset.request_password_reset(email=email)
    return _token_from_last_email()


def _reset(token: str, password: str = NEW_PASSWORD) -> None:
    password_reset.reset_password(token=token, password=password, password_confirm=password)


def test_request_emails_a_link_to_the_account(make_customer) -> None:
    make_customer(email="ivan@example.ru", name="Иван")
    password_reset.request_password_reset(email="  IVAN@example.ru ")
    [email] = _reset_emails()
    assert email.recipient == "ivan@example.ru"
    assert "http://localhost:3000/password-reset/confirm?token=" in email.body_text


def test_request_for_unknown_email_answers_the_same_and_sends_nothing(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    assert password_reset.request_password_reset(email="nobody@example.ru") is None
    assert password_reset.request_password_reset(email="ivan@example.ru") is None
    assert [e.recipient for e in _reset_emails()] == ["ivan@example.ru"]


def test_request_for_blocked_account_sends_nothing(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    with session_scope() as session:
        session.get(User, user_id).is_blocked = True
    password_reset.request_password_reset(email="ivan@example.ru")
    assert _reset_emails() == []


def test_request_rejects_a_malformed_address() -> None:
    with pytest.raises(DomainError) as err:
        password_reset.request_password_reset(email="not-an-email")
    assert err.value.field == "email"


def test_requests_are_limited_per_hour_silently(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    for _ in range(password_reset.MAX_REQUESTS_PER_HOUR + 2):
        password_reset.request_password_reset(email="ivan@example.ru")
    assert len(_reset_emails()) == password_reset.MAX_REQUESTS_PER_HOUR


def test_token_is_stored_only_as_a_hash(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    token = _request_link()
    with session_scope() as session:
        row = session.exec(select(PasswordResetToken)).one()
    assert row.token_hash == auth.hash_token(token)
    assert token not in row.token_hash


def test_reset_sets_the_new_password(make_customer) -> None:
    make_customer(email="ivan@example.ru", password="old-password-1")
    _reset(_request_link())
    assert auth.login(email="ivan@example.ru", password=NEW_PASSWORD).token
    with pytest.raises(DomainError):
        auth.login(email="ivan@example.ru", password="old-password-1")


def test_reset_revokes_every_session(make_customer, session_token) -> None:
    user_id = make_customer(email="ivan@example.ru")
    tokens = [session_token(user_id), session_token(user_id)]
    _reset(_request_link())
    with session_scope() as session:
        assert all(auth.user_for_token(session, t) is None for t in tokens)
        assert session.exec(select(AuthSession).where(AuthSession.user_id == user_id)).all() == []


def test_link_works_only_once(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    token = _request_link()
    _reset(token)
    assert not password_reset.reset_link_valid(token=token)
    with pytest.raises(DomainError) as err:
        _reset(token, "another-password-9")
    assert err.value.code == "reset_link_invalid"
    auth.login(email="ivan@example.ru", password=NEW_PASSWORD)


def test_link_expires_after_an_hour(make_customer) -> None:
    make_customer(email="ivan@example.ru", password="old-password-1")
    token = _request_link()
    with session_scope() as session:
        row = session.exec(select(PasswordResetToken)).one()
        assert row.expires_at - row.created_at == timedelta(hours=1)
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert not password_reset.reset_link_valid(token=token)
    with pytest.raises(DomainError):
        _reset(token)
    auth.login(email="ivan@example.ru", password="old-password-1")


def test_using_one_link_voids_the_others(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    first = _request_link()
    second = _request_link()
    _reset(second)
    assert not password_reset.reset_link_valid(token=first)


def test_bad_new_password_does_not_burn_the_link(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    token = _request_link()
    with pytest.raises(DomainError) as err:
        password_reset.reset_password(token=token, password="short", password_confirm="short")
    assert err.value.code == "password_too_short"
    assert password_reset.reset_link_valid(token=token)


@pytest.mark.parametrize("token", ["", "x", "A" * 500, "../../etc/passwd"])
def test_garbage_token_is_refused(token: str) -> None:
    assert not password_reset.reset_link_valid(token=token)
    with pytest.raises(DomainError) as err:
        _reset(token)
    assert err.value.code == "reset_link_invalid"


def test_reset_lifts_the_login_throttle(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    for _ in range(auth.THROTTLE_MAX_FAILURES):
        with pytest.raises(DomainError):
            auth.login(email="ivan@example.ru", password="wrong-password")
    _reset(_request_link())
    assert auth.login(email="ivan@example.ru", password=NEW_PASSWORD).token
    with session_scope() as session:
        assert session.exec(select(LoginAttempt).where(LoginAttempt.success.is_(False))).all() == []


def test_purge_deletes_dead_links_only(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    _request_link()
    live = _request_link()
    with session_scope() as session:
        oldest = session.exec(select(PasswordResetToken).order_by(PasswordResetToken.id)).first()
        oldest.expires_at = utcnow() - timedelta(days=2)
    assert password_reset.purge_reset_tokens() == 1
    assert password_reset.reset_link_valid(token=live)


# --- links die with the credentials they were sent for ------------------------------------

def _assert_link_dead(token: str) -> None:
    assert not password_reset.reset_link_valid(token=token)
    with pytest.raises(DomainError) as err:
        _reset(token, "attacker-password-1")
    assert err.value.code == "reset_link_invalid"


def test_self_service_password_change_revokes_reset_links(make_customer, session_token) -> None:
    user_id = make_customer(email="ivan@example.ru", password="old-password-1")
    token = _request_link()
    auth.change_password(user_id=user_id, current="old-password-1", new=NEW_PASSWORD, confirm=NEW_PASSWORD,
                         token=session_token(user_id))
    _assert_link_dead(token)
    auth.login(email="ivan@example.ru", password=NEW_PASSWORD)


def test_admin_setting_a_password_revokes_reset_links(make_customer, make_admin) -> None:
    from ispgo_portal.services.accounts import admin as admin_customers

    user_id = make_customer(email="ivan@example.ru")
    token = _request_link()
    admin_customers.set_password(admin_id=make_admin(), customer_id=user_id, password=NEW_PASSWORD,
                                 password_confirm=NEW_PASSWORD)
    _assert_link_dead(token)
    auth.login(email="ivan@example.ru", password=NEW_PASSWORD)


def test_email_change_revokes_reset_links_sent_to_the_old_address(make_customer, make_admin) -> None:
    from ispgo_portal.services.accounts import admin as admin_customers

    user_id = make_customer(email="ivan@example.ru", password="old-password-1")
    token = _request_link()
    admin_customers.change_email(admin_id=make_admin(), customer_id=user_id, new_email="ivan@new.example.ru")
    _assert_link_dead(token)
    auth.login(email="ivan@new.example.ru", password="old-password-1")


def test_create_admin_on_an_existing_account_revokes_reset_links(make_customer) -> None:
    make_customer(email="ivan@example.ru")
    token = _request_link()
    auth.create_admin(email="ivan@example.ru", password=NEW_PASSWORD)
    _assert_link_dead(token)
