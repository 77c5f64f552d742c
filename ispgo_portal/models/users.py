"""Accounts, sessions and login bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow
from ispgo_portal.models.enums import Role, check_in

ROLE_CUSTOMER = Role.CUSTOMER
ROLE_ADMIN = Role.ADMIN


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (check_in("users", "role", Role),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=ROLE_CUSTOMER, max_length=16)
    is_blocked: bool = Field(default=False)
    # Money in kopecks. balance may be negative down to -credit_limit.
    balance: int = Field(default=0, sa_type=BigInteger)
    credit_limit: int = Field(default=0, sa_type=BigInteger)
    discount_percent: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


class AuthSession(SQLModel, table=True):
    """A server-issued login session; only the token's SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ip: str = Field(default="", max_length=64)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "created_at"),
        Index("ix_login_attempts_ip_at", "ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(default="", max_length=64)
    success: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class PasswordResetToken(SQLModel, table=True):
    __tablename__ = "password_reset_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
