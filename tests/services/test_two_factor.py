"""TOTP two-factor sign-in: enrolment, login with a code or a recovery code (once), wrong
codes throttled like passwords, admins refused without it, the secret encrypted at rest."""

from __future__ import annotations

import pyotp
import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, OutboxEmail, RecoveryCode, TwoFactor
from ispgo_portal.services.accounts import admin as accounts_admin
from ispgo_portal.services.accounts import auth, two_factor
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import require_admin, require_user, resolve_caller
from tests.totp import enrol_totp, totp_code


def _templates(to: str) -> list[str]:
    with session_scope() as session:
        return [e.template for e in session.exec(select(OutboxEmail).where(OutboxEmail.recipient == to)
                                                 .order_by(OutboxEmail.id)).all()]


def _enable(user_id: int, keep_token: str = "") -> tuple[str, list[str]]:
    enrolment = two_factor.begin_enrolment(user_id=user_id)
    codes = two_factor.confirm_enrolment(user_id=user_id, code=pyotp.TOTP(enrolment.secret).now(),
                                         keep_token=keep_token)
    return enrolment.secret, codes


def _challenge(email: str = "ivan@example.ru", password: str = "password123") -> str:
    step = auth.login(email=email, password=password)
    assert step.token == "" and step.needs_second_factor
    return step.challenge


def test_enrolment_shows_a_qr_code_and_the_secret_and_needs_a_first_code(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    enrolment = two_factor.begin_enrolment(user_id=user_id)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml;base64,")
    assert enrolment.uri.startswith("otpauth://totp/ISPGo:ivan%40example.ru?secret=" + enrolment.secret)
    assert not two_factor.status(user_id=user_id).enabled
    with pytest.raises(DomainError) as err:
        two_factor.confirm_enrolment(user_id=user_id, code="000000" if pyotp.TOTP(enrolment.secret).now() != "000000"
                                     else "111111")
    assert err.value.code == "code_wrong"
    codes = two_factor.confirm_enrolment(user_id=user_id, code=pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.status(user_id=user_id) == two_factor.Status(enabled=True, recovery_left=10)
    assert _templates("ivan@example.ru")[-1] == "two_factor_enabled"


def test_secret_and_recovery_codes_are_not_stored_in_clear(make_customer) -> None:
    user_id = make_customer()
    secret, codes = _enable(user_id)
    with session_scope() as session:
        row = session.get(TwoFactor, user_id)
        hashes = [r.code_hash for r in session.exec(select(RecoveryCode)).all()]
    assert secret not in row.secret and row.secret.startswith("gAAAA")  # Fernet
    assert not set(codes) & set(hashes) and all(len(h) == 64 for h in hashes)


def test_enabling_ends_the_other_sessions(make_customer, session_token) -> None:
    user_id = make_customer()
    keep, other = session_token(user_id), session_token(user_id)
    _enable(user_id, keep_token=keep)
    assert resolve_caller(keep) is not None and resolve_caller(other) is None


def test_login_with_2fa_needs_a_code_then_issues_the_session(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    secret, _codes = _enable(user_id)
    challenge = _challenge()
    # The enrolment spent the current step: the app's next code (accepted as clock drift).
    done = auth.complete_login(challenge=challenge, code=totp_code(user_id, secret))
    assert require_user(done.token).user_id == user_id
    with pytest.raises(DomainError) as err:  # a challenge is good for one login
        auth.complete_login(challenge=challenge, code=totp_code(user_id, secret))
    assert err.value.code == "challenge_expired"


def test_a_code_is_accepted_once(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    enrol_totp(user_id)
    code = totp_code(user_id)
    auth.complete_login(challenge=_challenge(), code=code)
    with pytest.raises(DomainError) as err:
        auth.complete_login(challenge=_challenge(), code=code)
    assert err.value.code == "code_wrong"


def test_recovery_code_works_once_and_emails_the_owner(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    _secret, codes = _enable(user_id)
    done = auth.complete_login(challenge=_challenge(), code=codes[3].upper().replace("-", " "))
    assert require_user(done.token).user_id == user_id
    assert _templates("ivan@example.ru")[-1] == "recovery_code_used"
    with pytest.raises(DomainError) as err:
        auth.complete_login(challenge=_challenge(), code=codes[3])
    assert err.value.code == "code_wrong"
    assert two_factor.status(user_id=user_id).recovery_left == 9


def test_wrong_codes_are_throttled_like_passwords(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    enrol_totp(user_id)
    challenge = _challenge()
    for _ in range(auth.THROTTLE_MAX_FAILURES):
        with pytest.raises(DomainError) as err:
            auth.complete_login(challenge=challenge, code="12345")  # not even six digits
        assert err.value.code == "code_wrong"
    with pytest.raises(DomainError) as err:  # the right code is refused too now
        auth.complete_login(challenge=challenge, code=totp_code(user_id))
    assert err.value.code == "login_throttled"
    with pytest.raises(DomainError) as err:  # and so is the password step
        auth.login(email="ivan@example.ru", password="password123")
    assert err.value.code == "login_throttled"


def test_customer_turns_2fa_off_with_a_code_and_is_emailed(make_customer) -> None:
    user_id = make_customer(email="ivan@example.ru")
    enrol_totp(user_id)
    with pytest.raises(DomainError):
        two_factor.disable(user_id=user_id, code="not-a-code")
    two_factor.disable(user_id=user_id, code=totp_code(user_id))
    assert not two_factor.status(user_id=user_id).enabled
    assert _templates("ivan@example.ru")[-1] == "two_factor_disabled"
    assert auth.login(email="ivan@example.ru", password="password123").token


def test_admin_without_2fa_is_refused_everywhere_until_enrolled(make_admin, session_token) -> None:
    admin = make_admin(two_factor=False)
    token = session_token(admin)
    with pytest.raises(DomainError) as err:
        require_admin(token)
    assert err.value.code == "second_factor_required"
    with pytest.raises(DomainError) as err:  # services re-check the acting admin too
        accounts_admin.search_customers(admin_id=admin)
    assert err.value.code == "second_factor_required"
    enrol_totp(admin)
    assert require_admin(token).user_id == admin


def test_admin_cannot_turn_own_2fa_off(make_admin) -> None:
    admin = make_admin()
    with pytest.raises(DomainError) as err:
        two_factor.disable(user_id=admin, code=totp_code(admin))
    assert err.value.code == "two_factor_required"


def test_admin_resets_a_customers_2fa_audited_and_emailed(make_admin, make_customer, session_token) -> None:
    admin = make_admin()
    customer = make_customer(email="lost.phone@example.ru")
    enrol_totp(customer)
    token = session_token(customer)
    accounts_admin.reset_two_factor(admin_id=admin, customer_id=customer, reason="Потерял телефон")
    assert not two_factor.status(user_id=customer).enabled
    assert resolve_caller(token) is None
    assert _templates("lost.phone@example.ru")[-1] == "two_factor_disabled"
    with session_scope() as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == "customer.two_factor_reset")).all()
    assert (row.admin_id, row.target_user_id, row.reason) == (admin, customer, "Потерял телефон")
    with pytest.raises(DomainError) as err:
        accounts_admin.reset_two_factor(admin_id=admin, customer_id=customer)
    assert err.value.code == "two_factor_disabled"


def test_a_customer_cannot_reset_2fa(make_customer) -> None:
    customer, victim = make_customer(), make_customer()
    enrol_totp(victim)
    with pytest.raises(DomainError) as err:
        accounts_admin.reset_two_factor(admin_id=customer, customer_id=victim)
    assert err.value.code == "forbidden"
    assert two_factor.status(user_id=victim).enabled
