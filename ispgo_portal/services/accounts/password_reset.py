"""Self-service password reset: "Забыли пароль?" → a one-time link by email → new password.

* The answer to a request is the same whether or not the email is registered (and for a
  blocked account), so the form cannot be used to find out who is a customer.
* The token is `secrets.token_urlsafe(32)`; only its SHA-256 is stored. It works once and
  for an hour; using it also voids the other links sent to that account.
* A reset revokes every session of the account and clears its failed-login count (the
  owner of the mailbox has just proven who they are).
* At most MAX_REQUESTS_PER_HOUR emails per account per hour, silently: a stranger cannot
  flood someone's mailbox through the form.
* The link itself is in the outbox row (the worker has to send it); the outbox is readable
  only by admins, who can set a customer's password anyway, and the link dies within the hour.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TypeGuard

from sqlalchemy import delete, func, or_
from sqlmodel import col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import LoginAttempt, PasswordResetToken, User, pk
from ispgo_portal.services.accounts.auth import (
    hash_token,
    normalize_email,
    revoke_reset_links,
    revoke_user_sessions,
    validate_email,
    validate_new_password,
)
from ispgo_portal.services.accounts.passwords import hash_password
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.mail.notifications import queue_email
from ispgo_portal.settings import get_settings

RESET_TOKEN_TTL = timedelta(hours=1)
MAX_REQUESTS_PER_HOUR = 3
MAX_TOKEN_LENGTH = 128
CONFIRM_PATH = "/password-reset/confirm"


def invalid_link_error() -> DomainError:
    return DomainError("reset_link_invalid",
                       "Ссылка для восстановления пароля недействительна или устарела. Запросите новую.")


def reset_url_for(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}{CONFIRM_PATH}?token={token}"


def request_password_reset(*, email: str) -> None:
    """Email a one-time link if the account exists and may log in. Returns the same (nothing)
    either way; only a malformed address is an error, and that reveals nothing."""
    email = validate_email(email)
    now = utcnow()
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or user.is_blocked:
            return
        recent = session.exec(
            select(func.count()).select_from(PasswordResetToken).where(
                PasswordResetToken.user_id == user.id,
                PasswordResetToken.created_at > now - timedelta(hours=1),
            )
        ).one()
        if recent >= MAX_REQUESTS_PER_HOUR:
            return
        token = secrets.token_urlsafe(32)
        session.add(PasswordResetToken(user_id=pk(user), token_hash=hash_token(token), created_at=now,
                                       expires_at=now + RESET_TOKEN_TTL))
        queue_email(session, template="password_reset", to=user.email,
                    context={"name": user.name, "reset_url": reset_url_for(token)})


def _usable(row: PasswordResetToken | None, now: datetime) -> TypeGuard[PasswordResetToken]:
    return row is not None and row.used_at is None and row.expires_at > now


def _hash_or_none(token: str) -> str | None:
    token = (token or "").strip()
    return hash_token(token) if token and len(token) <= MAX_TOKEN_LENGTH else None


def reset_link_valid(*, token: str) -> bool:
    """For the confirm page: say at once that a link is dead instead of after the form."""
    token_hash = _hash_or_none(token)
    if token_hash is None:
        return False
    with session_scope() as session:
        row = session.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)).first()
        return _usable(row, utcnow())


def reset_password(*, token: str, password: str, password_confirm: str) -> None:
    """Set a new password with a reset link. The password is checked first, so a typo does
    not burn the link; the link then works exactly once."""
    validate_new_password(password or "", password_confirm or "")
    token_hash = _hash_or_none(token)
    if token_hash is None:
        raise invalid_link_error()
    if not reset_link_valid(token=token):  # a dead link costs no hash
        raise invalid_link_error()
    password_hash = hash_password(password)  # outside the transaction: a hash may wait for a slot
    now = utcnow()  # after the wait: a link that expired meanwhile is refused below
    with session_scope() as session:
        query = select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
        if is_postgres(session):
            query = query.with_for_update()  # two tabs submitting at once: one wins
        row = session.exec(query.execution_options(populate_existing=True)).first()
        if not _usable(row, now):
            raise invalid_link_error()
        user = session.get(User, row.user_id)
        if user is None or user.is_blocked:
            raise invalid_link_error()
        user.password_hash = password_hash
        session.add(user)
        revoke_reset_links(session, user_id=pk(user))  # this link and any other sent before
        revoke_user_sessions(session, user_id=pk(user))
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == normalize_email(user.email),
                                                col(LoginAttempt.success).is_(False)))


def purge_reset_tokens(*, now: datetime | None = None) -> int:
    """Delete links that can no longer be used (expired or used over a day ago)."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    with session_scope() as session:
        result = session.exec(delete(PasswordResetToken).where(
            or_(col(PasswordResetToken.expires_at) <= cutoff, col(PasswordResetToken.used_at) <= cutoff)
        ))
        return result.rowcount or 0
