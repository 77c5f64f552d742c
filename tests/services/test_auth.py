"""Accounts: registration, login, throttling, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import AuthSession, User
from ispgo_portal.services.accounts import auth
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import require_admin, require_user, resolve_caller
from tests.totp import enrol_totp, totp_code


def _register(email: str = "ivan@example.ru", password: str = "password123", confirm: str | None = None,
              name: str = "Иван") -> User:
    return auth.register_user(email=email, name=name, password=password,
                              password_confirm=password if confirm is None else confirm)


@pytest.mark.parametrize("email", ["", "ivan", "ivan@", "@example.ru", "ivan@example", "iv an@example.ru",
                                   "ivan@@example.ru", "<script>@x.ru"])
def test_register_rejects_bad_email(email: str) -> None:
    with pytest.raises(DomainError) as err:
        _register(email=email)
    assert err.value.field == "email"


def test_register_rejects_short_password() -> None:
    with pytest.raises(DomainError) as err:
        _register(password="1234567")
    assert err.value.code == "password_too_short"


def test_register_rejects_mismatched_confirmation() -> None:
    with pytest.raises(DomainError) as err:
        _register(confirm="password124")
    assert err.value.code == "password_mismatch"


def test_register_normalises_email_and_rejects_duplicates_in_any_case() -> None:
    user = _register(email="  Ivan@Example.RU ")
    assert user.email == "ivan@example.ru"
    with pytest.raises(DomainError) as err:
        _register(email="IVAN@example.ru")
    assert err.value.code == "email_taken"


def test_register_creates_nothing_on_bad_input() -> None:
    with pytest.raises(DomainError):
        _register(password="short")
    with session_scope() as session:
        assert session.exec(select(User)).all() == []


def test_login_issues_hashed_session_token() -> None:
    user = _register()
    result = auth.login(email="IVAN@example.ru", password="password123")
    assert result.user_id == user.id
    with session_scope() as session:
        stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash == auth.hash_token(result.token)
    assert result.token not in stored.token_hash
    assert resolve_caller(result.token).email == "ivan@example.ru"


def test_login_wrong_password_is_refused() -> None:
    _register()
    with pytest.raises(DomainError) as err:
        auth.login(email="ivan@example.ru", password="wrong-password")
    assert err.value.code == "invalid_credentials"
    assert err.value.message == "Неверный email или пароль"


def test_login_unknown_email_gets_the_same_message() -> None:
    with pytest.raises(DomainError) as err:
        auth.login(email="nobody@example.ru", password="password123")
    assert err.value.message == "Неверный email или пароль"


def test_login_is_throttled_after_five_failures_per_email() -> None:
    _register()
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.login(email="ivan@example.ru", password="bad-password", ip="10.0.0.1")
    with pytest.raises(DomainError) as err:
        auth.login(email="ivan@example.ru", password="password123", ip="10.0.0.2")
    assert err.value.code == "login_throttled"


def test_failures_from_one_address_slow_it_down_without_locking_anyone_out() -> None:
    assert auth.address_slowdown(ip="10.9.9.9") == 0
    for i in range(30):
        with pytest.raises(DomainError):
            auth.login(email=f"x{i}@example.ru", password="bad-password", ip="10.9.9.9")
    _register()
    # Another account from the same address (a NAT, an office) still gets in.
    assert auth.login(email="ivan@example.ru", password="password123", ip="10.9.9.9").token
    assert auth.address_slowdown(ip="10.9.9.9") == auth.SLOWDOWN_MAX_SECONDS
    assert auth.address_slowdown(ip="10.9.9.10") == 0


def test_address_slowdown_grows_after_the_free_failures() -> None:
    delays = []
    for i in range(auth.SLOWDOWN_FREE_FAILURES_PER_IP + 5):
        delays.append(auth.address_slowdown(ip="10.7.7.7"))
        with pytest.raises(DomainError):
            auth.login(email=f"y{i}@example.ru", password="bad-password", ip="10.7.7.7")
    free = auth.SLOWDOWN_FREE_FAILURES_PER_IP
    assert delays[:free + 1] == [0] * free + [auth.SLOWDOWN_FIRST_SECONDS]
    assert delays[free + 1:] == sorted(delays[free + 1:]) and delays[-1] > delays[free]


def test_expired_session_resolves_to_nobody() -> None:
    _register()
    token = auth.login(email="ivan@example.ru", password="password123").token
    with session_scope() as session:
        stored = session.exec(select(AuthSession)).one()
        stored.expires_at = stored.created_at - timedelta(seconds=1)
    assert resolve_caller(token) is None


def test_login_rotates_the_browser_session() -> None:
    _register()
    first = auth.login(email="ivan@example.ru", password="password123").token
    second = auth.login(email="ivan@example.ru", password="password123", old_token=first).token
    assert resolve_caller(first) is None
    assert resolve_caller(second) is not None


def test_logout_revokes_the_session() -> None:
    _register()
    token = auth.login(email="ivan@example.ru", password="password123").token
    auth.logout(token=token)
    assert resolve_caller(token) is None


def test_blocked_user_cannot_log_in_and_sessions_stop_working() -> None:
    user = _register()
    token = auth.login(email="ivan@example.ru", password="password123").token
    with session_scope() as session:
        session.get(User, user.id).is_blocked = True
    assert resolve_caller(token) is None
    with pytest.raises(DomainError) as err:
        auth.login(email="ivan@example.ru", password="password123")
    assert err.value.code == "user_blocked"


def test_guard_refuses_anonymous_and_customers_for_admin() -> None:
    _register()
    token = auth.login(email="ivan@example.ru", password="password123").token
    with pytest.raises(DomainError):
        require_user("")
    with pytest.raises(DomainError):
        require_user("forged-token")
    assert require_user(token).role == "customer"
    with pytest.raises(DomainError) as err:
        require_admin(token)
    assert err.value.code == "forbidden"


def test_change_password_checks_current_and_revokes_other_sessions() -> None:
    user = _register()
    keep = auth.login(email="ivan@example.ru", password="password123").token
    other = auth.login(email="ivan@example.ru", password="password123").token
    with pytest.raises(DomainError) as err:
        auth.change_password(user_id=user.id, current="nope-nope", new="newpassword1",
                             confirm="newpassword1", token=keep)
    assert err.value.code == "wrong_password"
    auth.change_password(user_id=user.id, current="password123", new="newpassword1",
                         confirm="newpassword1", token=keep)
    assert resolve_caller(keep) is not None
    assert resolve_caller(other) is None
    auth.login(email="ivan@example.ru", password="newpassword1")


def test_create_admin_is_idempotent_and_promotes() -> None:
    _register()
    admin = auth.create_admin(email="ivan@example.ru", password="adminpass1")
    again = auth.create_admin(email="ivan@example.ru", password="adminpass1")
    assert admin.id == again.id
    # The new admin signs in with the password, but the console waits for the second factor.
    token = auth.login(email="ivan@example.ru", password="adminpass1").token
    assert require_user(token).is_admin
    with pytest.raises(DomainError) as err:
        require_admin(token)
    assert err.value.code == "second_factor_required"
    enrol_totp(admin.id)
    step = auth.login(email="ivan@example.ru", password="adminpass1")
    assert step.token == "" and step.needs_second_factor
    done = auth.complete_login(challenge=step.challenge, code=totp_code(admin.id))
    assert require_admin(done.token).is_admin


# --- a password changed while the old one is being checked -----------------------------------
# The hash is checked between two transactions (it may wait for a hashing slot); the second one
# must not accept a password that stopped being the account's in the meantime.

def _change_password_during_the_check(monkeypatch: pytest.MonkeyPatch, user_id: int) -> None:
    from ispgo_portal.services.accounts.passwords import hash_password

    real = auth.verify_password

    def verify_then_change(stored: str | None, password: str) -> bool:
        ok = real(stored, password)
        with session_scope() as session:
            session.get(User, user_id).password_hash = hash_password("changed-elsewhere-1")
        return ok

    monkeypatch.setattr(auth, "verify_password", verify_then_change)


def test_login_with_a_password_changed_during_its_check_is_refused(make_customer, monkeypatch) -> None:
    user_id = make_customer(email="race@example.ru", password="password123")
    _change_password_during_the_check(monkeypatch, user_id)
    with pytest.raises(DomainError) as refused:
        auth.login(email="race@example.ru", password="password123")
    assert refused.value.code == "invalid_credentials"
    with session_scope() as session:
        assert session.exec(select(AuthSession).where(AuthSession.user_id == user_id)).first() is None


def test_password_change_racing_another_change_is_refused(make_customer, monkeypatch) -> None:
    user_id = make_customer(email="race2@example.ru", password="password123")
    _change_password_during_the_check(monkeypatch, user_id)
    with pytest.raises(DomainError) as refused:
        auth.change_password(user_id=user_id, current="password123", new="password456", confirm="password456",
                             token="")
    assert refused.value.field == "current"
    monkeypatch.undo()
    assert auth.login(email="race2@example.ru", password="changed-elsewhere-1").token  # the other change stands
