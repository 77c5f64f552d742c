"""Customer API tokens: create, list, revoke, and resolve the caller behind a token.

A token is `ispgo_` + 43 URL-safe random characters; only its SHA-256 is stored, with the
first characters kept to tell tokens apart. Scopes: `read` (every GET) and `write`
(everything else).

What ends a token besides its owner and its expiry:
- blocking the customer revokes every token (`revoke_all`, called by the admin service);
  unblocking does not bring them back;
- a password change (by the customer, by an admin or by a reset link) revokes them too:
  each token keeps a fingerprint of the password hash it was created under, and a token
  whose fingerprint no longer matches is revoked the next time it is used or listed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from ispgo_portal.clock import MSK, as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.limits import TOKEN_NAME_MAX
from ispgo_portal.models import API_SCOPES, ApiToken, User, pk
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.errors import AccessDenied, DomainError, NotFound

TOKEN_PREFIX = "ispgo_"
SHOWN_CHARS = 12  # "ispgo_" + 6 random characters
NAME_MAX = TOKEN_NAME_MAX
MAX_TOKENS_PER_USER = 50
LAST_USED_PRECISION = timedelta(seconds=60)  # "last used" is written at most once a minute

REVOKE_REASONS = {
    "by_owner": "Отозван",
    "blocked": "Отозван: учётная запись заблокирована",
    "password_changed": "Отозван: пароль изменён",
}


@dataclass(frozen=True)
class CreatedToken:
    id: int
    token: str  # shown once, never stored
    prefix: str


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str
    status: str  # active | expired | revoked
    status_label: str


@dataclass(frozen=True)
class TokenCaller:
    """Who is calling the API, resolved from the database on every request."""

    token_id: int
    user_id: int
    name: str
    prefix: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def label(self) -> str:
        return f"API-токен «{self.name}» ({self.prefix}…)"


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_marker(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


# --- input -------------------------------------------------------------------------------

def parse_scopes(value: str | Iterable[str]) -> tuple[str, ...]:
    """'read,write' or ['read'] -> ('read', 'write'); unknown or none -> DomainError."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    scopes = {str(p).strip().lower() for p in parts if str(p).strip()}
    if not scopes:
        raise DomainError("scopes_required", "Выберите хотя бы одно право: чтение или изменение",
                          field="scopes")
    unknown = scopes - set(API_SCOPES)
    if unknown:
        raise DomainError("scopes_invalid", "Права токена: read (чтение) и write (изменение)",
                          field="scopes")
    return tuple(s for s in API_SCOPES if s in scopes)


def parse_expiry(text: str, *, today: date | None = None) -> datetime | None:
    """'2027-01-31' or '31.01.2027' -> the end of that Moscow day in UTC; '' -> no expiry."""
    raw = (text or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise DomainError("expiry_invalid", "Дата в формате ДД.ММ.ГГГГ", field="expires")
    today = today or utcnow().astimezone(MSK).date()
    if day < today:
        raise DomainError("expiry_past", "Срок действия не может быть в прошлом", field="expires")
    if day > today + timedelta(days=3 * 366):
        raise DomainError("expiry_too_far", "Срок действия — не больше трёх лет", field="expires")
    return as_utc(datetime.combine(day + timedelta(days=1), time(), MSK))


def _clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise DomainError("name_required", "Введите название токена", field="name")
    if len(name) > NAME_MAX:
        raise DomainError("name_too_long", f"Название — до {NAME_MAX} символов", field="name")
    return name


# --- operations --------------------------------------------------------------------------

def create_token(*, user_id: int, name: str, scopes: str | Iterable[str],
                 expires_at: datetime | None = None) -> CreatedToken:
    name, scope_list = _clean_name(name), parse_scopes(scopes)
    if expires_at is not None and as_utc(expires_at) <= utcnow():
        raise DomainError("expiry_past", "Срок действия не может быть в прошлом", field="expires")
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None or user.is_blocked:
            raise NotFound("Клиент не найден")
        active = session.exec(select(ApiToken.id).where(
            ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))).all()
        if len(active) >= MAX_TOKENS_PER_USER:
            raise DomainError("too_many_tokens",
                              f"Не больше {MAX_TOKENS_PER_USER} токенов: отзовите ненужные", field="name")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(user_id=user_id, name=name, token_hash=hash_api_token(token),
                       prefix=token[:SHOWN_CHARS], scopes=",".join(scope_list),
                       password_marker=password_marker(user.password_hash), expires_at=expires_at)
        session.add(row)
        session.flush()
        return CreatedToken(id=pk(row), token=token, prefix=row.prefix)


def create_token_for_email(*, email: str, name: str, scopes: str) -> CreatedToken:
    """For operators and scripts (`ispgo-portal create-token`)."""
    with session_scope() as session:
        user_id = session.exec(select(User.id).where(User.email == (email or "").strip().lower())).first()
    if user_id is None:
        raise NotFound("Клиент с таким email не найден")
    return create_token(user_id=user_id, name=name, scopes=scopes)


def _revoke_stale(session: Session, user: User, rows: Iterable[ApiToken]) -> None:
    """Tokens created under another password are revoked (see the module docstring)."""
    marker = password_marker(user.password_hash)
    for row in rows:
        if row.revoked_at is None and row.password_marker != marker:
            row.revoked_at, row.revoked_reason = utcnow(), "password_changed"
            session.add(row)


def _status(row: ApiToken, now: datetime) -> tuple[str, str]:
    if row.revoked_at is not None:
        return "revoked", REVOKE_REASONS.get(row.revoked_reason, "Отозван")
    if row.expires_at is not None and as_utc(row.expires_at) <= now:
        return "expired", "Срок действия истёк"
    return "active", "Действует"


def list_tokens(*, user_id: int) -> list[TokenView]:
    """The customer's tokens, newest first (revoked ones stay visible for the record)."""
    now = utcnow()
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Клиент не найден")
        rows = session.exec(select(ApiToken).where(ApiToken.user_id == user_id)
                            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).all()
        _revoke_stale(session, user, rows)
        views = []
        for row in rows:
            status, label = _status(row, now)
            views.append(TokenView(
                id=pk(row), name=row.name, prefix=row.prefix, scopes=tuple(row.scopes.split(",")),
                created_at=as_utc(row.created_at),
                expires_at=as_utc(row.expires_at) if row.expires_at else None,
                last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
                last_used_ip=row.last_used_ip, status=status, status_label=label))
        return views


def revoke_token(*, user_id: int, token_id: int) -> bool:
    """The owner revokes a token; False if it was revoked already. Someone else's: NotFound."""
    with session_scope() as session:
        row = session.get(ApiToken, token_id) if isinstance(token_id, int) else None
        if row is None or row.user_id != user_id:
            raise NotFound("Токен не найден")
        if row.revoked_at is not None:
            return False
        row.revoked_at, row.revoked_reason = utcnow(), "by_owner"
        session.add(row)
        return True


def revoke_all(session: Session, *, user_id: int, reason: str) -> int:
    """Inside the caller's transaction (blocking an account); returns how many were revoked."""
    result = session.exec(update(ApiToken)
                          .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
                          .values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount or 0


# --- authentication ------------------------------------------------------------------------

def _unauthorized(message: str) -> AccessDenied:
    return AccessDenied("unauthorized", message)


def authenticate(token: str, *, address: str = "") -> TokenCaller:
    """The caller behind a raw token, checked from the database on every request:
    unknown, revoked, expired, blocked owner or changed password -> AccessDenied('unauthorized')."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        raise _unauthorized("Нужен API-токен: заголовок Authorization: Bearer ispgo_…")
    now = utcnow()
    with session_scope() as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))).first()
        if row is None:
            raise _unauthorized("API-токен не найден")
        user = session.get(User, row.user_id)
        if user is None or user.is_blocked:
            raise _unauthorized("Учётная запись заблокирована. Обратитесь в поддержку.")
        _revoke_stale(session, user, [row])
        if row.revoked_at is not None:
            session.commit()  # a token found stale stays revoked
            raise _unauthorized(f"API-токен отозван ({REVOKE_REASONS.get(row.revoked_reason, 'Отозван')})")
        if row.expires_at is not None and as_utc(row.expires_at) <= now:
            raise _unauthorized("Срок действия API-токена истёк")
        seen = row.last_used_at
        if seen is None or now - as_utc(seen) >= LAST_USED_PRECISION or row.last_used_ip != address[:64]:
            row.last_used_at, row.last_used_ip = now, address[:64]
            session.add(row)
        return TokenCaller(token_id=pk(row), user_id=row.user_id, name=row.name, prefix=row.prefix,
                           scopes=frozenset(row.scopes.split(",")))


def record_api_action(*, caller: TokenCaller, action: str, target_type: str = "",
                      target_id: int | None = None, after: dict[str, Any] | None = None) -> None:
    """A money-moving API call in the audit trail, attributed to the token that made it."""
    with session_scope() as session:
        audit.record(session, admin_id=caller.user_id, action=action, target_type=target_type,
                     target_id=target_id, target_user_id=caller.user_id, after=after, reason=caller.label)
