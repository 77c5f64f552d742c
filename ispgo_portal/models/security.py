"""Two-factor sign-in (TOTP): the encrypted secret, hashed recovery codes, and the short-lived
challenge that ties the password step of a login to its code step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow


class TwoFactor(SQLModel, table=True):
    """One row per user who started or finished enrolment. `secret` is Fernet-encrypted with
    SECRETS_KEY; enrolment is finished (2FA on) once `enabled_at` is set."""

    __tablename__ = "two_factor"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    secret: str = Field(sa_column=Column(Text, nullable=False))
    enabled_at: datetime | None = None
    # The last TOTP time step accepted: a code is good once, even within its 30 seconds.
    last_step: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code; only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class LoginChallenge(SQLModel, table=True):
    """The password was right; the session is issued only after the second factor.
    Only the challenge token's SHA-256 is stored."""

    __tablename__ = "login_challenges"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
