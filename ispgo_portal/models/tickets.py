"""Support tickets, their messages and screenshots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow
from ispgo_portal.models.enums import TicketCategory, TicketPriority, TicketStatus, check_in

TICKET_CATEGORIES: dict[str, str] = {
    TicketCategory.TECHNICAL.value: "Техническая",
    TicketCategory.BILLING.value: "Биллинг",
    TicketCategory.GENERAL.value: "Общая",
    TicketCategory.LICENSE.value: "Лицензия",
    TicketCategory.OTHER.value: "Другое",
}
TICKET_PRIORITIES: dict[str, str] = {
    TicketPriority.LOW.value: "Низкий",
    TicketPriority.MEDIUM.value: "Средний",
    TicketPriority.HIGH.value: "Высокий",
}
TICKET_STATUSES: dict[str, str] = {
    TicketStatus.OPEN.value: "Открыт — ожидает ответа поддержки",
    TicketStatus.IN_PROGRESS.value: "В работе",
    TicketStatus.CLOSED.value: "Закрыт",
}


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_user_activity", "user_id", "last_activity_at"),
        Index("ix_tickets_status_activity", "status", "last_activity_at"),
        check_in("tickets", "status", TicketStatus),
        check_in("tickets", "category", TicketCategory),
        check_in("tickets", "priority", TicketPriority),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    category: str = Field(max_length=16)
    subject: str = Field(max_length=200)
    priority: str = Field(default=TicketPriority.MEDIUM, max_length=8)
    status: str = Field(default=TicketStatus.OPEN, max_length=16)
    replies_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})
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
