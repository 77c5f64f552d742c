"""Registration, login, sessions, throttling and password changes."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, update
from sqlmodel import Session, col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import (
    ROLE_ADMIN,
    ROLE_CUSTOMER,
    AuthSession,
    LoginAttempt,
    LoginChallenge,
    PasswordResetToken,
    TwoFactor,
    User,
    pk,
)
from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from ispgo_portal.services.errors import DomainError
from ispgo_portal.settings import get_settings

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5  # per email: then that account's logins wait out the window
SLOWDOWN_FREE_FAILURES_PER_IP = 5  # per client address: then each attempt is held a while
SLOWDOWN_FIRST_SECONDS = 0.25
SLOWDOWN_MAX_SECONDS = 3.0
CHALLENGE_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class LoginResult:
    user_id: int
    token: str  # the raw token; only its hash is stored ("" while a second factor is due)
    # Set instead of `token` when the account has 2FA: the code step must present it.
    challenge: str = ""

    @property
    def needs_second_factor(self) -> bool:
        return bool(self.challenge)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Bidi embeddings, overrides and isolates: they make text read differently than it is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def normalize_email(email: str) -> str:
    """NFKC first, so a full-width or ligature look-alike is the same account as its plain form."""
    if not isinstance(email, str):
        return ""
    return unicodedata.normalize("NFKC", email).strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    if not email:
        raise DomainError("email_required", "Введите email", field="email")
    if len(email) > 254 or has_control_chars(email) or BIDI_CONTROLS.intersection(email) \
            or not EMAIL_RE.match(email):
        raise DomainError("email_invalid", "Введите корректный email, например ivan@example.ru", field="email")
    return email


def validate_name(name: str) -> str:
    """A name shown to support and in emails: no control characters, no bidi tricks, and
    something visible left once invisible formatting characters are taken away."""
    name = unicodedata.normalize("NFC", name if isinstance(name, str) else "").strip()
    if has_control_chars(name) or BIDI_CONTROLS.intersection(name):
        raise DomainError("name_invalid", "Имя содержит недопустимые символы", field="name")
    if not "".join(ch for ch in name if unicodedata.category(ch) != "Cf").strip():
        raise DomainError("name_required", "Введите имя", field="name")
    if len(name) > 120:
        raise DomainError("name_too_long", "Имя слишком длинное (до 120 символов)", field="name")
    return name


def validate_new_password(password: str, confirmation: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "password_too_short",
            f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов",
            field="password",
        )
    if len(password) > 256:
        raise DomainError("password_too_long", "Пароль слишком длинный", field="password")
    if password != confirmation:
        raise DomainError("password_mismatch", "Пароли не совпадают", field="password_confirm")


def register_user(
    *, email: str, name: str, password: str, password_confirm: str, role: str = ROLE_CUSTOMER
) -> User:
    email = validate_email(email)
    name = validate_name(name)
    validate_new_password(password, password_confirm)
    with session_scope() as session:  # a taken email costs no hash
        _refuse_taken_email(session, email)
    password_hash = hash_password(password)  # outside any transaction: see `passwords`
    with session_scope() as session:
        _refuse_taken_email(session, email)  # taken while we hashed (the unique index also holds)
        user = User(email=email, name=name, password_hash=password_hash, role=role)
        session.add(user)
        session.flush()
        from ispgo_portal.services.mail import notifications

        notifications.queue_email(
            session, template="welcome", to=user.email, context={"name": user.name},
            dedupe_key=f"welcome:{user.id}",
        )
    return user


def _refuse_taken_email(session: Session, email: str) -> None:
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise DomainError("email_taken", "Этот email уже зарегистрирован", field="email")


def _failures_since(session: Session, *conditions: ColumnElement[bool]) -> int:
    since = utcnow() - THROTTLE_WINDOW
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            *conditions, col(LoginAttempt.success).is_(False), col(LoginAttempt.created_at) >= since
        )
    ).one()


def address_slowdown(*, ip: str) -> float:
    """Seconds to hold a login attempt from `ip` before checking it: doubling with every recent
    failure from that address past the first few, capped. A delay, never a refusal: behind a
    NAT or a misconfigured proxy one address is many people, and an account that has not
    failed must still get in (its own protection is the per-email limit)."""
    if not ip:
        return 0.0
    with session_scope() as session:
        extra = _failures_since(session, col(LoginAttempt.ip) == ip) - SLOWDOWN_FREE_FAILURES_PER_IP
    if extra < 0:
        return 0.0
    return min(SLOWDOWN_MAX_SECONDS, SLOWDOWN_FIRST_SECONDS * 2.0 ** min(extra, 16))


THROTTLED_MESSAGE = "Слишком много неудачных попыток входа. Попробуйте через 15 минут."


def login(*, email: str, password: str, ip: str = "", old_token: str = "") -> LoginResult:
    """Check the password and issue a new session; an old session of this browser is rotated out.
    With 2FA on, no session yet: a challenge for `complete_login` instead."""
    email = normalize_email(email)
    if not email or not password or not isinstance(password, str):
        raise DomainError("credentials_required", "Введите email и пароль")
    # Three steps, and the password check between two short transactions: a hash waits for a
    # free hashing slot (a storm of logins queues there), and a transaction held open meanwhile
    # would keep a pooled connection from everyone else's pages.
    with session_scope() as session:
        if _failures_since(session, col(LoginAttempt.email) == email) >= THROTTLE_MAX_FAILURES:
            raise DomainError("login_throttled", THROTTLED_MESSAGE)
        stored = session.exec(select(User.password_hash).where(User.email == email)).first()
    ok = verify_password(stored, password)
    fresh_hash = hash_password(password) if ok and stored is not None and needs_rehash(stored) else None
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        # A password changed while we checked the old one: the old one no longer opens the account.
        ok = ok and user is not None and user.password_hash == stored
        session.add(LoginAttempt(email=email, ip=ip, success=ok and not (user and user.is_blocked)))
        if not ok or user is None:
            session.commit()
            raise DomainError("invalid_credentials", "Неверный email или пароль")
        if user.is_blocked:
            session.commit()
            raise DomainError(
                "user_blocked", "Учётная запись заблокирована. Обратитесь в поддержку."
            )
        if fresh_hash is not None:
            user.password_hash = fresh_hash
        user_id = pk(user)
        if two_factor.is_enabled(session, user_id):
            return LoginResult(user_id=user_id, token="", challenge=_issue_challenge(session, user_id, ip))
        if old_token:
            session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == hash_token(old_token)))
        token = _issue_session(session, user_id=user_id, ip=ip)
        return LoginResult(user_id=user_id, token=token)


def _issue_challenge(session: Session, user_id: int, ip: str) -> str:
    challenge = secrets.token_urlsafe(32)
    now = utcnow()
    session.exec(delete(LoginChallenge).where(col(LoginChallenge.expires_at) <= now))
    session.add(LoginChallenge(user_id=user_id, token_hash=hash_token(challenge), ip=ip[:64],
                               created_at=now, expires_at=now + CHALLENGE_LIFETIME))
    return challenge


def complete_login(*, challenge: str, code: str, ip: str = "", old_token: str = "") -> LoginResult:
    """The second step: a TOTP code or a recovery code for the challenge the password step
    issued. Wrong codes count as failed logins of the account (the password's throttle)."""
    if not isinstance(challenge, str) or not challenge or len(challenge) > 128:
        raise DomainError("challenge_expired", "Время на ввод кода истекло. Войдите заново.")
    if not isinstance(code, str) or not code.strip():
        raise DomainError("code_required", "Введите код из приложения или код восстановления", field="code")
    with session_scope() as session:
        found = session.exec(select(LoginChallenge).where(
            LoginChallenge.token_hash == hash_token(challenge)).with_for_update()).first()
        user = session.get(User, found.user_id) if found is not None else None
        if found is None or found.expires_at <= utcnow() or user is None or user.is_blocked:
            raise DomainError("challenge_expired", "Время на ввод кода истекло. Войдите заново.")
        if _failures_since(session, col(LoginAttempt.email) == user.email) >= THROTTLE_MAX_FAILURES:
            session.delete(found)
            session.commit()
            raise DomainError("login_throttled", THROTTLED_MESSAGE)
        used = two_factor.verify_second_factor(session, user=user, code=code)
        session.add(LoginAttempt(email=user.email, ip=ip, success=used is not None))
        if used is None:
            session.commit()
            raise DomainError("code_wrong", "Неверный код", field="code")
        session.delete(found)
        if old_token:
            session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == hash_token(old_token)))
        return LoginResult(user_id=pk(user), token=_issue_session(session, user_id=pk(user), ip=ip))


def _issue_session(session: Session, *, user_id: int, ip: str = "") -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user_id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=get_settings().session_days),
            ip=ip[:64],
        )
    )
    return token


def logout(*, token: str) -> None:
    if not isinstance(token, str) or not token or len(token) > 128:
        return
    with session_scope() as session:
        session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == hash_token(token)))


def revoke_user_sessions(session: Session, *, user_id: int, keep_token: str = "") -> None:
    query = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
    if keep_token:
        query = query.where(col(AuthSession.token_hash) != hash_token(keep_token))
    session.exec(query)


def revoke_reset_links(session: Session, *, user_id: int) -> None:
    """Void every unused password reset link of the user: a link mailed before a password or
    email change must not undo that change (it may sit in a mailbox that is no longer theirs)."""
    session.exec(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.user_id) == user_id, col(PasswordResetToken.used_at).is_(None))
        .values(used_at=utcnow())
    )


def session_user(session: Session, token: str) -> tuple[User, bool] | None:
    """The active user behind a session token (unknown, expired or blocked: None) and whether
    their TOTP is on — in one query, because every protected handler and route asks it."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return None
    row = session.exec(
        select(User, TwoFactor.enabled_at)
        .join(AuthSession, col(AuthSession.user_id) == col(User.id))
        .outerjoin(TwoFactor, col(TwoFactor.user_id) == col(User.id))
        .where(col(AuthSession.token_hash) == hash_token(token), col(AuthSession.expires_at) > utcnow(),
               col(User.is_blocked).is_(False))
    ).first()
    return None if row is None else (row[0], row[1] is not None)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user behind a session token, or None (unknown, expired or blocked)."""
    found = session_user(session, token)
    return None if found is None else found[0]


def change_password(*, user_id: int, current: str, new: str, confirm: str, token: str) -> None:
    """Self-service change; every other session of the user is revoked."""
    validate_new_password(new, confirm)
    with session_scope() as session:
        stored = session.exec(select(User.password_hash).where(User.id == user_id)).first()
    # Both hashes outside any transaction (see `login`).
    if stored is None or not verify_password(stored, current or ""):
        raise DomainError("wrong_password", "Текущий пароль указан неверно", field="current")
    new_hash = hash_password(new)
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None or user.password_hash != stored:  # changed meanwhile, elsewhere
            raise DomainError("wrong_password", "Текущий пароль указан неверно", field="current")
        user.password_hash = new_hash
        revoke_user_sessions(session, user_id=user_id, keep_token=token)
        revoke_reset_links(session, user_id=user_id)


def create_admin(*, email: str, password: str, name: str = "Администратор") -> User:
    """Create an admin, or promote and reset the password of an existing account."""
    email = validate_email(email)
    validate_new_password(password, password)
    password_hash = hash_password(password)  # outside the transaction (see `login`)
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name=name, password_hash=password_hash, role=ROLE_ADMIN)
            session.add(user)
        else:
            user.role = ROLE_ADMIN
            user.password_hash = password_hash
            user.is_blocked = False
            revoke_reset_links(session, user_id=pk(user))
        session.flush()
        return user


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired sessions and old login attempts; returns sessions removed."""
    now = now or utcnow()
    with session_scope() as session:
        result = session.exec(delete(AuthSession).where(col(AuthSession.expires_at) <= now))
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.created_at) < now - timedelta(days=7)))
        return result.rowcount or 0
