"""Two-factor sign-in with TOTP (RFC 6238, the codes of Google Authenticator, Aegis, 1Password…).

* Enrolment: `begin_enrolment` makes a secret (kept encrypted, see secret_box) and shows it as
  a QR code and as text; `confirm_enrolment` turns 2FA on once the first code from the app
  is right, and returns 10 one-time recovery codes — shown once, stored as SHA-256 only.
* Login: `verify_second_factor` accepts a current code (each time step once: a code seen by
  a shoulder-surfer is already spent) or an unused recovery code (then spent, and the owner
  is emailed). Throttling is the password's, in auth.py.
* Admins must have it: `guard.require_admin` refuses an admin without it, and an admin
  cannot turn it off (only another admin can reset it, audited, see accounts/admin.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import AuthSession, RecoveryCode, TwoFactor, User, pk
from ispgo_portal.services.accounts import secret_box
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.mail.notifications import queue_email

log = logging.getLogger(__name__)

ISSUER = "ISPGo"
RECOVERY_CODES = 10
STEP_SECONDS = 30
# Codes of the neighbouring time steps are accepted too: phone clocks drift.
VALID_WINDOW = 1
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i look-alikes


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into the app by hand
    uri: str  # otpauth://totp/...
    qr_data_uri: str  # data:image/svg+xml;base64,... (an inline image, no request to anyone)


@dataclass(frozen=True)
class Status:
    enabled: bool
    recovery_left: int


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def qr_data_uri(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _lock(session: Session, user_id: int) -> TwoFactor | None:
    """The user's row, locked: two logins racing with one code cannot both spend it."""
    query = select(TwoFactor).where(TwoFactor.user_id == user_id)
    if is_postgres(session):
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def is_enabled(session: Session, user_id: int) -> bool:
    row = session.get(TwoFactor, user_id)
    return row is not None and row.enabled_at is not None


def status(*, user_id: int) -> Status:
    with session_scope() as session:
        left = session.exec(select(func.count(col(RecoveryCode.id))).where(
            RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))).one()
        return Status(enabled=is_enabled(session, user_id), recovery_left=int(left))


# --- enrolment ----------------------------------------------------------------------------

def begin_enrolment(*, user_id: int) -> Enrolment:
    """A new secret for the app; 2FA is not on until `confirm_enrolment`."""
    secret = pyotp.random_base32()
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Пользователь не найден")
        row = _lock(session, user_id)
        if row is not None and row.enabled_at is not None:
            raise DomainError("two_factor_enabled", "Двухфакторная защита уже включена")
        row = row or TwoFactor(user_id=user_id, secret="")
        row.secret, row.last_step, row.updated_at = secret_box.encrypt(secret), 0, utcnow()
        session.add(row)
        email = user.email
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri, qr_data_uri=qr_data_uri(uri))


def ensure_enrolled(session: Session, *, user: User) -> str:
    """2FA on for `user` without the app step, for accounts made by operators (the demo admin,
    `create-admin --totp`): the secret is returned to be handed over (printed once by the caller).
    An account that has it keeps its secret."""
    row = _lock(session, pk(user))
    if row is not None and row.enabled_at is not None:
        try:
            return secret_box.decrypt(row.secret)
        except secret_box.SecretsKeyError:
            log.warning("user %s: stored TOTP secret unreadable with SECRETS_KEY, enrolling anew", user.id)
    secret = pyotp.random_base32()
    row = row or TwoFactor(user_id=pk(user), secret="")
    row.secret, row.enabled_at, row.last_step, row.updated_at = secret_box.encrypt(secret), utcnow(), 0, utcnow()
    session.add(row)
    return secret


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _clean_code(code: object) -> str:
    text = "".join(ch for ch in (code if isinstance(code, str) else "") if not ch.isspace())
    if not text.isdigit() or len(text) != 6:
        raise DomainError("code_invalid", "Введите 6 цифр из приложения", field="code")
    return text


def _accept_totp(row: TwoFactor, code: str) -> bool:
    """True if `code` is valid now and its time step is newer than the last one used."""
    try:
        totp = pyotp.TOTP(secret_box.decrypt(row.secret))
    except secret_box.SecretsKeyError:
        log.error("user %s: TOTP secret unreadable with SECRETS_KEY; an admin must reset their 2FA", row.user_id)
        return False
    now_step = int(utcnow().timestamp()) // STEP_SECONDS
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > row.last_step and secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            row.last_step = step
            return True
    return False


def confirm_enrolment(*, user_id: int, code: str, keep_token: str = "") -> list[str]:
    """Turn 2FA on with the first code from the app; returns the recovery codes (shown once).
    Every other session of the user ends: they were opened with the password alone."""
    code = _clean_code(code)
    with session_scope() as session:
        user = session.get(User, user_id)
        row = _lock(session, user_id)
        if user is None or row is None or not row.secret:
            raise DomainError("enrolment_missing", "Сначала нажмите «Включить» и отсканируйте QR-код")
        if row.enabled_at is not None:
            raise DomainError("two_factor_enabled", "Двухфакторная защита уже включена")
        if not _accept_totp(row, code):
            raise DomainError("code_wrong", "Код не подошёл. Проверьте время на телефоне и введите новый код",
                              field="code")
        row.enabled_at = row.updated_at = utcnow()
        session.add(row)
        codes = _replace_recovery_codes(session, user_id)
        sessions = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
        if keep_token:
            sessions = sessions.where(col(AuthSession.token_hash) != hashlib.sha256(keep_token.encode()).hexdigest())
        session.exec(sessions)
        queue_email(session, template="two_factor_enabled", to=user.email, context={"name": user.name},
                    dedupe_key=f"two_factor_enabled:{user_id}:{row.enabled_at.timestamp()}")
        return codes


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user_id, code_hash=_hash_code(_normalise_recovery(code))))
    session.flush()
    return codes


def remove(session: Session, user: User) -> None:
    """2FA off for `user` in `session` (the callers check who may do it and email)."""
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.exec(delete(TwoFactor).where(col(TwoFactor.user_id) == user.id))


def disable(*, user_id: int, code: str) -> None:
    """The customer turns 2FA off, proving it with a current code or a recovery code."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None or not is_enabled(session, user_id):
            raise DomainError("two_factor_disabled", "Двухфакторная защита не включена")
        if user.is_admin:
            raise DomainError("two_factor_required",
                              "Администраторам двухфакторная защита обязательна: отключить её нельзя")
        if verify_second_factor(session, user=user, code=code) is None:
            raise DomainError("code_wrong", "Код не подошёл", field="code")
        remove(session, user)
        queue_email(session, template="two_factor_disabled", to=user.email,
                    context={"name": user.name, "by_admin": False},
                    dedupe_key=f"two_factor_disabled:{user_id}:{utcnow().timestamp()}")


# --- login --------------------------------------------------------------------------------

def verify_second_factor(session: Session, *, user: User, code: str) -> str | None:
    """"totp" or "recovery" if `code` is right (and spends it), None if not. A used recovery
    code emails the owner: if it was not them, they learn at once."""
    text = code if isinstance(code, str) else ""
    row = _lock(session, pk(user))
    if row is None or row.enabled_at is None:
        return None
    digits = "".join(ch for ch in text if not ch.isspace())
    if digits.isdigit() and len(digits) == 6:
        if _accept_totp(row, digits):
            session.add(row)
            return "totp"
        return None
    normalised = _normalise_recovery(text)
    if len(normalised) != 10:
        return None
    found = session.exec(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(normalised),
        col(RecoveryCode.used_at).is_(None)).with_for_update()).first()
    if found is None:
        return None
    found.used_at = utcnow()
    session.add(found)
    left = session.exec(select(func.count(col(RecoveryCode.id))).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None), RecoveryCode.id != found.id)).one()
    queue_email(session, template="recovery_code_used", to=user.email,
                context={"name": user.name, "left": int(left)},
                dedupe_key=f"recovery_code_used:{found.id}")
    return "recovery"
