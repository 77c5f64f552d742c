"""Every email goes through the outbox: recorded first, sent by a task, never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow
from ispgo_portal.models.enums import OutboxStatus, check_in


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_emails"
    __table_args__ = (check_in("outbox_emails", "status", OutboxStatus),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=255)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    template: str = Field(default="", max_length=40)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16, index=True)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=1000)
    # The same business event never produces two emails.
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(160), unique=True))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
