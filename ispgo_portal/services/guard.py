"""The one place that says who is calling. Every protected handler and route goes through it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ispgo_portal.db import session_scope
from ispgo_portal.models import ROLE_ADMIN, User, pk
from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.accounts.auth import session_user
from ispgo_portal.services.errors import AccessDenied


@dataclass(frozen=True)
class Caller:
    user_id: int
    email: str
    name: str
    role: str
    has_second_factor: bool = False  # TOTP is on: admins may act only with it
    balance: int = 0  # kopecks, as read with the session: for the page header only, never for money

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


SETUP_MESSAGE = ("Администраторам нужна двухфакторная защита: включите её в разделе «Безопасность», "
                 "затем откройте админку снова")


def resolve_caller(token: str) -> Caller | None:
    """The caller behind a session token, re-read from the database on every call (one query)."""
    with session_scope() as session:
        found = session_user(session, token)
        if found is None:
            return None
        user, has_second_factor = found
        return Caller(user_id=pk(user), email=user.email, name=user.name, role=user.role,
                      has_second_factor=has_second_factor, balance=user.balance)


def require_user(token: str) -> Caller:
    caller = resolve_caller(token)
    if caller is None:
        raise AccessDenied("not_authenticated", "Войдите в личный кабинет")
    return caller


def require_admin(token: str) -> Caller:
    caller = require_user(token)
    if not caller.is_admin:
        raise AccessDenied("forbidden", "Раздел доступен только администраторам")
    if not caller.has_second_factor:
        raise AccessDenied("second_factor_required", SETUP_MESSAGE)
    return caller


def acting_admin(session: Session, admin_id: int) -> User:
    """The admin behind a change, re-read inside the change's own transaction: a demoted or
    blocked admin acts no more even if a handler passed an id resolved a moment earlier."""
    admin = session.get(User, admin_id) if isinstance(admin_id, int) else None
    if admin is None or admin.is_blocked or admin.role != ROLE_ADMIN:
        raise AccessDenied("forbidden", "Раздел доступен только администраторам")
    if not two_factor.is_enabled(session, pk(admin)):
        raise AccessDenied("second_factor_required", SETUP_MESSAGE)
    return admin


def is_admin_with_second_factor(session: Session, user: User) -> bool:
    """May this user act as an admin right now (an admin who has enrolled TOTP)?"""
    return user.role == ROLE_ADMIN and not user.is_blocked and two_factor.is_enabled(session, pk(user))
