"""Support tickets, their messages and screenshots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow

TICKET_CATEGORIES = {
    "technical": "Техническая",
    "billing": "Биллинг",
    "general": "Общая",
    "license": "Лицензия",
    "other": "Другое",
}
TICKET_PRIORITIES = {"low": "Низкий", "medium": "Средний", "high": "Высокий"}
TICKET_STATUSES = {
    "open": "Открыт — ожидает ответа поддержки",
    "in_progress": "В работе",
    "closed": "Закрыт",
}


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_user_activity", "user_id", "last_activity_at"),
        Index("ix_tickets_status_activity", "status", "last_activity_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    category: str = Field(max_length=16)
    subject: str = Field(max_length=200)
    priority: str = Field(default="medium", max_length=8)
    status: str = Field(default="open", max_length=16)
    replies_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class TicketMessage(SQLModel, table=True):
    __tablename__ = "ticket_messages"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    author_id: int = Field(foreign_key="users.id")
    is_staff: bool = Field(default=False)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class TicketAttachment(SQLModel, table=True):
    """A screenshot stored outside any public folder under a random name."""

    __tablename__ = "ticket_attachments"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    message_id: int = Field(foreign_key="ticket_messages.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=32)
    size: int
    storage_name: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
