"""Customer REST API: access tokens and stored answers to idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow

API_SCOPES = {"read": "Чтение", "write": "Изменение"}


class ApiToken(SQLModel, table=True):
    """A customer's API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)  # the first characters, shown to tell tokens apart
    scopes: str = Field(max_length=32)  # "read" or "read,write"
    # Fingerprint of the password hash at creation: a password change ends the token.
    password_marker: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    last_used_ip: str = Field(default="", max_length=64)
    revoked_at: datetime | None = None
    revoked_reason: str = Field(default="", max_length=32)  # by_owner | blocked | password_changed


class ApiIdempotencyKey(SQLModel, table=True):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for 24 hours.
    The row is inserted before the work starts, so one key has one effect."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status: str = Field(default="processing", max_length=16)  # processing | done
    response_status: int = Field(default=0)
    response_body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, index=True)
