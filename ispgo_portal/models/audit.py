"""What admins did, to whom, before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    admin_id: int = Field(foreign_key="users.id", index=True)
    action: str = Field(max_length=60, index=True)
    target_type: str = Field(default="", max_length=30)
    target_id: int | None = None
    target_user_id: int | None = Field(default=None, index=True)
    before: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
